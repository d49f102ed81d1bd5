"""Heart-rate day blocks (store/sample_blocks.py), the column parser of heart-rate pages, and
migration 4 (rows -> blocks) on a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fitvault import timeutil
from fitvault.datatypes import STREAMS_BY_NAME
from fitvault.store import sample_blocks
from fitvault.store.sample_blocks import DAY_MS, Samples
from fitvault.store.vault import VAULT_APPLICATION_ID, Vault

HR = STREAMS_BY_NAME["heart-rate"]
DAY0 = 20_400 * DAY_MS  # 2025-11-07T00:00:00Z


def arrays(*rows):
    t, off, bpm = (np.array(c, dtype=np.int64) for c in zip(*rows))
    return Samples(t, off, bpm)


def test_codec_round_trip_narrow_and_wide():
    t = np.array([DAY0, DAY0 + 5_000, DAY0 + 70_000, DAY0 + 86_399_999], np.int64)  # a gap over 65.5 s
    off = np.array([-18000, -18000, -14400, 34200], np.int64)
    bpm = np.array([20, 250, 300, 61], np.int64)  # 300: wider than uint8
    back = sample_blocks.decode(sample_blocks.encode(t, off, bpm))
    assert [b.tolist() for b in back] == [t.tolist(), off.tolist(), bpm.tolist()]
    narrow = sample_blocks.decode(sample_blocks.encode(t[:2], off[:2], bpm[:2]))
    assert narrow[0].tolist() == [DAY0, DAY0 + 5_000] and narrow[2].tolist() == [20, 250]


def test_damaged_block_is_an_error_not_garbage():
    blob = sample_blocks.encode(np.array([DAY0, DAY0 + 1000]), np.array([0, 0]), np.array([60, 61]))
    for bad in (blob[:10], blob[:-3], b"XXXX" + blob[4:], blob[:30] + bytes(len(blob) - 30)):
        with pytest.raises(sample_blocks.BlockError):
            sample_blocks.decode(bad)


def test_upsert_merges_days_replaces_same_instant_and_counts_changes(tmp_path):
    with Vault(tmp_path) as vault, vault.transaction() as conn:
        sid = vault.source_id(("FITBIT", "Charge 6", "", "FITNESS_BAND", "", ""))
        first = arrays((DAY0 + 1000, -18000, 60), (DAY0 + 2000, -18000, 61), (DAY0 + DAY_MS + 5, -18000, 70))
        assert sample_blocks.upsert(conn, sid, first) == 3
        assert conn.execute("SELECT day, samples FROM heart_rate_blocks ORDER BY day").fetchall() == [
            (DAY0 // DAY_MS, 2), (DAY0 // DAY_MS + 1, 1)]
        before = conn.total_changes
        assert sample_blocks.upsert(conn, sid, first) == 0
        assert conn.total_changes == before  # nothing new: no write at all
        # one changed value, one new instant, one duplicate within the page (the last wins)
        second = arrays((DAY0 + 2000, -18000, 99), (DAY0 + 1500, -18000, 50), (DAY0 + 1500, -18000, 55))
        assert sample_blocks.upsert(conn, sid, second) == 2
        # pages of a walk that do not overlap the block: newest-first before it, in order after it
        assert sample_blocks.upsert(conn, sid, arrays((DAY0 + 20, -18000, 41), (DAY0 + 10, -18000, 40))) == 2
        assert sample_blocks.upsert(conn, sid, arrays((DAY0 + 3000, -18000, 80), (DAY0 + 4000, -18000, 81))) == 2
        got = sample_blocks.read(conn)
        assert list(zip(*(got[c].tolist() for c in sample_blocks.COLUMNS))) == [
            (DAY0 + 10, sid, -18000, 40), (DAY0 + 20, sid, -18000, 41),
            (DAY0 + 1000, sid, -18000, 60), (DAY0 + 1500, sid, -18000, 55), (DAY0 + 2000, sid, -18000, 99),
            (DAY0 + 3000, sid, -18000, 80), (DAY0 + 4000, sid, -18000, 81), (DAY0 + DAY_MS + 5, sid, -18000, 70)]


def test_read_orders_sources_within_instants_and_cuts_the_range(tmp_path):
    with Vault(tmp_path) as vault, vault.transaction() as conn:
        a = vault.source_id(("FITBIT", "Charge 6", "", "FITNESS_BAND", "", ""))
        b = vault.source_id(("FITBIT", "Pixel Watch 3", "", "WATCH", "", ""))
        sample_blocks.upsert(conn, b, arrays((DAY0 + 1000, 0, 70), (DAY0 + 3000, 0, 72)))
        sample_blocks.upsert(conn, a, arrays((DAY0 + 1000, 0, 60), (DAY0 + 2000, 0, 61), (DAY0 + 4000, 0, 63)))
        got = sample_blocks.read(conn, DAY0 + 1000, DAY0 + 4000)
        assert list(zip(got["time_ms"].tolist(), got["source_id"].tolist(), got["bpm"].tolist())) == [
            (DAY0 + 1000, a, 60), (DAY0 + 1000, b, 70), (DAY0 + 2000, a, 61), (DAY0 + 3000, b, 72)]
        sample_blocks.upsert(conn, a, arrays((DAY0 + DAY_MS, 0, 64), (DAY0 + 2 * DAY_MS, 0, 65)))
        chunks = list(sample_blocks.read_chunks(conn, chunk_rows=2))  # whole days, cut past 2 samples
        assert [c["time_ms"].tolist() for c in chunks] == [
            [DAY0 + 1000, DAY0 + 1000, DAY0 + 2000, DAY0 + 3000, DAY0 + 4000], [DAY0 + DAY_MS, DAY0 + 2 * DAY_MS]]
        assert sample_blocks.read(conn, hi=DAY0 + DAY_MS)["bpm"].sum() == 326
        assert sample_blocks.stats(conn) == (7, DAY0 + 1000, DAY0 + 2 * DAY_MS)
        assert sample_blocks.materialize(conn, hi=DAY0 + DAY_MS) == 5
        assert conn.execute("SELECT count(*), sum(bpm) FROM heart_rate").fetchone() == (5, 326)


@pytest.mark.slow
def test_migration_4_moves_rows_into_blocks(tmp_path):
    path = tmp_path / "vault.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA application_id = {VAULT_APPLICATION_ID}")
    folder = resources.files("fitvault.store") / "migrations"
    for number in (1, 2, 3):
        script = next(e for e in folder.iterdir() if e.name.startswith(f"00{number}_"))
        conn.executescript(script.read_text(encoding="utf-8"))
    conn.execute("PRAGMA user_version = 3")
    conn.execute("INSERT INTO sources (id, origin, device) VALUES (1, 'google-health-api', 'Charge 6'), "
                 "(2, 'tutorial-csv', '')")
    rows = [(DAY0 + i * 7000, 1, -18000, 60 + i % 50) for i in range(30_000)] + [(DAY0 + 500, 2, -18000, 80)]
    conn.executemany("INSERT INTO heart_rate VALUES (?, ?, ?, ?)", rows)
    conn.close()
    with Vault(tmp_path) as vault:
        assert vault.schema_version >= 4
        assert not vault.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'heart_rate'").fetchone()
        got = sample_blocks.read(vault.conn)
        stored = sorted(zip(got["time_ms"].tolist(), got["source_id"].tolist(), got["utc_offset_s"].tolist(),
                            got["bpm"].tolist()))
        assert stored == sorted(rows)
        assert vault.conn.execute("PRAGMA freelist_count").fetchone()[0] == 0  # vacuumed


# -- the column parser of heart-rate pages ---------------------------------------------------

def _point(time: str, bpm, offset="-18000s", device="Charge 6") -> dict:
    return {"dataSource": {"recordingMethod": "PASSIVELY_MEASURED", "platform": "FITBIT",
                           "device": {"formFactor": "FITNESS_BAND", "displayName": device}},
            "heartRate": {"sampleTime": {"physicalTime": time, "utcOffset": offset,
                                         "civilTime": {"date": {"year": 2025, "month": 11, "day": 6}}},
                          "beatsPerMinute": bpm}}


def _rows(page) -> list[tuple]:
    return sorted(page.rows)


GOOD = [_point("2025-11-07T04:00:05Z", "64"), _point("2025-11-07T04:00:10Z", "65", "-14400s"),
        _point("2025-11-07T03:59:59Z", "120")]


def test_parse_bytes_reads_columns_and_equals_the_careful_parser():
    body = json.dumps({"dataPoints": GOOD, "nextPageToken": "x"}).encode()
    fast = HR._parse_columns(body)
    assert fast is not None, "a plain page takes the column path"
    slow = HR.parse(json.loads(body))
    assert _rows(fast) == _rows(slow) and (fast.oldest, fast.newest) == (slow.oldest, slow.newest)
    assert fast.bad == [] and len(fast.rows) == 3


@pytest.mark.parametrize("mutate", [
    lambda p: p[1]["heartRate"].update(beatsPerMinute="6_5"),      # int() takes it; parse() decides
    lambda p: p[1]["heartRate"].update(beatsPerMinute=" 65"),
    lambda p: p[1]["heartRate"].update(beatsPerMinute="65.0"),
    lambda p: p[1]["heartRate"].update(beatsPerMinute=True),
    lambda p: p[1]["heartRate"].update(beatsPerMinute=65.0),
    lambda p: p[1]["heartRate"].update(beatsPerMinute=300),
    lambda p: p[1]["heartRate"].update(beatsPerMinute=2**70),
    lambda p: p[1]["heartRate"].update(beatsPerMinute=None),
    lambda p: p[1]["heartRate"]["sampleTime"].update(physicalTime="2025-11-07T25:00:00Z"),
    lambda p: p[1]["heartRate"]["sampleTime"].update(physicalTime="2025-11-07T04:00:10.250Z"),
    lambda p: p[1]["heartRate"]["sampleTime"].update(physicalTime="2025-11-07T04:00:10+01:00"),
    lambda p: p[1]["heartRate"]["sampleTime"].update(physicalTime="1970-01-01T00:00:00Z"),
    lambda p: p[1]["heartRate"]["sampleTime"].update(utcOffset="99999s"),
    lambda p: p[1]["heartRate"]["sampleTime"].pop("utcOffset"),
    lambda p: p[1]["dataSource"]["device"].update(displayName="Pixel Watch 3"),
    lambda p: p[1].pop("dataSource"),
    lambda p: p[1].pop("heartRate"),
])
def test_parse_bytes_gives_what_the_careful_parser_gives(mutate):
    points = json.loads(json.dumps(GOOD))
    mutate(points)
    body = json.dumps({"dataPoints": points}).encode()
    fast, slow = HR.parse_bytes(body), HR.parse(json.loads(body))
    assert _rows(fast) == _rows(slow)
    assert [reason for reason, _ in fast.bad] == [reason for reason, _ in slow.bad]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(946_684_800, 7_258_118_399), min_size=1, max_size=20))
def test_parse_instants_ms_agrees_with_parse_instant_ms(seconds):
    texts = [timeutil.format_instant(s * 1000) for s in seconds]
    assert timeutil.parse_instants_ms(texts).tolist() == [timeutil.parse_instant_ms(t) for t in texts]


@pytest.mark.parametrize("text", ["2025-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "2025-11-07T24:00:00Z",
                                  "2025-11-07 04:00:00Z", "2025-11-07T04:00:60Z", "2025-11-07T04:00:0xZ",
                                  "2025-11-07T04:00:00z", "2025-11-07T04:00:00", "0000-01-01T00:00:00Z"])
def test_parse_instants_ms_leaves_other_shapes_to_the_careful_parser(text):
    assert timeutil.parse_instants_ms(["2025-11-07T04:00:00Z", text]) is None


def test_a_damaged_block_stops_a_write_with_a_store_error_and_writes_nothing(tmp_path):
    from fitvault.errors import VaultCorrupt

    page = HR.parse_bytes(json.dumps({"dataPoints": GOOD}).encode())
    with Vault(tmp_path) as vault:
        vault.save_page(HR, page)
        vault.conn.execute("UPDATE heart_rate_blocks SET data = substr(data, 1, 30)")
        before = vault.conn.execute("SELECT data FROM heart_rate_blocks").fetchall()
        with pytest.raises(VaultCorrupt, match="heart-rate block is damaged") as caught:
            vault.save_page(HR, page)
        assert caught.value.exit_code == 5
        assert vault.conn.execute("SELECT data FROM heart_rate_blocks").fetchall() == before
