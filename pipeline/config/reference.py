"""Every setting with its environment variable, value in force and description (secrets masked)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings

from pipeline.config.sections import ENV_PREFIX
from pipeline.config.settings import Settings

MASK = "**********"


@dataclass(frozen=True)
class SettingRow:
    """One setting as ``sociallisten config`` shows it."""

    variable: str
    section: str
    value: str
    default: str
    description: str


def _shown(value: object) -> str:
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else ""
    return "" if value is None else str(value)


def _rows(model: BaseModel, section: str) -> list[SettingRow]:
    rows = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseSettings):
            continue  # a section: listed on its own
        description = (info.description or "").split(": ", 1)
        variable = f"{ENV_PREFIX}{name.upper()}"
        text = description[1] if len(description) == 2 and description[0] == variable else (info.description or "")
        rows.append(SettingRow(variable, section, _shown(value), _shown(info.get_default(call_default_factory=True)),
                               text))
    return rows


def reference(settings: Settings) -> list[SettingRow]:
    """Every setting of ``settings``, section by section (values of secrets are masked)."""
    rows = _rows(settings, "general")
    for name in type(settings).model_fields:
        section = getattr(settings, name)
        if isinstance(section, BaseSettings):
            rows.extend(_rows(section, name))
    return rows
