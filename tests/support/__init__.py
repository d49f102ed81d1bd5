"""What the tests share, and the only place they share it from: the simulator's helpers
(``sim``), ground-truth comparisons (``truth``), archive builders (``takeout``), the legacy Fitbit
helpers (``fitbit``), the reliability world (``reliability``), event-driven races (``races``),
plot frames (``plots``), the simulator's wire (``simulator_wire``), a fake API (``fake_api``) and
heart-rate rows (``heart_rows``). No test module imports another (tests/unit/test_test_layout.py checks it);
``tests`` is on ``sys.path`` (pyproject's pytest ``pythonpath``), so these import as
``support.<module>``."""
