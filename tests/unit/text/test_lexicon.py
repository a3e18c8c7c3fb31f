"""The lexicon loader: valid files, and errors that name the file and the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import LexiconError, SocialListenError
from pipeline.text import Brand, Lexicon, load_lexicon
from tests.unit.text._support import DEV_LEXICON

BUNDLED = Path(__file__).resolve().parents[3] / "pipeline" / "data" / "lexicon.yaml"


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "lexicon.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_dev_and_bundled_lexicons_load() -> None:
    for path in (DEV_LEXICON, BUNDLED):
        lex = load_lexicon(path)
        assert isinstance(lex, Lexicon)
        assert lex.own_brands == ("蒙牛",)
        assert "伊利" in lex.competitors and "蒙牛" not in lex.competitors
    brand = load_lexicon(DEV_LEXICON).brand("苹果")
    assert isinstance(brand, Brand)
    assert "iphone" in brand.terms and "苹果" in brand.ambiguous  # built-in rule: 苹果 the fruit


def test_terms_are_normalised(tmp_path: Path) -> None:
    body = "brands:\n  - name: 蘋果\n    own: true\n    aliases: [IPHONE, ＭａｃＢｏｏｋ]\n"
    lex = load_lexicon(_write(tmp_path, body))
    assert lex.brands[0].terms == ("苹果", "iphone", "macbook")


def test_missing_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "brands:\n  - name: 蒙牛\n    own: true\n  - aliases: [yili]\n")
    with pytest.raises(LexiconError) as err:
        load_lexicon(path)
    assert str(path) in str(err.value) and "brands[1]" in str(err.value) and "name" in str(err.value)


def test_duplicate_alias_across_brands(tmp_path: Path) -> None:
    body = "brands:\n  - name: 蒙牛\n    own: true\n    aliases: [金典]\n  - name: 伊利\n    aliases: [安慕希, 金典]\n"
    path = _write(tmp_path, body)
    with pytest.raises(LexiconError) as err:
        load_lexicon(path)
    message = str(err.value)
    assert str(path) in message and "金典" in message and "伊利" in message and "蒙牛" in message


def test_duplicate_alias_differing_only_in_case_or_script(tmp_path: Path) -> None:
    body = "brands:\n  - name: 华为\n    own: true\n    aliases: [Huawei]\n  - name: 荣耀\n    aliases: [HUAWEI]\n"
    with pytest.raises(LexiconError, match="huawei"):
        load_lexicon(_write(tmp_path, body))


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("", "empty"),
        ("brands: 蒙牛\n", "must be a list"),
        ("brands:\n  - name: 蒙牛\n    aliases: 特仑苏\n    own: true\n", "'aliases' must be a list"),
        ("brands:\n  - name: 蒙牛\n  - name: 伊利\n", "own: true"),
        ("brands:\n  - name: 蒙牛\n    own: yes please\n", "'own' must be true or false"),
        ("brands:\n  - name: 蒙牛\n    own: true\n    alias: [x]\n", "unknown key"),
        ("brands: [\n  - name\n", "not valid YAML"),
        ("- 蒙牛\n- 伊利\n", "top level"),
    ],
)
def test_invalid_files(tmp_path: Path, body: str, needle: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(LexiconError) as err:
        load_lexicon(path)
    assert needle in str(err.value) and str(path) in str(err.value)
    assert isinstance(err.value, SocialListenError)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="cannot read"):
        load_lexicon(tmp_path / "nope.yaml")


def test_ambiguity_switches(tmp_path: Path) -> None:
    body = (
        "brands:\n"
        "  - name: 苹果\n    own: true\n    ambiguous: false\n"
        "  - name: 小熊\n    ambiguous: true\n    context: [电器, 酸奶机]\n"
        "  - name: 牧场\n    aliases: [蓝天牧场]\n    ambiguous: [蓝天牧场]\n"
    )
    lex = load_lexicon(_write(tmp_path, body))
    assert lex.brand("苹果").ambiguous == ()
    assert lex.brand("小熊").ambiguous == ("小熊",) and "酸奶机" in lex.brand("小熊").rules["小熊"].context
    assert lex.brand("牧场").ambiguous == ("蓝天牧场",)
    with pytest.raises(LexiconError, match="not names of this brand"):
        load_lexicon(_write(tmp_path, "brands:\n  - name: 蒙牛\n    own: true\n    ambiguous: [伊利]\n"))
