"""The transparency report as people read it: Markdown tables (the command's stdout and
report.md, and the admin page's tables), CSV (one row per metric: section, key, value) and the
plot of reports per day by type (a PNG drawn by matplotlib's Agg renderer on the server)."""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from moderation.transparency import SEGMENTS, TransparencyReport


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


def duration_words(seconds: float | None) -> str:
    """``2 h 5 min`` / ``45 min`` / ``30 s`` (``—`` when nothing was reviewed)."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    days, rest = divmod(whole // 60, 60 * 24)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h {minutes} min"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def tables(report: TransparencyReport) -> list[Table]:
    """The report's five tables, in the order the Markdown and the admin page show them."""
    return [_reports_table(report), _review_table(report), *_log_tables(report)]


def _reports_table(report: TransparencyReport) -> Table:
    by_pair = report.reports_by_type_and_segment()
    types = list(dict.fromkeys(report_type for report_type, _segment in by_pair))
    rows = [
        (t, *(str(by_pair[(t, s)]) for s in SEGMENTS), str(sum(by_pair[(t, s)] for s in SEGMENTS)))
        for t in types
    ]
    totals = [sum(by_pair[(t, s)] for t in types) for s in SEGMENTS]
    rows.append(("total", *map(str, totals), str(report.reports_total)))
    return Table("Reports received by type and segment", ("type", *SEGMENTS, "total"), rows)


def _review_table(report: TransparencyReport) -> Table:
    review = report.review
    rows = [
        ("reports filed", str(review.reviewed + review.not_reviewed)),
        ("first reviewed by the end of the period", str(review.reviewed)),
        ("not reviewed by the end of the period", str(review.not_reviewed)),
        ("median time to first review", _seconds_cell(review.median_seconds)),
        ("p90 time to first review", _seconds_cell(review.p90_seconds)),
    ]
    return Table("Time to first review", ("measure", "value"), rows)


def _seconds_cell(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{duration_words(seconds)} ({round(seconds)} s)"


def _log_tables(report: TransparencyReport) -> list[Table]:
    actions = [(t, str(n)) for t, n in report.actions.items()]
    actions.append(("total", str(sum(report.actions.values()))))
    appeals = [(outcome, str(n)) for outcome, n in report.appeals.items()]
    signals = [
        (kind, str(raised), str(report.signals_confirmed[kind]))
        for kind, raised in report.signals_raised.items()
    ]
    signals.append(
        (
            "total",
            str(sum(report.signals_raised.values())),
            str(sum(report.signals_confirmed.values())),
        )
    )
    return [
        Table("Actions by type", ("action", "count"), actions),
        Table("Appeals and their outcomes", ("appeals", "count"), appeals),
        Table("Early signals", ("kind", "raised", "confirmed"), signals),
    ]


def metrics(report: TransparencyReport) -> list[tuple[str, str, str]]:
    """One row per metric: (section, key, value); durations in seconds, empty when none."""
    rows: list[tuple[str, str, str]] = []
    by_pair = report.reports_by_type_and_segment()
    rows += [("reports", f"{t}/{s}", str(n)) for (t, s), n in by_pair.items()]
    rows += [
        ("reports", s, str(sum(n for (_t, s2), n in by_pair.items() if s2 == s))) for s in SEGMENTS
    ]
    rows.append(("reports", "total", str(report.reports_total)))
    review = report.review
    rows += [
        ("first_review", "reviewed", str(review.reviewed)),
        ("first_review", "not_reviewed", str(review.not_reviewed)),
        ("first_review", "median_seconds", _number(review.median_seconds)),
        ("first_review", "p90_seconds", _number(review.p90_seconds)),
    ]
    rows += [("actions", t, str(n)) for t, n in report.actions.items()]
    rows += [("appeals", outcome, str(n)) for outcome, n in report.appeals.items()]
    rows += [("signals_raised", kind, str(n)) for kind, n in report.signals_raised.items()]
    rows += [("signals_confirmed", kind, str(n)) for kind, n in report.signals_confirmed.items()]
    return rows


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.3f}"


def csv_text(report: TransparencyReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("section", "key", "value"))
    writer.writerows(metrics(report))
    return out.getvalue()


def markdown(report: TransparencyReport) -> str:
    lines = [
        "# WYA!? transparency report",
        "",
        f"Period: {report.start.isoformat()} to {report.end.isoformat()} "
        "(the end day excluded), as the log stood at the end of the period.",
    ]
    for table in tables(report):
        lines += [
            "",
            f"## {table.title}",
            "",
            _row(table.header),
            _row(("---",) * len(table.header)),
        ]
        lines += [_row(row) for row in table.rows]
    return "\n".join(lines) + "\n"


def _row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(cells) + " |"


def plot_png(report: TransparencyReport) -> bytes:
    """Reports per day, stacked by type (only the types that occur), as PNG bytes."""
    # Imported here, not at the top: matplotlib costs about a second to import and only this
    # page needs it, so no server process or other command pays for it. ``Figure`` without
    # pyplot draws with the Agg renderer and keeps no global state (safe in a server).
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    per_day = report.reports_per_day()
    days = list(per_day)
    present = [
        t
        for t in dict.fromkeys(k for row in per_day.values() for k in row)
        if any(per_day[d][t] for d in days)
    ]
    figure = Figure(figsize=(10, 4), dpi=100, layout="constrained")
    axes = figure.subplots()
    positions = list(range(len(days)))  # one bar per day, labelled with its date
    bottom = [0] * len(days)
    for report_type in present:
        values = [per_day[day][report_type] for day in days]
        axes.bar(positions, values, bottom=bottom, label=report_type)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_xticks(positions, [day.strftime("%m-%d") for day in days], fontsize="small")
    axes.set_title(f"Reports per day by type, {report.start} to {report.end} (end excluded)")
    axes.set_ylabel("reports")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 2.5 reports
    if present:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    else:
        axes.text(0.5, 0.5, "No reports in this period", ha="center", transform=axes.transAxes)
    figure.autofmt_xdate()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
