"""Pages: file a report (``/reports/new/?user=|room=|message=|dm=``), my reports (``/reports/``)
and my notices (``/notices/``). Thin: ``safety.services`` checks and writes."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from moderation import services as moderation_services
from safety import moderation_log, policy, selectors
from safety.models import ReportType
from wya.errors import NotFound, ServiceError

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
    }
    return render(request, "safety/notices.html", context)
