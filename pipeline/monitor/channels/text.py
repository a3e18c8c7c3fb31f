"""An alert as the lines of a message, with the stream's text made inert for each format.

Brand names, terms, author names and post excerpts come from the stream: anyone can write
``[点我](https://evil)``, ``@all``, ``<@userid>`` or ``<font color="warning">`` into a post. In
the markdown of DingTalk and WeCom such text would become a link, a mention of the whole group or
markup. :func:`markdown_inert` therefore turns every character those renderers act on into its
full-width form (``[`` -> ``［``, ``@`` -> ``＠``, ``<`` -> ``＜`` ...), breaks ``://`` and ``www.``
so nothing is auto-linked, and folds line breaks, so a value can neither start a block nor escape
its line. This does not depend on how faithfully a vendor implements backslash escapes (neither
DingTalk's nor WeCom's documentation promises them). Feishu gets ``plain_text`` card elements and
e-mail ``text/plain``: there :func:`plain` only folds control characters and line breaks.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipeline.monitor.models import Alert
from pipeline.safe_text import terminal_safe

EXCERPT_CHARS = 80
_SPACE = re.compile(r"\s+")
_MARKDOWN = str.maketrans({
    "\\": "＼", "`": "｀", "*": "＊", "_": "＿", "[": "［", "]": "］", "(": "（", ")": "）", "<": "＜",
    ">": "＞", "#": "＃", "!": "！", "|": "｜", "~": "～", "@": "＠", "&": "＆", "=": "＝", "\"": "＂",
    "'": "＇", "{": "｛", "}": "｝", "$": "＄", "%": "％", "+": "＋", "^": "＾",
})  # fmt: skip
_AUTOLINK = re.compile(r"(?i)(://|www\.)")


def plain(value: object) -> str:
    """One line of ``value``: whitespace runs (line breaks too) folded to a space, control characters escaped."""
    return terminal_safe(_SPACE.sub(" ", str(value)).strip())


def markdown_inert(value: object) -> str:
    """``value`` as one line that no markdown renderer turns into markup, a link or a mention."""
    text = plain(value).translate(_MARKDOWN)
    return _AUTOLINK.sub(lambda m: "：//" if m.group(1) == "://" else m.group(1)[:3] + "．", text)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of ``text``, at most ``limit`` characters (an ellipsis when cut)."""
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def title(alert: Alert, esc: Callable[[object], str]) -> str:
    """The message's title: what spiked, for which brand, how badly."""
    return f"Spike alert ({esc(alert.severity)}): {esc(alert.brand)} · {esc(alert.signal)}"


def lines(alert: Alert, esc: Callable[[object], str], bold: Callable[[str], str] = str) -> list[str]:
    """The message's lines (fixed labels; every value from the stream passed through ``esc``)."""
    minutes = max(1, round((alert.window_end - alert.window_start).total_seconds() / 60))
    out = [
        f"{bold(str(alert.count))} in {minutes} min; baseline {alert.baseline_mean:.1f} ± {alert.baseline_std:.1f} "
        f"over {alert.baseline_windows} windows (threshold {alert.threshold:.1f}, score {alert.score:.1f})",
        f"Window: {alert.window_start:%Y-%m-%d %H:%M}–{alert.window_end:%H:%M} UTC",
    ]
    if alert.top_terms:
        out.append("Top terms: " + ", ".join(esc(t.term) for t in alert.top_terms))
    if alert.top_authors:
        out.append("Top authors: " + ", ".join(f"{esc(a.author_name or a.author_id)} ({a.mentions})"
                                                for a in alert.top_authors))
    for post in alert.top_posts[:3]:
        out.append(f"Post by {esc(post.author_name)} ({post.engagement} engagements): {esc(excerpt(post.text))}")
    out.append(f"Alert id: {esc(alert.alert_id)}")
    return out
