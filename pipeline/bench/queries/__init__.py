"""``sociallisten bench --queries``: BI and API latency on a database filled with N realistic mentions.

:mod:`.fill_mentions` and :mod:`.fill_derived` fill the tables server-side (``INSERT ... SELECT`` from
``numbers(N)``), :mod:`.catalog` lists what is timed (Grafana panels, BI views, API reads) and
:mod:`.run` times them.
"""
