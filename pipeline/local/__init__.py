"""Services this project starts itself on one machine.

The embedded Tansu broker (demo, tests) and a throw-away clickhouse-server (tests, benchmark).
Production points the settings at real services.
"""
