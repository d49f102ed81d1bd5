"""``fitvault study export``: every participant's vault through the ordinary exporters, laid out
by table and participant, with a data dictionary and a manifest.

Layouts (``docs/study.md#exports``):

``parquet``   ``<table>/participant=<id>/[year=YYYY/]part-0.parquet`` (hive partitions: DuckDB's
              ``read_parquet('out/heart_rate/**/*.parquet', hive_partitioning = true)`` and
              ``pyarrow.dataset.dataset('out/heart_rate', partitioning='hive')`` add the
              ``participant`` column)
``csv``       ``<table>/participant=<id>/<table>.csv`` (the tidy CSV of ``fitvault export csv``)
``fitabase``  ``<name>_merged.csv``: Fitabase's merged files, one row per participant and record,
              ``Id`` the participant id (as Fitabase's research exports)

Each participant's rows are those of their study window (local dates, inclusive), in every
format: Parquet and CSV by the local date of each record, Fitabase by the local date of each
row's first column (a sleep night by the local date of its end). ``data_dictionary.csv`` describes every
column written; ``manifest.json`` lists every file with its table, participant, row count, size
and SHA-256. With ``deidentify`` each vault is first copied through
:func:`fitvault.study.deidentify.deidentified_copy`, and the window moves with the dates.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

from fitvault.datatypes.tables import TABLES_BY_NAME
from fitvault.errors import ConfigError, StoreError
from fitvault.export import export_csv, export_fitabase, export_parquet
from fitvault.export.common import ExportResult, fields, fitvault_version
from fitvault.export.csv_export import csv_columns
from fitvault.export.fitabase import HEADERS as FITABASE_HEADERS
from fitvault.export.parquet import arrow_schema
from fitvault.export.summaries import SLEEP_DESCRIPTIONS
from fitvault.study import audit
from fitvault.study.crypto import GrantCipher
from fitvault.study.db import Conn
from fitvault.study.deidentify import FREE_TEXT, Pseudonym, deidentified_copy, pseudonyms
from fitvault.study.roster import list_participants
from fitvault.study.vaults import VaultLocator

FORMATS = ("parquet", "csv", "fitabase")
MANIFEST = "manifest.json"
#: Which rows an export holds, said in its data dictionary and manifest.
WINDOW_RULE = ("rows of each participant's study window only: local days window_start..window_end, inclusive "
               "(manifest.json: windows), by each record's local date (Fitabase: its first column's)")
DICTIONARY = "data_dictionary.csv"
MANIFEST_KIND = "fitvault-study-export/1"


@dataclass(frozen=True)
class Subject:
    """One participant to export: their vault, their window, and (de-identified) their pseudonym."""

    participant_id: str
    vault_dir: Path
    start: date | None = None
    end: date | None = None
    pseudonym: Pseudonym | None = None


@dataclass
class StudyExport:
    """What was written: the files (as in the manifest), participants skipped, notes."""

    format: str
    out_dir: Path
    deidentified: bool
    files: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f["rows"] for f in self.files if f["table"] != "data_dictionary")


def _prepare(out_dir: Path) -> Path:
    """An empty folder, or an earlier study export's (its files are replaced); nothing else."""
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ConfigError(f"the output {out_dir} is a file, not a folder")
        if any(out_dir.iterdir()):
            manifest = out_dir / MANIFEST
            try:
                earlier = json.loads(manifest.read_text(encoding="utf-8")).get("kind") == MANIFEST_KIND
            except (OSError, ValueError, AttributeError):
                earlier = False
            if not earlier:
                raise ConfigError(f"{out_dir} is not empty and holds no earlier study export: give a new folder")
            shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def _move(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dest)


def _place(result: ExportResult, fmt: str, pid: str, out: Path, merged: dict[str, int]) -> None:
    """Move one participant's export (in ``result.out_dir``) into the study layout."""
    for item in result.items:
        if fmt == "parquet":
            _move(item.path, out / item.table / f"participant={pid}")
        elif fmt == "csv":
            _move(item.path, out / item.table / f"participant={pid}" / item.path.name)
        else:
            _append(item.path, out / item.path.name)
            merged[item.path.name] = merged.get(item.path.name, 0) + item.rows


def _append(part: Path, merged: Path) -> None:
    """Add a participant's Fitabase file to the merged one (its header only once)."""
    with open(part, encoding="utf-8", newline="") as src:
        header = src.readline()
        fresh = not merged.exists()
        with open(merged, "a", encoding="utf-8", newline="") as dst:
            if fresh:
                dst.write(header)
            shutil.copyfileobj(src, dst)


def _export_one(subject: Subject, fmt: str, work: Path, deidentify: bool) -> ExportResult:
    vault: Path | str = subject.vault_dir
    start, end = subject.start, subject.end
    if deidentify:
        if subject.pseudonym is None:
            raise ConfigError(f"{subject.participant_id}: no de-identification key")
        vault = deidentified_copy(subject.vault_dir, work / "vault", subject.pseudonym)
        back = timedelta(days=subject.pseudonym.shift_days)
        start, end = (start - back if start else None), (end - back if end else None)
    target = work / "out"
    if fmt == "parquet":
        return export_parquet(vault, target, start=start, end=end)
    if fmt == "csv":
        return export_csv(vault, target, start=start, end=end)
    return export_fitabase(vault, target, participant=subject.participant_id, start=start, end=end)


def export_study(
    subjects: list[Subject], fmt: str, out_dir: Path | str, *, deidentify: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> StudyExport:
    """Export every subject's vault in ``fmt`` into ``out_dir`` (module docstring).

    Args:
        progress: called with (participant id, index, count) before each participant.

    Raises:
        ConfigError: unknown format, a non-empty foreign output folder, a missing key.
        StoreError: a vault cannot be read or a file written.
    """
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}")
    out = _prepare(Path(out_dir))
    export = StudyExport(fmt, out, deidentify)
    written: dict[str, set[str]] = {}
    merged: dict[str, int] = {}
    for i, subject in enumerate(subjects):
        if progress:
            progress(subject.participant_id, i, len(subjects))
        if not (subject.vault_dir / "vault.sqlite").is_file():
            export.skipped.append(subject.participant_id)
            continue
        with tempfile.TemporaryDirectory(prefix=".work-", dir=out) as tmp:
            result = _export_one(subject, fmt, Path(tmp), deidentify)
            _place(result, fmt, subject.participant_id, out, merged)
            for item in result.items:
                written.setdefault(item.table, set()).add(subject.participant_id)
    if export.skipped:
        export.notes.append(f"no vault yet (never synced), nothing exported: {', '.join(export.skipped)}")
    if deidentify:
        export.notes.append("de-identified: dates shifted per participant, ids hashed, free text, routes and "
                            "device identifiers removed (docs/study.md#de-identification)")
    _write_dictionary(out, fmt, sorted(written), deidentify)
    export.files = _inventory(out, fmt)
    _write_manifest(export, subjects)
    return export


# -- the data dictionary ---------------------------------------------------------------------

def _dictionary_rows(fmt: str, tables: list[str], deidentify: bool) -> Iterator[tuple[str, str, str, str, str]]:
    """(table or file, column, type, unit, meaning) of every column written."""
    emptied = " (empty: removed by --deidentify)"
    if fmt == "fitabase":
        for name in tables:
            for column in FITABASE_HEADERS.get(name, ()):
                meaning = "participant id" if column == "Id" else "Fitabase layout (docs/exports.md#fitabase-layout-fitvault-export-fitabase)"
                yield f"{name}_merged.csv", column, "text", "", meaning
        return
    for name in tables:
        if name == "sleep_summary":
            for column, (unit, meaning) in SLEEP_DESCRIPTIONS.items():
                yield name, column, "", unit, meaning
            continue
        table = TABLES_BY_NAME[name]
        if fmt == "parquet":
            schema, _ = arrow_schema(table)
            for f in schema:
                meta = {k.decode(): v.decode() for k, v in (f.metadata or {}).items()}
                note = emptied if deidentify and f.name in FREE_TEXT else ""
                yield name, f.name, str(f.type), meta.get("unit", ""), meta.get("meaning", "") + note
        else:
            header, _ = csv_columns(table)
            kinds = {getattr(f, "name", ""): (getattr(f, "kind", ""), getattr(f, "unit", ""), getattr(f, "meaning", ""))
                     for f in fields(table)}
            for column in header:
                kind, unit, meaning = kinds.get(column, ("text", "", "ISO 8601 time (see docs/exports.md)"))
                note = emptied if deidentify and column in FREE_TEXT else ""
                yield name, column, kind, unit, meaning + note
        yield name, "participant", "text", "", "participant id (the partition folder participant=<id>)"


def _write_dictionary(out: Path, fmt: str, tables: list[str], deidentify: bool) -> None:
    with open(out / DICTIONARY, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(("table", "column", "type", "unit", "meaning"))
        w.writerow(("*", "*", "", "", WINDOW_RULE))
        w.writerows(_dictionary_rows(fmt, tables, deidentify))


# -- the manifest ------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _rows(path: Path) -> int:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    with open(path, encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1  # records, not lines: a quoted field may hold one


def _inventory(out: Path, fmt: str) -> list[dict]:
    files = []
    for path in sorted(p for p in out.rglob("*") if p.is_file() and p.name != MANIFEST):
        rel = path.relative_to(out)
        participant = next((part.split("=", 1)[1] for part in rel.parts if part.startswith("participant=")), None)
        if path.name == DICTIONARY:
            table = "data_dictionary"
        elif fmt == "fitabase":
            table = path.name.removesuffix("_merged.csv")
        else:
            table = rel.parts[0]
        files.append({"path": rel.as_posix(), "table": table, "participant": participant, "rows": _rows(path),
                      "bytes": path.stat().st_size, "sha256": _sha256(path)})
    return files


def _window(subject: Subject, deidentified: bool) -> dict[str, str | None]:
    """The participant's window as the exported dates show it (moved back with them when
    de-identified, so the offset is not given away)."""
    back = timedelta(days=subject.pseudonym.shift_days if deidentified and subject.pseudonym else 0)
    return {"start": (subject.start - back).isoformat() if subject.start else None,
            "end": (subject.end - back).isoformat() if subject.end else None}


def _write_manifest(export: StudyExport, subjects: list[Subject]) -> None:
    doc = {
        "kind": MANIFEST_KIND,
        "format": export.format,
        "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "exported_by": f"fitvault {fitvault_version()}",
        "deidentified": export.deidentified,
        "participants": [s.participant_id for s in subjects if s.participant_id not in export.skipped],
        "rows": WINDOW_RULE,
        "windows": {s.participant_id: _window(s, export.deidentified) for s in subjects
                    if s.participant_id not in export.skipped},
        "notes": export.notes,
        "files": export.files,
    }
    tmp = export.out_dir / (MANIFEST + ".part")
    try:
        tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, export.out_dir / MANIFEST)
    except OSError as exc:
        raise StoreError(f"cannot write {export.out_dir / MANIFEST}: {exc}") from exc


def export_participants(
    conn: Conn, cipher: GrantCipher, vaults: VaultLocator, fmt: str, out_dir: Path | str, *,
    deidentify: bool = False, only: list[str] | None = None, actor: str,
    progress: Callable[[str, int, int], None] | None = None,
) -> StudyExport:
    """Export the roster's participants (``only`` these ids when given; withdrawn ones never),
    each within their study window, and audit it. De-identification keys come from (and new ones
    go to) PostgreSQL."""
    people = [p for p in list_participants(conn) if p.state != "withdrawn"]
    if only:
        unknown = sorted(set(only) - {p.participant_id for p in people})
        if unknown:
            raise ConfigError(f"not in the study (or withdrawn): {', '.join(unknown)}")
        people = [p for p in people if p.participant_id in set(only)]
    keys = pseudonyms(conn, cipher, [p.participant_id for p in people]) if deidentify else {}
    subjects = [Subject(p.participant_id, vaults.vault_dir(p.participant_id), p.window_start, p.window_end,
                        keys.get(p.participant_id)) for p in people]
    result = export_study(subjects, fmt, out_dir, deidentify=deidentify, progress=progress)
    audit.record(conn, actor, "export", None, {
        "format": fmt, "deidentified": deidentify, "out": str(Path(out_dir).resolve()),
        "participants": [s.participant_id for s in subjects if s.participant_id not in result.skipped],
        "files": len(result.files), "rows": result.rows,
    })
    return result
