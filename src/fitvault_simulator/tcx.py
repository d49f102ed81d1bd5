"""``GET .../exercise/dataPoints/{id}:exportExerciseTcx`` (docs/facts/google-health-api.md#methods, docs/facts/google-health-api.md#read-paths).

``alt=media`` answers the raw TCX document; otherwise ``{"tcxData": "..."}``. Scopes (activity
and location, both) are checked by :mod:`.api` before this runs. The document comes from
:meth:`.person.fitness.Fitness.tcx` (one trackpoint per 5 s, a lap per active stretch).

Refusals where the reference is silent (this simulator's choices):

- another data type in the path: 400 UNSUPPORTED_DATA_TYPE_ACTION (the method exists for exercise only);
- an unknown id (or one not created yet): 404 RESOURCE_NOT_FOUND, as ``get``;
- an exercise without GPS: 400 FAILED_PRECONDITION (no ErrorInfo reason: none is known), unless
  ``partialData=true``, which exports its track without positions (time, distance, heart rate);
  a manual log has no track at all and is refused either way;
- ``partialData`` that is not a boolean, or ``alt=proto``: 400 INVALID_ARGUMENT.
"""

from __future__ import annotations

from .catalog import DataType
from .errors import ApiError, Response, invalid_argument, json_response, not_found, unsupported_action
from .person import SyntheticPerson
from .person.fitness import fitness_of

TCX_CONTENT_TYPE = "application/vnd.garmin.tcx+xml"
_BOOLS = {"true": True, "1": True, "false": False, "0": False}


def export(dtype: DataType, point_id: str, query: dict[str, str], person: SyntheticPerson, as_of_ms: int,
           *, pretty: bool = False) -> Response:
    """Answer one ``exportExerciseTcx`` call."""
    if dtype.id != "exercise":
        raise unsupported_action(dtype.id, "ExportExerciseTcx", dtype.allowed_actions())
    raw = query.get("partialData", "false").strip().lower()
    if raw not in _BOOLS:
        raise invalid_argument(f"Invalid value at 'partial_data' (TYPE_BOOL), \"{query.get('partialData')}\"")
    alt = query.get("alt", "json")
    if alt not in ("json", "media"):
        raise invalid_argument(f"Unsupported alt value for this method: {alt}")
    f = fitness_of(person)
    session = f.session_by_id(point_id, as_of_ms) if point_id.isdigit() else None
    if session is None:
        raise not_found()
    text = f.tcx(session, partial=_BOOLS[raw])
    if text is None:
        # Live: 400 FAILED_PRECONDITION (issue #14's audit saw it stop a sync); the message and
        # whether an ErrorInfo reason comes with it are not captured anywhere public, so none is
        # sent here (the catalogue lists no GPS reason). Believed, not verified.
        raise ApiError(400, "Precondition check failed: the exercise has no GPS data. Set partialData=true "
                       "to export the recorded data without positions.", status="FAILED_PRECONDITION")
    if alt == "media":
        return Response(200, text.encode(), TCX_CONTENT_TYPE + "; charset=UTF-8")
    return json_response({"tcxData": text}, pretty=pretty)
