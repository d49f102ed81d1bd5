"""Registers every command on the `fitvault` group (imported by ``fitvault.cli.main``)."""

from fitvault.cli import auth, demo, export, import_cmd, mcp, plot, report, sql, status, sync  # noqa: F401

# `fitvault study`: roster (init add invite enrol withdraw handover), run (up sync worker), web,
# data (status compliance export demo).
from fitvault.cli.study import data, roster, run, web  # noqa: F401, E402
