"""``sociallisten tail``: follow the live mention stream of a running service in the terminal."""

from __future__ import annotations

import time
from collections.abc import Iterator

import orjson
import typer

from pipeline.cli import app


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


def format_mention(m: dict) -> str:  # type: ignore[type-arg]
    """One line per mention."""
    when = str(m.get("created_at", ""))[11:19]
    tags = " ".join(f"[{b}]" for b in m.get("brands", []))
    signals = ",".join(s for s in m.get("signals", []) if s not in ("positive", "neutral", "negative"))
    text = " ".join(str(m.get("text", "")).split())[:120]
    return f"{when} {m.get('platform', ''):<11} {m.get('author_name') or m.get('author_id', '')}: {tags} " \
           f"{m.get('sentiment', '')}{' ' + signals if signals else ''} | {text}"


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
    import httpx

    params = {k: v for k, v in {"brand": brand, "competitor": competitor, "signal": signal, "platform": platform,
                                "sentiment": sentiment}.items() if v}
    params["backfill"] = str(backfill)
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    shown, delay = 0, 1.0
    while True:
        try:
            with httpx.stream("GET", url.rstrip("/") + "/api/mentions/stream", params=params, headers=headers,
                              timeout=httpx.Timeout(10.0, read=60.0)) as resp:
                if resp.status_code in (401, 403):
                    typer.echo(f"error: the service refused the token ({resp.status_code})", err=True)
                    raise typer.Exit(2)
                resp.raise_for_status()
                delay = 1.0
                for kind, data in parse_sse(resp.iter_lines()):
                    if kind == "counters" and not counters:
                        continue
                    item = orjson.loads(data)
                    if as_json:
                        typer.echo(orjson.dumps({"event": kind, "data": item}).decode())
                    elif kind == "mention":
                        typer.echo(format_mention(item))
                    elif kind == "alert":
                        typer.secho(f"ALERT {item.get('explanation', '')}", fg="red", bold=True)
                    elif kind == "counters":
                        last = item[-1] if item else {}
                        typer.echo(f"-- this minute: {last.get('mentions', 0)} mentions, {last.get('negative', 0)} "
                                   f"negative, {last.get('service_requests', 0)} service requests")
                    if kind == "mention":
                        params["backfill"] = "0"
                        shown += 1
                        if limit and shown >= limit:
                            return
        except (httpx.HTTPError, OSError) as exc:
            typer.echo(f"stream interrupted ({exc}); reconnecting in {delay:.0f} s", err=True)
            time.sleep(delay)
            delay = min(delay * 2, 30.0)
