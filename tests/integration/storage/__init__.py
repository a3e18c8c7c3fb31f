"""Integration tests of the storage layer on chDB and on clickhouse-server 18.16."""
