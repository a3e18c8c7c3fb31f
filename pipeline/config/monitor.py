"""Settings of the monitoring features: the live feed and cascades, and spike alerts."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from pipeline.config.sections import Section


class AlertSettings(Section):
    """Spike alerts: windows, baseline, threshold and where alerts go."""

    alert_window_minutes: int = Field(
        default=5, ge=1, le=1440,
        description="SOCIALLISTEN_ALERT_WINDOW_MINUTES: length of the current window and of each baseline window.",
    )
    alert_baseline_days: float = Field(
        default=7.0, gt=0, description="SOCIALLISTEN_ALERT_BASELINE_DAYS: how far back the rolling baseline reaches."
    )
    alert_min_baseline_windows: int = Field(
        default=12, ge=1,
        description="SOCIALLISTEN_ALERT_MIN_BASELINE_WINDOWS: no alerts until the data covers this many windows.",
    )
    alert_k: float = Field(default=3.0, gt=0, description="SOCIALLISTEN_ALERT_K: threshold = mean + k * sigma.")
    alert_min_count: int = Field(
        default=10, ge=1, description="SOCIALLISTEN_ALERT_MIN_COUNT: a window needs at least this many events."
    )
    alert_cooldown_minutes: float = Field(
        default=60.0, ge=0,
        description="SOCIALLISTEN_ALERT_COOLDOWN_MINUTES: no second alert for one brand and signal within this time.",
    )
    alert_check_seconds: float = Field(
        default=10.0, gt=0, description="SOCIALLISTEN_ALERT_CHECK_SECONDS: how often the leader checks for spikes."
    )
    alert_signals: str = Field(
        default="mention,negative,service_request,competitor_mention",
        description="SOCIALLISTEN_ALERT_SIGNALS: comma-separated rollup signals to watch.",
    )
    alert_webhook: SecretStr | None = Field(
        default=None, description="SOCIALLISTEN_ALERT_WEBHOOK: URL that receives each alert as a JSON POST (kept "
        "secret: logs name only its scheme and host)."
    )
    alert_channels_file: Path | None = Field(
        default=None,
        description="SOCIALLISTEN_ALERT_CHANNELS_FILE: YAML file of the channels alerts are sent to (DingTalk, "
        "WeCom, Feishu, e-mail, webhooks) and the routes by severity, brand and signal (README, Alert channels). "
        "Unset: no channels.",
    )
    alert_delivery_max_age_minutes: float = Field(
        default=60.0, gt=0,
        description="SOCIALLISTEN_ALERT_DELIVERY_MAX_AGE_MINUTES: alerts fired longer ago than this are not sent to "
        "the channels any more (e.g. by a new leader after a long outage).",
    )
    alert_poll_seconds: float = Field(
        default=2.0, gt=0,
        description="SOCIALLISTEN_ALERT_POLL_SECONDS: how often every worker picks up new alerts for its live page.",
    )

    @property
    def signals(self) -> tuple[str, ...]:
        """The watched signals as a tuple."""
        return tuple(s.strip() for s in self.alert_signals.split(",") if s.strip())


class MonitorSettings(Section):
    """The live feed and the repost-cascade metrics."""

    live_buffer: int = Field(
        default=2000, ge=10, description="SOCIALLISTEN_LIVE_BUFFER: recent mentions kept for new live subscribers."
    )
    live_counter_minutes: int = Field(
        default=15, ge=1, le=240, description="SOCIALLISTEN_LIVE_COUNTER_MINUTES: minutes of per-minute counters."
    )
    live_topic_enabled: bool = Field(
        default=True,
        description="SOCIALLISTEN_LIVE_TOPIC_ENABLED: after each write, send the batch's mentions to <prefix>live, "
        "so every process serving live pages shows every worker's mentions (one message per 300 mentions).",
    )
    cascades_enabled: bool = Field(
        default=True,
        description="SOCIALLISTEN_CASCADES_ENABLED: keep the metrics of repost cascades per root post up to date "
        "(their nodes are recorded regardless, with the mentions).",
    )
    cascade_cache_nodes: int = Field(
        default=50_000, ge=100,
        description="SOCIALLISTEN_CASCADE_CACHE_NODES: repost-cascade nodes a worker keeps in memory (about 0.5 KB "
        "each); a cascade that no longer fits is read back from ClickHouse when a repost touches it again.",
    )
    events_enabled: bool = Field(
        default=True,
        description="SOCIALLISTEN_EVENTS_ENABLED: group near-duplicate posts and their reposts into hot events "
        "as they arrive (SimHash; stored with the mentions, views hot_events and hot_events_hourly).",
    )
    event_radius: int = Field(
        default=12, ge=0, le=32,
        description="SOCIALLISTEN_EVENT_RADIUS: largest SimHash distance (bits of 64) of two posts of one event.",
    )
    audience_refresh_seconds: float = Field(
        default=600.0, ge=0,
        description="SOCIALLISTEN_AUDIENCE_REFRESH_SECONDS: how often the leader worker recomputes the audience "
        "snapshot that author_stats, author_quality and audience_composition_daily read (about 30 s of server "
        "time at 10,000,000 mentions); 0 = never (then `sociallisten refresh-audience`, e.g. from cron).",
    )
    event_index_size: int = Field(
        default=50_000, ge=100,
        description="SOCIALLISTEN_EVENT_INDEX_SIZE: recent posts a worker remembers to match new ones against "
        "(about 0.6 KB of memory each).",
    )
