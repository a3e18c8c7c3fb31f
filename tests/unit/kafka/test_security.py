"""Kafka beyond the embedded broker: security settings reach every client alike; input topic names."""

from __future__ import annotations

from pathlib import Path

import certifi
import faust
import pytest

from pipeline.config import KafkaSettings, Settings, load_settings
from pipeline.errors import ConfigError
from pipeline.kafka.security import aiokafka_options, faust_credentials, kafka_python_options
from pipeline.kafka.topics import Topics
from pipeline.worker.app import faust_app

SASL = {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "SCRAM-SHA-512",
        "kafka_sasl_username": "listener", "kafka_sasl_password": "s3cret-pw"}


def test_plaintext_adds_nothing() -> None:
    kafka = KafkaSettings()
    assert kafka_python_options(kafka) == {} and aiokafka_options(kafka) == {} and faust_credentials(kafka) is None


def test_sasl_ssl_reaches_every_client() -> None:
    kafka = KafkaSettings(**SASL)  # type: ignore[arg-type]  # strings validated into their Literal and SecretStr
    py = kafka_python_options(kafka)
    assert py["security_protocol"] == "SASL_SSL" and py["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (py["sasl_plain_username"], py["sasl_plain_password"]) == ("listener", "s3cret-pw")
    aio = aiokafka_options(kafka)
    assert aio["security_protocol"] == "SASL_SSL" and aio["ssl_context"] is not None
    assert aio["sasl_plain_password"] == "s3cret-pw"
    creds = faust_credentials(kafka)
    assert isinstance(creds, faust.SASLCredentials) and creds.username == "listener"
    assert "s3cret-pw" not in repr(kafka) and "s3cret-pw" not in repr(creds)


def test_the_worker_app_carries_the_credentials(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, kafka=KafkaSettings(**SASL))  # type: ignore[arg-type]  # as above
    app = faust_app(settings, "broker.example:9093")
    assert isinstance(app.conf.broker_credentials, faust.SASLCredentials)


def test_ssl_uses_the_ca_file() -> None:
    ca = Path(certifi.where())  # a real PEM bundle
    kafka = KafkaSettings(kafka_security_protocol="SSL", kafka_ssl_cafile=ca)
    assert kafka_python_options(kafka)["ssl_cafile"] == str(ca)
    assert isinstance(faust_credentials(kafka), faust.SSLCredentials)
    assert aiokafka_options(kafka)["ssl_context"].verify_mode.name == "CERT_REQUIRED"


def test_a_ca_file_without_certificates_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate")
    with pytest.raises(ValueError, match="SOCIALLISTEN_KAFKA_SSL_CAFILE: .* holds no PEM certificate"):
        KafkaSettings(kafka_security_protocol="SSL", kafka_ssl_cafile=bogus)


def test_incomplete_credentials_name_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALLISTEN_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("SOCIALLISTEN_KAFKA_SASL_USERNAME", "listener")
    with pytest.raises(ConfigError, match="SOCIALLISTEN_KAFKA_SASL_USERNAME and SOCIALLISTEN_KAFKA_SASL_PASSWORD"):
        load_settings()
    monkeypatch.setenv("SOCIALLISTEN_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("SOCIALLISTEN_KAFKA_SASL_PASSWORD", "pw")
    monkeypatch.setenv("SOCIALLISTEN_KAFKA_SSL_CAFILE", "/nonexistent/ca.pem")
    with pytest.raises(ConfigError, match="SOCIALLISTEN_KAFKA_SSL_CAFILE: /nonexistent/ca.pem is not a readable file"):
        load_settings()


def test_input_topic_names_can_be_set() -> None:
    topics = Topics.from_settings(Settings(kafka=KafkaSettings(topic_prefix="x.", topic_posts="weibo.raw",
                                                               topic_comments="weibo.comments.raw")))
    assert topics.inputs == ("weibo.raw", "weibo.comments.raw")
    assert topics.deadletter == "x.deadletter" and topics.cases == "x.cases"
