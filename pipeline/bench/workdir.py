"""The benchmark's work directory: kept after a failure (its logs say why), removed after a success unless asked."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def work_directory(workdir: Path, *, keep: bool) -> Iterator[Callable[[], bool]]:
    """Remove ``workdir`` when the block ends normally, unless ``keep``; yields "was it kept?" for afterwards.

    After an exception the directory stays (its logs say what went wrong) and a note naming it is
    added to the exception.
    """
    kept = [True]
    try:
        yield lambda: kept[0]
    except BaseException as exc:
        exc.add_note(f"the benchmark's logs and data are kept in {workdir}")
        raise
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)
        kept[0] = False
