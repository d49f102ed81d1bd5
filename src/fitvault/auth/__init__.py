"""The OAuth machinery both API sources share: the token and its stores (:mod:`.tokens`), the
token-endpoint work (:mod:`.oauth_common`), request signing with refresh under locks
(:mod:`.bearer`) and the one-shot loopback receiver (:mod:`.loopback`). Each provider's own
parameters and quirks live with its source: :mod:`fitvault.sources.google.oauth`,
:mod:`fitvault.sources.fitbit.auth`.
"""
