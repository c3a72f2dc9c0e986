"""Helpers the server-rendered pages share: the message composer's form, the colour picker, and
the one way a page form runs a service and puts its refusal on the form."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404

from wya.errors import Forbidden, NotFound, ServiceError
from wya.validators import MESSAGE_MAX, validate_color


class MessageForm(forms.Form):
    """The composer without JavaScript (room and DM pages); the service checks the text."""

    message = forms.CharField(max_length=MESSAGE_MAX, strip=False)


def color_field(*, initial: str, label: str, help_text: str = "") -> forms.CharField:
    """A colour picker checked by the one ``#RRGGBB`` rule (``wya.validators.validate_color``)."""
    return forms.CharField(
        max_length=7,
        initial=initial,
        label=label,
        help_text=help_text,
        validators=[validate_color],
        widget=forms.TextInput(attrs={"type": "color"}),
    )


def raise_as_page(error: ServiceError) -> None:
    """The refusals a page shows as an error page, with the status the API gives: ``NotFound`` is
    the 404 page (the caller may not know the thing exists), ``Forbidden`` ``banned`` /
    ``not_member`` the 403 page. Any other refusal returns (the form shows it)."""
    if isinstance(error, NotFound):
        raise Http404(error.detail)
    if isinstance(error, Forbidden) and error.code in ("banned", "not_member"):
        raise PermissionDenied(error.detail)


def add_service_error(form, error) -> None:
    """Put a service refusal on its field when it names one ("field: message"), else on the form."""
    detail = error.detail
    field, sep, rest = detail.partition(": ")
    if sep and field in form.fields:
        form.add_error(field, rest)
    else:
        form.add_error(None, detail)


@dataclass(frozen=True)
class Submission:
    """What ``submit`` did: ``ok`` with the service's ``result``, else the status to render."""

    ok: bool
    status: int
    result: Any = None


def submit(
    form: forms.Form,
    action: Callable[[dict], Any],
    *,
    refuse: Callable[[ServiceError], None] | None = None,
    error_field: str | None = "",
) -> Submission:
    """Validate ``form`` and call ``action(form.cleaned_data)``. An invalid form is a 400. A
    service refusal first goes to ``refuse`` (which may raise an error page instead), then onto
    the form: on ``error_field`` when given (``None``: the whole form), else on the field the
    refusal names (``add_service_error``); its status is the one to render."""
    if not form.is_valid():
        return Submission(ok=False, status=400)
    try:
        result = action(form.cleaned_data)
    except ServiceError as error:
        if refuse is not None:
            refuse(error)
        if error_field == "":
            add_service_error(form, error)
        else:
            form.add_error(error_field, error.detail)
        return Submission(ok=False, status=error.status)
    return Submission(ok=True, status=200, result=result)


def composer_submit(
    request, send: Callable[[str], Any], *, refuse: Callable[[ServiceError], None]
) -> tuple[MessageForm, Submission]:
    """The composer without JavaScript: ``send(text)`` is the same service as REST and the
    socket; a refusal shows above the composer (the chat block shows the form's own errors)."""
    form = MessageForm(request.POST)
    done = submit(form, lambda data: send(data["message"]), refuse=refuse, error_field=None)
    return form, done
