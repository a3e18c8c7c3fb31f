"""Shared test set-up: real services come from the fixture plugins below.

``tests.fixtures.xdist_groups`` says which tests share a pytest-xdist worker.
"""

pytest_plugins = ["tests.fixtures.clickhouse", "tests.fixtures.kafka", "tests.fixtures.xdist_groups"]
