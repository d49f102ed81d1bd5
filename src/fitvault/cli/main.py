"""The console-script entry point: the `fitvault` group with every command registered."""

from __future__ import annotations

from fitvault.cli import commands  # noqa: F401 - registers the commands on the group
from fitvault.cli.app import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="fitvault")
