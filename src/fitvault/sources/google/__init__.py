"""The Google Health API source: its sync, its OAuth, its HTTP client and quota.

- :mod:`.engine`: the source the sync core runs (:func:`sync`, :func:`make_plan`,
  :func:`run_plan`, :func:`history_start`), its walks in :mod:`.walks` and the account
  context read at the start of each run in :mod:`.context`;
- :mod:`.client` / :mod:`.ratelimit`: the API client (typed errors, the 300/min/user quota).
- :mod:`.oauth`, :mod:`.auth`, :mod:`.client_secrets`: Google's consent, refresh, revoke, signing.

- :func:`authorize` runs the consent flow (loopback redirect or pasted address, PKCE S256).
- :func:`token_from_import` accepts credentials obtained elsewhere.
- :class:`TokenStore` (file, 0600, atomic) / :class:`KeyringTokenStore` keep the token.
- :class:`GoogleAuth` signs API requests and refreshes the token (thread- and process-safe).
- :func:`refresh` and :func:`revoke` are the single grant operations.

Errors are :mod:`fitvault.errors` ones; no message or ``repr`` ever shows a secret.
"""

from fitvault.auth.loopback import LoopbackReceiver
from fitvault.auth.tokens import KeyringTokenStore, Token, TokenStore, mask_secret
from fitvault.sources.google.auth import GoogleAuth
from fitvault.sources.google.client_secrets import ClientSecrets, load_client_secrets
from fitvault.sources.google.engine import GoogleSource, history_start, make_plan, run_plan, sync
from fitvault.sources.google.oauth import (
    DEFAULT_SCOPES,
    SCOPE_PREFIX,
    RevokeResult,
    authorize,
    refresh,
    revoke,
    token_from_import,
)

__all__ = [
    "DEFAULT_SCOPES",
    "SCOPE_PREFIX",
    "ClientSecrets",
    "GoogleAuth",
    "GoogleSource",
    "KeyringTokenStore",
    "LoopbackReceiver",
    "RevokeResult",
    "Token",
    "TokenStore",
    "authorize",
    "history_start",
    "load_client_secrets",
    "make_plan",
    "mask_secret",
    "refresh",
    "revoke",
    "run_plan",
    "sync",
    "token_from_import",
]
