"""The `fitvault study` group and what its commands share.

Options on the group: ``--db URL`` (else ``$FITVAULT_DATABASE_URL``) and ``--study-dir DIR`` (else
``$FITVAULT_STUDY_DIR``, else the current folder: the study key, the vaults and a private
PostgreSQL cluster live there). Each command that reports takes ``--json`` (:func:`json_option`)
and prints through :meth:`StudyApp.emit`. The command modules (``roster.py``, ``web.py``,
``data.py``) register on :data:`study` from here.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from fitvault.cli.app import cli, out_console

ENV_STUDY_DIR = "FITVAULT_STUDY_DIR"


@dataclass
class StudyApp:
    """What every study command gets: the database URL as given, the study folder."""

    db: str | None
    study_dir: Path
    _conn: Any = field(default=None, repr=False)

    def url(self, *, create_private: bool = False) -> str:
        """--db, else $FITVAULT_DATABASE_URL, else the study folder's private PostgreSQL (joined
        when `study up` runs it, else started for this command; created only by `study init`)."""
        from fitvault.errors import ConfigError
        from fitvault.study.db import database_url

        try:
            return database_url(self.db)
        except ConfigError:
            from fitvault.study.services import PRIVATE_FOLDER, private_database

            if not (create_private or (self.study_dir / PRIVATE_FOLDER / "data" / "PG_VERSION").exists()):
                raise
        cluster, url = private_database(self.study_dir)
        click.get_current_context().call_on_close(cluster.stop)
        self.db = url
        return url

    def connect(self, *, initialised: bool = True):
        """An open connection (closed when the command ends); ConfigError when the schema is missing
        (`study init` passes ``initialised=False``: it creates the schema, and a private cluster
        when there is no URL)."""
        from fitvault.study.db import connect, require_schema

        if self._conn is None:
            self._conn = connect(self.url(create_private=not initialised))
            click.get_current_context().call_on_close(self._conn.close)
        if initialised:
            require_schema(self._conn)
        return self._conn

    def cipher(self):
        from fitvault.study.crypto import GrantCipher

        return GrantCipher.load(self.study_dir)

    def settings(self):
        from fitvault.study.settings import load_settings

        return load_settings(self.connect(), self.cipher())

    def vaults(self):
        from fitvault.study.vaults import LocalVaults

        return LocalVaults(self.study_dir)

    def emit(self, as_json: bool, data: Any, human: Callable[[], None] | str | None = None) -> None:
        """Print ``data`` as JSON (``--json``), else the human form (a string, or a callable that prints)."""
        if as_json:
            sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        elif callable(human):
            human()
        elif human is not None:
            out_console.print(human, soft_wrap=True, markup=False)


def json_option(func):
    """``--json``: print the command's result as JSON on stdout."""
    return click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(func)


pass_study = click.make_pass_decorator(StudyApp)


@cli.group("study")
@click.option("--db", "db", metavar="URL", help="The study's PostgreSQL URL (default: $FITVAULT_DATABASE_URL).")
@click.option(
    "--study-dir", "study_dir", type=click.Path(file_okay=False, path_type=Path),
    help="The study folder: key, vaults, private database (default: $FITVAULT_STUDY_DIR, else the current folder).",
)
@click.pass_context
def study(ctx: click.Context, db: str | None, study_dir: Path | None) -> None:
    """Study mode: many participants, one research team, on PostgreSQL.

    Start with `fitvault study demo`, or `fitvault study init` then `study add`, `study invite`
    and `study up`. See docs/study.md.
    """
    folder = study_dir or Path(os.environ.get(ENV_STUDY_DIR) or ".")
    ctx.obj = StudyApp(db, folder.resolve())
