"""The Google Health API source: its OAuth, its HTTP client and quota, and the facade of both.

- :mod:`.client` / :mod:`.ratelimit`: the API client (typed errors, the 300/min/user quota).
- :mod:`.oauth`, :mod:`.auth`, :mod:`.client_secrets`: Google's consent, refresh, revoke, signing.

- :func:`authorize` runs the consent flow (loopback redirect or pasted address, PKCE S256).
- :func:`token_from_import` accepts credentials obtained elsewhere.
- :class:`TokenStore` (file, 0600, atomic) / :class:`KeyringTokenStore` keep the token.
- :class:`GoogleAuth` signs API requests and refreshes the token (thread- and process-safe).
- :func:`refresh` and :func:`revoke` are the single grant operations.

Errors are :mod:`fitvault.errors` ones; no message or ``repr`` ever shows a secret.
"""

from fitvault.sources.google.client_secrets import ClientSecrets, load_client_secrets
from fitvault.sources.google.oauth import (
    DEFAULT_SCOPES,
    SCOPE_PREFIX,
    RevokeResult,
    authorize,
    refresh,
    revoke,
    token_from_import,
)
from fitvault.sources.google.auth import GoogleAuth
from fitvault.auth.loopback import LoopbackReceiver
from fitvault.auth.tokens import KeyringTokenStore, Token, TokenStore, mask_secret

__all__ = [
    "DEFAULT_SCOPES",
    "SCOPE_PREFIX",
    "ClientSecrets",
    "GoogleAuth",
    "KeyringTokenStore",
    "LoopbackReceiver",
    "RevokeResult",
    "Token",
    "TokenStore",
    "authorize",
    "load_client_secrets",
    "mask_secret",
    "refresh",
    "revoke",
    "token_from_import",
]
