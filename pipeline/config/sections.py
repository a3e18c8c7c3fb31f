"""The core sections of the settings: Kafka, storage, worker, web and logs.

Each section reads its fields from environment variables named ``SOCIALLISTEN_<FIELD>``; every
field's description starts with its variable. :class:`pipeline.config.Settings` holds one of each.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "SOCIALLISTEN_"


class Section(BaseSettings):
    """A frozen group of settings read from ``SOCIALLISTEN_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore")


class KafkaSettings(Section):
    """Where Kafka is and how the worker's consumer group and producers use it."""

    kafka_url: str | None = Field(
        default=None,
        description="SOCIALLISTEN_KAFKA_URL: Kafka bootstrap servers, e.g. 'kafka://kafka:9092' or "
        "'host1:9092,host2:9092'. Unset: start the embedded Tansu broker on a free loopback port.",
    )
    topic_prefix: str = Field(
        default="social.",
        description="SOCIALLISTEN_TOPIC_PREFIX: prefix of every topic name (posts, comments, deadletter, ...).",
    )
    partitions: int = Field(default=4, ge=1, le=1024, description="SOCIALLISTEN_PARTITIONS: partitions per topic.")
    replication_factor: int = Field(default=1, ge=1, description="SOCIALLISTEN_REPLICATION_FACTOR")
    app_id: str = Field(default="sociallisten", description="SOCIALLISTEN_APP_ID: Faust app id = consumer group.")
    rebalance_timeout: float = Field(
        default=60.0,
        gt=0,
        description="SOCIALLISTEN_REBALANCE_TIMEOUT: consumer-group rebalance timeout in seconds. "
        "The embedded demo and the tests use 4 s; production keeps Kafka's usual 60 s.",
    )
    session_timeout: float = Field(
        default=6.0, ge=1.0, le=300.0,
        description="SOCIALLISTEN_SESSION_TIMEOUT: seconds without a heartbeat after which the broker drops a "
        "worker from the consumer group and gives its partitions to the others: how long a crashed worker's "
        "partitions wait. Kafka accepts 6 to 1800 s by default (group.min/max.session.timeout.ms); Tansu also "
        "holds each group join for half of it. Too short for the machine, and a busy worker is dropped by mistake.",
    )
    heartbeat_interval: float = Field(
        default=1.0, gt=0, le=100.0,
        description="SOCIALLISTEN_HEARTBEAT_INTERVAL: seconds between a worker's heartbeats; also how soon the "
        "other workers learn of a rebalance. At most a third of SOCIALLISTEN_SESSION_TIMEOUT.",
    )
    group_instance_id: str | None = Field(
        default=None, min_length=1, max_length=249,
        description="SOCIALLISTEN_GROUP_INSTANCE_ID: a stable name, unique in the group, for static membership "
        "(Kafka's group.instance.id): a worker restarted under the same name within the session timeout takes "
        "its partitions back without a rebalance, and a stopping one does not leave the group. Unset: dynamic "
        "membership. Ignored, with a warning, where the broker lacks it (JoinGroup v5) or is Tansu.",
    )
    produce_timeout: float = Field(
        default=30.0, ge=1.0, le=1200.0,
        description="SOCIALLISTEN_PRODUCE_TIMEOUT: seconds a send to Kafka (dead letters, desk commands, alerts) "
        "may take before it fails and is retried. Faust's default, 20 min, would hold a batch that long. "
        "The CLI's producers (replay, deadletter replay) wait this long for a broker before they fail.",
    )
    fetch_partition_bytes: int = Field(
        default=1024 * 1024, ge=64 * 1024,
        description="SOCIALLISTEN_FETCH_PARTITION_BYTES: bytes fetched per partition and request; bounds the "
        "consumer's read-ahead memory. A larger message still arrives (alone), so it can be dead-lettered.",
    )
    fetch_max_wait_ms: int = Field(
        default=100, ge=1, le=10000,
        description="SOCIALLISTEN_FETCH_MAX_WAIT_MS: longest a consumer fetch waits for data (latency bound).",
    )

    topic_posts: str | None = Field(
        default=None, min_length=1, max_length=249,
        description="SOCIALLISTEN_TOPIC_POSTS: the input topic of posts, reposts and articles. Unset: <prefix>posts.",
    )
    topic_comments: str | None = Field(
        default=None, min_length=1, max_length=249,
        description="SOCIALLISTEN_TOPIC_COMMENTS: the input topic of comments. Unset: <prefix>comments.",
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT",
        description="SOCIALLISTEN_KAFKA_SECURITY_PROTOCOL: how every Kafka client (worker, producers, admin) "
        "connects: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (managed Kafka services use SASL_SSL).",
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        default="PLAIN",
        description="SOCIALLISTEN_KAFKA_SASL_MECHANISM: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (with a SASL protocol).",
    )
    kafka_sasl_username: str | None = Field(
        default=None, description="SOCIALLISTEN_KAFKA_SASL_USERNAME: the SASL user (with a SASL protocol)."
    )
    kafka_sasl_password: SecretStr | None = Field(
        default=None, description="SOCIALLISTEN_KAFKA_SASL_PASSWORD: the SASL password (never printed)."
    )
    kafka_ssl_cafile: Path | None = Field(
        default=None,
        description="SOCIALLISTEN_KAFKA_SSL_CAFILE: CA certificates (PEM) to verify the brokers with, for SSL and "
        "SASL_SSL. Unset: the system's trusted certificates.",
    )

    @model_validator(mode="after")
    def _complete_credentials(self) -> KafkaSettings:
        if self.kafka_security_protocol.startswith("SASL") and not (
            self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise ValueError(
                f"SOCIALLISTEN_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                "SOCIALLISTEN_KAFKA_SASL_USERNAME and SOCIALLISTEN_KAFKA_SASL_PASSWORD"
            )
        if self.kafka_ssl_cafile is not None:
            if not self.kafka_ssl_cafile.is_file():
                raise ValueError(f"SOCIALLISTEN_KAFKA_SSL_CAFILE: {self.kafka_ssl_cafile} is not a readable file")
            try:
                ssl.create_default_context(cafile=str(self.kafka_ssl_cafile))
            except ssl.SSLError:
                raise ValueError(f"SOCIALLISTEN_KAFKA_SSL_CAFILE: {self.kafka_ssl_cafile} holds no PEM certificate"
                                 ) from None
        if self.heartbeat_interval * 3 > self.session_timeout:
            raise ValueError(f"SOCIALLISTEN_HEARTBEAT_INTERVAL={self.heartbeat_interval:g} must be at most a third of "
                             f"SOCIALLISTEN_SESSION_TIMEOUT={self.session_timeout:g}")
        return self

    def topic(self, name: str) -> str:
        """Full topic name for a short name such as 'posts' or 'deadletter'."""
        if name == "posts" and self.topic_posts:
            return self.topic_posts
        if name == "comments" and self.topic_comments:
            return self.topic_comments
        return f"{self.topic_prefix}{name}"


class StorageSettings(Section):
    """Where ClickHouse is and how long writes wait out an outage."""

    clickhouse_url: SecretStr | None = Field(
        default=None,
        description="SOCIALLISTEN_CLICKHOUSE_URL: 'clickhouse://user:pass@host:9000/db' for a server "
        "(native protocol), or 'chdb:///path/to/dir' for the in-process engine. "
        "Unset: chdb://<data_dir>/chdb.",
    )
    retry_max_seconds: float = Field(
        default=30.0, gt=0, description="SOCIALLISTEN_RETRY_MAX_SECONDS: cap of the storage retry backoff."
    )
    startup_wait_seconds: float = Field(
        default=120.0, ge=0,
        description="SOCIALLISTEN_STARTUP_WAIT_SECONDS: how long a starting worker or web service waits for "
        "ClickHouse: the schema migration is retried while the server is unreachable or a cluster's DDL queue "
        "is busy (as when several workers start together), so the process does not exit because it started "
        "first. 0 = fail at once.",
    )
    chdb_memory_mb: int = Field(
        default=0, ge=0,
        description="SOCIALLISTEN_CHDB_MEMORY_MB: most memory the chDB engine in the process may take for its "
        "inserts, queries and merges (ClickHouse's max_server_memory_usage; its mark and index caches get an "
        "eighth each). An insert that would go over fails and is retried: one 4,000-event insert with its "
        "materialized views takes over 256 MB. 0 = ClickHouse's defaults. No effect with a ClickHouse server.",
    )
    clickhouse_cluster: str | None = Field(
        default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="SOCIALLISTEN_CLICKHOUSE_CLUSTER: a remote_servers cluster of the ClickHouse server: migrate "
        "creates replicated tables on every shard and Distributed tables under the usual names (docs/scaling.md). "
        "Unset: the single-server schema.",
    )


class WorkerSettings(Section):
    """How the worker batches, analyses and bounds its input."""

    batch_size: int = Field(
        default=4000, ge=1,
        description="SOCIALLISTEN_BATCH_SIZE: events per processing batch, and so rows per ClickHouse insert under "
        "load. Fewer, larger inserts make fewer parts for ClickHouse to merge (for mentions and each of its "
        "materialized views); under light load batches go early anyway (SOCIALLISTEN_BATCH_MIN_SECONDS).",
    )
    analysis_processes: int = Field(
        default=1, ge=0, le=64,
        description="SOCIALLISTEN_ANALYSIS_PROCESSES: processes for text analysis beside the worker "
        "(0 = a thread in the worker); each batch's distinct texts are shared out among them. Two were "
        "faster with chDB on two cores, but slower and heavier with a ClickHouse server on the same two "
        "cores (README, Benchmark); raise it where the worker has cores to spare.",
    )
    pipeline_depth: int = Field(
        default=2, ge=1, le=16,
        description="SOCIALLISTEN_PIPELINE_DEPTH: batches in flight in a worker (being analysed while an "
        "earlier one is written); one more may wait for its listeners, and the input waits until the oldest "
        "is released. Offsets still move only after a write.",
    )
    batch_seconds: float = Field(
        default=0.5, gt=0, description="SOCIALLISTEN_BATCH_SECONDS: flush a batch at least this often."
    )
    batch_min_seconds: float = Field(
        default=0.1, ge=0,
        description="SOCIALLISTEN_BATCH_MIN_SECONDS: while the worker is idle, a batch is processed as soon as it "
        "is this old instead of waiting to fill (lower latency under light load). Bounds the batches, and so the "
        "ClickHouse inserts, a worker makes per second. At or above SOCIALLISTEN_BATCH_SECONDS: off.",
    )
    stall_seconds: float = Field(
        default=120.0, gt=0,
        description="SOCIALLISTEN_STALL_SECONDS: a worker that finished no batch for this long while events wait "
        "in its partitions, a rebalance does not end or an owned partition was never fetched logs 'worker stalled' "
        "with a snapshot of its consumer (kill -USR1 logs one any time).",
    )
    stall_exit_seconds: float = Field(
        default=600.0, ge=0,
        description="SOCIALLISTEN_STALL_EXIT_SECONDS: a worker the stall watchdog has seen stalled this long "
        "exits with status 70 so that its supervisor restarts it (0 = never; only logs then).",
    )
    analysis_event_seconds: float = Field(
        default=2.0, ge=0,
        description="SOCIALLISTEN_ANALYSIS_EVENT_SECONDS: longest the text analysis of one event may take; an "
        "event that runs over is dead-lettered (stage enrich, reason analysis_timeout) and the rest of its batch "
        "stored. A batch may take one such budget per 100 events before it is analysed event by event (0 = no limit).",
    )
    stall_check_seconds: float = Field(
        default=10.0, gt=0, description="SOCIALLISTEN_STALL_CHECK_SECONDS: how often the stall watchdog looks."
    )
    event_loop: Literal["uvloop", "asyncio"] = Field(
        default="uvloop",
        description="SOCIALLISTEN_EVENT_LOOP: the worker's asyncio event loop. uvloop (libuv) costs less per "
        "callback and future than the standard loop: about a tenth less CPU per event in the worker; "
        "'asyncio' is the standard library's (also used when uvloop is not installed).",
    )
    malloc_arenas: int = Field(
        default=2, ge=0, le=1024,
        description="SOCIALLISTEN_MALLOC_ARENAS: glibc malloc arenas of the worker and its analysis processes "
        "(0 = glibc's default, 8 per core). Fewer arenas hold less freed memory (docs/worker.md, Memory).",
    )
    malloc_trim_seconds: float = Field(
        default=1.0, ge=0,
        description="SOCIALLISTEN_MALLOC_TRIM_SECONDS: how often the worker and its analysis processes give "
        "freed malloc memory back to the system (malloc_trim; 0 = never).",
    )
    max_text_chars: int = Field(
        default=20000, ge=1, description="SOCIALLISTEN_MAX_TEXT_CHARS: longer texts are dead-lettered."
    )
    max_event_bytes: int = Field(
        default=262144, ge=1024, description="SOCIALLISTEN_MAX_EVENT_BYTES: larger messages are dead-lettered."
    )


class WebSettings(Section):
    """The API and web pages, and who may use them."""

    web_host: str = Field(default="127.0.0.1", description="SOCIALLISTEN_WEB_HOST: bind address of the API/web page.")
    web_port: int = Field(default=8080, description="SOCIALLISTEN_WEB_PORT: port of the API and web pages.")
    api_tokens: SecretStr | None = Field(
        default=None,
        description="SOCIALLISTEN_API_TOKENS: 'token1:agent,token2:supervisor,...' or '@/path/to/file'; "
        "each token has at least 32 characters (`python -c 'import secrets; print(secrets.token_urlsafe(32))'`).",
    )
    web_max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024,
        description="SOCIALLISTEN_WEB_MAX_BODY_BYTES: largest request body the web service accepts; a larger one "
        "gets 413 before anything reads it (by its Content-Length, or once that many bytes have arrived).",
    )
    web_ticket_secret: SecretStr | None = Field(
        default=None, min_length=32,
        description="SOCIALLISTEN_WEB_TICKET_SECRET: key (32+ characters) that signs the short-lived tickets live "
        "pages open their event streams with. Set the same value on every web process behind one load "
        "balancer; unset: a random key per process (a ticket works only on the process that issued it).",
    )
    web_auth_failures: int = Field(
        default=20, ge=1,
        description="SOCIALLISTEN_WEB_AUTH_FAILURES: failed authentications one client address may make per "
        "SOCIALLISTEN_WEB_AUTH_WINDOW_SECONDS; more get 429 with Retry-After until the window ends.",
    )
    web_auth_window_seconds: float = Field(
        default=60.0, gt=0, le=86400,
        description="SOCIALLISTEN_WEB_AUTH_WINDOW_SECONDS: the window of SOCIALLISTEN_WEB_AUTH_FAILURES.",
    )
    worker_web_port: int | None = Field(
        default=None, description="SOCIALLISTEN_WORKER_WEB_PORT: Faust's own status web server port (unset: off)."
    )
    users_file: Path | None = Field(
        default=None,
        description="SOCIALLISTEN_USERS_FILE: YAML file of the team's users (name, role, SHA-256 of the token); "
        "manage it with `sociallisten users add|remove|list`. Read again when it changes.",
    )
    ops_host: str = Field(
        default="127.0.0.1",
        description="SOCIALLISTEN_OPS_HOST: bind address of a worker's operations endpoints (0.0.0.0 in a container).",
    )
    ops_port: int | None = Field(
        default=None, ge=1, le=65535,
        description="SOCIALLISTEN_OPS_PORT: port of a worker's /healthz, /readyz and /metrics (no token; no "
        "content). Unset: not served by the worker (the web service serves them on its own port).",
    )


class LogSettings(Section):
    """What the logs say and in which format."""

    log_level: str = Field(default="INFO", description="SOCIALLISTEN_LOG_LEVEL")
    log_level_libraries: str = Field(
        default="WARNING",
        description="SOCIALLISTEN_LOG_LEVEL_LIBRARIES: level of Faust, Kafka and driver logs (INFO shows "
        "rebalances and table recovery).",
    )
    log_repeat_seconds: float = Field(
        default=10.0, ge=0,
        description="SOCIALLISTEN_LOG_REPEAT_SECONDS: a library's message (Kafka, Faust, the ClickHouse driver) "
        "that repeats is logged once per this many seconds, the next line saying how many were left out: a "
        "broker outage makes the Kafka client log some 60 errors a second. 0 = log every one.",
    )
    log_format: Literal["json", "console"] = Field(
        default="console", description="SOCIALLISTEN_LOG_FORMAT: 'json' for one JSON object per line."
    )


class ReportSettings(Section):
    """The daily/weekly report (``sociallisten report``) and its optional schedule."""

    report_schedule: str | None = Field(
        default=None,
        description="SOCIALLISTEN_REPORT_SCHEDULE: when `sociallisten report-schedule` makes reports, in UTC: "
        "'daily HH:MM' (yesterday's day report), 'weekly DAY HH:MM' with DAY mon..sun (last ISO week's report), "
        "several separated by ';', e.g. 'daily 00:30; weekly mon 01:00'. Unset: no schedule.",
    )
    report_formats: str = Field(
        default="html,pdf",
        description="SOCIALLISTEN_REPORT_FORMATS: comma-separated formats of a scheduled report (html, pdf, md).",
    )
    report_brand: str | None = Field(
        default=None,
        description="SOCIALLISTEN_REPORT_BRAND: the brand a scheduled report is about. Unset: the lexicon's own brand.",
    )
    report_dir: Path | None = Field(
        default=None,
        description="SOCIALLISTEN_REPORT_DIR: directory scheduled reports are written to. Unset: <data_dir>/reports.",
    )
    report_push: str = Field(
        default="dir",
        description="SOCIALLISTEN_REPORT_PUSH: comma-separated places a scheduled report goes: 'dir' "
        "(SOCIALLISTEN_REPORT_DIR) and 'webhook' (a JSON POST to SOCIALLISTEN_ALERT_WEBHOOK with the Markdown "
        "text and the files' names).",
    )


class TrackingSettings(Section):
    """Deep tracking: links, clicks, visits and conversions (docs/tracking.md)."""

    attribution_days: int = Field(
        default=7, ge=1, le=365,
        description="SOCIALLISTEN_ATTRIBUTION_DAYS: an order is attributed to the last tracked click of its visitor "
        "at most this many days before it; older clicks leave it unattributed.",
    )
