"""The console-script entry point: the `fitvault` group with every command registered."""

from __future__ import annotations

from fitvault.cli import commands  # noqa: F401 - registers the commands on the group
from fitvault.cli.app import cli
from fitvault.cli.study import (
    data,  # noqa: F401 - `fitvault study status|compliance|export|demo`
    group,  # noqa: F401 - `fitvault study` (its commands register on it)
)

__all__ = ["cli", "main"]


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="fitvault")
