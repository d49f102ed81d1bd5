-- fitvault vault schema, version 3: what only the legacy Fitbit Web API sends.
-- Documented in docs/fitbit-legacy.md.

-- Nightly skin temperature relative to the personal baseline (legacy `tempSkin.nightlyRelative`,
-- °C). The legacy API never sends the absolute nightly or baseline values that
-- daily_skin_temperature holds, so the relative value has its own table.
CREATE TABLE daily_skin_temperature_relative (
    date               TEXT NOT NULL,             -- local date of the night's end
    source_id          INTEGER NOT NULL REFERENCES sources (id),
    nightly_relative_c REAL NOT NULL,             -- nightly − baseline, °C
    log_type           TEXT,                      -- dedicated_temp_sensor | ...
    PRIMARY KEY (date, source_id)
) WITHOUT ROWID;
