"""The table catalogue matches the schema, the streams and the generated documentation."""

from __future__ import annotations

from pathlib import Path

from fitvault.datatypes import STREAMS, STREAMS_BY_NAME
from fitvault.datatypes.catalogue_page import markdown
from fitvault.datatypes.tables import TABLES, convert
from fitvault.store import sample_blocks
from fitvault.store.vault import Vault

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-types.md"


def test_every_catalogue_column_exists_in_the_schema(tmp_path):
    with Vault(tmp_path) as v:
        # heart_rate is stored as day blocks; its rows are what materialize() gives (temp.heart_rate)
        assert not v.conn.execute("SELECT 1 FROM main.sqlite_master WHERE name = 'heart_rate'").fetchone()
        assert v.conn.execute(f"SELECT 1 FROM main.sqlite_master WHERE name = '{sample_blocks.TABLE}'").fetchone()
        sample_blocks.materialize(v.conn)
        for t in TABLES:
            cols = {r[1] for r in v.conn.execute(f"PRAGMA table_xinfo({t.name})")}
            assert set(t.column_names) | set(t.time_columns) <= cols, t.name
            assert t.stream is None or t.stream in STREAMS_BY_NAME


def test_every_stream_table_is_catalogued():
    stored_as = {"heart_rate": sample_blocks.TABLE}  # catalogue table -> vault table
    catalogued = {stored_as.get(t.name, t.name) for t in TABLES if t.stream} | {"sleep_stage_summary", "exercise_tcx"}
    assert {table for s in STREAMS for table in s.tables} == catalogued


def test_units_convert_only_by_name():
    assert convert("distance_mm") == ("distance_km", 1e-06)
    assert convert("weight_g") == ("weight_kg", 0.001)
    assert convert("height_mm") == ("height_cm", 0.1)
    assert convert("avg_speed_mm_per_s") == ("avg_speed_km_per_h", 3.6e-3)
    assert convert("bpm") == ("bpm", 1.0)


def test_the_data_types_page_is_up_to_date():
    assert DOC.read_text() == markdown(), "regenerate docs/data-types.md (see its header)"
