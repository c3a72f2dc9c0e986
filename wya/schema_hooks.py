"""drf-spectacular post-processing: every operation documents the error statuses it can answer.

Every API error has the same body (``wya.api``: ``{"detail", "code"}``, plus field errors on a
400). The status codes below can come from any operation (authentication, throttles, the body
limit, hostile input, a database outage), so each operation lists them with the ``Error`` shape;
schemathesis checks in CI that no response has an undocumented status or shape.
"""

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail", "code"],
    "additionalProperties": True,
}
ERROR_STATUSES = {
    "400": "Bad input (field errors next to detail and code).",
    "401": "No or bad credentials.",
    "403": "Not allowed.",
    "404": "Not found (or hidden by a safety rule).",
    "405": "Method not allowed.",
    "409": "Conflict with the current state.",
    "413": "Body too large.",
    "415": "Unsupported media type.",
    "429": "Rate limited.",
    "503": "A backing service (database) is unavailable; retry.",
}


def add_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", ERROR_SCHEMA)
    reference = {"$ref": "#/components/schemas/Error"}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result
