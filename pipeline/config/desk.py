"""Service-desk settings (environment variables ``SOCIALLISTEN_DESK_*`` and ``SOCIALLISTEN_SLA_*``)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from pipeline.config.sections import Section

PRIORITIES = ("urgent", "high", "normal", "low")


def _parse_minutes(spec: str | dict[str, int], name: str) -> dict[str, int]:
    if isinstance(spec, dict):
        table = {str(k): int(v) for k, v in spec.items()}
    else:
        table = {}
        for part in (p.strip() for p in spec.split(",") if p.strip()):
            key, _, value = part.partition(":")
            if key not in PRIORITIES or not value.strip().isdigit():
                raise ValueError(f"{name}: entries are 'priority:minutes' with priority in {', '.join(PRIORITIES)}")
            table[key] = int(value)
    missing = [p for p in PRIORITIES if p not in table]
    if missing:
        raise ValueError(f"{name}: missing minutes for {', '.join(missing)}")
    if any(v <= 0 for v in table.values()):
        raise ValueError(f"{name}: minutes must be positive")
    return table


class DeskSettings(Section):
    """Configuration of case joining, priority, SLA and the API limits."""

    desk_enabled: bool = Field(
        default=True,
        description="SOCIALLISTEN_DESK_ENABLED: run the service desk's case agent in this worker (every worker "
        "of a group must agree; the benchmark's worker switches it off to measure the pipeline alone).",
    )

    desk_join_window_hours: float = Field(
        default=48.0,
        gt=0,
        description="SOCIALLISTEN_DESK_JOIN_WINDOW_HOURS: a follow-up by the same author in the same thread "
        "within this many hours of the case's last message joins that case (or reopens it when resolved).",
    )
    sla_first_response: str = Field(
        default="urgent:30,high:60,normal:240,low:1440",
        description="SOCIALLISTEN_SLA_FIRST_RESPONSE: minutes to the first reply, per priority.",
    )
    sla_resolution: str = Field(
        default="urgent:240,high:480,normal:1440,low:4320",
        description="SOCIALLISTEN_SLA_RESOLUTION: minutes to resolution, per priority.",
    )
    desk_kol_followers: int = Field(
        default=100_000,
        ge=1,
        description="SOCIALLISTEN_DESK_KOL_FOLLOWERS: authors with at least this many followers count as KOLs.",
    )
    desk_viral_engagement: int = Field(
        default=1_000,
        ge=1,
        description="SOCIALLISTEN_DESK_VIRAL_ENGAGEMENT: reposts+comments+likes from which a post's reach "
        "raises the priority.",
    )
    desk_thread_messages: int = Field(
        default=20,
        ge=1,
        le=500,
        description="SOCIALLISTEN_DESK_THREAD_MESSAGES: recent messages kept with a case in the worker's table.",
    )
    desk_max_body_bytes: int = Field(
        default=16_384,
        ge=256,
        description="SOCIALLISTEN_DESK_MAX_BODY_BYTES: larger API request bodies get 413.",
    )
    desk_max_note_chars: int = Field(
        default=2_000,
        ge=1,
        le=100_000,
        description="SOCIALLISTEN_DESK_MAX_NOTE_CHARS: longest reply/resolve note.",
    )
    desk_batch_size: int = Field(
        default=500,
        ge=1,
        le=1024,
        description="SOCIALLISTEN_DESK_BATCH_SIZE: most case commands the agent applies together; their rows go to "
        "ClickHouse in one insert per desk table for the whole batch.",
    )
    desk_batch_seconds: float = Field(
        default=0.05,
        gt=0,
        le=5,
        description="SOCIALLISTEN_DESK_BATCH_SECONDS: how long the agent waits for more commands before it applies "
        "what it has (an agent's action is answered this much later at most when the desk is idle).",
    )
    desk_ask_timeout: float = Field(
        default=20.0,
        gt=0,
        description="SOCIALLISTEN_DESK_ASK_TIMEOUT: seconds the API waits for the case agent's answer (then 504).",
    )

    desk_secret: SecretStr | None = Field(
        default=None,
        description="SOCIALLISTEN_DESK_SECRET: shared key of the HMAC-SHA256 that signs every desk command; the "
        "case agents apply only commands signed with it. Every worker and web process must have the same one "
        "(`sociallisten serve` refuses to start without it); unset, a single process signs with a random secret "
        "of its own.",
    )

    @field_validator("desk_secret", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("sla_first_response", "sla_resolution")
    @classmethod
    def _valid_table(cls, value: str) -> str:
        _parse_minutes(value, "SLA table")
        return value

    def first_response_minutes(self) -> dict[str, int]:
        """Minutes to first response per priority."""
        return _parse_minutes(self.sla_first_response, "SOCIALLISTEN_SLA_FIRST_RESPONSE")

    def resolution_minutes(self) -> dict[str, int]:
        """Minutes to resolution per priority."""
        return _parse_minutes(self.sla_resolution, "SOCIALLISTEN_SLA_RESOLUTION")
