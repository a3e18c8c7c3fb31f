"""Text analysis off the event loop's core: processes beside the worker.

The text analysis is the largest share of the worker's CPU (about 300 µs an event in the
benchmark, against roughly as much again for fetching, validation, rows and storage together).
Running it in other processes lets it overlap with the worker's own work: while the analysers
work on one batch, the worker process gathers, validates and stores the others. Only texts go
over (and analyses come back), so the transfer is small next to the work. With
``SOCIALLISTEN_ANALYSIS_PROCESSES=0`` the analysis runs on a thread of the worker process instead.

Identical texts of a batch (reposts that say 转发微博, a copied slogan) go over once. With more
than one process, every batch is shared out among them: each analyses a slice of its distinct
texts, so one batch's analysis takes a fraction of the time, and the worker's own work fills the
gaps in between (README, Benchmark: "Two analysis processes").

Faults (docs/worker.md, Failures):

- The analyser raising (a bug or a text it cannot handle) never fails a batch: the batch is
  analysed again text by text in the same process (:func:`analyze_each`), and each text that
  still raises gets an error string in place of its analysis, which the worker dead-letters
  (stage ``enrich``, reason ``analysis_error``) while it stores the rest of the batch.
- A text whose analysis runs over ``SOCIALLISTEN_ANALYSIS_EVENT_SECONDS`` is dead-lettered the
  same way with reason ``analysis_timeout`` (:mod:`pipeline.worker.budget`).
- A crashed analysis process (say, killed for memory) is replaced and the batch sent again;
  if the replacement dies on it too, the batch is analysed in the worker process, so the
  stream never stops on it (a text that kills whichever process analyses it therefore ends the
  worker as well: its supervisor restarts it and the batch is read again).

The analysis processes never outlive the worker (:mod:`pipeline.local.child_guard`): killed with
it on Linux, ending within :data:`~pipeline.local.child_guard.POLL_SECONDS` elsewhere. Only the
worker stops them: they ignore SIGTERM and SIGINT, which reach them too when the whole process
group or cgroup is signalled (Ctrl-C in a terminal, systemd's default ``KillMode``), and finish
their batch, so the stopping worker can store and commit the batches it holds; its graceful stop
then closes the pool (each process ends after its current batch).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.local.child_guard import guard_child
from pipeline.text.analysis import Analysis
from pipeline.worker.allocator import Trimmer, limit_arenas
from pipeline.worker.budget import AnalysisTimeout, batch_allowance, deadline, timeout_error
from pipeline.worker.gc_tuning import quiet_gc

if TYPE_CHECKING:  # the analyser's libraries load in the processes that analyse, not in the worker
    from pipeline.text.analyzer import TextAnalyzer

log = logging.getLogger(__name__)


def analyze_texts(
    analyzer: TextAnalyzer, texts: list[str], titles: list[str], budget: float | None = None
) -> list[Analysis | str]:
    """Analyses in input order; never raises: a text that breaks the analyzer gives an error string.

    Identical (text, title) pairs of a batch are analysed once and share the (read-only) result:
    reposts often carry the same text (转发微博, a copied slogan), about 8 % of a batch of the
    bundled Weibo stream. ``budget``: seconds each text may take (see :func:`analyze_each`).
    """
    slices, order = distinct_slices(texts, titles, 1)
    if not slices:
        return []
    distinct_texts, distinct_titles = slices[0]
    if len(distinct_texts) == len(texts):
        return analyze_each(analyzer, texts, titles, budget)
    done = analyze_each(analyzer, distinct_texts, distinct_titles, budget)
    return [done[i] for i in order]


def distinct_slices(
    texts: list[str], titles: list[str], parts: int
) -> tuple[list[tuple[list[str], list[str]]], list[int]]:
    """The distinct (text, title) pairs of a batch in up to ``parts`` slices of near-equal size.

    Returns the slices (texts, titles) and, for every input, the index of its pair among the
    distinct ones in slice order: the analyses of the slices, concatenated, indexed by it give
    the analyses of the batch in input order.
    """
    first: dict[tuple[str, str], int] = {}
    order = [first.setdefault(pair, len(first)) for pair in zip(texts, titles, strict=True)]
    pairs = list(first)
    size = max(1, -(-len(pairs) // max(1, parts)))
    slices = [pairs[i : i + size] for i in range(0, len(pairs), size)]
    return [([t for t, _ in part], [h for _, h in part]) for part in slices], order


def analyze_each(
    analyzer: TextAnalyzer, texts: list[str], titles: list[str], budget: float | None = None
) -> list[Analysis | str]:
    """Analyses in input order, every text analysed (for texts already distinct).

    Never raises, like :func:`analyze_texts`. With a ``budget`` (seconds per text), a batch that
    runs over its allowance (:func:`~pipeline.worker.budget.batch_allowance`) is analysed text
    by text, and a text that runs over the budget gets :func:`~pipeline.worker.budget.timeout_error`.
    """
    allowance = batch_allowance(budget, len(texts))
    started = time.perf_counter()
    try:
        with deadline(allowance):
            done: list[Analysis | str] = list(analyzer.analyze_batch(texts, titles=titles))
        if allowance is None or time.perf_counter() - started <= allowance:
            return done
        log.warning("analysing a batch of %d texts took over %.1f s; analysing them one by one", len(texts), allowance)
    except AnalysisTimeout:
        log.warning("analysing a batch of %d texts ran over %.1f s; analysing them one by one", len(texts), allowance)
    except Exception as exc:
        log.warning("batch analysis failed (%s: %s); analysing event by event to isolate the bad text",
                    type(exc).__name__, exc, exc_info=True)
    return [analyze_one(analyzer, text, title, budget) for text, title in zip(texts, titles, strict=True)]


def analyze_one(analyzer: TextAnalyzer, text: str, title: str, budget: float | None = None) -> Analysis | str:
    """The analysis of one text, or an error string if it raised or ran over ``budget`` seconds."""
    started = time.perf_counter()
    try:
        with deadline(budget):
            an = analyzer.analyze(text, title=title)
    except AnalysisTimeout:
        return timeout_error(budget or 0.0)
    except Exception as exc:  # poison text: keep the worker alive, keep the bytes
        return f"{type(exc).__name__}: {exc}"
    if budget and time.perf_counter() - started > budget:  # no timer in this thread: measured instead
        return timeout_error(budget)
    return an


_analyzer: TextAnalyzer | None = None
_budget: float | None = None
_trimmer = Trimmer(0.0)


def _init(lexicon: str, parent_pid: int, budget: float | None = None, arenas: int = 0, trim_seconds: float = 0.0
          ) -> None:
    global _analyzer, _budget, _trimmer
    limit_arenas(arenas)  # before anything allocates much (docs/worker.md, Memory)
    _budget, _trimmer = budget, Trimmer(trim_seconds)
    guard_child(parent_pid)  # first: a worker killed from here on takes this process with it
    for stop in (signal.SIGINT, signal.SIGTERM):  # for the worker, which closes the pool when it has finished
        signal.signal(stop, signal.SIG_IGN)
    logging.getLogger().setLevel(logging.WARNING)
    from pipeline.text.analyzer import get_analyzer
    from pipeline.text.segment import release_module_dictionary

    _analyzer = get_analyzer(Path(lexicon))
    release_module_dictionary()  # this process segments with its analyser's own dictionary only
    quiet_gc()


SHARED_FIELDS = ("tokens", "keywords", "signals", "brands", "competitors", "hashtags", "mentions", "emoticons",
                 "repost_chain", "urls")
"""The lists of strings of an :class:`Analysis` whose equal values :func:`share_strings` makes one object."""


def share_strings(analyses: list[Analysis | str]) -> list[Analysis | str]:
    """Make equal strings of a batch's analyses one object (in place); returns ``analyses``.

    A batch repeats most of its words (tokens, keywords, signals, brands), but the segmenter makes a
    new string for each occurrence. Pickling a batch writes an object it has written before as a
    reference, so the batch crosses to the worker with each distinct string once, and the worker
    holds one object per distinct string while the batch is in flight instead of one per
    occurrence: about 40 % of an analysis's memory there (docs/worker.md, Memory).
    """
    memo: dict[str, str] = {}
    one = memo.setdefault
    for an in analyses:
        if isinstance(an, Analysis):
            for name in SHARED_FIELDS:
                values = getattr(an, name)
                if values:
                    setattr(an, name, [one(v, v) for v in values])
    return analyses


def _run(texts: list[str], titles: list[str]) -> list[Analysis | str]:
    assert _analyzer is not None, "analysis process not initialised"
    _trimmer.maybe_trim()  # what the batches before this one left free goes back to the system
    # the worker sends each distinct text once (_spread); the analyses go back with each distinct word once
    return share_strings(analyze_each(_analyzer, texts, titles, _budget))


class AnalysisPool:
    """Analyse batches of texts in ``processes`` worker processes (0 = a thread here).

    Start it, and analyse, from a thread that lives as long as the pool (the worker's event loop
    thread): on Linux the processes are killed when the thread that started them ends.
    """

    def __init__(self, lexicon: Path, processes: int = 1, budget: float | None = None, *, malloc_arenas: int = 0,
                 trim_seconds: float = 0.0) -> None:
        """Describe the pool (nothing starts yet); ``budget``: seconds each text may take (None: no limit).

        ``malloc_arenas`` and ``trim_seconds``: the processes' allocator settings (:mod:`pipeline.worker.allocator`).
        """
        self.lexicon = lexicon
        self.processes = processes
        self.budget = budget or None
        self.allocator = (malloc_arenas, trim_seconds)
        self._executor: Executor | None = None
        self._local: TextAnalyzer | None = None
        self._local_lock = threading.Lock()

    def _make(self) -> Executor:
        if self.processes <= 0:
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="analysis")
        ctx = multiprocessing.get_context("spawn")  # never fork a process that runs threads
        return ProcessPoolExecutor(self.processes, mp_context=ctx, initializer=_init,
                                   initargs=(str(self.lexicon), os.getpid(), self.budget, *self.allocator))

    def _local_analyzer(self) -> TextAnalyzer:
        with self._local_lock:
            if self._local is None:
                from pipeline.text.analyzer import get_analyzer  # only when the worker analyses itself

                self._local = get_analyzer(self.lexicon)
            return self._local

    def _analyze_here(self, texts: list[str], titles: list[str]) -> list[Analysis | str]:
        return analyze_texts(self._local_analyzer(), texts, titles, self.budget)

    def launch(self) -> list[Future[object]]:
        """Start the processes now, from this thread, without waiting for them.

        Returns:
            One future per process, done when it has loaded the analyser (a few seconds);
            none when the pool was started before.
        """
        if self._executor is not None:
            return []
        self._executor = self._make()
        if self.processes <= 0:
            return [self._executor.submit(self._local_analyzer)]
        # one task each, submitted together: every process starts now, in this thread
        return [self._executor.submit(_run, ["预热"], [""]) for _ in range(self.processes)]

    def start(self) -> None:
        """Start the processes and wait until they have loaded the analyser (takes a few seconds)."""
        for done in self.launch():
            done.result()

    async def analyze(self, texts: list[str], titles: list[str]) -> list[Analysis | str]:
        """Analyses in input order (an error string for a text that broke the analyser)."""
        if not texts:
            return []
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(asyncio.wrap_future(done) for done in self.launch()))
        assert self._executor is not None
        if self.processes <= 0:
            return await loop.run_in_executor(self._executor, self._analyze_here, texts, titles)
        for attempt in (1, 2):
            try:
                return await self._spread(loop, texts, titles)
            except BrokenProcessPool:
                log.error("the analysis process died (attempt %d); starting a new one", attempt)
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._make()
        log.error("analysing this batch in the worker process instead")
        return await loop.run_in_executor(None, self._analyze_here, texts, titles)

    async def _spread(
        self, loop: asyncio.AbstractEventLoop, texts: list[str], titles: list[str]
    ) -> list[Analysis | str]:
        """One batch over all the processes: its distinct texts, one slice per process."""
        slices, order = distinct_slices(texts, titles, self.processes)
        parts = await asyncio.gather(
            *(loop.run_in_executor(self._executor, _run, part_texts, part_titles) for part_texts, part_titles in slices)
        )
        done = [an for part in parts for an in part]
        return done if len(done) == len(texts) else [done[i] for i in order]

    def close(self) -> None:
        """Stop the processes."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
