"""The ``/v4`` routes and their check order (docs/facts/google-health-api.md#methods, docs/facts/google-health-api.md#request-check-order).

Order: route (unknown path or verb -> HTML 404) -> bearer token (401) -> scope (403) ->
account linked (400 FAILED_PRECONDITION) -> per-user rate limit (429) -> request validation
(400) -> data. Every request that gets past authentication counts against the quota.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import catalog as c
from . import listing, rollups, tcx, users
from .errors import ApiError, Response, json_response, not_found_html

if TYPE_CHECKING:
    from .core import Simulator
    from .person import SyntheticPerson
    from .server import Request

_REALM = 'Bearer realm="https://accounts.google.com/"'
_BAD_CREDENTIALS = ("Request had invalid authentication credentials. Expected OAuth 2 access token, "
                    "login cookie or other valid authentication credential. "
                    "See https://developers.google.com/identity/sign-in/web/devconsole-project.")
_MISSING_CREDENTIALS = ("Request is missing required authentication credential. Expected OAuth 2 "
                        "access token, login cookie or other valid authentication credential. "
                        "See https://developers.google.com/identity/sign-in/web/devconsole-project.")
_USER = re.compile(r"[A-Za-z0-9-]{1,63}")

# (regex, {verb: operation}); an operation name ending in "!" is a write method
_ROUTES: list[tuple[re.Pattern[str], dict[str, str]]] = [
    (re.compile(r"/v4/users/(?P<user>[^/]+)/dataTypes/(?P<type>[^/:]+)/dataPoints"),
     {"GET": "list", "POST": "create!"}),
    (re.compile(r"/v4/users/(?P<user>[^/]+)/dataTypes/(?P<type>[^/:]+)/dataPoints:reconcile"), {"GET": "reconcile"}),
    (re.compile(r"/v4/users/(?P<user>[^/]+)/dataTypes/(?P<type>[^/:]+)/dataPoints:rollUp"), {"POST": "rollUp"}),
    (re.compile(r"/v4/users/(?P<user>[^/]+)/dataTypes/(?P<type>[^/:]+)/dataPoints:dailyRollUp"),
     {"POST": "dailyRollUp"}),
    (re.compile(r"/v4/users/(?P<user>[^/]+)/dataTypes/(?P<type>[^/:]+)/dataPoints:batchDelete"),
     {"POST": "batchDelete!"}),
    (re.compile(r"/v4/users/(?P<user>[^/]+)/dataTypes/(?P<type>[^/:]+)/dataPoints/(?P<id>[^/:]+)"),
     {"GET": "get", "PATCH": "patch!"}),
    (re.compile(r"/v4/users/(?P<user>[^/]+)/dataTypes/(?P<type>[^/:]+)/dataPoints/(?P<id>[^/:]+):exportExerciseTcx"),
     {"GET": "exportExerciseTcx"}),
    (re.compile(r"/v4/users/me/identity"), {"GET": "identity"}),
    (re.compile(r"/v4/users/(?P<user>[^/]+)/profile"), {"GET": "profile", "PATCH": "updateProfile!"}),
    (re.compile(r"/v4/users/(?P<user>[^/]+)/settings"), {"GET": "settings", "PATCH": "updateSettings!"}),
    (re.compile(r"/v4/users/(?P<user>[^/]+)/irnProfile"), {"GET": "irnProfile"}),
    (re.compile(r"/v4/users/(?P<user>[^/]+)/pairedDevices"), {"GET": "pairedDevices"}),
    (re.compile(r"/v4/users/(?P<user>[^/]+)/pairedDevices/(?P<id>[^/:]+)"), {"GET": "pairedDevice"}),
]
_DATA_OPS = {"list", "reconcile", "rollUp", "dailyRollUp", "get", "exportExerciseTcx"}


@dataclass(frozen=True)
class Route:
    """A matched route."""

    operation: str
    user: str
    data_type: str | None
    point_id: str | None


def match(method: str, path: str) -> Route | None:
    """The route for ``method path``, or ``None`` (-> HTML 404)."""
    for pattern, verbs in _ROUTES:
        m = pattern.fullmatch(path)
        if m and method in verbs:
            g = m.groupdict()
            return Route(verbs[method], g.get("user", "me"), g.get("type"), g.get("id"))
    return None


def _bearer(req: Request) -> str | None:
    auth = req.headers.get("authorization", "")
    if auth[:7].lower() == "bearer " and auth[7:].strip():
        return auth[7:].strip()
    return req.query.get("access_token") or req.query.get("oauth_token")  # standard params (docs/facts/google-health-api.md#service-basics)


def _required_scopes(route: Route) -> tuple[str, ...] | None:
    """Scopes of which one must be granted; ``None`` = any Health scope."""
    op = route.operation
    if op == "identity":  # any health scope (docs/facts/google-health-api.md#identity-profile-settings-and-devices)
        return None
    if op in ("pairedDevices", "pairedDevice"):
        # Live: pairedDevices answered 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT until settings.readonly
        # was granted (mcp-fitbit-air docs/phase0-findings.md).
        return (c.SETTINGS,)
    if op in ("profile", "settings", "irnProfile"):
        return ({"profile": c.PROFILE, "settings": c.SETTINGS, "irnProfile": c.IRN}[op],)
    if op in ("updateProfile!", "updateSettings!"):
        return (c.write_scope(c.PROFILE if op == "updateProfile!" else c.SETTINGS),)
    dtype = c.TYPES.get(route.data_type or "")
    if dtype is None:
        return ()  # unknown type: no scope to check; validation answers 400
    if op.endswith("!"):
        return (c.write_scope(dtype.scope),)
    return (dtype.scope,)


#: operations that need several scopes at once (docs/facts/google-health-api.md#endpoints-and-scopes: TCX export needs activity + location)
_ALL_OF = {"exportExerciseTcx": (c.ACTIVITY, c.LOCATION)}


def handle(sim: Simulator, req: Request) -> tuple[Response, Route | None]:
    """Answer one ``/v4`` request."""
    route = match(req.method, req.path)
    if route is None:
        return not_found_html(req.path), None
    try:
        return _checked(sim, req, route), route
    except ApiError as err:
        return err.response(), route


def _checked(sim: Simulator, req: Request, route: Route) -> Response:
    cfg = sim.config
    token = _bearer(req)
    if token is None:
        if req.query.get("key"):
            raise ApiError(401, "API keys are not supported by this API. Expected OAuth2 access token or "
                           "other authentication credentials that assert a principal.", "CREDENTIALS_MISSING",
                           headers={"WWW-Authenticate": _REALM})
        raise ApiError(401, _MISSING_CREDENTIALS, "CREDENTIALS_MISSING", headers={"WWW-Authenticate": _REALM})
    tok = sim.tokens.authenticate(token)
    if isinstance(tok, str):
        reason = "ACCESS_TOKEN_EXPIRED" if tok == "expired" else "ACCESS_TOKEN_INVALID"
        raise ApiError(401, _BAD_CREDENTIALS, reason,
                       headers={"WWW-Authenticate": _REALM + ', error="invalid_token"'})
    person = sim.persons[tok.grant.user]  # the person whose consent the token carries
    retry = sim.quota.acquire(person.health_user_id, cfg.quota_per_window, cfg.quota_window_s)

    needed = _required_scopes(route)
    ok = (any(s.startswith(c.SCOPE_PREFIX) for s in tok.scopes) if needed is None
          else not needed or any(s in tok.scopes for s in needed))
    both = _ALL_OF.get(route.operation, ())
    if both and c.TYPES.get(route.data_type or "") is not None:
        ok, needed = all(s in tok.scopes for s in both), both
    if not ok:
        raise ApiError(403, "Request had insufficient authentication scopes.", "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                       headers={"WWW-Authenticate": _REALM + ', error="insufficient_scope", scope="%s"'
                                % " ".join(needed or ())})
    if not cfg.account_linked:  # docs/facts/google-health-api.md#errors: exact body captured live
        raise ApiError(400, "The account is not linked to Google Health.", "ACCOUNT_NOT_LINKED",
                       status="FAILED_PRECONDITION",
                       metadata={"redirect_uri": "https://fitbit.google.com/auth/signup"})
    if not cfg.has_health_profile:  # docs/facts/google-health-api.md#errors: no Google Health profile yet (TRBL, 3P-RES)
        raise ApiError(412, "Precondition check failed.", status="FAILED_PRECONDITION")
    if retry is not None:
        headers = {"Retry-After": str(retry)} if cfg.retry_after_on_429 else {}
        raise rate_limited(cfg.quota_per_window, headers)
    return _validated(sim, req, route, person)


def rate_limited(limit: int, headers: dict[str, str]) -> ApiError:
    """429 RESOURCE_EXHAUSTED (docs/facts/google-health-api.md#errors; body undocumented, Google-wide shape)."""
    return ApiError(429, "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per "
                    "minute per user' of service 'health.googleapis.com'.", "RATE_LIMIT_EXCEEDED",
                    metadata={"service": "health.googleapis.com", "quota_limit": "ReadRequestsPerMinutePerUser",
                              "quota_limit_value": str(limit), "quota_unit": "1/min/{project}/{user}"},
                    headers=headers)


def _validated(sim: Simulator, req: Request, route: Route, person: SyntheticPerson) -> Response:
    cfg = sim.config
    pretty = req.query.get("prettyPrint", "false").lower() in ("true", "1")
    if route.user != "me" and not _USER.fullmatch(route.user):
        raise ApiError(400, f"Invalid user resource name: users/{route.user}", "INVALID_USER_RESOURCE_NAME")
    if route.user not in ("me", person.health_user_id):
        raise ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")
    now = sim.clock.now()
    as_of_ms = sim.clock.now_ms()
    op = route.operation
    if op.endswith("!"):
        raise ApiError(501, "The simulator is read-only; this method is not implemented.")
    if op in _DATA_OPS:
        dtype = c.TYPES.get(route.data_type or "")
        if dtype is None:  # docs/facts/google-health-api.md#list-and-paging / TRBL
            raise ApiError(400, f"The data type ID {route.data_type} is not supported",
                           "INVALID_PARENT_DATA_TYPE_COLLECTION")
        uid = person.health_user_id
        if op in ("list", "reconcile"):
            lr = listing.ListRequest(op, dtype, uid, req.query, tuple(cfg.list_refused_types),
                                     cfg.empty_page_every, as_of_ms)
            return json_response(listing.list_points(lr, person, sim.pages), pretty=pretty)
        if op == "rollUp":
            return json_response(rollups.roll_up(dtype, req.body, person, as_of_ms, sim.pages, uid), pretty=pretty)
        if op == "dailyRollUp":
            return json_response(rollups.daily_roll_up(dtype, req.body, person, as_of_ms, sim.pages, uid,
                                                       end_inclusive=cfg.daily_rollup_end_inclusive,
                                                       refused=tuple(cfg.daily_rollup_refused_types)), pretty=pretty)
        if op == "get":
            return json_response(listing.get_point(dtype, route.point_id or "", person, as_of_ms), pretty=pretty)
        return tcx.export(dtype, route.point_id or "", req.query, person, as_of_ms, pretty=pretty)
    payload = {
        "identity": lambda: users.identity(person),
        "profile": lambda: users.profile(person, now, membership_start=cfg.profile_membership_start),
        "settings": lambda: users.settings(person, now),
        "irnProfile": lambda: users.irn_profile(person),
        "pairedDevices": lambda: users.paired_devices(person, now, req.query, cfg.paired_devices_page_max),
        "pairedDevice": lambda: users.paired_device(person, now, route.point_id or ""),
    }[op]()
    return json_response(payload, pretty=pretty)
