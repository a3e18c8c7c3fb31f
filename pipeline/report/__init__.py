"""舆情日报/周报: the daily and weekly report (``sociallisten report``) and its optional schedule.

- :mod:`pipeline.report.period` - the day or ISO week reported on, the previous one, trends (pure);
- :mod:`pipeline.report.models` - what a report holds (pydantic);
- :mod:`pipeline.report.data` - the queries that fill it from ClickHouse (18.16 and current);
- :mod:`pipeline.report.charts` - matplotlib charts with a CJK font;
- :mod:`pipeline.report.html`, :mod:`pipeline.report.markdown`, :mod:`pipeline.report.pdf` - the formats;
- :mod:`pipeline.report.schedule` - ``SOCIALLISTEN_REPORT_SCHEDULE`` and where a scheduled report goes.
"""
