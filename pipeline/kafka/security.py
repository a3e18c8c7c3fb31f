"""How every Kafka client connects: one place maps the security settings to each client's options.

``SOCIALLISTEN_KAFKA_SECURITY_PROTOCOL`` (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), the SASL
mechanism, user and password, and a CA file apply alike to the worker (Faust), aiokafka clients
(the readiness probe) and kafka-python clients (producers, topic creation).
"""

from __future__ import annotations

import ssl
from typing import Any

import faust

from pipeline.config import KafkaSettings


def ssl_context(kafka: KafkaSettings) -> ssl.SSLContext | None:
    """A verifying TLS context for SSL and SASL_SSL (with the CA file when set); None otherwise."""
    if not kafka.kafka_security_protocol.endswith("SSL"):
        return None
    cafile = str(kafka.kafka_ssl_cafile) if kafka.kafka_ssl_cafile else None
    return ssl.create_default_context(purpose=ssl.Purpose.SERVER_AUTH, cafile=cafile)


def _password(kafka: KafkaSettings) -> str | None:
    return kafka.kafka_sasl_password.get_secret_value() if kafka.kafka_sasl_password else None


def kafka_python_options(kafka: KafkaSettings) -> dict[str, Any]:
    """Options for kafka-python's producer and admin client (nothing for PLAINTEXT)."""
    protocol = kafka.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return {}
    options: dict[str, Any] = {"security_protocol": protocol}
    if protocol.endswith("SSL"):
        options["ssl_check_hostname"] = True
        if kafka.kafka_ssl_cafile:
            options["ssl_cafile"] = str(kafka.kafka_ssl_cafile)
    if protocol.startswith("SASL"):
        options.update(sasl_mechanism=kafka.kafka_sasl_mechanism, sasl_plain_username=kafka.kafka_sasl_username,
                       sasl_plain_password=_password(kafka))
    return options


def aiokafka_options(kafka: KafkaSettings) -> dict[str, Any]:
    """Options for an aiokafka client (nothing for PLAINTEXT)."""
    protocol = kafka.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return {}
    options: dict[str, Any] = {"security_protocol": protocol, "ssl_context": ssl_context(kafka)}
    if protocol.startswith("SASL"):
        options.update(sasl_mechanism=kafka.kafka_sasl_mechanism, sasl_plain_username=kafka.kafka_sasl_username,
                       sasl_plain_password=_password(kafka))
    return options


def faust_credentials(kafka: KafkaSettings) -> faust.SASLCredentials | faust.SSLCredentials | None:
    """Faust's ``broker_credentials`` (None for PLAINTEXT)."""
    protocol = kafka.kafka_security_protocol
    if protocol.startswith("SASL"):
        credentials = faust.SASLCredentials(username=kafka.kafka_sasl_username, password=_password(kafka),
                                            ssl_context=ssl_context(kafka), mechanism=kafka.kafka_sasl_mechanism)
        return credentials
    if protocol == "SSL":
        return faust.SSLCredentials(ssl_context(kafka))
    return None
