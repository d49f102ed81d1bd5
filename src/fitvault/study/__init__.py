"""Study mode: many participants, one research team, on PostgreSQL.

PostgreSQL (schema ``study``) holds the study's settings, the roster, the grants (encrypted),
consent, the append-only audit log and the job queue (procrastinate); each participant's data is
a normal fitvault vault at ``<study dir>/vaults/<participant id>/``, synced by the one sync core
(:mod:`fitvault.sources.google`). See ``docs/study.md``.

- :mod:`.db`, :mod:`.schema`: connecting and migrating;
- :mod:`.settings`, :mod:`.crypto`: the study's settings and the key that encrypts grants;
- :mod:`.roster`, :mod:`.audit`, :mod:`.grants`: participants, invites, consent, grants, the log;
- :mod:`.vaults`: where a participant's vault lives;
- :mod:`.queue`, :mod:`.procrastinate_queue`, :mod:`.jobs`: the queue and the sync job;
- :mod:`.cluster`: a private PostgreSQL cluster for ``fitvault study up``.

Nothing heavy is imported here: the study extra (``pip install 'fitvault[study]'``) is optional.
"""
