"""``sociallisten links create`` and ``sociallisten conversions import``: deep tracking from the command line."""

from __future__ import annotations

from pathlib import Path

import orjson
import typer

from pipeline.cli import app

links_app = typer.Typer(help="Tracked links: short codes that redirect and record clicks.", no_args_is_help=True)
conversions_app = typer.Typer(help="Orders (conversions) for the campaign funnel.", no_args_is_help=True)
app.add_typer(links_app, name="links")
app.add_typer(conversions_app, name="conversions")


@links_app.command("create")
def create_command(
    url: str = typer.Option(..., "--url", help="Where the link redirects (http:// or https:// only; fixed)."),
    campaign: str = typer.Option(..., "--campaign", help="The campaign the link belongs to."),
    post: str = typer.Option("", "--post", help="The post that carries the link, e.g. weibo:4490012345."),
    platform: str = typer.Option("", "--platform", help="Platform of the post (default: the stored post's)."),
    account: str = typer.Option("", "--account", help="Account that posts it (default: the stored post's author)."),
    base_url: str = typer.Option("", "--base-url", help="The web tier's public address, to print the full link."),
) -> None:
    """Create a tracked link; prints it as JSON (code, target, short link)."""
    from pydantic import ValidationError

    from pipeline.runtime import load_settings, storage
    from pipeline.safe_text import terminal_safe
    from pipeline.tracking.links import LinkError, create_link
    from schemas.tracking import LinkIn

    try:
        request = LinkIn(url=url, campaign=campaign, post=post, platform=platform, account=account)
    except ValidationError as exc:
        typer.echo(f"error: {terminal_safe(str(exc.errors(include_url=False)[0]['msg']))}", err=True)
        raise typer.Exit(2) from None
    with storage(load_settings()) as ch:
        try:
            link = create_link(ch, request, "cli")
        except LinkError as exc:
            typer.echo(f"error: {terminal_safe(str(exc))}", err=True)
            raise typer.Exit(2) from None
    out = link.model_dump()
    out["link"] = f"{base_url.rstrip('/')}/l/{link.code}"
    typer.echo(terminal_safe(orjson.dumps(out).decode()))


@conversions_app.command("import")
def import_command(file: Path = typer.Argument(..., help="CSV with order_id, time, amount[, currency, ...].")) -> None:
    """Send the orders of a CSV file to <prefix>conversions (idempotent by order id)."""
    from pipeline.kafka.producer import make_producer
    from pipeline.kafka.topics import Topics, ensure_topics
    from pipeline.runtime import load_settings
    from pipeline.safe_text import terminal_safe
    from pipeline.tracking.csv_import import read_orders
    from pipeline.tracking.produce import send_events

    settings = load_settings()
    if settings.kafka.kafka_url is None:
        typer.echo("error: set SOCIALLISTEN_KAFKA_URL to the broker the worker reads", err=True)
        raise typer.Exit(2)
    if not file.is_file():
        typer.echo(f"error: {terminal_safe(str(file))} does not exist", err=True)
        raise typer.Exit(2)
    orders, errors = read_orders(file.read_text(encoding="utf-8-sig", errors="replace"))
    if errors:
        for line in errors:
            typer.echo(f"error: {terminal_safe(line)}", err=True)
        typer.echo("nothing was sent: fix the file and import it again", err=True)
        raise typer.Exit(1)
    ensure_topics(settings.kafka.kafka_url, settings)
    producer = make_producer(settings.kafka.kafka_url, kafka=settings.kafka)
    try:
        sent = send_events(producer, Topics.from_settings(settings), orders)
    finally:
        producer.close()
    topic = terminal_safe(settings.topic("conversions"))
    typer.echo(f"sent {sent} orders to {topic}, every one acknowledged", err=True)
