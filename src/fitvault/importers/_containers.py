"""What the importer was given, as a flat list of entries: zip members, files of folders, loose files.

Zips are read in place, member by member (never extracted to disk). Every member is checked
before anything is read: a name that is absolute or climbs out with ``..`` is refused (zip
slip), as are symbolic links, encrypted members, and members whose declared size or
compression ratio exceeds :class:`ImportLimits` (compression bombs); a zip whose members add up
to more than ``max_total_bytes`` is refused whole. The zip reader never returns more bytes than
a member declares, and checks its CRC at the end, so a member that lies about its size fails
instead of growing without bound.

Google Takeout splits a large export into independent zips (``takeout-<stamp>-001.zip``,
``-002.zip`` ...): every part given is read, members are de-duplicated by name across the parts
of one set, and a gap in the part numbers is reported.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable

GIB = 1 << 30
MIB = 1 << 20


@dataclass(frozen=True)
class ImportLimits:
    """Safety limits for zip members (defaults suit a 10 GB Takeout; tests lower them).

    Attributes:
        max_member_bytes: largest uncompressed size of one member.
        max_ratio: largest uncompressed / compressed size of one member (real exports compress
            10-30x; a compression bomb 1000x and more).
        ratio_floor_bytes: members smaller than this are not ratio-checked (tiny files can
            compress well and cannot hurt).
        max_total_bytes: largest uncompressed size of all members of one zip together.
    """

    max_member_bytes: int = 4 * GIB
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 4 * MIB
    max_total_bytes: int = 512 * GIB


@dataclass(frozen=True)
class Entry:
    """One file to consider.

    Attributes:
        container: the zip (or folder) it is in, as given; "" for a loose file.
        name: its path inside the container, ``/``-separated (a loose file: its path).
        parts: path components used to recognise the layout (folders: the absolute path).
        size: uncompressed bytes.
        cost: bytes read from disk (the compressed size in a zip), for progress.
        opener: opens it for reading (binary).
    """

    container: str
    name: str
    parts: tuple[str, ...]
    size: int
    cost: int
    opener: Callable[[], IO[bytes]]

    @property
    def display(self) -> str:
        return f"{self.container}!{self.name}" if self.container.lower().endswith(".zip") else self.name

    @property
    def basename(self) -> str:
        return self.parts[-1] if self.parts else self.name


@dataclass(frozen=True)
class Refused:
    """An entry (or a whole container) that was not read, and why."""

    display: str
    reason: str


@dataclass
class Inputs:
    """Everything found in the paths given."""

    entries: list[Entry]
    refused: list[Refused]
    notes: list[str]
    zips: list[zipfile.ZipFile]

    def close(self) -> None:
        for zf in self.zips:
            zf.close()


_PART = re.compile(r"^(?P<set>.+?)-(?P<part>\d{3})\.zip$", re.IGNORECASE)
_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name(name: str) -> str | None:
    """Why a member name is refused (absolute, a drive, ``..``), or None."""
    norm = name.replace("\\", "/")
    if norm.startswith("/") or _DRIVE.match(norm):
        return "absolute path"
    if any(part == ".." for part in norm.split("/")):
        return "path with '..'"
    if "\x00" in norm:
        return "NUL in the name"
    return None


def _member_problem(info: zipfile.ZipInfo, limits: ImportLimits) -> str | None:
    why = unsafe_name(info.filename)
    if why:
        return f"refused: {why} (zip slip)"
    mode = info.external_attr >> 16
    if info.create_system == 3 and stat.S_ISLNK(mode):
        return "refused: a symbolic link"
    if info.flag_bits & 0x1:
        return "refused: encrypted"
    if info.file_size > limits.max_member_bytes:
        return (f"refused: declares {info.file_size:,} bytes uncompressed, over the limit of "
                f"{limits.max_member_bytes:,} (compression bomb?)")
    if info.file_size >= limits.ratio_floor_bytes:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_ratio:
            return (f"refused: compression ratio {ratio:,.0f}:1 ({info.file_size:,} bytes from "
                    f"{info.compress_size:,}), over the limit of {limits.max_ratio:,.0f}:1 (compression bomb?)")
    return None


def _open_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], IO[bytes]]:
    return lambda: zf.open(info, "r")


def _zip_entries(path: Path, limits: ImportLimits, seen: set[str], inputs: Inputs) -> None:
    shown = path.name
    try:
        zf = zipfile.ZipFile(path)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, struct.error) as exc:
        # NotImplementedError: a damaged central directory can claim a "zip file version" that
        # zipfile refuses; it escaped import_paths as a traceback (issue #7 fuzz run).
        inputs.refused.append(Refused(shown, f"not a readable zip (truncated or damaged): {exc}"))
        return
    total = sum(i.file_size for i in infos if not i.is_dir())
    if total > limits.max_total_bytes:
        zf.close()
        inputs.refused.append(Refused(
            shown, f"refused: its members add up to {total:,} bytes uncompressed, over the limit of "
                   f"{limits.max_total_bytes:,} (compression bomb?)"))
        return
    inputs.zips.append(zf)
    for info in infos:
        if info.is_dir():
            continue
        display = f"{shown}!{info.filename}"
        problem = _member_problem(info, limits)
        if problem:
            inputs.refused.append(Refused(display, problem))
            continue
        name = info.filename.replace("\\", "/")
        if name in seen:
            continue  # the same member in two parts of one Takeout set: read once
        seen.add(name)
        inputs.entries.append(Entry(shown, name, tuple(p for p in name.split("/") if p), info.file_size,
                                    max(info.compress_size, 1), _open_member(zf, info)))


def _file_entry(path: Path, container: str, name: str) -> Entry:
    size = path.stat().st_size
    return Entry(container, name, path.resolve().parts, size, max(size, 1), lambda: open(path, "rb"))


def _folder(root: Path, limits: ImportLimits, inputs: Inputs, zips: list[Path]) -> None:
    base = root.resolve()
    for folder, dirs, files in os.walk(base, followlinks=False):
        dirs.sort()
        for fname in sorted(files):
            path = Path(folder) / fname
            if path.is_symlink():
                inputs.refused.append(Refused(str(path), "refused: a symbolic link"))
                continue
            if fname.lower().endswith(".zip"):
                zips.append(path)
                continue
            rel = path.relative_to(base.parent).as_posix()
            try:
                inputs.entries.append(_file_entry(path, str(root), rel))
            except OSError as exc:
                inputs.refused.append(Refused(rel, f"cannot read: {exc}"))


def _part_sets(zips: list[Path]) -> list[list[Path]]:
    """Zips grouped into Takeout sets (``<stem>-001.zip`` ...), each set in part order."""
    sets: dict[str, list[tuple[int, Path]]] = {}
    for z in zips:
        m = _PART.match(z.name)
        key = str(z.parent / m.group("set")) if m else str(z)
        sets.setdefault(key, []).append((int(m.group("part")) if m else 0, z))
    return [[p for _, p in sorted(parts)] for parts in sets.values()]


def gather(paths: list[Path], limits: ImportLimits) -> Inputs:
    """Every entry under ``paths`` (zips, folders, files); refused members are listed, not read."""
    inputs = Inputs([], [], [], [])
    zips: list[Path] = []
    for path in paths:
        if path.is_dir():
            _folder(path, limits, inputs, zips)
        elif path.suffix.lower() == ".zip":
            zips.append(path)
        else:
            try:
                inputs.entries.append(_file_entry(path, "", path.name))
            except OSError as exc:
                inputs.refused.append(Refused(str(path), f"cannot read: {exc}"))
    for parts in _part_sets(zips):
        numbers = sorted(int(m.group("part")) for p in parts if (m := _PART.match(p.name)))
        if numbers:
            missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
            if missing:
                stem = _PART.match(parts[0].name).group("set")  # type: ignore[union-attr]
                inputs.notes.append(
                    f"Takeout set {stem}: part(s) {', '.join(f'{n:03d}' for n in missing)} not given; "
                    "their files are not imported")
        seen: set[str] = set()
        for part in parts:
            _zip_entries(part, limits, seen, inputs)
    return inputs


class CountingReader(io.RawIOBase):
    """A binary stream that reports how many bytes were read (for the progress bar)."""

    def __init__(self, inner: IO[bytes], on_bytes: Callable[[int], None]) -> None:
        self.inner = inner
        self.on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any, /) -> int:
        data = self.inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if n:
            self.on_bytes(n)
        return n

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            super().close()
