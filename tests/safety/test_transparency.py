"""The transparency report (docs/moderation.md, "Transparency report"): every number over a
seeded history with known counts, its query count constant in the history's length, the command's
files and errors, and the Safety leads' admin page with its PNG plot."""

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from moderation import transparency, transparency_render
from safety.models import Appeal, Report, SafetySignal
from tests.factories import (
    ModerationActionFactory,
    ReportFactory,
    UserFactory,
    verified_staff_login,
)

ROOT = Path(__file__).resolve().parents[2]
START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 8)  # the week [Oct 1, Oct 8)
ADULT_BIRTH = dt.date(1990, 1, 1)
TEEN_BIRTH = dt.date(2011, 6, 1)  # 15 all week
CROSSING_BIRTH = dt.date(2008, 10, 5)  # 17 until Oct 5, then 18: a teen, then an adult


def at(day: int, hour: int, minute: int = 0, month: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC)


def _report(reporter, report_type, created, review_after=None, reviewed=None):
    if review_after is not None:
        reviewed = created + dt.timedelta(minutes=review_after)
    status = "reviewing" if reviewed else "pending"
    return ReportFactory(
        reporter=reporter,
        report_type=report_type,
        created_at=created,
        reviewed_at=reviewed,
        status=status,
    )


def seed_reports() -> None:
    """8 reports in the week (+2 just outside it). Waits of the 6 reviewed by the end, in
    minutes: 5, 10, 20, 30, 60, 120 → median 25 min, p90 90 min (interpolated)."""
    adult, teen = UserFactory(date_of_birth=ADULT_BIRTH), UserFactory(date_of_birth=TEEN_BIRTH)
    crossing = UserFactory(date_of_birth=CROSSING_BIRTH)
    _report(adult, "harassment", at(1, 0), 5)  # at the first midnight: counted
    _report(adult, "harassment", at(2, 10), 10)
    _report(adult, "spam", at(2, 12), 20)
    _report(teen, "self_harm", at(3, 9), 30)
    _report(teen, "harassment", at(4, 9), 60)
    _report(crossing, "harassment", at(3, 10), 120)  # filed at 17: a teen's report
    _report(crossing, "spam", at(6, 10))  # filed at 18: an adult's; never reviewed
    _report(adult, "spam", at(7, 23), reviewed=at(8, 1))  # reviewed after the end
    _report(adult, "hate", at(30, 23, 59, month=9), 1)  # before the week
    _report(adult, "hate", at(8, 0))  # at the end: the end day is excluded


def seed_actions_and_appeals() -> None:
    """Actions: warn 2, mute 1, ban 1, room_kick 1 (+1 warn before the week). Appeals filed in
    the week: 4, upheld 1, lifted 1, pending 2 (one decided only after the end)."""
    person = UserFactory(date_of_birth=ADULT_BIRTH)
    moderator = UserFactory(is_staff=True)

    def action(action_type, created):
        return ModerationActionFactory(
            moderator=moderator, target_user=person, action_type=action_type, created_at=created
        )

    warn1, warn2 = action("warn", at(1, 8)), action("warn", at(2, 8))
    mute, ban = action("mute", at(1, 9)), action("ban", at(3, 9))
    action("room_kick", at(4, 9))
    early = action("warn", at(30, 9, month=9))

    def appeal(of, created, status="pending", decided=None):
        Appeal.objects.create(
            action=of,
            appellant=person,
            text="Please.",
            status=status,
            created_at=created,
            decided_at=decided,
            reviewer=moderator if decided else None,
        )

    appeal(mute, at(2, 9), "upheld", at(3, 9))
    appeal(ban, at(4, 9), "lifted", at(5, 9))
    appeal(warn1, at(5, 9), "upheld", at(9, 9))  # decided after the end: pending then
    appeal(warn2, at(6, 9))
    appeal(early, at(30, 10, month=9), "lifted", at(30, 11, month=9))  # before the week


def seed_signals() -> None:
    """Raised in the week: new_account_fanout 2 (1 confirmed), same_text_fanout 1 (confirmed
    only after the end), blocks_received 1 (open), cross_segment_session 1 (confirmed)."""
    moderator = UserFactory(is_staff=True)

    def signal(kind, created, status="open", reviewed=None):
        SafetySignal.objects.create(
            kind=kind,
            subject=UserFactory(),
            status=status,
            created_at=created,
            reviewed_at=reviewed,
            reviewed_by=moderator if reviewed else None,
        )

    signal("new_account_fanout", at(1, 12), "confirmed", at(2, 12))
    signal("new_account_fanout", at(2, 12), "dismissed", at(2, 13))
    signal("same_text_fanout", at(3, 12), "confirmed", at(9, 12))
    signal("blocks_received", at(4, 12))
    signal("cross_segment_session", at(5, 12), "confirmed", at(5, 13))
    signal("new_account_fanout", at(8, 12), "confirmed", at(8, 13))  # after the week


def seed_history(copies: int = 1) -> None:
    for _ in range(copies):
        seed_reports()
        seed_actions_and_appeals()
        seed_signals()


def week_report() -> transparency.TransparencyReport:
    return transparency.transparency_report(start=START, end=END)


# --- The numbers ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_reports_are_counted_by_type_and_by_the_reporters_segment_on_the_day_they_reported():
    seed_history()

    counts = {pair: n for pair, n in week_report().reports_by_type_and_segment().items() if n}

    assert counts == {
        ("harassment", "adult"): 2,
        ("harassment", "teen"): 2,
        ("spam", "adult"): 3,
        ("self_harm", "teen"): 1,
    }
    assert week_report().reports_total == 8


@pytest.mark.django_db
def test_median_and_p90_time_to_first_review_count_only_reviews_before_the_end():
    seed_history()

    assert week_report().review == transparency.ReviewTimes(
        reviewed=6, not_reviewed=2, median_seconds=25 * 60.0, p90_seconds=90 * 60.0
    )


@pytest.mark.django_db
def test_actions_are_counted_by_type_within_the_period():
    seed_history()

    actions = {t: n for t, n in week_report().actions.items() if n}

    assert actions == {"warn": 2, "mute": 1, "ban": 1, "room_kick": 1}
    assert set(week_report().actions) >= {"restrict", "escalate", "dismiss", "appeal_lifted"}


@pytest.mark.django_db
def test_appeals_filed_in_the_period_are_counted_by_their_outcome_at_its_end():
    seed_history()

    assert week_report().appeals == {"filed": 4, "upheld": 1, "lifted": 1, "pending": 2}


@pytest.mark.django_db
def test_signals_raised_and_confirmed_are_counted_by_kind():
    seed_history()

    report = week_report()

    assert report.signals_raised == {
        "new_account_fanout": 2,
        "same_text_fanout": 1,
        "blocks_received": 1,
        "cross_segment_session": 1,
    }
    assert report.signals_confirmed == {
        "new_account_fanout": 1,
        "same_text_fanout": 0,
        "blocks_received": 0,
        "cross_segment_session": 1,
    }


@pytest.mark.django_db
def test_reports_per_day_cover_every_day_of_the_period_by_type():
    seed_history()

    per_day = week_report().reports_per_day()

    assert list(per_day) == [START + dt.timedelta(days=n) for n in range(7)]
    assert per_day[dt.date(2026, 10, 2)]["harassment"] == 1
    assert per_day[dt.date(2026, 10, 2)]["spam"] == 1
    assert per_day[dt.date(2026, 10, 3)] == {
        **dict.fromkeys(per_day[START], 0),
        "self_harm": 1,
        "harassment": 1,
    }
    assert sum(per_day[dt.date(2026, 10, 5)].values()) == 0


@pytest.mark.django_db
def test_the_report_costs_the_same_number_of_queries_when_the_history_doubles():
    seed_history(copies=1)
    with CaptureQueriesContext(connection) as once:
        single = week_report()
    seed_history(copies=1)
    with CaptureQueriesContext(connection) as twice:
        double = week_report()

    assert len(once) == len(twice) == 5
    assert double.reports_total == 2 * single.reports_total == 16
    assert double.appeals == {"filed": 8, "upheld": 2, "lifted": 2, "pending": 4}


@pytest.mark.django_db
def test_percentiles_in_sql_and_in_python_agree(on_postgres):
    seed_history(copies=2)
    _report(UserFactory(date_of_birth=ADULT_BIRTH), "other", at(5, 1), 7)  # an odd count
    since, until = transparency.period_bounds(START, END)
    filed = Report.objects.filter(created_at__gte=since, created_at__lt=until)

    in_sql = transparency.review_times(filed, until=until, in_sql=True)
    in_python = transparency.review_times(filed, until=until, in_sql=False)

    assert in_sql == in_python
    assert (in_sql.reviewed, in_sql.not_reviewed) == (13, 4)


def test_percentile_cont_interpolates_like_postgresql():
    assert transparency.percentile_cont([], 0.5) is None
    assert transparency.percentile_cont([7.0], 0.9) == 7.0
    assert transparency.percentile_cont([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert transparency.percentile_cont([10.0, 20.0, 30.0, 40.0, 50.0, 60.0], 0.9) == 55.0


# --- The command ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_command_prints_the_markdown_and_writes_it_with_the_csv(tmp_path):
    seed_history()
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "transparency_report",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-08",
        "--out",
        str(tmp_path),
        stdout=out,
        stderr=err,
    )

    markdown = (tmp_path / "report.md").read_text()
    assert out.getvalue() == markdown
    assert "Period: 2026-10-01 to 2026-10-08" in markdown
    assert "| harassment | 2 | 2 | 4 |" in markdown
    assert "| total | 3 | 5 | 8 |" in markdown
    assert "| median time to first review | 25 min (1500 s) |" in markdown
    assert "| p90 time to first review | 1 h 30 min (5400 s) |" in markdown
    assert "| new_account_fanout | 2 | 1 |" in markdown
    rows = (tmp_path / "report.csv").read_text().splitlines()
    assert rows[0] == "section,key,value"
    for row in (
        "reports,harassment/teen,2",
        "reports,spam/adult,3",
        "reports,teen,3",
        "reports,total,8",
        "first_review,reviewed,6",
        "first_review,not_reviewed,2",
        "first_review,median_seconds,1500",
        "first_review,p90_seconds,5400",
        "actions,warn,2",
        "actions,restrict,0",
        "appeals,upheld,1",
        "appeals,pending,2",
        "signals_raised,same_text_fanout,1",
        "signals_confirmed,same_text_fanout,0",
    ):
        assert row in rows
    assert len(rows) == len(set(rows))  # one row per metric
    assert "report.csv" in err.getvalue()


@pytest.mark.django_db
def test_the_command_writes_to_the_default_folder_named_after_the_period(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    call_command(
        "transparency_report",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-08",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    folder = tmp_path / "transparency" / "2026-10-01_2026-10-08"
    assert "| total | 0 | 0 | 0 |" in (folder / "report.md").read_text()
    assert "first_review,median_seconds," in (folder / "report.csv").read_text().splitlines()


def test_an_out_folder_that_cannot_be_written_is_a_clear_command_error(tmp_path, db):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    with pytest.raises(CommandError, match="--out: cannot write to"):
        call_command(
            "transparency_report",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-08",
            "--out",
            str(blocker / "report"),
            stdout=io.StringIO(),
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-12-01"], "--from: '2026-13-01' is not a date"),
        (["--from", "2026-10-01", "--to", "soon"], "--to: 'soon' is not a date"),
        (["--from", "2026-10-08", "--to", "2026-10-01"], "--to must be after --from"),
    ],
)
def test_bad_dates_are_a_clear_command_error(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("transparency_report", *args)


def test_a_bad_date_exits_with_code_1_and_no_traceback():
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "transparency_report",
            "--from",
            "yesterday",
            "--to",
            "2026-10-01",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 1
    assert "CommandError: --from: 'yesterday' is not a date (YYYY-MM-DD)." in done.stderr
    assert "Traceback" not in done.stderr


# --- The admin page ---------------------------------------------------------------------------
PAGE, PLOT = "/admin/transparency/", "/admin/transparency/plot.png"


def _recent_reports() -> None:
    """Three reports in the last 30 days (two today, one 10 days ago) and one 40 days ago."""
    now = timezone.now()
    reporter = UserFactory(date_of_birth=ADULT_BIRTH)
    _report(reporter, "spam", now - dt.timedelta(minutes=30), 12)
    _report(reporter, "hate", now - dt.timedelta(minutes=20))
    _report(reporter, "spam", now - dt.timedelta(days=10))
    _report(reporter, "violence", now - dt.timedelta(days=40))


@pytest.mark.django_db
def test_a_safety_lead_sees_the_last_30_days_on_the_admin_page(client, lead_user):
    _recent_reports()

    response = verified_staff_login(client, lead_user).get(PAGE)

    assert response.status_code == 200
    tables = {table.title: table for table in response.context["tables"]}
    assert ("spam", "0", "2", "2") in tables["Reports received by type and segment"].rows
    assert ("violence", "0", "0", "0") in tables["Reports received by type and segment"].rows
    assert ("median time to first review", "12 min (720 s)") in tables["Time to first review"].rows
    html = response.content.decode()
    assert f'src="{PLOT}"' in html and '<th scope="row">spam</th>' in html


@pytest.mark.django_db
def test_the_plot_is_a_real_png_for_a_safety_lead(client, lead_user):
    _recent_reports()

    response = verified_staff_login(client, lead_user).get(PLOT)

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("PNG", (1000, 400))


@pytest.mark.django_db
def test_a_plain_moderator_is_refused_the_page_and_the_plot(client, mod_user):
    client = verified_staff_login(client, mod_user)

    assert client.get(PAGE).status_code == 403
    assert client.get(PLOT).status_code == 403
    assert 'id="transparency-link"' not in client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_the_console_index_links_the_page_for_a_safety_lead(client, lead_user):
    html = verified_staff_login(client, lead_user).get("/admin/").content.decode()

    assert 'id="transparency-link"' in html and f'href="{PAGE}"' in html


@pytest.mark.django_db
def test_a_lead_without_the_second_factor_is_sent_to_log_in(client, lead_user):
    client.force_login(lead_user)  # password only: the admin asks for the code first

    for url in (PAGE, PLOT):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_markdown_of_an_empty_period_says_nothing_was_reviewed():
    report = transparency.TransparencyReport(
        start=START,
        end=END,
        reports_daily={},
        review=transparency.ReviewTimes(0, 0, None, None),
        actions={},
        appeals={},
        signals_raised={},
        signals_confirmed={},
    )

    assert "| median time to first review | — |" in transparency_render.markdown(report)
