"""Fitabase research exports (``*_merged.csv``; the Kaggle "FitBit Fitness Tracker Data").

Every file holds one or more participants (``Id``); one vault holds one person, so an import
reads one participant: the only one present, or the one named with ``--participant``
(:func:`fitvault.importers._base.State.settle_participant`). Times are the participant's local
wall times without a zone (``M/D/YYYY h:mm:ss AM``), placed with the import's zone like every
other naive time. See docs/facts/archives.md#verified-on-real-exports, docs/facts/archives.md#fact-14.
"""
