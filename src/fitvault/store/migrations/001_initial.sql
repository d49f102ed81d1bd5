-- fitvault vault schema, version 1. Documented in docs/schema.md.
-- Times: *_ms are UTC instants in epoch milliseconds; *_offset_s the UTC offset in force at
-- that instant, in seconds. Local wall time = instant + offset. Dates are local civil dates.

CREATE TABLE sources (
    id               INTEGER PRIMARY KEY,
    origin           TEXT NOT NULL,              -- 'google-health-api', later 'takeout', 'csv' ...
    platform         TEXT NOT NULL DEFAULT '',   -- dataSource.platform (FITBIT, HEALTH_CONNECT ...)
    device           TEXT NOT NULL DEFAULT '',   -- dataSource.device.displayName
    manufacturer     TEXT NOT NULL DEFAULT '',
    form_factor      TEXT NOT NULL DEFAULT '',
    recording_method TEXT NOT NULL DEFAULT '',
    application      TEXT NOT NULL DEFAULT '',   -- packageName / web client, or 'dailyRollUp'
    UNIQUE (origin, platform, device, manufacturer, form_factor, recording_method, application)
);

CREATE TABLE heart_rate (
    time_ms      INTEGER NOT NULL,
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    utc_offset_s INTEGER NOT NULL,
    bpm          INTEGER NOT NULL,
    PRIMARY KEY (time_ms, source_id)
) WITHOUT ROWID;

-- list returns every source's record (reference §1.5), so a day may have one per device.
CREATE TABLE resting_heart_rate (
    date               TEXT NOT NULL,            -- local date, as the API gives it
    source_id          INTEGER NOT NULL REFERENCES sources (id),
    bpm                INTEGER NOT NULL,
    calculation_method TEXT,
    PRIMARY KEY (date, source_id)
) WITHOUT ROWID;

CREATE TABLE sleep_sessions (
    id                    TEXT PRIMARY KEY,      -- last segment of the data point name
    source_id             INTEGER NOT NULL REFERENCES sources (id),
    start_ms              INTEGER NOT NULL,
    start_offset_s        INTEGER NOT NULL,
    end_ms                INTEGER NOT NULL,
    end_offset_s          INTEGER NOT NULL,
    -- The night a session belongs to: the local date of its end (Fitbit's dateOfSleep rule).
    date                  TEXT GENERATED ALWAYS AS (date(end_ms / 1000 + end_offset_s, 'unixepoch')) VIRTUAL,
    sleep_type            TEXT,                  -- STAGES | CLASSIC
    main_sleep            INTEGER NOT NULL DEFAULT 0,
    nap                   INTEGER NOT NULL DEFAULT 0,
    processed             INTEGER NOT NULL DEFAULT 0,
    stages_status         TEXT,
    manually_edited       INTEGER NOT NULL DEFAULT 0,
    minutes_in_sleep_period INTEGER,
    minutes_asleep        INTEGER,
    minutes_awake         INTEGER,
    minutes_to_fall_asleep INTEGER,
    minutes_after_wake_up INTEGER,
    create_time           TEXT,
    update_time           TEXT
);
CREATE INDEX sleep_sessions_end ON sleep_sessions (end_ms);

-- Stages, short awakenings and out-of-bed segments of a session; replaced whole on each upsert
-- of the session because the API re-processes sleep (reference §1.11).
CREATE TABLE sleep_stages (
    session_id     TEXT NOT NULL REFERENCES sleep_sessions (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,                -- stage | short_awakening | out_of_bed
    start_ms       INTEGER NOT NULL,
    start_offset_s INTEGER NOT NULL,
    end_ms         INTEGER NOT NULL,
    end_offset_s   INTEGER NOT NULL,
    stage          TEXT NOT NULL,                -- AWAKE LIGHT DEEP REM | ASLEEP RESTLESS ...
    PRIMARY KEY (session_id, kind, start_ms)
) WITHOUT ROWID;

CREATE TABLE sleep_stage_summary (
    session_id TEXT NOT NULL REFERENCES sleep_sessions (id) ON DELETE CASCADE,
    stage      TEXT NOT NULL,
    minutes    INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (session_id, stage)
) WITHOUT ROWID;

CREATE TABLE steps (
    start_ms       INTEGER NOT NULL,
    source_id      INTEGER NOT NULL REFERENCES sources (id),
    start_offset_s INTEGER NOT NULL,
    end_ms         INTEGER NOT NULL,
    end_offset_s   INTEGER NOT NULL,
    count          INTEGER NOT NULL,
    PRIMARY KEY (start_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE daily_steps (
    date      TEXT PRIMARY KEY,                  -- local civil day (dailyRollUp civilStartTime)
    source_id INTEGER NOT NULL REFERENCES sources (id),
    count     INTEGER NOT NULL
) WITHOUT ROWID;

-- Sync bookkeeping. A stream is one way of fetching a type ('heart-rate', 'steps:daily' ...).
CREATE TABLE sync_state (
    stream        TEXT PRIMARY KEY,
    synced_from   TEXT,     -- lower bound of the first complete backfill
    synced_until  TEXT,     -- everything before this has been fetched at least once
    last_sync     TEXT,     -- UTC time the last run of this stream completed
    last_error    TEXT
);

-- Windows of a run. A list walk goes newest-first, so [lower, resume_upper) is what is left.
CREATE TABLE sync_jobs (
    stream       TEXT NOT NULL,
    lower        TEXT NOT NULL,
    upper        TEXT NOT NULL,
    resume_upper TEXT NOT NULL,
    page_size    INTEGER NOT NULL,
    done         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (stream, lower, upper)
);

CREATE TABLE sync_runs (
    id        INTEGER PRIMARY KEY,
    started   TEXT NOT NULL,
    finished  TEXT,
    outcome   TEXT,              -- ok | incomplete | failed | interrupted
    requests  INTEGER NOT NULL DEFAULT 0,
    records   INTEGER NOT NULL DEFAULT 0,
    detail    TEXT
);

-- Context from the profile/settings endpoints (time zone, membership start ...).
CREATE TABLE account (
    key   TEXT PRIMARY KEY,
    value TEXT
) WITHOUT ROWID;

-- Records that could not be parsed or failed validation: kept, reported, never silently lost.
CREATE TABLE quarantine (
    id       INTEGER PRIMARY KEY,
    stream   TEXT NOT NULL,
    reason   TEXT NOT NULL,
    payload  TEXT NOT NULL,
    seen_at  TEXT NOT NULL,
    UNIQUE (stream, payload)
);
