"""Terminal-safe text: what the CLI and console logs print of stored or received strings.

Authors on the streams control names, ids and texts; dead letters hold arbitrary bytes. Printed
as they are, control characters would move the cursor, retitle the terminal, plant OSC 8 links or
reorder a line (bidi overrides), and square brackets would be read as Rich markup. Everything
printed from such a source goes through :func:`terminal_safe` (plain output and logs) or
:func:`safe_cell` (Rich tables and consoles).
"""

from __future__ import annotations

import re

from rich.text import Text

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f"  # C0 (incl. ESC, BEL, CR, LF, TAB), DEL, C1 (incl. CSI, OSC)
    "\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"  # marks, separators, bidi, invisible
)
_UNSAFE_KEEP_NEWLINES = re.compile(_UNSAFE.pattern.replace("\x00-\x1f", "\x00-\x09\x0b-\x1f"))


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(value: object, *, keep_newlines: bool = False) -> str:
    r"""``str(value)`` with every control, separator and bidi character shown as a ``\xNN``/``\uNNNN`` escape.

    Args:
        value: Anything; it is converted with ``str``.
        keep_newlines: Leave ``\n`` as it is (tracebacks); every other control character is escaped.

    Returns:
        Text that cannot change the terminal's state or the look of other lines.
    """
    pattern = _UNSAFE_KEEP_NEWLINES if keep_newlines else _UNSAFE
    return pattern.sub(_escape, str(value))


def safe_cell(value: object) -> Text:
    """A Rich ``Text`` of ``value`` made terminal-safe: never parsed as markup, no control characters."""
    return Text(terminal_safe(value))
