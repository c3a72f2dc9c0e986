"""Reports that cannot be misdirected: a repeat raises the urgency and counts against the rate
limit, the description stays bounded, no moderator sees or decides a report about themselves,
an action taken from a report targets the report's subject, and opening a report page changes
nothing. Each test failed before its fix (docs/moderation.md, "Reports")."""

import pytest

from moderation import services as moderation_services
from safety.models import ModerationAction, Report
from tests.conftest import page_client_for
from tests.factories import ReportFactory, RoomFactory, RoomMessageFactory, UserFactory
from wya.errors import Invalid, NotFound

pytestmark = pytest.mark.django_db

QUEUE = "/admin/safety/report/"
ADD_ACTION = "/admin/safety/moderationaction/add/"


def report(client, **body):
    body.setdefault("report_type", "harassment")
    return client.post("/api/reports/", body, format="json")


def page(report) -> str:
    return f"/admin/safety/report/{report.pk}/change/"


def queue_ids(user) -> list[int]:
    return [row.pk for row in page_client_for(user).get(QUEUE).context["cl"].result_list]


# --- Repeats ------------------------------------------------------------------------------------
def test_a_self_harm_repeat_of_an_open_spam_report_makes_it_self_harm_and_first_in_the_queue(
    make_client, adult, other_adult, mod_user
):
    older = ReportFactory(report_type="spam")
    client = make_client(adult)
    first = report(client, reported_user_id=other_adult.pk, report_type="spam").json()["id"]

    repeat = report(client, reported_user_id=other_adult.pk, report_type="self_harm")

    assert repeat.status_code == 200
    assert (repeat.json()["id"], repeat.json()["report_type"]) == (first, "self_harm")
    assert Report.objects.get(pk=first).report_type == "self_harm"
    assert queue_ids(mod_user)[:2] == [first, older.pk]  # urgent first, though filed later


@pytest.mark.parametrize("later", ["spam", "underage"])
def test_a_repeat_never_lowers_or_swaps_an_urgent_report(make_client, adult, other_adult, later):
    client = make_client(adult)
    report(client, reported_user_id=other_adult.pk, report_type="self_harm")

    repeat = report(client, reported_user_id=other_adult.pk, report_type=later)

    assert repeat.json()["report_type"] == "self_harm"


def test_repeats_count_against_the_report_rate_limit(make_client, adult, other_adult, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "reports": "2/hour"}
    client = make_client(adult)
    assert report(client, reported_user_id=other_adult.pk, description="one").status_code == 201
    assert report(client, reported_user_id=other_adult.pk, description="two").status_code == 200

    refused = report(client, reported_user_id=other_adult.pk, description="three")

    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert "three" not in Report.objects.get().description


def test_the_description_stays_bounded_however_many_repeats(make_client, adult, other_adult):
    client = make_client(adult)
    limit = moderation_services.DESCRIPTION_TOTAL_MAX
    for i in range(8):
        body = {"reported_user_id": other_adult.pk, "description": f"{i} " + "x" * 1990}
        assert report(client, **body).status_code in (200, 201)

    description = Report.objects.get().description

    assert len(description) == limit  # filled to the bound, no further
    assert description.endswith(moderation_services.DESCRIPTION_CUT_MARK)
    assert description.count(moderation_services.DESCRIPTION_CUT_MARK) == 1
    assert description.startswith("0 xx")  # the first words are kept whole


def test_a_description_already_over_the_bound_is_kept_whole_not_cut(
    make_client, adult, other_adult
):
    """A report that grew before the bound existed keeps its evidence; it just takes no more."""
    client = make_client(adult)
    first = report(client, reported_user_id=other_adult.pk).json()["id"]
    Report.objects.filter(pk=first).update(description="y" * 300_000)

    response = report(
        client, reported_user_id=other_adult.pk, report_type="self_harm", description="more"
    )

    assert response.status_code == 200
    merged = Report.objects.get(pk=first)
    assert (merged.report_type, merged.description) == ("self_harm", "y" * 300_000)


# --- No moderator handles a report about themselves ----------------------------------------
def test_a_moderator_neither_sees_nor_opens_a_report_about_themselves(mod_user, lead_user, adult):
    about_me = ReportFactory(reporter=adult, reported_user=mod_user)
    other = ReportFactory()

    assert about_me.pk not in queue_ids(mod_user) and other.pk in queue_ids(mod_user)
    response = page_client_for(mod_user).get(page(about_me))
    assert response.status_code == 404
    assert adult.email not in response.content.decode()
    # It stays with the others: another moderator, a Safety lead.
    assert about_me.pk in queue_ids(lead_user)
    assert page_client_for(lead_user).get(page(about_me)).status_code == 200


def test_a_moderator_cannot_dismiss_or_start_reviewing_a_report_about_themselves(mod_user, adult):
    about_me = ReportFactory(reporter=adult, reported_user=mod_user)
    client = page_client_for(mod_user)

    dismissed = client.post(page(about_me), {"decision": "dismiss", "reason": "Nothing here."})
    started = client.post(page(about_me), {"start_review": "1"})

    assert (dismissed.status_code, started.status_code) == (404, 404)
    about_me.refresh_from_db()
    assert (about_me.status, about_me.reviewed_by_id) == ("pending", None)
    assert not ModerationAction.objects.exists()
    with pytest.raises(NotFound):
        moderation_services.report_decide(
            moderator=mod_user, report_id=about_me.pk, decision="dismiss", reason="Mine."
        )


def test_a_report_about_a_moderators_room_is_theirs_to_avoid_but_a_message_in_it_is_not(
    mod_user, other_adult
):
    own_room = RoomFactory(owner=mod_user)
    about_room = ReportFactory(reported_user=None, reported_room=own_room)
    message = RoomMessageFactory(room=own_room, user=other_adult)
    about_message = ReportFactory(
        reported_user=other_adult, reported_room=own_room, reported_message=message
    )

    ids = queue_ids(mod_user)

    assert about_room.pk not in ids and about_message.pk in ids
    assert page_client_for(mod_user).get(page(about_room)).status_code == 404


def test_a_report_whose_room_is_gone_stays_in_every_queue(mod_user):
    orphan = ReportFactory(reported_user=None, reported_room=None)
    assert orphan.pk in queue_ids(mod_user)


# --- An action taken from a report targets the report's subject ---------------------------
def test_the_add_action_form_refuses_a_report_with_another_target_and_leaves_it_open(
    mod_user, adult, other_adult
):
    reporter = UserFactory()
    about_other = ReportFactory(reporter=reporter, reported_user=other_adult)

    response = page_client_for(mod_user).post(
        ADD_ACTION,
        {
            "target_user": reporter.pk,
            "action_type": "warn",
            "reason": "Stop reporting me.",
            "report": about_other.pk,
        },
    )

    assert response.status_code == 200
    assert "must target the person the report is about" in response.content.decode()
    assert not ModerationAction.objects.exists()
    about_other.refresh_from_db()
    assert about_other.status == "pending"
    with pytest.raises(Invalid) as refused:
        moderation_services.moderation_action_take(
            moderator=mod_user,
            target_user=reporter,
            action_type="warn",
            reason="Stop.",
            report=about_other,
        )
    assert refused.value.code == "wrong_target"


def test_the_add_action_form_with_the_reports_subject_resolves_the_report(mod_user, other_adult):
    about_other = ReportFactory(reported_user=other_adult)

    response = page_client_for(mod_user).post(
        ADD_ACTION,
        {
            "target_user": other_adult.pk,
            "action_type": "warn",
            "reason": "Be kind.",
            "report": about_other.pk,
        },
    )

    assert response.status_code == 302
    about_other.refresh_from_db()
    assert about_other.status == "resolved"
    assert ModerationAction.objects.get().report_id == about_other.pk


def test_the_add_action_form_refuses_a_report_about_the_moderator(mod_user, adult):
    about_me = ReportFactory(reporter=adult, reported_user=mod_user)

    response = page_client_for(mod_user).post(
        ADD_ACTION,
        {"target_user": adult.pk, "action_type": "warn", "reason": "x", "report": about_me.pk},
    )

    assert response.status_code == 200
    assert not ModerationAction.objects.exists()
    about_me.refresh_from_db()
    assert about_me.status == "pending"


# --- Opening is not reviewing ----------------------------------------------------------------
def test_opening_a_report_page_leaves_it_pending_until_start_review(mod_user):
    pending = ReportFactory()
    client = page_client_for(mod_user)

    opened = client.get(page(pending))

    assert opened.status_code == 200
    assert 'id="start-review-form"' in opened.content.decode()
    pending.refresh_from_db()
    assert (pending.status, pending.reviewed_at) == ("pending", None)
    client.post(page(pending), {"start_review": "1"})
    pending.refresh_from_db()
    assert (pending.status, pending.reviewed_by_id) == ("reviewing", mod_user.pk)
    assert 'id="start-review-form"' not in client.get(page(pending)).content.decode()
