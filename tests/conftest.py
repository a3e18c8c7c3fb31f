"""Shared test set-up: real services come from the fixture plugins below."""

pytest_plugins = ["tests.fixtures.clickhouse", "tests.fixtures.kafka"]
