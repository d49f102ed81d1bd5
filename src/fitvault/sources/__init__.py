"""The API sources fitvault syncs from, each with its client, auth, streams and walks; the one
sync core that drives them is :mod:`fitvault.sync`.

- :mod:`fitvault.sources.google`: the Google Health API v4 (the live source).
- :mod:`fitvault.sources.fitbit`: the legacy Fitbit Web API (turned off on 2026-11-02).
"""
