"""JSON request bodies the way Google's front end parses them (docs/facts/google-health-api.md#daily-rollups, TRBL).

Errors are 400 "Invalid JSON payload received. ..." with a ``google.rpc.BadRequest`` detail:
leading zeros ("Octal/hex numbers are not valid JSON values."), syntax errors, unknown field
names ("Unknown name ... Cannot find field."), wrongly typed values.
"""

from __future__ import annotations

import json
import re

from .errors import ApiError

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_LEADING_ZERO = re.compile(r"(?<![\w.])-?0\d")


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Invalid JSON payload received. {description}",
                    details=[{"@type": "type.googleapis.com/google.rpc.BadRequest",
                              "fieldViolations": [{"description": description}]}])


def parse(raw: bytes) -> dict:
    """The body as a JSON object (empty body = ``{}``)."""
    text = raw.decode("utf-8", errors="replace").strip()
    if not text:
        return {}
    try:
        obj = json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        if _LEADING_ZERO.search(_STRINGS.sub('""', text)):
            raise _bad("Octal/hex numbers are not valid JSON values.") from None
        raise _bad("Unexpected token.") from None
    if not isinstance(obj, dict):
        raise _bad("Root element must be a message.")
    return obj


def _reject_constant(name: str) -> float:
    raise ValueError(name)


def check_fields(obj: object, allowed: set[str], where: str | None = None) -> dict:
    """``obj`` must be an object whose keys are all in ``allowed``."""
    if not isinstance(obj, dict):
        raise _bad(f"Invalid value at '{where}': expected an object.")
    for key in obj:
        if key not in allowed:
            at = f" at '{where}'" if where else ""
            raise _bad(f'Unknown name "{key}"{at}: Cannot find field.')
    return obj


def int32(obj: dict, key: str, where: str) -> int | None:
    """An optional int32 field (proto3 JSON also accepts a numeric string)."""
    if key not in obj or obj[key] is None:
        return None
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise _bad(f"Invalid value at '{where}' (TYPE_INT32), {json.dumps(v)}")
    try:
        return int(v)
    except ValueError:
        raise _bad(f"Invalid value at '{where}' (TYPE_INT32), {json.dumps(v)}") from None


def string(obj: dict, key: str, where: str) -> str | None:
    """An optional string field."""
    if key not in obj or obj[key] is None:
        return None
    v = obj[key]
    if not isinstance(v, str):
        raise _bad(f"Invalid value at '{where}' (TYPE_STRING), {json.dumps(v)}")
    return v
