"""Data sources other than the Google Health API (the sync engine in :mod:`fitvault.sync`).

- :mod:`fitvault.sources.fitbit`: the legacy Fitbit Web API (turned off on 2026-11-02).
"""
