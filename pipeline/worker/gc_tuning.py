"""Garbage-collector settings for the worker's long-lived processes.

A batch creates and drops tens of thousands of small containers (tokens, rows, events). With
CPython's default thresholds the cyclic collector runs every 700 new containers, and its
older-generation passes walk every long-lived object - the analyser's dictionaries and
automata, Faust's and the Kafka client's state - again and again: measured here, that made
unpickling a batch about three times slower and the text analysis about a third slower.
Nothing in a batch forms reference cycles that need the collector (reference counting frees
it), so after start-up the long-lived objects are frozen out of collection and the young
generation is collected less often. Memory stays bounded: the collector still runs.

The young generation is collected once 200,000 more containers are alive than at the last
collection: more than a batch in flight creates (about 90,000 for 4,000 events), so a batch is
mostly freed by reference counting before a collection would walk it. With 50,000, a 30,000-event
full stage made 13 young collections in the worker and as many in the analysis process, about
0.3 s of CPU in each (10 µs an event each); with 200,000, none or one. The middle generation is
collected every :data:`OLDER_THRESHOLD` young collections instead of every 10: each walked a whole
batch in flight (0.25 s in the same stage). Cycles that die young are still found by the young
collections; the rest wait longer for theirs.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 200_000
OLDER_THRESHOLD = 100


def quiet_gc() -> None:
    """Freeze the objects alive now (start-up state) and collect the young and middle generations less often."""
    gc.collect()
    gc.freeze()
    oldest = gc.get_threshold()[2]
    gc.set_threshold(YOUNG_THRESHOLD, OLDER_THRESHOLD, oldest)
