"""The console-script entry point: the `fitvault` group with every command registered."""

from __future__ import annotations

from fitvault.cli import commands  # noqa: F401 - registers the commands on the group
from fitvault.cli.app import cli
from fitvault.cli.study import (  # noqa: F401 - `fitvault study` init add invite enrol withdraw handover / up sync worker
    data,  # noqa: F401 - `fitvault study` status compliance export demo
    roster,
    run,
)
from fitvault.cli.study import web as study_web  # noqa: F401 - `fitvault study web`

__all__ = ["cli", "main"]


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="fitvault")
