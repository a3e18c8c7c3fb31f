"""The alert channels file (``SOCIALLISTEN_ALERT_CHANNELS_FILE``): channels, and routes that pick them.

A YAML file, validated by pydantic; every error names the file, the channel (or route) and the field::

    channels:
      ops-dingtalk:
        type: dingtalk
        url: https://oapi.dingtalk.com/robot/send?access_token=${DINGTALK_TOKEN}
        secret: ${DINGTALK_SECRET}
    routes:
      - channels: [ops-dingtalk]
        min_severity: medium
        brands: [蒙牛]

``${NAME}`` in any string is replaced by the environment variable ``NAME`` (an unset one is an
error). A file that holds a secret itself (a robot URL, a signing secret, a password not given
as ``${...}``) must not be readable or writable by group or others.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from pipeline.errors import ConfigError

SEVERITIES = ("low", "medium", "high")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME = r"^[A-Za-z0-9_.\-]{1,64}$"
SECRET_FIELDS = ("url", "secret", "password")
"""Fields whose values are secrets (a robot's URL carries its token or key)."""


class _Channel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    attempts: int = Field(default=3, ge=1, le=10, description="tries of one message (refusals are retried)")
    timeout: float = Field(default=5.0, gt=0, le=60, description="seconds of one try")
    deadline: float = Field(default=20.0, gt=0, le=300, description="seconds for all tries of one message")
    rate_per_minute: int | None = Field(default=None, ge=1, description="most messages per minute (None: vendor's)")


class _HttpChannel(_Channel):
    url: SecretStr

    @field_validator("url")
    @classmethod
    def _http(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(("https://", "http://")):
            raise ValueError("must be an http(s):// URL")
        return value


class DingTalkChannel(_HttpChannel):
    """DingTalk custom robot (自定义机器人), signed when ``secret`` (加签, ``SEC...``) is set."""

    type: Literal["dingtalk"]
    secret: SecretStr | None = None


class WeComChannel(_HttpChannel):
    """WeCom group robot (企业微信群机器人); its key is part of the URL."""

    type: Literal["wecom"]


class FeishuChannel(_HttpChannel):
    """Feishu custom bot (飞书自定义机器人), signed when ``secret`` (签名校验) is set."""

    type: Literal["feishu"]
    secret: SecretStr | None = None


class WebhookChannel(_HttpChannel):
    """The generic JSON webhook: the alert as JSON, any 2xx answer is success."""

    type: Literal["webhook"]


class EmailChannel(_Channel):
    """E-mail through an SMTP server."""

    type: Literal["email"]
    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    cafile: Path | None = Field(default=None, description="CA certificates (PEM) to verify the server (unset: the "
                                "system's)")
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(alias="from", min_length=3)
    to: list[str] = Field(min_length=1)


ChannelSpec = Annotated[
    DingTalkChannel | WeComChannel | FeishuChannel | WebhookChannel | EmailChannel, Field(discriminator="type")
]
VENDOR_RATE_PER_MINUTE = {"dingtalk": 20, "wecom": 20, "feishu": 100}
"""Documented limits: DingTalk 20/min per robot, WeCom 20/min per robot, Feishu 100/min (5/s) per bot."""


class Route(BaseModel):
    """Which alerts go to which channels: every condition set must hold (unset: any)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channels: list[str] = Field(min_length=1)
    min_severity: Literal["low", "medium", "high"] = "low"
    brands: list[str] = Field(default_factory=list)
    signals: list[str] = Field(default_factory=list)

    def matches(self, brand: str, signal: str, severity: str) -> bool:
        """Whether an alert of ``brand``, ``signal`` and ``severity`` takes this route."""
        rank = SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES) - 1
        return (rank >= SEVERITIES.index(self.min_severity) and (not self.brands or brand in self.brands)
                and (not self.signals or signal in self.signals))


class ChannelsFile(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channels: dict[Annotated[str, Field(pattern=_NAME)], ChannelSpec] = Field(min_length=1)
    routes: list[Route] = Field(min_length=1)

    def targets(self, brand: str, signal: str, severity: str) -> list[str]:
        """Channel names an alert goes to (each once, in the order of the file)."""
        wanted = {c for r in self.routes if r.matches(brand, signal, severity) for c in r.channels}
        return [name for name in self.channels if name in wanted]


def _expand(value: Any, where: str, found: list[str]) -> Any:
    """``value`` with ``${NAME}`` replaced from the environment; the names used are appended to ``found``."""
    if isinstance(value, dict):
        return {k: _expand(v, f"{where}.{k}", found) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, f"{where}[{n}]", found) for n, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def env(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(f"{where}: environment variable {name} is not set")
        found.append(name)
        return os.environ[name]

    return _ENV_REF.sub(env, value)


def _literal_secrets(raw: dict[str, Any]) -> list[str]:
    """``channel.field`` of every secret written into the file itself (not only ``${...}``)."""
    out = []
    for name, spec in (raw.get("channels") or {}).items():
        for key in SECRET_FIELDS:
            value = spec.get(key) if isinstance(spec, dict) else None
            if not isinstance(value, str):
                continue
            # a URL with a ${...} part keeps its token there; a secret or password must be nothing but references
            if (key == "url" and _ENV_REF.search(value) is None) or (key != "url" and _ENV_REF.sub("", value)):
                out.append(f"{name}.{key}")
    return out


def _describe(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = [str(p) for p in err["loc"]]
        if loc[:1] == ["channels"] and len(loc) > 2 and loc[2] in {"dingtalk", "wecom", "feishu", "webhook", "email"}:
            loc.pop(2)  # the discriminator's branch: the type is named by the channel's own 'type'
        field = ".".join(loc[2:]) or "-"
        if loc[:1] == ["channels"] and len(loc) > 1:
            place = f"channel {loc[1]}, field {field}"
        elif loc[:1] == ["routes"] and len(loc) > 1:
            place = f"route {int(loc[1]) + 1}, field {field}"
        else:
            place = "/".join(loc) or "the file"
        problems.append(f"{place}: {err['msg'].removeprefix('Value error, ')}")
    return "; ".join(problems)


def load_channels(path: Path) -> ChannelsFile:
    """The channels file at ``path``; ConfigError naming the file, the channel or route and the field."""
    where = f"SOCIALLISTEN_ALERT_CHANNELS_FILE {path}"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        mode = stat.S_IMODE(path.stat().st_mode)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{where} cannot be read: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: the file holds a mapping with 'channels:' and 'routes:'")
    literal = _literal_secrets(raw)
    if literal and mode & 0o077:
        raise ConfigError(f"{where} holds secrets ({', '.join(literal)}) but is open to group or others "
                          f"(mode {mode:o}): chmod 600 it, or give the secrets as ${{ENV_VARIABLE}}")
    data = _expand(raw, where, [])
    try:
        parsed = ChannelsFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{where}: {_describe(exc)}") from None
    for n, route in enumerate(parsed.routes):
        unknown = [c for c in route.channels if c not in parsed.channels]
        if unknown:
            raise ConfigError(f"{where}: route {n + 1}, field channels: no channel named {', '.join(unknown)}")
    return parsed
