r"""Redirect targets of tracked links: http/https only, checked once at creation (no open redirect).

:func:`safe_target` refuses anything a browser could read as another scheme or another host than
the one shown: ``javascript:``, scheme-relative ``//evil``, backslashes (browsers read ``\\`` as
``/``), control characters and spaces, user information (``https://good.com@evil.com``), and
hosts that are not plain DNS names or IP literals. What it returns is rebuilt from the parsed
parts, so the stored target is exactly what was checked.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit, urlunsplit

MAX_TARGET_CHARS = 2048
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
_IPV6 = re.compile(r"^\[[0-9a-f:.]{2,45}\]$")
_SAFE_CHARS = re.compile(r"^[\x21-\x7e]+$")
"""Printable ASCII without spaces: no control character, no Unicode look-alike in the URL itself."""


class UnsafeTarget(ValueError):
    """A redirect target that is refused (the message says why)."""


def safe_target(url: str) -> str:
    """The normalised http(s) URL for ``url``, or :class:`UnsafeTarget` naming the problem."""
    if len(url) > MAX_TARGET_CHARS:
        raise UnsafeTarget(f"the URL has {len(url)} characters; at most {MAX_TARGET_CHARS}")
    if not _SAFE_CHARS.match(url):
        raise UnsafeTarget("the URL may hold only printable ASCII without spaces (percent-encode the rest)")
    if "\\" in url:
        raise UnsafeTarget("backslashes are not allowed in a redirect target")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise UnsafeTarget(f"not a URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeTarget("only http:// and https:// targets are allowed")
    if not url[len(parts.scheme):].startswith("://"):
        raise UnsafeTarget("the URL must start with http:// or https://")
    netloc = parts.netloc
    if "@" in netloc:
        raise UnsafeTarget("user information (user@host) is not allowed in a redirect target")
    try:
        host, port = (parts.hostname or ""), parts.port
    except ValueError as exc:
        raise UnsafeTarget(f"bad port: {exc}") from None
    if not (_HOST.match(host) or _IPV6.match(f"[{host}]" if ":" in host else host)):
        raise UnsafeTarget("the host must be a DNS name or an IP address")
    shown_host = f"[{host}]" if ":" in host else host
    rebuilt_netloc = shown_host if port is None else f"{shown_host}:{port}"
    path = parts.path or "/"
    if path.startswith("//"):
        raise UnsafeTarget("the path must not start with //")
    return urlunsplit((scheme, rebuilt_netloc, path, parts.query, parts.fragment))


def with_tracking(target: str, code: str, visitor_id: str) -> str:
    """``target`` with ``sl_c`` (landing code) and ``sl_v`` (visitor id) added to its query string.

    The beacon on the landing page reads them (:file:`pipeline/web/static/t.js`). ``code`` and
    ``visitor_id`` match strict patterns, and the target was checked by :func:`safe_target`.
    """
    parts = urlsplit(target)
    extra = urlencode({"sl_c": code, "sl_v": visitor_id})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
