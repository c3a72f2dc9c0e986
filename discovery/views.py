"""The discovery page (docs/pages.md): set or clear my approximate location and see people and
rooms by tier. Thin: ``geo.services`` writes (names hashed, coordinates snapped there), the geo
and room-discovery selectors read with the policy's rules. Raw coordinates are never rendered
back: success redirects, and a refused form is shown again without them."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from discovery.selectors import discover_people, discover_rooms
from geo import selectors, services
from safety import policy
from wya.errors import ServiceError

PAGE_LIMIT = 20


class LocationForm(forms.Form):
    city = forms.CharField(max_length=100)
    neighborhood = forms.CharField(max_length=100, required=False, label="Neighbourhood (optional)")
    latitude = forms.FloatField(
        required=False,
        label="Latitude (optional)",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        required=False,
        label="Longitude (optional)",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


def _without_coordinates(form: LocationForm) -> LocationForm:
    """The same form for display, its coordinate inputs emptied (never echo raw positions)."""
    data = form.data.copy()
    data.pop("latitude", None)
    data.pop("longitude", None)
    shown = LocationForm(data)
    shown._errors = form.errors  # keep the (fixed-text) errors without re-validating
    return shown


def _tiers(user) -> list[dict]:
    """The tiers the user may use (a teen has no "nearby": ``policy.discovery_tiers_for``)."""
    people = discover_people(user, limit=PAGE_LIMIT)
    rooms = discover_rooms(user, limit=PAGE_LIMIT)
    labels = {"neighborhood": "In my neighbourhood", "city": "In my city", "nearby": "Nearby"}
    return [
        {"key": key, "label": labels[key], "people": people[key], "rooms": rooms[key]}
        for key in policy.discovery_tiers_for(user)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def discover_page(request):
    form = LocationForm()
    status = 200
    if request.method == "POST" and request.POST.get("action") == "clear":
        services.location_delete(user=request.user)
        messages.success(request, "Your location was removed.")
        return redirect("discover-page")
    if request.method == "POST":
        form = LocationForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.location_set(
                    user=request.user,
                    city=data["city"],
                    neighborhood=data["neighborhood"] or None,
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                )
            except ServiceError as error:
                form.add_error(None, error.detail)
                status = error.status
            else:
                messages.success(request, "Location saved.")
                return redirect("discover-page")
        form = _without_coordinates(form)

    location, expired = selectors.location_state(request.user)
    context = {"form": form, "location": location, "tiers": [], "expired": expired}
    context["ttl_hours"] = policy.teen_location_ttl_hours()
    if location is not None:
        context["tiers"] = _tiers(request.user)
    return render(request, "discovery/discover.html", context, status=status)
