"""Registers every command on the `fitvault` group (imported by ``fitvault.cli.main``)."""

from fitvault.cli import auth, demo, export, import_cmd, mcp, plot, report, sql, status, sync  # noqa: F401
