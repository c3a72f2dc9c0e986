"""The transparency report: how the safety system performed over a period, in numbers
(docs/moderation.md, "Transparency report").

``transparency_report(start=, end=)`` reads the log for the days ``[start, end)`` (dates in the
project's time zone) in a CONSTANT number of queries (five), whatever the length of the history:
every count is a ``GROUP BY`` in SQL; the time to first review is ``PERCENTILE_CONT`` on
PostgreSQL, and on other databases (SQLite) the same interpolation in Python over one
``values_list`` query (``percentile_cont``; the two agree, tested).

Everything is counted **as the log stood at the end of the period**: a review, an appeal's
decision or a signal's confirmation after ``end`` does not count, so a published report can be
recomputed later and give the same numbers.
"""

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
)
from django.db.models.functions import Cast, Extract, TruncDate
from django.utils import timezone

from safety import policy
from safety.models import (
    ActionType,
    Appeal,
    AppealStatus,
    ModerationAction,
    Report,
    ReportType,
    SafetySignal,
    SignalKind,
    SignalStatus,
)

SEGMENTS = (policy.TEEN, policy.ADULT)
MEDIAN, P90 = 0.5, 0.9


@dataclass(frozen=True)
class ReviewTimes:
    """Time to first review of the reports filed in the period (``reviewed_at − created_at``:
    the "Start review" press or the first decision, whichever came first)."""

    reviewed: int  # filed in the period and first reviewed before its end
    not_reviewed: int  # filed in the period, not reviewed by its end
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class TransparencyReport:
    start: dt.date
    end: dt.date  # exclusive
    # (day, report_type, segment of the reporter at the report time) -> reports filed
    reports_daily: dict[tuple[dt.date, str, str], int]
    review: ReviewTimes
    actions: dict[str, int]  # action_type -> actions taken in the period
    appeals: dict[str, int]  # filed, upheld, lifted, pending (filed in the period)
    signals_raised: dict[str, int]  # kind -> signals raised in the period
    signals_confirmed: dict[str, int]  # kind -> of those, confirmed by the end

    def reports_by_type_and_segment(self) -> dict[tuple[str, str], int]:
        """Every (type, segment) pair, zeros included: the report's shape never changes."""
        counts: Counter[tuple[str, str]] = Counter()
        for (_day, report_type, segment), count in self.reports_daily.items():
            counts[(report_type, segment)] += count
        types = [*ReportType.values, *sorted({t for t, _s in counts} - set(ReportType.values))]
        return {(t, s): counts[(t, s)] for t in types for s in SEGMENTS}

    def reports_per_day(self) -> dict[dt.date, dict[str, int]]:
        """Day -> type -> reports filed (every day of the period, every type; for the plot)."""
        days = {
            self.start + dt.timedelta(days=n): dict.fromkeys(ReportType.values, 0)
            for n in range((self.end - self.start).days)
        }
        for (day, report_type, _segment), count in self.reports_daily.items():
            days[day][report_type] = days[day].get(report_type, 0) + count
        return days

    @property
    def reports_total(self) -> int:
        return sum(self.reports_daily.values())


class PercentileCont(Aggregate):
    """PostgreSQL's ``PERCENTILE_CONT(fraction) WITHIN GROUP (ORDER BY expression)``: the
    linearly interpolated percentile (``percentile_cont`` is the same in Python)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, *, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile_cont(ordered: list[float], fraction: float) -> float | None:
    """``PERCENTILE_CONT`` over an ascending list: the value at position ``fraction·(n−1)``,
    interpolated between its two neighbours (the median of an even count is their mean)."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Midnight of ``start`` and of ``end`` in the project's time zone (``[start, end)``)."""
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end, dt.time.min, tzinfo=zone),
    )


def transparency_report(*, start: dt.date, end: dt.date) -> TransparencyReport:
    """The report for the days ``[start, end)``: five queries, whatever the history's length."""
    since, until = period_bounds(start, end)
    filed = Report.objects.filter(created_at__gte=since, created_at__lt=until)
    raised, confirmed = _signals(since, until)
    return TransparencyReport(
        start=start,
        end=end,
        reports_daily=_reports_daily(filed),
        review=review_times(filed, until=until),
        actions=_actions(since, until),
        appeals=_appeals(since, until),
        signals_raised=raised,
        signals_confirmed=confirmed,
    )


def _reports_daily(filed: QuerySet) -> dict[tuple[dt.date, str, str], int]:
    """One GROUP BY: day × type × the reporter's segment on the day they reported (a target is
    always of the reporter's segment: docs/moderation.md)."""
    rows = (
        filed.annotate(
            day=TruncDate("created_at"),
            segment=policy.segment_at(birth_date="reporter__date_of_birth", moment="created_at"),
        )
        .values_list("day", "report_type", "segment")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {(day, report_type, segment): count for day, report_type, segment, count in rows}


def _wait_seconds():
    wait = ExpressionWrapper(F("reviewed_at") - F("created_at"), output_field=DurationField())
    return Cast(Extract(wait, "epoch"), FloatField())


def review_times(filed: QuerySet, *, until: dt.datetime, in_sql: bool | None = None) -> ReviewTimes:
    """Median and p90 of the first-review wait of ``filed`` (reviews before ``until`` only).
    ``in_sql``: PERCENTILE_CONT (PostgreSQL only), else Python over one query; default: by
    the database in use."""
    if in_sql is None:
        in_sql = connection.vendor == "postgresql"
    reviewed = Q(reviewed_at__isnull=False, reviewed_at__lt=until)
    if in_sql:
        row = filed.aggregate(
            reviewed=Count("id", filter=reviewed),
            not_reviewed=Count("id", filter=~reviewed),
            median=PercentileCont(_wait_seconds(), fraction=MEDIAN, filter=reviewed),
            p90=PercentileCont(_wait_seconds(), fraction=P90, filter=reviewed),
        )
        return ReviewTimes(row["reviewed"], row["not_reviewed"], row["median"], row["p90"])
    pairs = list(filed.values_list("created_at", "reviewed_at"))
    waits = sorted(
        (seen - created).total_seconds()
        for created, seen in pairs
        if seen is not None and seen < until
    )
    return ReviewTimes(
        len(waits),
        len(pairs) - len(waits),
        percentile_cont(waits, MEDIAN),
        percentile_cont(waits, P90),
    )


def _actions(since: dt.datetime, until: dt.datetime) -> dict[str, int]:
    rows = (
        ModerationAction.objects.filter(created_at__gte=since, created_at__lt=until)
        .values_list("action_type")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts = dict(rows)
    return {action_type: counts.pop(action_type, 0) for action_type in ActionType.values} | counts


def _appeals(since: dt.datetime, until: dt.datetime) -> dict[str, int]:
    """Appeals filed in the period and their outcome by its end (decided later: pending)."""
    decided = Q(decided_at__isnull=False, decided_at__lt=until)
    row = Appeal.objects.filter(created_at__gte=since, created_at__lt=until).aggregate(
        filed=Count("id"),
        upheld=Count("id", filter=decided & Q(status=AppealStatus.UPHELD)),
        lifted=Count("id", filter=decided & Q(status=AppealStatus.LIFTED)),
    )
    return {**row, "pending": row["filed"] - row["upheld"] - row["lifted"]}


def _signals(since: dt.datetime, until: dt.datetime) -> tuple[dict[str, int], dict[str, int]]:
    """Signals raised in the period by kind, and how many of them a moderator confirmed by its
    end."""
    confirmed = Q(status=SignalStatus.CONFIRMED, reviewed_at__isnull=False, reviewed_at__lt=until)
    rows = (
        SafetySignal.objects.filter(created_at__gte=since, created_at__lt=until)
        .values_list("kind")
        .annotate(raised=Count("id"), confirmed=Count("id", filter=confirmed))
        .order_by()
    )
    found = {kind: (raised, done) for kind, raised, done in rows}
    kinds = [*SignalKind.values, *(kind for kind in found if kind not in SignalKind.values)]
    return (
        {kind: found.get(kind, (0, 0))[0] for kind in kinds},
        {kind: found.get(kind, (0, 0))[1] for kind in kinds},
    )
