-- desk_backlog_daily (004) from running sums instead of one row per case and open day (docs/benchmark.md#bi-and-api-latency):
-- 004 expanded every case into each day it stayed open (12.6 million case-days for 365,000 cases over 90 days, 1.2-1.6 s
-- on 18.16, whatever range a dashboard asks for: no filter reaches past arrayJoin). Here each case gives at most two
-- changes to the open count (+1 on its opening day, -1 on its resolution day) and two to the overdue count (+1 on the
-- day it is open and past its resolution due time, -1 on its resolution day); per category, platform and brand the
-- changes are summed per day over a calendar from the first opening to today and accumulated (arrayCumSum). Same rows,
-- columns and rules as 004: open at the end of a day = opened that day or before and not resolved by its end; overdue =
-- open and resolution_due before the next midnight (server time, as 004); days with no open case have no row. Every
-- calendar day is a key of sumMap with 2^40 added (sumMap drops keys whose sum is 0), so the sums line up with the
-- calendar. A case opened or resolved after today (a skewed clock) counts from or until today.
DROP TABLE IF EXISTS desk_backlog_daily;

CREATE VIEW IF NOT EXISTS desk_backlog_daily AS
SELECT day, category, platform, brand, toUInt64(open) AS open_cases, toUInt64(overdue) AS overdue_cases
FROM
(
    SELECT category, platform, brand, calendar,
           arrayCumSum(arrayMap(v -> v - 1099511627776, tupleElement(arrayReduce('sumMap',
               [arrayConcat(open_keys, calendar)],
               [arrayConcat(open_changes, arrayMap(d -> toInt64(1099511627776), calendar))]), 2))) AS opens,
           arrayCumSum(arrayMap(v -> v - 1099511627776, tupleElement(arrayReduce('sumMap',
               [arrayConcat(overdue_keys, calendar)],
               [arrayConcat(overdue_changes, arrayMap(d -> toInt64(1099511627776), calendar))]), 2))) AS overdues
    FROM
    (
        SELECT category, platform, brand,
               arrayMap(i -> first + i, range(toUInt64(toRelativeDayNum(today()) - toRelativeDayNum(first) + 1)))
                   AS calendar,
               tupleElement(o, 1) AS open_keys, tupleElement(o, 2) AS open_changes,
               tupleElement(d, 1) AS overdue_keys, tupleElement(d, 2) AS overdue_changes
        FROM
        (
            SELECT category, platform, brand, min(opened) AS first, sumMap(ok, ov) AS o, sumMap(dk, dv) AS d
            FROM
            (
                SELECT category, platform, brand, least(toDate(opened_at), today()) AS opened,
                       isNotNull(resolved_at) AND toDate(assumeNotNull(resolved_at)) <= today() AS resolved,
                       toDate(assumeNotNull(resolved_at)) AS closed,
                       greatest(opened, toDate(resolution_due)) AS due,
                       if(resolved, [opened, closed], [opened]) AS ok,
                       if(resolved, [toInt64(1), -1], [toInt64(1)]) AS ov,
                       if(due < if(resolved, closed, today() + 1), if(resolved, [due, closed], [due]), emptyArrayDate())
                           AS dk,
                       if(due < if(resolved, closed, today() + 1), if(resolved, [toInt64(1), -1], [toInt64(1)]),
                          emptyArrayInt64()) AS dv
                FROM desk_cases_latest
            )
            GROUP BY category, platform, brand
        )
    )
)
ARRAY JOIN calendar AS day, opens AS open, overdues AS overdue
WHERE open > 0;
