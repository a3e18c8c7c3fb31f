"""The one settings object of the project (see :mod:`pipeline.config.settings`)."""

from pipeline.config.desk import PRIORITIES, DeskSettings
from pipeline.config.monitor import AlertSettings, MonitorSettings
from pipeline.config.sections import (
    KafkaSettings,
    LogSettings,
    StorageSettings,
    TrackingSettings,
    WebSettings,
    WorkerSettings,
)
from pipeline.config.settings import DATA_DIR, DEMO_LEXICON, PACKAGE_DIR, Settings, describe, load_settings

__all__ = [
    "DATA_DIR", "DEMO_LEXICON", "PACKAGE_DIR", "PRIORITIES", "AlertSettings", "DeskSettings", "KafkaSettings",
    "LogSettings", "MonitorSettings", "Settings", "StorageSettings", "TrackingSettings", "WebSettings",
    "WorkerSettings", "describe",
    "load_settings",
]
