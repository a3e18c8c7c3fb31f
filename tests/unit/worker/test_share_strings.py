"""share_strings: a batch's analyses keep their values and pickle each distinct word once."""

from __future__ import annotations

import copy
import pickle

from pipeline.text import Analysis
from pipeline.worker.analysis_pool import SHARED_FIELDS, share_strings
from tests.unit.text._support import analyzer

TEXTS = ["收到货了，质量不错，已经回购第三次", "质量不错，物流太慢了，已经回购", "物流太慢了，一周还没发货，质量不错"]


def _fresh(done: list[Analysis | str]) -> list[Analysis | str]:
    """The analyses as the segmenter leaves them: every word its own object (a pickle round trip undoes sharing)."""
    out = copy.deepcopy(done)
    for an in out:
        if isinstance(an, Analysis):
            an.tokens = ["".join(list(t)) for t in an.tokens]  # new objects of equal value
    return out


def test_equal_words_become_one_object_and_the_values_stay() -> None:
    done: list[Analysis | str] = [*analyzer().analyze_batch(TEXTS, titles=["", "", ""]), "ValueError: bad text"]
    before = _fresh(done)
    plain = pickle.dumps(before)
    shared = share_strings(_fresh(done))
    assert shared == before  # same values, the error string untouched
    first, second = shared[0], shared[1]
    assert isinstance(first, Analysis) and isinstance(second, Analysis)
    common = set(first.tokens) & set(second.tokens)
    assert "质量" in common
    by_value = {t: t for t in first.tokens}
    assert all(by_value[t] is t for t in second.tokens if t in common)  # one object per word across the batch
    assert len(pickle.dumps(shared)) < len(plain)
    assert pickle.loads(pickle.dumps(shared)) == before
    assert {"tokens", "keywords", "brands", "signals"} <= set(SHARED_FIELDS)
