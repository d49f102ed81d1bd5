-- Heart-rate samples move from one row each to one compressed block per source and UTC day
-- (store/sample_blocks.py; docs/schema.md). The rows of an older vault are moved into blocks
-- by the Python step of this migration (Vault._migrate), in the same transaction.

CREATE TABLE heart_rate_blocks (
    id        INTEGER PRIMARY KEY,
    day       INTEGER NOT NULL,                  -- UTC day number: time_ms / 86400000
    source_id INTEGER NOT NULL REFERENCES sources (id),
    samples   INTEGER NOT NULL,
    first_ms  INTEGER NOT NULL,                  -- first and last instant in the block
    last_ms   INTEGER NOT NULL,
    data      BLOB NOT NULL,                     -- zstd columns: gaps, offsets, bpm
    UNIQUE (day, source_id)
);
