"""The `fitvault` group and what every command shares: the ``App``, the consoles, the error fence.

The commands are thin click commands over the library: each parses its options, opens the vault
and the client, calls one library function, and turns fitvault's exceptions into a clean message
and exit code (see ``fitvault.errors``). Each command module registers itself on ``cli`` from
here; ``fitvault.cli.main`` imports them all. The imports point one way (main -> commands ->
app), so no command module imports ``main``.
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from fitvault import errors
from fitvault.cli.logsetup import configure_logging
from fitvault.config import GoogleEndpoints, VaultPaths, default_vault_dir, load_config_file, resolve_endpoints

err_console = Console(stderr=True, highlight=False)
# Piped or in cron, rich would wrap tables at 80 columns; 120 keeps the status table readable.
out_console = Console(highlight=False, width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 120)


@dataclass
class App:
    """What every command gets: the vault folder and the verbosity."""

    vault_dir: Path
    verbose: bool
    vault_given: bool

    @property
    def paths(self) -> VaultPaths:
        return VaultPaths(self.vault_dir)

    def config(self) -> dict:
        return load_config_file(self.paths)

    def endpoints(self) -> GoogleEndpoints:
        return resolve_endpoints(self.config())


def handle_errors(func):
    """Print fitvault errors as one clear message and exit with their code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except errors.FitvaultError as exc:
            err_console.print("[bold red]error:[/] " + escape(str(exc)), soft_wrap=True)
            sys.exit(exc.exit_code)
        # Second fence, for local failures the library did not translate (a lock file in a
        # read-only vault folder, a page of the database damaged after it was opened): one clear
        # line and the store's exit code, not a traceback.
        except sqlite3.DatabaseError as exc:
            err_console.print("[bold red]error:[/] " + escape(errors.database_unreadable(exc)), soft_wrap=True)
            sys.exit(errors.StoreError.exit_code)
        except OSError as exc:
            if exc.filename is None:
                raise
            hint = " (is the vault folder read-only?)" if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else ""
            err_console.print(f"[bold red]error:[/] cannot use {escape(str(exc.filename))}: "
                              f"{escape(exc.strerror or type(exc).__name__)}{hint}", soft_wrap=True)
            sys.exit(errors.StoreError.exit_code)
        except KeyboardInterrupt:
            err_console.print("interrupted: everything fetched so far is saved; run the command again to resume")
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--vault",
    "vault_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Vault folder (default: $FITVAULT_HOME, else the user data directory).",
)
@click.option("--verbose", "-v", is_flag=True, help="Log every request and decision to stderr (never tokens).")
@click.version_option(package_name="fitvault")
@click.pass_context
def cli(ctx: click.Context, vault_dir: Path | None, verbose: bool) -> None:
    """fitvault keeps your Fitbit / Pixel Watch data in a local SQLite vault.

    Start with `fitvault demo` (no account needed), or `fitvault auth google` then `fitvault sync`.
    """
    configure_logging(verbose)
    ctx.obj = App(vault_dir or default_vault_dir(), verbose, vault_given=vault_dir is not None)


logging.getLogger("fitvault").addHandler(logging.NullHandler())
