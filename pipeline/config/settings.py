"""The one settings object: :class:`Settings`, its sections, and reading it from the environment.

Every setting is an environment variable ``SOCIALLISTEN_<FIELD>`` (``SOCIALLISTEN_KAFKA_URL``,
``SOCIALLISTEN_ALERT_K`` ...); each field's description names it. :func:`load_settings` reads them
all once; a bad value raises :class:`~pipeline.errors.ConfigError` naming the variable, which the
command line prints as ``error: SOCIALLISTEN_X: <problem>`` before exiting with code 1.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.config.desk import DeskSettings
from pipeline.config.monitor import AlertSettings, MonitorSettings
from pipeline.config.sections import (
    ENV_PREFIX,
    KafkaSettings,
    LogSettings,
    ReportSettings,
    StorageSettings,
    TrackingSettings,
    WebSettings,
    WorkerSettings,
)
from pipeline.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PACKAGE_DIR / "data"
DEMO_LEXICON = DATA_DIR / "lexicon.yaml"

EMBEDDED_REBALANCE_TIMEOUT = 4.0
"""Tansu holds a group join for about half the rebalance timeout: keep it short with the embedded broker."""


class Settings(BaseSettings):
    """Everything configurable, in sections; frozen once read."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore")

    data_dir: Path = Field(
        default=Path(".sociallisten"),
        description="SOCIALLISTEN_DATA_DIR: where local state lives (chDB files, worker tables, logs).",
    )
    lexicon: Path | None = Field(
        default=None,
        description="SOCIALLISTEN_LEXICON: brand lexicon YAML. Unset: the bundled demo lexicon.",
    )
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    logs: LogSettings = Field(default_factory=LogSettings)
    desk: DeskSettings = Field(default_factory=DeskSettings)
    monitor: MonitorSettings = Field(default_factory=MonitorSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    tracking: TrackingSettings = Field(default_factory=TrackingSettings)

    @property
    def resolved_clickhouse_url(self) -> str:
        """The ClickHouse URL in force, password included (chDB under the data dir when unset)."""
        if self.storage.clickhouse_url is not None:
            return self.storage.clickhouse_url.get_secret_value()
        return f"chdb://{(self.data_dir / 'chdb').resolve()}"

    @property
    def resolved_lexicon(self) -> Path:
        """The lexicon file in force (the bundled demo lexicon when unset)."""
        return self.lexicon if self.lexicon is not None else DEMO_LEXICON

    def topic(self, name: str) -> str:
        """Full topic name for a short name such as 'posts' or 'deadletter'."""
        return self.kafka.topic(name)

    def with_embedded_defaults(self) -> Settings:
        """These settings adjusted for the embedded broker (a short rebalance timeout).

        Applies only when no broker URL is set and the timeout was not set in the environment.
        """
        if self.kafka.kafka_url is not None or f"{ENV_PREFIX}REBALANCE_TIMEOUT" in os.environ:
            return self
        kafka = self.kafka.model_copy(update={"rebalance_timeout": EMBEDDED_REBALANCE_TIMEOUT})
        return self.model_copy(update={"kafka": kafka})


def describe(exc: ValidationError) -> str:
    """``SOCIALLISTEN_X: problem`` for each invalid setting, joined by '; ' (values are not repeated)."""
    problems = []
    for err in exc.errors(include_url=False, include_input=False):
        names = [str(part) for part in err["loc"] if isinstance(part, str)]
        variable = f"{ENV_PREFIX}{names[-1].upper()}" if names else "settings"
        problems.append(f"{variable}: {err['msg'].removeprefix('Value error, ')}")
    return "; ".join(problems)


def load_settings() -> Settings:
    """Read every setting from the environment; ConfigError naming each bad variable."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(describe(exc)) from None
