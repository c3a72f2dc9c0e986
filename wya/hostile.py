"""Hostile input, refused at the edge: deep JSON, NUL and lone surrogates, bad multipart.

PostgreSQL refuses NUL in text and UTF-8 has no lone surrogates, so a string carrying either can
never be stored or sent on; Python's JSON decoder recurses, so a document nested a thousand deep
raises ``RecursionError``. Every JSON body (REST), every socket frame and every query string or
form field passes through here, so such input is a 400 (or an ``error`` frame), never a 500.
"""

import json

MAX_JSON_DEPTH = 32  # the deepest real request body or frame is 3 levels
MAX_TEXT_CHECK = 100_000  # strings longer than this are refused by size limits elsewhere anyway


class HostileInput(ValueError):
    """Input that no endpoint accepts; ``str(error)`` is a client-safe detail."""


def bad_text_reason(value: str) -> str | None:
    """Why ``value`` can never be stored (NUL, lone surrogate), or ``None`` when it is fine."""
    if "\x00" in value:
        return "Text may not contain NUL characters."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Text may not contain lone surrogates (invalid Unicode)."
    return None


def check_tree(document, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Walk a decoded JSON document without recursion: depth, and every key and string."""
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            reason = bad_text_reason(node)
            if reason:
                raise HostileInput(reason)
            continue
        if not isinstance(node, (dict, list)):
            continue
        if depth > max_depth:
            raise HostileInput(f"JSON may be nested at most {max_depth} levels deep.")
        if isinstance(node, dict):
            for key, value in node.items():
                stack.append((key, depth))
                stack.append((value, depth + 1))
        else:
            stack.extend((item, depth + 1) for item in node)


def loads(raw: str | bytes, *, max_depth: int = MAX_JSON_DEPTH):
    """``json.loads`` that refuses deep nesting, NUL, lone surrogates, NaN and Infinity."""

    def no_constants(name):
        raise HostileInput(f"{name} is not valid JSON.")

    try:
        document = json.loads(raw, parse_constant=no_constants)
    except RecursionError:
        raise HostileInput(f"JSON may be nested at most {max_depth} levels deep.") from None
    except HostileInput:
        raise
    except (ValueError, UnicodeDecodeError):
        raise HostileInput("The body is not valid JSON.") from None
    check_tree(document, max_depth=max_depth)
    return document
