"""The API sources fitvault syncs from, each with its client, auth, streams and walks; the one
sync core that drives them is :mod:`fitvault.sync`.

- :mod:`fitvault.sources.google`: the Google Health API v4 (the live source).
- :mod:`fitvault.sources.fitbit`: the legacy Fitbit Web API (turned off on 2026-11-02).
- :mod:`fitvault.sources.registry`: both, wired into the core's ``rebuild``.

Each source implements the core's small :class:`fitvault.sync.engine.Source` protocol; the
dependency goes one way, from the sources to the core.
"""
