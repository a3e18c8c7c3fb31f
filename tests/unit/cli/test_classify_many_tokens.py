"""``sociallisten classify`` on a stream with far more distinct tokens than the keyword cache holds.

Before the fix the command stopped with ``KeyError`` after the batch in which the keyword-weight
cache (:data:`pipeline.text.keywords.CACHE_SIZE` tokens) filled up. This stream passes that bound
about six times, with the real default bound.
"""

from __future__ import annotations

import json
import string

from typer.testing import CliRunner

from pipeline.cli import _register, app
from pipeline.text import get_analyzer
from pipeline.text.keywords import CACHE_SIZE
from pipeline.text.normalize import ANALYSED_CHARS
from tests.unit.text._support import DEV_LEXICON

LINES = 24_000
NEW_WORDS = 45
"""Distinct new Latin words per line: 1.08 million in the stream, over five times the cache; a line's
own words stay within the analysed window (``ANALYSED_CHARS``), so every one of them is weighed."""


def _b36(n: int) -> str:
    digits = string.digits + string.ascii_lowercase
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _line(i: int) -> bytes:
    """One long, unusual but valid line: distinct @-names, a ``//@`` chain and 45 words never seen before."""
    names = " ".join(f"@粉丝{_b36(i * 8 + j)}" for j in range(8))
    words = " ".join(f"q{i * NEW_WORDS + j}" for j in range(NEW_WORDS))  # digits: never a brand name
    chain = "".join(f"//@转发{_b36(i * 3 + j)}:转发微博" for j in range(3))
    text = f"收到货了，质量不错，特仑苏还是那么好喝 {names} {words}{chain}"
    if i % 10 == 0:  # some full events, with a title
        event = {"id": f"weibo:{4490000000 + i}", "platform": "weibo", "kind": "post",
                 "author": {"id": str(i), "name": f"用户{_b36(i)}"}, "title": f"标题{i}", "text": text,
                 "created_at": "2024-05-01T12:00:00+08:00"}
        return json.dumps(event, ensure_ascii=False).encode()
    return json.dumps({"id": f"x{i}", "text": text}, ensure_ascii=False).encode()


def test_classify_passes_the_keyword_cache_bound_several_times_without_an_error() -> None:
    _register()  # every command, as the console script has them
    assert LINES * NEW_WORDS >= 5 * CACHE_SIZE
    assert len(json.loads(_line(LINES - 1))["text"].split("//")[0]) <= ANALYSED_CHARS
    data = b"\n".join(_line(i) for i in range(LINES)) + b"\n"
    result = CliRunner().invoke(app, ["classify", "--lexicon", str(DEV_LEXICON)], input=data)
    assert result.exception is None, result.exception
    assert result.exit_code == 0, result.stderr[-2000:]
    assert f"classified {LINES} lines (0 errors)" in result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == LINES
    assert not [o for o in out if "error" in o][:1]
    assert [o["id"] for o in out[:11]] == ["weibo:4490000000", *(f"x{i}" for i in range(1, 10)), "weibo:4490000010"]
    assert out[-1]["id"] == f"x{LINES - 1}"
    assert all(o["brands"] == ["蒙牛"] for o in out)  # 特仑苏, in every line
    assert 0 < get_analyzer(DEV_LEXICON).keywords.cached <= CACHE_SIZE
