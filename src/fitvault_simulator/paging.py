"""Opaque, tamper-evident page tokens bound to the request that produced them (docs/facts/google-health-api.md#list-and-paging).

A token is urlsafe base64 of JSON: the walk state (last served key and tiebreak, page number)
plus a digest of every other request parameter and a MAC. Reusing it with a different filter,
pageSize, data type or dataSourceFamily is a 400, as is anything that does not decode.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from .errors import ApiError

_MISMATCH = ("The page token does not match the request. All other request parameters must be "
             "identical to those of the request that returned the token.")


def params_digest(*parts: object) -> str:
    """A short digest of the request parameters a token is bound to."""
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:16]


class PageTokens:
    """Encodes and checks page tokens with a per-simulator secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, state: dict, digest: str) -> str:
        msg = json.dumps([state, digest], sort_keys=True).encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()[:20]

    def encode(self, state: dict, digest: str) -> str:
        """A token carrying ``state`` for a request with parameter digest ``digest``."""
        raw = json.dumps({"s": state, "p": digest, "m": self._mac(state, digest)},
                         separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, token: str, digest: str) -> dict:
        """The state inside ``token``; 400 INVALID_ARGUMENT if it is not ours or not for this
        request."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            obj = json.loads(raw)
            state, bound, mac = obj["s"], obj["p"], obj["m"]
            ok = isinstance(state, dict) and hmac.compare_digest(str(mac), self._mac(state, bound))
        except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
            ok = False
        if not ok:
            raise ApiError(400, "Invalid page token.", "INVALID_PAGE_TOKEN")
        if bound != digest:
            raise ApiError(400, _MISMATCH, "INVALID_PAGE_TOKEN")
        return state
