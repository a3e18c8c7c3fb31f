"""Spike alerts per brand x signal from the exact minute rollups (event time).

The engine runs on one worker only (the Faust leader, see :mod:`pipeline.monitor.wiring`), so
there is one alert state for any number of workers, and it counts from ClickHouse's
``minute_sets`` (exact under replays) rather than from what one worker saw.

Windows are in **event time** (``created_at``) but anchored at the **wall clock**: the current
window is the last ``alert_window_minutes`` minutes up to now. Live posts (created_at about now)
fill it; a historic replay writes minutes long past, which only ever feed the baseline, so a
replay never floods alerts. The cooldown state is the ``alerts`` table itself, so a new leader
after a failover knows what its predecessor fired.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from pipeline.config import AlertSettings
from pipeline.monitor.baseline import Baseline, baseline, detect, windows_covered
from pipeline.monitor.models import Alert, AuthorCount, PostRef, TermScore
from pipeline.storage import ClickHouse

log = logging.getLogger(__name__)

ALERT_COLUMNS: tuple[str, ...] = (
    "alert_id", "brand", "signal", "window_start", "window_end", "fired_at", "count", "baseline_mean",
    "baseline_std", "threshold", "score", "severity", "top_terms", "top_authors", "top_posts", "explanation",
    "payload", "version",
)  # fmt: skip
TOP_TERMS = 8
TOP_AUTHORS = 5
TOP_POSTS = 5


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(int(ts), UTC)


class AlertEngine:
    """Detects spikes, explains them and records them (blocking ClickHouse calls)."""

    def __init__(self, ch: ClickHouse, settings: AlertSettings, clock: Callable[[], float] = time.time) -> None:
        self.ch = ch
        self.settings = settings
        self.clock = clock
        self._fired: dict[tuple[str, str], float] = {}

    # ---- detection -------------------------------------------------------------------------
    def detect(self, now: float | None = None) -> list[Alert]:
        """Alerts for the current window that are not in cooldown (not yet recorded)."""
        s = self.settings
        now = self.clock() if now is None else now
        wsec = s.alert_window_minutes * 60
        minute = int(now // 60) * 60
        start, end = minute - wsec + 60, minute + 60
        lookback = start - int(s.alert_baseline_days * 86400)
        current = self.ch.query(
            "SELECT brand, signal, uniqExactMerge(events) AS n FROM minute_sets "
            "WHERE bucket >= %(start)s AND bucket < %(end)s AND brand != '' AND signal IN %(signals)s "
            "GROUP BY brand, signal HAVING n >= %(min)s",
            {"start": _dt(start), "end": _dt(end), "signals": s.signals, "min": s.alert_min_count},
        )
        if not current:
            return []
        first = self.ch.query(
            "SELECT toUInt32(min(bucket)) AS first, count() AS c FROM minute_sets "
            "WHERE bucket >= %(lo)s AND bucket < %(start)s",
            {"lo": _dt(lookback), "start": _dt(start)},
        )
        first_bucket = float(first[0]["first"]) if first and first[0]["c"] else None
        n_windows = windows_covered(first_bucket, start, lookback, wsec)
        if n_windows < s.alert_min_baseline_windows:
            log.info("alerts: baseline covers %d windows (< %d): not alerting yet", n_windows,
                     s.alert_min_baseline_windows)
            return []
        bases = self._baselines(current, start, lookback, wsec, n_windows)
        cooling = self._cooling(now)
        out = []
        for row in current:
            key = (row["brand"], row["signal"])
            base = bases.get(key, Baseline(n_windows, 0.0, 0.0))
            spike = detect(int(row["n"]), base, s.alert_k, s.alert_min_count)
            if spike is None:
                continue
            if key in cooling:
                log.debug("alerts: %s/%s spike in cooldown", *key)
                continue
            alert = Alert(
                alert_id=f"{key[0]}|{key[1]}|{start}", brand=key[0], signal=key[1], window_start=_dt(start),
                window_end=_dt(end), fired_at=_dt(now), count=spike.count, baseline_mean=round(base.mean, 3),
                baseline_std=round(base.std, 3), baseline_windows=base.windows, threshold=round(spike.threshold, 2),
                score=spike.score, severity=spike.severity,
            )
            self._explain(alert, start, end, lookback, base.windows)
            out.append(alert)
        return out

    def _baselines(
        self, current: Sequence[dict[str, Any]], start: int, lookback: int, wsec: int, n_windows: int
    ) -> dict[tuple[str, str], Baseline]:
        brands = tuple(sorted({r["brand"] for r in current}))
        signals = tuple(sorted({r["signal"] for r in current}))
        rows = self.ch.query(
            "SELECT brand, signal, sum(n) AS total, sum(n * n) AS squares FROM ("
            " SELECT brand, signal, intDiv(%(start)s - 1 - toUInt32(bucket), %(wsec)s) AS w,"
            "        toFloat64(uniqExactMerge(events)) AS n"
            " FROM minute_sets"
            " WHERE bucket >= %(lo)s AND bucket < %(start_dt)s AND brand IN %(brands)s AND signal IN %(signals)s"
            " GROUP BY brand, signal, w) GROUP BY brand, signal",
            {"start": start, "wsec": wsec, "lo": _dt(lookback), "start_dt": _dt(start), "brands": brands,
             "signals": signals},
        )
        return {(r["brand"], r["signal"]): baseline(float(r["total"]), float(r["squares"]), n_windows) for r in rows}

    def _cooling(self, now: float) -> set[tuple[str, str]]:
        since = now - self.settings.alert_cooldown_minutes * 60
        rows = self.ch.query(
            "SELECT brand, signal FROM alerts WHERE fired_at >= %(since)s GROUP BY brand, signal",
            {"since": _dt(since)},
        )
        keys = {(r["brand"], r["signal"]) for r in rows}
        keys |= {k for k, t in self._fired.items() if t >= since}
        return keys

    # ---- explanation -----------------------------------------------------------------------
    def _explain(self, alert: Alert, start: int, end: int, lookback: int, windows: int) -> None:
        where = (
            "has(brands, %(brand)s) AND (%(signal)s = 'mention' OR has(signals, %(signal)s)) "
            "AND created_at >= %(lo)s AND created_at < %(hi)s"
        )
        now_p = {"brand": alert.brand, "signal": alert.signal, "lo": _dt(start), "hi": _dt(end)}
        terms = self.ch.query(
            f"SELECT keyword, count() AS n FROM (SELECT arrayJoin(keywords) AS keyword FROM mentions FINAL "
            f"WHERE {where}) WHERE keyword != %(brand)s GROUP BY keyword ORDER BY n DESC, keyword LIMIT 40",
            now_p,
        )
        expected: dict[str, float] = {}
        if terms:
            base_p = {**now_p, "lo": _dt(lookback), "hi": _dt(start), "kw": tuple(t["keyword"] for t in terms)}
            for r in self.ch.query(
                f"SELECT keyword, count() AS n FROM (SELECT arrayJoin(keywords) AS keyword FROM mentions FINAL "
                f"WHERE {where}) WHERE keyword IN %(kw)s GROUP BY keyword",
                base_p,
            ):
                expected[r["keyword"]] = r["n"] / max(windows, 1)
        scored = [
            TermScore(term=t["keyword"], count=int(t["n"]), expected=round(expected.get(t["keyword"], 0.0), 3),
                      score=round(t["n"] * math.log((t["n"] + 1) / (expected.get(t["keyword"], 0.0) + 1)), 3))
            for t in terms
        ]
        alert.top_terms = sorted((t for t in scored if t.score > 0), key=lambda t: (-t.score, t.term))[:TOP_TERMS]
        alert.top_authors = [
            AuthorCount(author_id=r["author_id"], author_name=r["author_name"], followers=int(r["followers"]),
                        mentions=int(r["n"]))
            for r in self.ch.query(
                f"SELECT author_id, any(author_name) AS author_name, max(author_followers) AS followers, "
                f"count() AS n FROM mentions FINAL WHERE {where} GROUP BY author_id "
                f"ORDER BY n DESC, followers DESC LIMIT {TOP_AUTHORS}",
                now_p,
            )
        ]
        alert.top_posts = [
            PostRef(event_id=r["event_id"], author_name=r["author_name"], text=r["text"][:200],
                    engagement=int(r["engagement"]), created_at=r["created_at"])
            for r in self.ch.query(
                f"SELECT event_id, author_name, text, reposts + comments + likes AS engagement, created_at "
                f"FROM mentions FINAL WHERE {where} ORDER BY engagement DESC, created_at DESC LIMIT {TOP_POSTS}",
                now_p,
            )
        ]
        alert.explanation = (
            f"{alert.brand} · {alert.signal}: {alert.count} in the last {self.settings.alert_window_minutes} min "
            f"vs {alert.baseline_mean:.1f} ± {alert.baseline_std:.1f} per window over {windows} windows "
            f"(threshold {alert.threshold:.1f}, score {alert.score:.1f}, {alert.severity}). "
            f"Top terms: {', '.join(t.term for t in alert.top_terms) or '-'}. "
            f"Top authors: {', '.join(a.author_name or a.author_id for a in alert.top_authors) or '-'}."
        )

    # ---- recording -------------------------------------------------------------------------
    def record(self, alerts: Sequence[Alert]) -> None:
        """Store alerts (idempotent by alert id); they start their cooldown."""
        if not alerts:
            return
        version = time.time_ns() // 1000
        rows = [
            (
                a.alert_id, a.brand, a.signal, a.window_start, a.window_end, a.fired_at, a.count, a.baseline_mean,
                a.baseline_std, a.threshold, a.score, a.severity, [t.term for t in a.top_terms],
                [x.author_name or x.author_id for x in a.top_authors], [p.event_id for p in a.top_posts],
                a.explanation, a.model_dump_json(), version,
            )
            for a in alerts
        ]
        self.ch.insert("alerts", ALERT_COLUMNS, rows)
        for a in alerts:
            self._fired[(a.brand, a.signal)] = a.fired_at.timestamp()
        log.info("alerts: recorded %s", ", ".join(a.alert_id for a in alerts))


def recent_alerts(
    ch: ClickHouse, *, since: datetime | None = None, brand: str | None = None, signal: str | None = None,
    limit: int = 100,
) -> list[Alert]:
    """Stored alerts, newest first."""
    cond = ["1"]
    params: dict[str, Any] = {"limit": limit}
    if since is not None:
        cond.append("fired_at >= %(since)s")
        params["since"] = since
    if brand:
        cond.append("brand = %(brand)s")
        params["brand"] = brand
    if signal:
        cond.append("signal = %(signal)s")
        params["signal"] = signal
    rows = ch.query(
        f"SELECT payload FROM alerts FINAL WHERE {' AND '.join(cond)} ORDER BY fired_at DESC, alert_id LIMIT %(limit)s",
        params,
    )
    return [Alert.model_validate(orjson.loads(r["payload"])) for r in rows]
