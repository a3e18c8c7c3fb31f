"""``sociallisten tail``: follow the live mention stream of a running service in the terminal."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
import typer

from pipeline.cli import app
from pipeline.errors import Transient
from pipeline.retry import RetryPolicy
from pipeline.safe_text import terminal_safe

_LINE_END = re.compile(r"\r\n|\r|\n")


def sse_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """The lines of a Server-Sent Events stream: only CR LF, CR or LF end one (as in browsers).

    httpx's ``iter_lines`` also splits on U+2028, U+0085, VT, FF and others (``str.splitlines``),
    which would cut an event whose text holds one.
    """
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending = ""
    for chunk in chunks:
        pending += decoder.decode(chunk)
        start = 0
        for match in _LINE_END.finditer(pending):
            if match.group() == "\r" and match.end() == len(pending):
                break  # maybe the CR of a CR LF split across chunks: wait for the next chunk
            yield pending[start:match.start()]
            start = match.end()
        pending = pending[start:]
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending.rstrip("\r")


def parse_sse(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event, data) pairs from Server-Sent Events lines."""
    event, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", list[str]()
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" ") if line.startswith("data: ") else line[5:])


def format_mention(m: dict[str, Any]) -> str:
    """One line per mention; every field is made terminal-safe (authors choose names, ids and texts)."""
    when = str(m.get("created_at", ""))[11:19]
    tags = " ".join(f"[{b}]" for b in m.get("brands", []))
    signals = ",".join(str(s) for s in m.get("signals", []) if s not in ("positive", "neutral", "negative"))
    text = " ".join(str(m.get("text", "")).split())[:120]
    line = f"{when} {m.get('platform', ''):<11} {m.get('author_name') or m.get('author_id', '')}: {tags} " \
           f"{m.get('sentiment', '')}{' ' + signals if signals else ''} | {text}"
    return terminal_safe(line)


@app.command("tail")
def tail_command(
    url: str = typer.Option(
        "http://127.0.0.1:8080", "--url", envvar="SOCIALLISTEN_URL", help="Base URL of the service."
    ),
    token: str = typer.Option(..., "--token", envvar="SOCIALLISTEN_API_TOKEN", help="API token (readonly is enough)."),
    brand: str | None = typer.Option(None, "--brand"),
    competitor: str | None = typer.Option(None, "--competitor"),
    signal: str | None = typer.Option(None, "--signal", help="buyer, service_request, purchase_intent, ..."),
    platform: str | None = typer.Option(None, "--platform"),
    sentiment: str | None = typer.Option(None, "--sentiment", help="positive, neutral or negative"),
    counters: bool = typer.Option(False, "--counters", help="Also print the per-minute counters."),
    as_json: bool = typer.Option(False, "--json", help="Print each event as one JSON line."),
    limit: int = typer.Option(0, "--limit", help="Stop after this many mentions (0: never)."),
    backfill: int = typer.Option(0, "--backfill", help="Start with this many recent mentions."),
) -> None:
    """Print mentions (and alerts) as they arrive, with the same filters as the live page. Ctrl-C stops."""
    params = {k: v for k, v in {"brand": brand, "competitor": competitor, "signal": signal, "platform": platform,
                                "sentiment": sentiment}.items() if v}
    follow = _Follow(url.rstrip("/") + "/api/mentions/stream", params | {"backfill": str(backfill)},
                     {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"},
                     counters=counters, as_json=as_json, limit=limit)
    policy = RetryPolicy(first_seconds=1.0, max_seconds=30.0)
    while not policy.call_blocking("following the live stream", follow.connect):
        pass  # a stream that delivered events and then broke: reconnect at once, backing off only if that fails


class StreamInterrupted(Transient):
    """The live stream could not be opened or broke before delivering anything: reconnect after a wait."""


class _Follow:
    """One connection to the live stream at a time; remembers what was shown across reconnections."""

    def __init__(self, url: str, params: dict[str, str], headers: dict[str, str], *, counters: bool, as_json: bool,
                 limit: int) -> None:
        self.url, self.params, self.headers = url, params, headers
        self.counters, self.as_json, self.limit = counters, as_json, limit
        self.shown = 0

    def connect(self) -> bool:
        """Follow the stream until the limit (True) or until it breaks after delivering events (False)."""
        import httpx

        delivered = False
        try:
            with httpx.stream("GET", self.url, params=self.params, headers=self.headers,
                              timeout=httpx.Timeout(10.0, read=60.0)) as resp:
                if resp.status_code in (401, 403):
                    typer.echo(f"error: the service refused the token ({resp.status_code})", err=True)
                    raise typer.Exit(2)
                resp.raise_for_status()
                for kind, data in parse_sse(sse_lines(resp.iter_bytes())):
                    delivered = True
                    if self._show(kind, orjson.loads(data)):
                        return True
        except (httpx.HTTPError, OSError) as exc:
            if not delivered:
                raise StreamInterrupted(f"{type(exc).__name__}: {exc}") from exc
            typer.echo(f"stream interrupted ({terminal_safe(exc)}); reconnecting", err=True)
            return False
        if delivered:
            return False  # the service ended a stream that worked: open a new one at once
        raise StreamInterrupted("the service closed the stream before sending anything")

    def _show(self, kind: str, item: Any) -> bool:
        """Print one event; True once the mention limit is reached."""
        if kind == "counters" and not self.counters:
            return False
        if self.as_json:
            typer.echo(orjson.dumps({"event": kind, "data": item}).decode())
        elif kind == "mention":
            typer.echo(format_mention(item))
        elif kind == "alert":
            typer.secho(f"ALERT {terminal_safe(item.get('explanation', ''))}", fg="red", bold=True)
        elif kind == "counters":
            last = item[-1] if item else {}
            typer.echo(f"-- this minute: {last.get('mentions', 0)} mentions, {last.get('negative', 0)} "
                       f"negative, {last.get('service_requests', 0)} service requests")
        if kind != "mention":
            return False
        self.params["backfill"] = "0"
        self.shown += 1
        return bool(self.limit) and self.shown >= self.limit
