-- What `fitvault status` computed, kept so the next status reads only what changed
-- (src/fitvault/status_days.py). A cache: deleting its rows loses nothing.

-- Per table: the local days (JSON list of YYYY-MM-DD) at a row count and first / last instant.
CREATE TABLE status_days (
    tbl     TEXT PRIMARY KEY,
    records INTEGER NOT NULL,
    lo,                                           -- min of the time column (ms or date)
    hi,                                           -- max of the time column
    days    TEXT NOT NULL
) WITHOUT ROWID;

-- Heart rate, per day block: the local day numbers of its samples at a sample count and last instant.
CREATE TABLE status_block_days (
    source_id INTEGER NOT NULL,
    day       INTEGER NOT NULL,                   -- the block's UTC day number
    samples   INTEGER NOT NULL,
    last_ms   INTEGER NOT NULL,
    days      TEXT NOT NULL,                      -- JSON list of local day numbers
    PRIMARY KEY (source_id, day)
) WITHOUT ROWID;
