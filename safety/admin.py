"""The moderators' console: the report queue, the report page (evidence and one-step
decisions) and the append-only moderation log. Every write goes through ``safety.services``;
every permission is checked there too (``safety.policy``), not only by hiding buttons."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from rest_framework.authtoken.models import TokenProxy

from accounts.models import display_name_of
from moderation import selectors as moderation_selectors
from moderation import services as moderation_services
from safety import policy
from safety.models import (
    CONSOLE_ACTION_TYPES,
    REPORT_DECISIONS,
    ActionType,
    Appeal,
    AppealStatus,
    ModerationAction,
    Report,
    SafetySignal,
    SignalStatus,
)
from safety.signals_rules import signal_review
from wya.errors import ServiceError
from wya.pages import submit


class SegmentFilter(admin.SimpleListFilter):
    """The reporter's age segment (a report's target is always of the reporter's segment)."""

    title = "segment"
    parameter_name = "segment"

    def lookups(self, request, model_admin):
        return [(policy.TEEN, "Teens (13–17)"), (policy.ADULT, "Adults")]

    def queryset(self, request, queryset):
        segment = self.value()
        if segment in (policy.TEEN, policy.ADULT):
            return queryset.filter(policy.segment_q(segment, prefix="reporter__"))
        return queryset


class EscalatedFilter(admin.SimpleListFilter):
    title = "escalated"
    parameter_name = "escalated"

    def lookups(self, request, model_admin):
        return [("yes", "Escalated"), ("no", "Not escalated")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(escalated=True)
        if self.value() == "no":
            return queryset.filter(escalated=False)
        return queryset


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(value, ActionType(value).label) for value in REPORT_DECISIONS]
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Shown to the person the action is against (a dismissal: kept in the log).",
    )
    duration_minutes = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=moderation_services.MAX_DURATION_MINUTES,
        help_text="Mute and restrict only; empty: until lifted.",
    )


class QueueChangeList(ChangeList):
    """The queue keeps its review order (``moderation_selectors.report_queue``) unless a column is sorted."""

    def get_ordering(self, request, queryset):
        if ORDER_VAR in self.params:
            return super().get_ordering(request, queryset)
        return ["open_rank", "urgent_rank", "created_at", "id"]


def _may_see_report(viewer, report) -> bool:
    """Not a report about the viewer (``policy.may_handle_report`` answers "not found" for it;
    its other refusals, such as a viewer without the review permission, are the view's)."""
    return policy.may_handle_report(viewer, report).code != "not_found"


def _name(user) -> str:
    if user is None:
        return "—"
    return f"{display_name_of(user, '')} <{user.email}>".strip()


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """The queue (priority, then oldest first) and the report page."""

    list_display = (
        "id",
        "age",
        "report_type",
        "target",
        "reporter_name",
        "status",
        "is_escalated",
    )
    list_display_links = ("id", "target")
    list_filter = ("status", "report_type", SegmentFilter, EscalatedFilter)
    search_fields = (
        "reporter__email",
        "reporter__profile__display_name",
        "reported_user__email",
        "reported_user__profile__display_name",
        "=reporter__id",
        "=reported_user__id",
    )
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return moderation_selectors.report_queue(request.user)

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    # Reports are filed by people in the app; content is never edited and nothing is deleted.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return bool(policy.may_review_reports(request.user))

    @admin.display(description="age")
    def age(self, report):
        return timesince(report.created_at, timezone.now()) if report.created_at else "—"

    @admin.display(description="target")
    def target(self, report):
        if report.reported_message_id is not None:
            return f"message #{report.reported_message_id} by {_name(report.reported_user)}"
        if report.reported_user_id is not None:
            return f"user {_name(report.reported_user)}"
        if report.reported_room_id is not None:
            return f"room “{report.reported_room.room_name}”"
        return "(deleted)"

    @admin.display(description="reporter")
    def reporter_name(self, report):
        return _name(report.reporter)

    @admin.display(description="escalated", boolean=True)
    def is_escalated(self, report):
        return report.escalated

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The report page: evidence and the one-step decision form. Opening it (GET) changes
        nothing; "Start review" (a POST) marks a pending report ``reviewing``; posting the
        form takes the decision (services). A report about the viewer is a 404 for them."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = self._report(object_id, request.user)
        may_review = bool(policy.may_review_reports(request.user))
        form = DecisionForm()
        if request.method == "POST" and not may_review:
            raise PermissionDenied
        if request.method == "POST" and "start_review" in request.POST:
            moderation_services.report_open(moderator=request.user, report_id=report.pk)
            self.message_user(request, "You are reviewing this report.", messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        if request.method == "POST":
            form = DecisionForm(request.POST)
            done = submit(
                form,
                lambda data: moderation_services.report_decide(
                    moderator=request.user, report_id=report.pk, **data
                ),
                error_field=None,
            )
            if done.ok:
                self.message_user(request, "Done: the decision is logged.", messages.SUCCESS)
                return HttpResponseRedirect(request.path)
        context = self._review_context(request, report, form, may_review=may_review)
        context.update(extra_context or {})
        return TemplateResponse(request, "admin/safety/report/review.html", context)

    def _review_context(self, request, report, form, *, may_review: bool) -> dict:
        escalated = moderation_services.report_is_escalated(report)
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Report #{report.pk}",
            "report": report,
            "target": self.target(report),
            "subject": moderation_services.report_subject(report),
            "escalated": escalated,
            "may_decide": may_review and report.status in ("pending", "reviewing"),
            "may_close_escalated": bool(policy.may_close_report(request.user, escalated=escalated)),
            "form": form,
            "evidence": moderation_selectors.report_evidence(report),
            "queue_url": reverse("admin:safety_report_changelist"),
        }

    def _report(self, object_id, viewer):
        report = (
            Report.objects.select_related(
                "reporter__profile",
                "reported_user__profile",
                "reported_room__owner__profile",
                "reported_message__user__profile",
                "reviewed_by",
            )
            .filter(pk=int(object_id) if str(object_id).isdigit() else 0)
            .first()
        )
        if report is None or not _may_see_report(viewer, report):
            raise Http404("No such report.")
        return report

    def history_view(self, request, object_id, extra_context=None):
        return HttpResponseRedirect(reverse("admin:safety_report_change", args=[object_id]))


class ModerationActionForm(forms.ModelForm):
    """Validates with the service's own checks, so the admin shows the same messages."""

    moderator = None  # set by the admin from the request

    action_type = forms.ChoiceField(
        choices=[(value, ActionType(value).label) for value in CONSOLE_ACTION_TYPES]
    )

    class Meta:
        model = ModerationAction
        fields = ("target_user", "action_type", "reason", "duration_minutes", "report")

    def clean(self):
        data = super().clean() or {}
        if self.instance.pk is None and not self.errors:
            try:
                moderation_services.moderation_action_check(
                    moderator=self.moderator,
                    target_user=data.get("target_user"),
                    action_type=data.get("action_type", ""),
                    reason=data.get("reason", ""),
                    duration_minutes=data.get("duration_minutes"),
                    report=data.get("report"),
                )
            except ServiceError as error:
                raise forms.ValidationError(error.detail) from error
        return data


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    form = ModerationActionForm
    list_display = (
        "id",
        "action_type",
        "target_user",
        "moderator",
        "duration_minutes",
        "report_link",
        "created_at",
    )
    list_filter = ("action_type",)
    list_select_related = ("target_user", "moderator")
    raw_id_fields = ("target_user", "report")
    fields = ("target_user", "action_type", "reason", "duration_minutes", "report")
    search_fields = ("target_user__email", "reason")

    @admin.display(description="report")
    def report_link(self, action):
        if action.report_id is None:
            return "—"
        url = reverse("admin:safety_report_change", args=[action.report_id])
        return format_html('<a href="{}">#{}</a>', url, action.report_id)

    # The log is append-only for everyone, superusers included: an action is taken once,
    # through the service (which tells its target), and never edited or deleted afterwards.
    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.moderator = request.user  # type: ignore[attr-defined]  # read by the form's clean()
        return form

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied("Moderation actions cannot be edited.")
        try:
            action = moderation_services.moderation_action_take(
                moderator=request.user,
                target_user=obj.target_user,
                action_type=obj.action_type,
                reason=obj.reason,
                duration_minutes=obj.duration_minutes,
                report=obj.report,
            )
        except ServiceError as error:
            raise PermissionDenied(error.detail) from error
        obj.pk = action.pk
        obj.created_at = action.created_at


# --- Appeals (issue 20, part A): the appeals queue and the appeal page ---------------------------
class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[
            (AppealStatus.UPHELD, "Uphold the decision"),
            (AppealStatus.LIFTED, "Lift the action"),
        ]
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Shown to the person who appealed.",
    )


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """The appeals queue (pending first, oldest first) and the appeal page. The moderator who
    took the action never sees its appeal (a 404), and an escalated case is decided by a Safety
    lead only (``policy.may_review_appeal``, checked again by the service)."""

    list_display = ("id", "age", "action_summary", "appellant_name", "status", "lead_only")
    list_filter = ("status",)
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return moderation_selectors.appeal_queue(request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return bool(policy.may_review_reports(request.user))

    def has_change_permission(self, request, obj=None):
        return bool(policy.may_review_reports(request.user))

    @admin.display(description="age")
    def age(self, appeal):
        return timesince(appeal.created_at, timezone.now())

    @admin.display(description="action")
    def action_summary(self, appeal):
        action = appeal.action
        return f"{ActionType(action.action_type).label} #{action.pk} by {action.moderator.email}"

    @admin.display(description="appellant")
    def appellant_name(self, appeal):
        return _name(appeal.appellant)

    @admin.display(description="Safety lead", boolean=True)
    def lead_only(self, appeal):
        return appeal.needs_lead

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The appeal page: the action, the appeal's text and the decision form. Posting it
        decides through ``moderation.services.appeal_decide`` (refusals shown on the form)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        appeal = self._appeal(object_id, request.user)
        form = AppealDecisionForm()
        status = 200
        if request.method == "POST":
            form = AppealDecisionForm(request.POST)
            done = submit(
                form,
                lambda data: moderation_services.appeal_decide(
                    reviewer=request.user, appeal_id=appeal.pk, **data
                ),
                error_field=None,
            )
            if done.ok:
                self.message_user(request, "Done: the outcome is logged.", messages.SUCCESS)
                return HttpResponseRedirect(request.path)
            status = done.status
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Appeal #{appeal.pk}",
            "appeal": appeal,
            "action_label": ActionType(appeal.action.action_type).label,
            "decision": policy.may_review_appeal(request.user, appeal),
            "form": form,
            "queue_url": reverse("admin:safety_appeal_changelist"),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/safety/appeal/review.html", context, status=status)

    def _appeal(self, object_id, viewer):
        try:
            return moderation_services.appeal_for_review(reviewer=viewer, appeal_id=object_id)
        except ServiceError as error:
            if error.status == 404:
                raise Http404(error.detail) from error
            appeal = Appeal.objects.select_related("action__moderator", "appellant").get(
                pk=int(object_id)
            )
            return appeal  # seen, not decided: the page says who may decide it

    def history_view(self, request, object_id, extra_context=None):
        return HttpResponseRedirect(reverse("admin:safety_appeal_change", args=[object_id]))


# Tokens are credentials: seeing or creating one is impersonating its user. Not in the admin.
# (Here, not in accounts/admin.py: accounts is installed before rest_framework.authtoken, whose
# admin registers the token after accounts' admin module has run.)
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


# --- Early signals (issue 20, part S) ---------------------------------------------------------
class SignalDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("confirm", "Confirm (then take an action if one is due)"), ("dismiss", "Dismiss")]
    )


class SignalQueueChangeList(ChangeList):
    """Open signals first, then oldest first (``moderation_selectors.signal_queue``)."""

    def get_ordering(self, request, queryset):
        if ORDER_VAR in self.params:
            return super().get_ordering(request, queryset)
        return ["open_rank", "created_at", "id"]


@admin.register(SafetySignal)
class SafetySignalAdmin(admin.ModelAdmin):
    """The "Early signals" queue: what a rule saw (docs/moderation.md), reviewed like a report by
    moderators (never one about themselves), confirmed or dismissed by a POST. A signal is never
    an action: confirming leads to the action form, prefilled with the subject."""

    list_display = ("id", "age", "kind", "subject_name", "status")
    list_filter = ("status", "kind")
    search_fields = ("subject__email", "subject__profile__display_name", "=subject__id")
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return moderation_selectors.signal_queue(request.user)

    def get_changelist(self, request, **kwargs):
        return SignalQueueChangeList

    # Signals are raised by the rules and closed by a decision; never added, edited or deleted.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return bool(policy.may_review_reports(request.user))

    def has_view_permission(self, request, obj=None):
        return bool(policy.may_review_reports(request.user))

    def has_change_permission(self, request, obj=None):
        return bool(policy.may_review_reports(request.user))

    @admin.display(description="age")
    def age(self, signal):
        return timesince(signal.created_at, timezone.now())

    @admin.display(description="subject")
    def subject_name(self, signal):
        return _name(signal.subject)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The signal page: the evidence and the confirm/dismiss form. A GET changes nothing;
        a signal about the viewer is a 404 for them."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        signal = self._signal(object_id, request.user)
        form = SignalDecisionForm(request.POST if request.method == "POST" else None)
        status = 200
        if request.method == "POST":
            done = submit(
                form,
                lambda data: signal_review(
                    moderator=request.user, signal_id=signal.pk, decision=data["decision"]
                ),
                error_field=None,
            )
            if done.ok:
                self.message_user(request, "Done: the review is logged.", messages.SUCCESS)
                return HttpResponseRedirect(request.path)
            status = done.status
        context = self._signal_context(request, signal, form)
        return TemplateResponse(
            request, "admin/safety/safetysignal/review.html", context, status=status
        )

    def _signal_context(self, request, signal, form) -> dict:
        action_url = reverse("admin:safety_moderationaction_add")
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Signal #{signal.pk}",
            "signal": signal,
            "evidence": moderation_selectors.signal_evidence(signal),
            "evidence_items": sorted(signal.evidence.items()),
            "form": form,
            "may_decide": signal.status == SignalStatus.OPEN,
            "action_url": f"{action_url}?target_user={signal.subject_id}",
            "queue_url": reverse("admin:safety_safetysignal_changelist"),
        }

    def _signal(self, object_id, viewer):
        signal = (
            SafetySignal.objects.select_related("subject__profile", "reviewed_by")
            .filter(pk=int(object_id) if str(object_id).isdigit() else 0)
            .first()
        )
        if signal is None or policy.may_review_signal(viewer, signal).code == "not_found":
            raise Http404("No such signal.")
        return signal

    def history_view(self, request, object_id, extra_context=None):
        return HttpResponseRedirect(reverse("admin:safety_safetysignal_change", args=[object_id]))
