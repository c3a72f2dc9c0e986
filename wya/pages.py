"""Helpers the server-rendered pages share."""


def add_service_error(form, error) -> None:
    """Put a service refusal on its field when it names one ("field: message"), else on the form."""
    detail = error.detail
    field, sep, rest = detail.partition(": ")
    if sep and field in form.fields:
        form.add_error(field, rest)
    else:
        form.add_error(None, detail)
