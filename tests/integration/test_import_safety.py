"""Streaming and safety: unsafe zip members refused, damaged files skipped whole, the rest
imported, the CLI's summary and non-zero exit; bounded reading with progress."""

from __future__ import annotations

import os
import zipfile
from datetime import datetime

import pytest
from click.testing import CliRunner
from support.heart_rows import heart_rate_sql
from support.takeout import GED, Archive, heart_json

from fitvault.cli import commands  # noqa: F401 - registers the commands
from fitvault.cli.main import cli
from fitvault.errors import ConfigError, TimeZoneRequired
from fitvault.importers import ImportLimits, import_paths
from fitvault.store.vault import Vault

GOOD = f"{GED}/heart_rate-2024-03-01.json"


def _good_archive() -> Archive:
    return Archive().add(GOOD, heart_json(datetime(2024, 3, 1, 12), [60, 61, 62]))


def _hr_count(v: Vault) -> int:
    return heart_rate_sql(v.conn, "SELECT count(*) FROM heart_rate").fetchone()[0]


def _evil_zip(path, bomb_mb: int = 20):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(GOOD, _good_archive().files[GOOD])
        zf.writestr("../../etc/cron.d/evil.json", "[]")
        zf.writestr("/abs/heart_rate-2024-03-02.json", "[]")
        zf.writestr("C:/windows/heart_rate-2024-03-03.json", "[]")
        zf.writestr(f"{GED}/steps-2024-03-01.json", b"\0" * (bomb_mb << 20))  # ~1000:1
    return path


def test_unsafe_members_and_bombs_are_refused_the_rest_imported(tmp_path):
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [_evil_zip(tmp_path / "evil.zip")], tz="UTC")
        assert _hr_count(v) == 3
    reasons = {f.path.split("!", 1)[1]: f.reason for f in report.skipped}
    assert reasons["../../etc/cron.d/evil.json"] == "refused: path with '..' (zip slip)"
    assert reasons["/abs/heart_rate-2024-03-02.json"] == "refused: absolute path (zip slip)"
    assert reasons["C:/windows/heart_rate-2024-03-03.json"] == "refused: absolute path (zip slip)"
    assert reasons[f"{GED}/steps-2024-03-01.json"].startswith("refused: compression ratio ")
    assert "compression bomb?" in reasons[f"{GED}/steps-2024-03-01.json"]
    assert not report.complete and len(report.imported) == 1


def test_size_and_total_limits(tmp_path):
    path = _good_archive().add(f"{GED}/heart_rate-2024-03-02.json", heart_json(datetime(2024, 3, 2), [70] * 2000)) \
        .zip(tmp_path / "t.zip")
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [path], tz="UTC", limits=ImportLimits(max_member_bytes=50_000))
        assert [f.reason.split(" (")[0] for f in report.skipped] == [
            "refused: declares 184,002 bytes uncompressed, over the limit of 50,000"]
        assert _hr_count(v) == 3
        report = import_paths(v, [path], tz="UTC", limits=ImportLimits(max_total_bytes=100_000))
        assert report.skipped[0].path == "t.zip" and "members add up to" in report.skipped[0].reason
        assert not report.imported


def test_truncated_zip_and_corrupt_member_are_reported(tmp_path):
    whole = _good_archive().zip(tmp_path / "whole.zip")
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole.read_bytes()[:-40])
    # a member whose compressed bytes are damaged: its CRC (or inflate) fails while reading
    other = Archive().add(f"{GED}/heart_rate-2024-03-05.json", heart_json(datetime(2024, 3, 5), list(range(60, 160))))
    bad = other.add(GOOD.replace("03-01", "03-06"), heart_json(datetime(2024, 3, 6), [80])).zip(tmp_path / "bad.zip")
    data = bytearray(bad.read_bytes())
    with zipfile.ZipFile(bad) as zf:
        info = zf.getinfo(f"{GED}/heart_rate-2024-03-05.json")
    offset = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 20
    data[offset:offset + 8] = b"\x00\xff\x00\xff\x00\xff\x00\xff"
    bad.write_bytes(bytes(data))
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [cut, bad], tz="UTC")
        skipped = {f.path: f.reason for f in report.skipped}
        assert skipped["cut.zip"].startswith("not a readable zip (truncated or damaged)")
        damaged = skipped[f"bad.zip!{GED}/heart_rate-2024-03-05.json"]
        assert damaged.startswith("damaged in the zip") or damaged.startswith("not valid JSON")
        assert heart_rate_sql(v.conn, "SELECT bpm FROM heart_rate").fetchall() == [(80,)]  # the other member


def test_a_file_that_fails_half_way_leaves_nothing_behind(tmp_path):
    records = heart_json(datetime(2024, 3, 1), [60] * 5000)
    import json

    text = json.dumps(records)
    a = Archive().add(GOOD, text[: len(text) // 2])  # cut mid-array: a truncated file
    a.add("Takeout/Fitbit/Heart Rate Variability/Daily Respiratory Rate Summary - 2024-03-01.csv",
          "timestamp,daily_respiratory_rate\n2024-03-01T00:00:00,15.0\n2024-03-02T00:00:00,caf\xe9\n".encode("latin-1"))
    a.add("Takeout/Fitbit/Heart Rate Variability/Daily Respiratory Rate Summary - 2024-03-03.csv",
          "timestamp,daily_respiratory_rate\n2024-03-03T00:00:00,16.0\n")
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [a.zip(tmp_path / "t.zip")], tz="UTC")
        skipped = {f.path.rsplit("/", 1)[1]: f.reason for f in report.skipped}
        assert skipped["heart_rate-2024-03-01.json"].startswith("not valid JSON: the array is not closed")
        assert skipped["Daily Respiratory Rate Summary - 2024-03-01.csv"].startswith("not UTF-8 text (byte b'\\xe9'")
        assert _hr_count(v) == 0
        assert v.conn.execute("SELECT date, breaths_per_min FROM daily_breathing_rate").fetchall() == [("2024-03-03", 16.0)]


def test_symlinks_in_folders_are_refused(tmp_path):
    root = _good_archive().folder(tmp_path / "export")
    secret = tmp_path / "secret.json"
    secret.write_text("[]")
    os.symlink(secret, root / GED / "heart_rate-2024-03-09.json")
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [root / "Takeout"], tz="UTC")
    assert [f.reason for f in report.skipped] == ["refused: a symbolic link"]
    assert len(report.imported) == 1


def test_a_time_zone_is_required_and_checked(tmp_path):
    path = _good_archive().zip(tmp_path / "t.zip")
    with Vault(tmp_path / "v") as v:
        with pytest.raises(TimeZoneRequired, match="pass --tz"):
            import_paths(v, [path])
        assert _hr_count(v) == 0
        with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
            import_paths(v, [path], tz="Mars/Olympus")
        with pytest.raises(ConfigError, match="no such file"):
            import_paths(v, [tmp_path / "nope.zip"], tz="UTC")


def test_progress_reports_bytes_up_to_the_total(tmp_path):
    a = _good_archive()
    for day in range(2, 6):
        a.add(f"{GED}/heart_rate-2024-03-0{day}.json", heart_json(datetime(2024, 3, day), list(range(60, 160)) * 30))
    seen = []
    with Vault(tmp_path / "v") as v:
        import_paths(v, [a.zip(tmp_path / "t.zip")], tz="UTC", progress=seen.append)
    assert seen[-1].done_bytes == seen[-1].total_bytes and seen[-1].files_done == seen[-1].files_total == 5
    assert [p.done_bytes for p in seen] == sorted(p.done_bytes for p in seen)


def test_cli_prints_a_summary_and_exits_6_when_something_was_skipped(tmp_path):
    good = _good_archive().zip(tmp_path / "good.zip")
    evil = _evil_zip(tmp_path / "evil.zip", bomb_mb=8)
    runner = CliRunner()
    vault = str(tmp_path / "v")
    result = runner.invoke(cli, ["--vault", vault, "import", str(good)])
    assert result.exit_code == 2 and "pass --tz" in result.output
    result = runner.invoke(cli, ["--vault", vault, "import", "--tz", "Europe/Berlin", str(good), str(evil)])
    assert result.exit_code == 6, result.output
    assert "heart rate (Global Export)" in result.output and "takeout-global-export" in result.output
    assert "skipped evil.zip!../../etc/cron.d/evil.json: refused: path with '..' (zip slip)" in result.output
    assert "4 file(s) fitvault should read could not be read" in result.output and "download the export again" in result.output
    result = runner.invoke(cli, ["--vault", vault, "import", str(good)])  # the zone is now the vault's
    assert result.exit_code == 0, result.output
    assert "0 rows inserted or changed" in result.output
