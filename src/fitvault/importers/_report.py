"""What an import did: one :class:`FileOutcome` per file, a summary per family, notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

Status = Literal["imported", "ignored", "skipped"]


@dataclass(frozen=True)
class ImportProgress:
    """Progress of an import: bytes read of all the files to read (compressed bytes for zip
    members), files finished, and the file being read."""

    done_bytes: int
    total_bytes: int
    files_done: int
    files_total: int
    current: str


ProgressCallback = Callable[[ImportProgress], None]


@dataclass
class FileOutcome:
    """One file (``archive.zip!member/path`` for zip members).

    Attributes:
        path: where it is.
        status: ``imported``; ``ignored`` (not health data, a family fitvault does not store, or a file it
            does not know: ``reason`` says which); ``skipped``
            (a file fitvault should read was unreadable or unsafe — the import is then incomplete).
        family: what it was read as (``heart rate (Global Export)``), "" when not recognised.
        origin: ``sources.origin`` of its rows.
        records: records (JSON elements, CSV rows) read.
        stored: rows handed to the vault (day totals are counted at the end, per family).
        changed: vault rows inserted or changed (0 when re-imported).
        dropped: records not stored, by reason (sentinels, placeholders, duplicates ...).
        reason: why it was ignored or skipped.
    """

    path: str
    status: Status
    family: str = ""
    origin: str = ""
    records: int = 0
    stored: int = 0
    changed: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    reason: str = ""


@dataclass(frozen=True)
class FamilySummary:
    """The files of one family together."""

    family: str
    origin: str
    files: int
    records: int
    stored: int
    changed: int
    dropped: int


@dataclass
class ImportReport:
    """The result of :func:`fitvault.importers.import_paths`.

    Attributes:
        files: one outcome per file considered, in the order they were handled.
        notes: things a person should read (the zone used, clocks detected, travel days ...).
        time_zone: the IANA zone local times were read in.
        totals: rows written at the end for day totals, by family title
            (``daily_distance (takeout-global-export)`` ...): (stored, changed).
        elapsed_s: wall-clock seconds.
    """

    files: list[FileOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    time_zone: str | None = None
    totals: dict[str, tuple[int, int]] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def _with(self, status: Status) -> list[FileOutcome]:
        return [f for f in self.files if f.status == status]

    @property
    def imported(self) -> list[FileOutcome]:
        return self._with("imported")

    @property
    def ignored(self) -> list[FileOutcome]:
        return self._with("ignored")

    @property
    def skipped(self) -> list[FileOutcome]:
        return self._with("skipped")

    @property
    def complete(self) -> bool:
        """True when no file was skipped."""
        return not self.skipped

    @property
    def changed(self) -> int:
        return sum(f.changed for f in self.files) + sum(c for _s, c in self.totals.values())

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    def families(self) -> list[FamilySummary]:
        """One line per family of the imported files, then one per day-total family."""
        found: dict[tuple[str, str], list[int]] = {}
        for f in self.imported:
            s = found.setdefault((f.family, f.origin), [0, 0, 0, 0, 0])
            s[0] += 1
            s[1] += f.records
            s[2] += f.stored
            s[3] += f.changed
            s[4] += sum(f.dropped.values())
        out = [FamilySummary(fam, origin, *v) for (fam, origin), v in sorted(found.items())]
        for name, (stored, changed) in sorted(self.totals.items()):
            out.append(FamilySummary(name, "", 0, 0, stored, changed, 0))
        return out
