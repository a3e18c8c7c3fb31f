"""The brand lexicon: which brands to look for, under which names, and which one is ours.

File format (YAML)::

    brands:
      - name: 蒙牛                  # canonical name (required, unique)
        own: true                   # the brand we listen for (at least one); others are competitors
        aliases: [特仑苏, mengniu]   # other names, any script or case (optional)
        products: [优益C, 未来星]    # product names that identify the brand (optional)
        ambiguous: true             # the name is also a common word: count it only with context
                                    # (true = every name of the brand that is a common word per the
                                    # built-in list, or the canonical name; or a list of names; false
                                    # switches the built-in rules off)
        context: [牛奶, 酸奶]        # extra words that confirm the brand sense near an ambiguous name
        anti_context: [吃, 甜]       # extra words that signal the common-word sense
        exclude: [光明正大]          # phrases containing a name that never mean the brand

Every term is normalised like text (simplified script, half width, lower case). The
built-in rules for names that are also common words (苹果 the fruit, 小米 the grain,
美的 "beautiful", 光明 "light", 神舟 the spacecraft, ...) and common misspellings
(宏基 for 宏碁, 特伦苏 for 特仑苏) live in ``data/ambiguous_brands.yaml`` and apply to any
lexicon that uses those names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import LexiconError
from pipeline.text.normalize import normalize_term

DATA_DIR = Path(__file__).resolve().parent / "data"
AMBIGUOUS_FILE = DATA_DIR / "ambiguous_brands.yaml"

_KEYS = {"name", "own", "aliases", "products", "ambiguous", "context", "anti_context", "exclude"}


@dataclass(frozen=True, slots=True)
class AmbiguityRule:
    """How to tell the brand sense of a name from its common-word sense."""

    context: tuple[str, ...] = ()
    anti_context: tuple[str, ...] = ()
    needs_context: bool = True
    models: bool = False


@dataclass(frozen=True, slots=True)
class Brand:
    """One brand of the lexicon; ``terms`` are its normalised names (name, aliases, products)."""

    name: str
    own: bool = False
    aliases: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    anti_context: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    rules: dict[str, AmbiguityRule] = field(default_factory=dict, compare=False, hash=False)
    variants: tuple[str, ...] = ()

    @property
    def terms(self) -> tuple[str, ...]:
        """Every normalised name that identifies this brand, canonical name first."""
        seen: dict[str, None] = {normalize_term(self.name): None}
        for term in (*self.aliases, *self.products, *self.variants):
            seen.setdefault(term, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The brands to detect; loaded from YAML with :func:`load_lexicon`."""

    brands: tuple[Brand, ...]
    path: Path | None = None

    def __iter__(self) -> Iterator[Brand]:
        return iter(self.brands)

    def __len__(self) -> int:
        return len(self.brands)

    @property
    def own_brands(self) -> tuple[str, ...]:
        """Canonical names of the brands we listen for."""
        return tuple(b.name for b in self.brands if b.own)

    @property
    def competitors(self) -> tuple[str, ...]:
        """Canonical names of every other brand."""
        return tuple(b.name for b in self.brands if not b.own)

    def brand(self, name: str) -> Brand:
        """The brand with canonical ``name`` (KeyError when absent)."""
        for b in self.brands:
            if b.name == name:
                return b
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class BuiltinAmbiguity:
    """The built-in knowledge of brand names that are also common words."""

    rules: dict[str, AmbiguityRule]
    exclude: tuple[str, ...]
    generic_context: tuple[str, ...]
    variants: dict[str, str]


@lru_cache(maxsize=1)
def builtin_ambiguity() -> BuiltinAmbiguity:
    """Rules from ``data/ambiguous_brands.yaml`` (normalised term -> rule) and exclusion phrases."""
    raw = yaml.safe_load(AMBIGUOUS_FILE.read_text(encoding="utf-8")) or {}
    generic = [normalize_term(w) for w in raw.get("generic_context", [])]
    rules: dict[str, AmbiguityRule] = {}
    for term, spec in (raw.get("terms") or {}).items():
        spec = spec or {}
        rules[normalize_term(str(term))] = AmbiguityRule(
            context=tuple(dict.fromkeys([*generic, *(normalize_term(w) for w in spec.get("context", []))])),
            anti_context=tuple(normalize_term(w) for w in spec.get("anti_context", [])),
            needs_context=bool(spec.get("needs_context", True)),
            models=bool(spec.get("models", False)),
        )
    exclude = tuple(normalize_term(w) for w in raw.get("exclude", []))
    variants = {normalize_term(str(k)): normalize_term(str(v)) for k, v in (raw.get("variants") or {}).items()}
    return BuiltinAmbiguity(
        rules=rules, exclude=exclude, generic_context=tuple(dict.fromkeys(generic)), variants=variants
    )


def _str_list(value: Any, path: Path, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise LexiconError(f"{path}: {where}: '{key}' must be a list of strings, got {value!r:.80}")
    out = [normalize_term(str(v)) for v in value]
    if any(not t for t in out):
        raise LexiconError(f"{path}: {where}: '{key}' contains an empty name")
    return tuple(dict.fromkeys(out))


def _parse_brand(entry: Any, index: int, path: Path) -> Brand:
    where = f"brands[{index}]"
    if not isinstance(entry, dict):
        raise LexiconError(f"{path}: {where}: each brand must be a mapping with a 'name', got {entry!r:.80}")
    name = entry.get("name")
    if name is None or (isinstance(name, str) and not name.strip()):
        raise LexiconError(f"{path}: {where}: missing 'name' (entry {entry!r:.80})")
    if not isinstance(name, str | int):
        raise LexiconError(f"{path}: {where}: 'name' must be a string, got {name!r:.80}")
    name = str(name).strip()
    where = f"brand {name!r} ({where})"
    unknown = set(entry) - _KEYS
    if unknown:
        raise LexiconError(f"{path}: {where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    own = entry.get("own", False)
    if not isinstance(own, bool):
        raise LexiconError(f"{path}: {where}: 'own' must be true or false, got {own!r:.40}")
    aliases = _str_list(entry.get("aliases"), path, where, "aliases")
    products = _str_list(entry.get("products"), path, where, "products")
    names = {normalize_term(name), *aliases, *products}
    amb = entry.get("ambiguous")
    builtin_all = builtin_ambiguity()
    builtin = builtin_all.rules
    if amb is None:
        ambiguous = tuple(t for t in names if t in builtin)
    elif amb is True:
        ambiguous = tuple(t for t in names if t in builtin) or (normalize_term(name),)
    elif amb is False:
        ambiguous = ()
    else:
        ambiguous = _str_list(amb, path, where, "ambiguous")
        stray = set(ambiguous) - names
        if stray:
            raise LexiconError(f"{path}: {where}: 'ambiguous' names {sorted(stray)} are not names of this brand")
    context = _str_list(entry.get("context"), path, where, "context")
    anti = _str_list(entry.get("anti_context"), path, where, "anti_context")
    rules: dict[str, AmbiguityRule] = {}
    for term in ambiguous:
        base = builtin.get(term) or AmbiguityRule(context=builtin_all.generic_context)
        rules[term] = AmbiguityRule(
            context=tuple(dict.fromkeys([*base.context, *context])),
            anti_context=tuple(dict.fromkeys([*base.anti_context, *anti])),
            needs_context=base.needs_context,
            models=base.models,
        )
    return Brand(
        name=name,
        own=own,
        aliases=aliases,
        products=products,
        ambiguous=ambiguous,
        context=context,
        anti_context=anti,
        exclude=_str_list(entry.get("exclude"), path, where, "exclude"),
        rules=rules,
    )


def parse_lexicon(data: Any, path: Path) -> Lexicon:
    """Validate parsed YAML ``data`` (``path`` names the file in error messages)."""
    if data is None:
        raise LexiconError(f"{path}: the lexicon file is empty; it needs a 'brands:' list")
    if not isinstance(data, dict) or "brands" not in data:
        raise LexiconError(f"{path}: the top level must be a mapping with a 'brands:' list")
    entries = data["brands"]
    if not isinstance(entries, list):
        raise LexiconError(f"{path}: 'brands' must be a list of brands, got {type(entries).__name__}")
    if not entries:
        raise LexiconError(f"{path}: 'brands' is empty")
    brands: list[Brand] = []
    owner: dict[str, str] = {}
    for i, entry in enumerate(entries):
        brand = _parse_brand(entry, i, path)
        for term in brand.terms:
            other = owner.get(term)
            if other is not None:
                what = "name" if term == normalize_term(brand.name) else "alias"
                raise LexiconError(
                    f"{path}: brand {brand.name!r} (brands[{i}]): {what} {term!r} is already used by "
                    f"brand {other!r}; each name may belong to one brand only"
                )
            owner[term] = brand.name
        brands.append(brand)
    if not any(b.own for b in brands):
        raise LexiconError(f"{path}: no brand has 'own: true'; mark the brand you listen for")
    return Lexicon(brands=tuple(_with_variants(brands, owner)), path=path)


def _with_variants(brands: list[Brand], owner: dict[str, str]) -> list[Brand]:
    """Add the built-in misspellings of each brand's names (unless another brand owns them)."""
    variants = builtin_ambiguity().variants
    out: list[Brand] = []
    for brand in brands:
        names = set(brand.terms)
        extra = tuple(v for v, canonical in variants.items() if canonical in names and v not in owner)
        out.append(dataclasses.replace(brand, variants=extra) if extra else brand)
    return out


def load_lexicon(path: str | Path) -> Lexicon:
    """Load and validate a lexicon file; raises :class:`~pipeline.errors.LexiconError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(f"{path}: cannot read the lexicon file: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML: {exc}") from exc
    return parse_lexicon(data, path)
