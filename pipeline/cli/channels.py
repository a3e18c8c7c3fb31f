"""``sociallisten channels``: check the alert channels file, and send a test alert through it."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli import app

channels_app = typer.Typer(help="The alert channels file (SOCIALLISTEN_ALERT_CHANNELS_FILE): check it, test it.",
                           no_args_is_help=True)
app.add_typer(channels_app, name="channels")

FILE_OPTION = typer.Option(None, "--file", help="The channels file (default: SOCIALLISTEN_ALERT_CHANNELS_FILE).")


def _path(file: Path | None) -> Path:
    from pipeline.errors import ConfigError
    from pipeline.runtime import load_settings

    path = file or load_settings().alerts.alert_channels_file
    if path is None:
        raise ConfigError("SOCIALLISTEN_ALERT_CHANNELS_FILE is not set: set it, or name the file with --file")
    return path


@channels_app.command("check")
def check_command(file: Path | None = FILE_OPTION) -> None:
    """Validate the file and list its channels (where they send, never their secrets) and routes."""
    from pipeline.monitor.channels.config import load_channels
    from pipeline.monitor.webhook import origin

    config = load_channels(_path(file))
    for name, spec in config.channels.items():
        if spec.type == "email":
            where = f"{spec.host}:{spec.port} ({spec.security}) to {len(spec.to)} address(es)"
        else:
            signed = " signed" if getattr(spec, "secret", None) else ""
            where = origin(spec.url.get_secret_value()) + signed
        typer.echo(f"channel {name}: {spec.type}, {where}")
    for n, route in enumerate(config.routes, 1):
        typer.echo(f"route {n}: severity >= {route.min_severity}, brands {route.brands or 'any'}, "
                   f"signals {route.signals or 'any'} -> {', '.join(route.channels)}")


@channels_app.command("test")
def test_command(
    file: Path | None = FILE_OPTION,
    channel: list[str] = typer.Option([], "--channel", help="Only these channels (default: every channel)."),
) -> None:
    """Send one test alert to each channel (nothing is recorded); exit 1 when a channel did not take it."""
    import asyncio
    from datetime import UTC, datetime, timedelta

    from pipeline.errors import ConfigError
    from pipeline.metrics import Metrics
    from pipeline.monitor.channels.config import Route, load_channels
    from pipeline.monitor.channels.ledger import MemoryLedger
    from pipeline.monitor.channels.router import AlertRouter
    from pipeline.monitor.models import Alert

    config = load_channels(_path(file))
    names = channel or list(config.channels)
    unknown = [n for n in names if n not in config.channels]
    if unknown:
        raise ConfigError(f"no channel named {', '.join(unknown)} in the file")
    config = config.model_copy(update={"routes": [Route(channels=names)]})
    now = datetime.now(UTC).replace(microsecond=0)
    alert = Alert(alert_id=f"test|{int(now.timestamp())}", brand="test", signal="mention", window_start=now
                  - timedelta(minutes=5), window_end=now, fired_at=now, count=1, baseline_mean=0.0, baseline_std=0.0,
                  baseline_windows=0, threshold=0.0, score=0.0, severity="low",
                  explanation="A test alert from `sociallisten channels test`.")
    ledger = MemoryLedger()
    asyncio.run(AlertRouter(config, ledger, Metrics()).deliver([alert]))
    failed = 0
    for name in names:
        state = ledger.rows.get((alert.alert_id, name), "not sent")
        failed += state != "sent"
        typer.echo(f"channel {name}: {state}")
    if failed:
        raise typer.Exit(1)
