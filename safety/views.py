"""Pages: file a report (``/reports/new/?user=|room=|message=|dm=``), my reports (``/reports/``)
and my notices (``/notices/``). Thin: ``safety.services`` checks and writes."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.api import client_ip
from moderation import services as moderation_services
from safety import moderation_log, policy, selectors
from safety.models import ReportType
from wya import ratelimit
from wya.errors import NotFound, ServiceError
from wya.pages import submit

TARGET_PARAMS = ("user", "room", "message", "dm")


class ReportForm(forms.Form):
    report_type = forms.ChoiceField(choices=ReportType.choices, label="What is wrong?")
    description = forms.CharField(
        required=False,
        max_length=moderation_services.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Tell the moderators more (optional)",
    )
    block = forms.BooleanField(required=False, label="Also block this person")


def _target(request, source) -> tuple[str, dict]:
    for kind in TARGET_PARAMS:
        value = source.get(kind)
        if value:
            try:
                return kind, moderation_services.describe_report_target(
                    reporter=request.user, kind=kind, value=value
                )
            except ServiceError as error:  # not visible, unknown, or one's own
                raise Http404(error.detail)
    raise Http404("Nothing to report.")


@login_required
def report_new_page(request):
    kind, target = _target(request, request.GET if request.method == "GET" else request.POST)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report, created = moderation_services.report_create(
                reporter=request.user,
                report_type=data["report_type"],
                description=data["description"],
                block=data["block"] and kind != "room",
                **{target["field"]: target["value"]},
            )
        except NotFound as error:
            raise Http404(error.detail)
        except ServiceError as error:
            form.add_error(None, error.detail)
        else:
            text = "Thank you: your report is with the moderators."
            if not created:
                text = "You already reported this; we added your words to that report."
            messages.success(request, f"{text} (report #{report.pk})")
            return redirect("report-list-page")
    context = {"form": form, "kind": kind, "target": target, "may_block": kind != "room"}
    return render(request, "safety/report_new.html", context)


@login_required
def report_list_page(request):
    reports = list(selectors.reports_of(user=request.user)[:100])
    rows = [
        {"report": report, "outcome": moderation_services.report_outcome(report)}
        for report in reports
    ]
    return render(request, "safety/report_list.html", {"rows": rows})


@login_required
def notices_page(request):
    """My notices: WYA!?'s moderators' actions apart from room owners' and room moderators'
    (``source``), so a room's action never reads as an official one."""
    actions = list(selectors.notices_of(user=request.user)[:100])
    rows = [
        {
            "action": action,
            "reason": moderation_log.notice_reason(action),
            "source": moderation_log.notice_source(action),
            "active": policy.action_in_force(action),
            "appeal": selectors.appeal_of(action),
            "appealable": selectors.appeal_of(action) is None
            and bool(policy.may_appeal(request.user, action)),
            "until": policy.until_words(action.expires_at)
            if action.action_type in ("mute", "restrict")
            else "",
        }
        for action in actions
    ]
    closed = [
        {"report": report, "outcome": moderation_services.report_outcome(report)}
        for report in selectors.reports_of(user=request.user).filter(
            status__in=["resolved", "dismissed"]
        )[:20]
    ]
    context = {
        "platform_rows": [row for row in rows if row["source"] == moderation_log.SOURCE_PLATFORM],
        "room_rows": [row for row in rows if row["source"] == moderation_log.SOURCE_ROOM],
        "closed": closed,
        "appeal_form": AppealForm(),
    }
    return render(request, "safety/notices.html", context)


# --- Appeals (issue 20, part A) ---------------------------------------------------------------
class AppealForm(forms.Form):
    text = forms.CharField(
        max_length=settings.APPEAL_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why should this decision change?",
    )


class BanAppealForm(AppealForm):
    email = forms.EmailField(label="Email")
    password = forms.CharField(widget=forms.PasswordInput, strip=False, label="Password")


@login_required
@require_POST
def notice_appeal_page(request, action_id: str):
    """Appeal one of my notices from /notices/ (the API's write limit counts it too)."""
    form = AppealForm(request.POST)

    def appeal(data: dict):
        ratelimit.check_write(request.user)
        return moderation_services.appeal_create(
            appellant=request.user, action_id=action_id, text=data["text"]
        )

    done = submit(form, appeal, error_field=None)
    if done.ok:
        messages.success(request, "Your appeal is with another moderator.")
    else:
        errors = [str(message) for field in form.errors.values() for message in field]
        messages.error(request, " ".join(errors) or "Your appeal could not be sent.")
    return redirect("notices-page")


def ban_appeal_page(request):
    """A banned person's appeal (they cannot log in): email, password and the text. The
    account is authenticated for this one appeal and never logged in."""
    form = BanAppealForm(request.POST or None)
    if request.method == "POST":
        done = submit(
            form,
            lambda data: moderation_services.ban_appeal_create(**data, ip=client_ip(request)),
            error_field=None,
        )
        if done.ok:
            return render(request, "safety/ban_appeal.html", {"sent": True})
        return render(request, "safety/ban_appeal.html", {"form": form}, status=done.status)
    return render(request, "safety/ban_appeal.html", {"form": form})
