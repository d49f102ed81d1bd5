"""The study's enrolment web app (``fitvault study web``): a participant's single-use invite link
→ the study's consent page → Google's consent screen (OAuth web client: authorization code,
PKCE S256, offline access, a state bound to the invite and to this browser) → the callback that
stores the grant encrypted, the consent and the paired devices, consumes the invite and queues
the participant's first sync.

Modules: :mod:`.app` (routes), :mod:`.flow` (what each step does, without HTTP),
:mod:`.session` (the browser's sealed cookie), :mod:`.pages` (the HTML), :mod:`.middleware`
(security headers and an access log without secrets).
"""
