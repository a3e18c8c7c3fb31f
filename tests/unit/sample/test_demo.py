"""The bundled demo stream."""

from __future__ import annotations

from pipeline.sample import DEMO_STREAM_PATH, demo_stream, read_demo_stream
from pipeline.sample.demo import DEMO_INVALID, DEMO_VALID
from tests.unit.sample.helpers import dev_rows, split


def test_demo_file_is_the_generators_output() -> None:
    assert DEMO_STREAM_PATH.stat().st_size <= 3_000_000
    assert list(read_demo_stream()) == list(demo_stream()), "rebuild it: tools/build_demo_stream.py"


def test_demo_stream_properties() -> None:
    lines = list(read_demo_stream())
    assert len(lines) == DEMO_VALID + DEMO_INVALID == 3060
    assert len(set(lines)) == len(lines)
    valid, rejected = split(lines)
    assert len(valid) == 3000 and len(rejected) == 60
    ids = [e.id for e in valid]
    assert len(set(ids)) == len(ids)
    kinds = {e.kind.value for e in valid}
    assert kinds == {"post", "comment", "repost", "article"}
    assert {e.platform.value for e in valid} == {"weibo", "wechat", "tieba", "qq", "xiaohongshu"}
    assert not {e.text for e in valid} & {str(r["text"]) for r in dev_rows()}
