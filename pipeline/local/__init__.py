"""Services this project starts itself on one machine: the embedded Tansu broker (demo, tests) and a
throw-away clickhouse-server (tests, benchmark). Production points the settings at real services."""
