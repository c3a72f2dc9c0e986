"""The transparency pages of the console (docs/moderation.md, "Transparency report"):
``/admin/transparency/`` (the last 30 days' numbers) and ``/admin/transparency/plot.png`` (reports
per day by type). Safety leads only (``policy.may_view_transparency``), behind the admin's own
gate (staff, second factor: ``WyaAdminSite.admin_view``). ``accounts.admin_site`` adds these URLs
to the admin site (``admin_urls``), so no ``ModelAdmin`` of another part changes."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from moderation import transparency, transparency_render
from safety import policy

PAGE_DAYS = 30


def last_days(days: int = PAGE_DAYS) -> tuple[dt.date, dt.date]:
    """``[start, end)`` covering the last ``days`` days, today included."""
    end = timezone.localdate() + dt.timedelta(days=1)
    return end - dt.timedelta(days=days), end


def _require_lead(request) -> None:
    decision = policy.may_view_transparency(request.user)
    if not decision:
        raise PermissionDenied(decision.detail)


def admin_urls(site) -> list:
    """The two pages, each wrapped by ``site.admin_view`` (login, staff, second factor)."""

    def page(request):
        _require_lead(request)
        start, end = last_days()
        report = transparency.transparency_report(start=start, end=end)
        context = {
            **site.each_context(request),
            "title": "Transparency report: the last 30 days",
            "report": report,
            "last_day": end - dt.timedelta(days=1),
            "tables": transparency_render.tables(report),
            "plot_url": reverse("admin:transparency_plot", current_app=site.name),
        }
        return TemplateResponse(request, "admin/transparency.html", context)

    def plot(request):
        _require_lead(request)
        start, end = last_days()
        report = transparency.transparency_report(start=start, end=end)
        return HttpResponse(transparency_render.plot_png(report), content_type="image/png")

    return [
        path("transparency/", site.admin_view(page), name="transparency"),
        path("transparency/plot.png", site.admin_view(plot), name="transparency_plot"),
    ]
