"""The social customer-service desk: cases from service requests, their lifecycle and SLA.

Pure logic (keys, priority/SLA, the transition table) lives in ``models``, ``sla`` and
``lifecycle``; ``agent`` is the Faust layer (the one owner of case state), ``store`` the
ClickHouse mirror and its queries.
"""
