-- fitvault vault schema, version 2: every remaining Google Health data type and the account
-- context. Documented in docs/schema.md and docs/data-types.md.
-- Layouts (same conventions as 001):
--   sample   (time_ms, source_id) key, utc_offset_s, values
--   interval (start_ms, source_id) key, start_offset_s, end_ms, end_offset_s, values
--   daily    (date, source_id) key, values                     -- `list` of daily-* types
--   rollup   date key, source_id (the dailyRollUp source), values -- reconciled daily totals
-- Units are the API's (reference §2.3) and named in the column (distance_mm, weight_g ...).

-- dailyRollUp totals (reference §1.7): distance, floors and total calories.
CREATE TABLE daily_distance (
    date        TEXT PRIMARY KEY,
    source_id   INTEGER NOT NULL REFERENCES sources (id),
    distance_mm INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE daily_floors (
    date      TEXT PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources (id),
    floors    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE daily_total_calories (
    date          TEXT PRIMARY KEY,
    source_id     INTEGER NOT NULL REFERENCES sources (id),
    calories_kcal REAL NOT NULL
) WITHOUT ROWID;

-- Interval types (list).
CREATE TABLE active_zone_minutes (
    start_ms            INTEGER NOT NULL,
    source_id           INTEGER NOT NULL REFERENCES sources (id),
    start_offset_s      INTEGER NOT NULL,
    end_ms              INTEGER NOT NULL,
    end_offset_s        INTEGER NOT NULL,
    heart_rate_zone     TEXT,                 -- FAT_BURN | CARDIO | PEAK
    active_zone_minutes INTEGER NOT NULL,     -- FAT_BURN earns 1 per minute, CARDIO/PEAK 2
    PRIMARY KEY (start_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE active_minutes (
    start_ms         INTEGER NOT NULL,
    source_id        INTEGER NOT NULL REFERENCES sources (id),
    start_offset_s   INTEGER NOT NULL,
    end_ms           INTEGER NOT NULL,
    end_offset_s     INTEGER NOT NULL,
    light_minutes    INTEGER NOT NULL DEFAULT 0,
    moderate_minutes INTEGER NOT NULL DEFAULT 0,
    vigorous_minutes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (start_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE activity_level (
    start_ms       INTEGER NOT NULL,
    source_id      INTEGER NOT NULL REFERENCES sources (id),
    start_offset_s INTEGER NOT NULL,
    end_ms         INTEGER NOT NULL,
    end_offset_s   INTEGER NOT NULL,
    level          TEXT NOT NULL,             -- SEDENTARY | LIGHTLY_ACTIVE | MODERATELY_ACTIVE | VERY_ACTIVE
    PRIMARY KEY (start_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE sedentary_periods (
    start_ms       INTEGER NOT NULL,
    source_id      INTEGER NOT NULL REFERENCES sources (id),
    start_offset_s INTEGER NOT NULL,
    end_ms         INTEGER NOT NULL,
    end_offset_s   INTEGER NOT NULL,
    PRIMARY KEY (start_ms, source_id)
) WITHOUT ROWID;

-- Sample types (list).
CREATE TABLE hrv (
    time_ms      INTEGER NOT NULL,
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    utc_offset_s INTEGER NOT NULL,
    rmssd_ms     REAL,
    sdnn_ms      REAL,
    lf_power_ms2 REAL,                        -- metadata.lowFrequencyPower
    hf_power_ms2 REAL,                        -- metadata.highFrequencyPower
    PRIMARY KEY (time_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE spo2 (
    time_ms      INTEGER NOT NULL,
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    utc_offset_s INTEGER NOT NULL,
    spo2_pct     REAL NOT NULL,
    PRIMARY KEY (time_ms, source_id)
) WITHOUT ROWID;

-- One per sleep, timed at its end (respiratory-rate-sleep-summary).
CREATE TABLE breathing_rate_sleep (
    time_ms                      INTEGER NOT NULL,
    source_id                    INTEGER NOT NULL REFERENCES sources (id),
    utc_offset_s                 INTEGER NOT NULL,
    full_breaths_per_min         REAL,
    full_stddev_breaths_per_min  REAL,
    full_signal_to_noise         REAL,
    deep_breaths_per_min         REAL,
    light_breaths_per_min        REAL,
    rem_breaths_per_min          REAL,
    PRIMARY KEY (time_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE weight (
    time_ms      INTEGER NOT NULL,
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    utc_offset_s INTEGER NOT NULL,
    id           TEXT,                        -- last segment of the data point name
    weight_g     REAL NOT NULL,
    notes        TEXT,
    PRIMARY KEY (time_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE body_fat (
    time_ms      INTEGER NOT NULL,
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    utc_offset_s INTEGER NOT NULL,
    id           TEXT,
    body_fat_pct REAL NOT NULL,
    PRIMARY KEY (time_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE height (
    time_ms      INTEGER NOT NULL,
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    utc_offset_s INTEGER NOT NULL,
    id           TEXT,
    height_mm    INTEGER NOT NULL,
    PRIMARY KEY (time_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE vo2_max (
    time_ms            INTEGER NOT NULL,
    source_id          INTEGER NOT NULL REFERENCES sources (id),
    utc_offset_s       INTEGER NOT NULL,
    vo2_max_ml_kg_min  REAL NOT NULL,
    measurement_method TEXT,
    PRIMARY KEY (time_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE run_vo2_max (
    time_ms               INTEGER NOT NULL,
    source_id             INTEGER NOT NULL REFERENCES sources (id),
    utc_offset_s          INTEGER NOT NULL,
    run_vo2_max_ml_kg_min REAL NOT NULL,
    PRIMARY KEY (time_ms, source_id)
) WITHOUT ROWID;

-- Daily types (list; a civil date, no instant, no offset).
CREATE TABLE daily_hrv (
    date                TEXT NOT NULL,
    source_id           INTEGER NOT NULL REFERENCES sources (id),
    average_hrv_ms      REAL,                 -- averageHeartRateVariabilityMilliseconds
    non_rem_hr_bpm      INTEGER,              -- nonRemHeartRateBeatsPerMinute
    entropy             REAL,
    deep_sleep_rmssd_ms REAL,                 -- deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds
    PRIMARY KEY (date, source_id)
) WITHOUT ROWID;

CREATE TABLE daily_spo2 (
    date            TEXT NOT NULL,
    source_id       INTEGER NOT NULL REFERENCES sources (id),
    average_pct     REAL,
    lower_bound_pct REAL,
    upper_bound_pct REAL,
    stddev_pct      REAL,
    PRIMARY KEY (date, source_id)
) WITHOUT ROWID;

CREATE TABLE daily_breathing_rate (
    date             TEXT NOT NULL,
    source_id        INTEGER NOT NULL REFERENCES sources (id),
    breaths_per_min  REAL NOT NULL,
    PRIMARY KEY (date, source_id)
) WITHOUT ROWID;

CREATE TABLE daily_skin_temperature (
    date                    TEXT NOT NULL,
    source_id               INTEGER NOT NULL REFERENCES sources (id),
    nightly_c               REAL,             -- nightlyTemperatureCelsius
    baseline_c              REAL,             -- baselineTemperatureCelsius
    relative_stddev_30d_c   REAL,             -- relativeNightlyStddev30dCelsius
    PRIMARY KEY (date, source_id)
) WITHOUT ROWID;

CREATE TABLE daily_vo2_max (
    date                 TEXT NOT NULL,
    source_id            INTEGER NOT NULL REFERENCES sources (id),
    vo2_max_ml_kg_min    REAL,
    cardio_fitness_level TEXT,
    estimated            INTEGER,
    vo2_max_covariance   REAL,
    PRIMARY KEY (date, source_id)
) WITHOUT ROWID;

-- One row per zone and day (the API sends a list of zones per day).
CREATE TABLE daily_heart_rate_zones (
    date      TEXT NOT NULL,
    source_id INTEGER NOT NULL REFERENCES sources (id),
    zone      TEXT NOT NULL,
    min_bpm   INTEGER,
    max_bpm   INTEGER,
    PRIMARY KEY (date, source_id, zone)
) WITHOUT ROWID;

-- Exercise sessions (list, identifiable, page size 25), with their splits, events and route.
CREATE TABLE exercises (
    id                   TEXT PRIMARY KEY,    -- last segment of the data point name
    source_id            INTEGER NOT NULL REFERENCES sources (id),
    start_ms             INTEGER NOT NULL,
    start_offset_s       INTEGER NOT NULL,
    end_ms               INTEGER NOT NULL,
    end_offset_s         INTEGER NOT NULL,
    date                 TEXT GENERATED ALWAYS AS (date(start_ms / 1000 + start_offset_s, 'unixepoch')) VIRTUAL,
    exercise_type        TEXT,                -- WALKING, RUNNING, BIKING ... (182 values)
    display_name         TEXT,
    active_duration_s    REAL,
    calories_kcal        REAL,
    distance_mm          REAL,
    steps                INTEGER,
    avg_pace_s_per_m     REAL,
    avg_speed_mm_per_s   REAL,
    avg_hr_bpm           INTEGER,
    active_zone_minutes  INTEGER,
    elevation_gain_mm    REAL,
    run_vo2_max_ml_kg_min REAL,
    total_swim_lengths   INTEGER,
    light_zone_s         REAL,                -- heartRateZoneDurations.lightTime
    moderate_zone_s      REAL,
    vigorous_zone_s      REAL,
    peak_zone_s          REAL,
    has_gps              INTEGER NOT NULL DEFAULT 0,
    pool_length_mm       INTEGER,
    notes                TEXT,
    create_time          TEXT,
    update_time          TEXT
);
CREATE INDEX exercises_start ON exercises (start_ms);

-- Splits and split summaries; replaced whole on each upsert of the exercise.
CREATE TABLE exercise_splits (
    exercise_id       TEXT NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL,          -- split | summary
    idx               INTEGER NOT NULL,       -- position in the API's list
    split_type        TEXT,
    start_ms          INTEGER NOT NULL,
    start_offset_s    INTEGER NOT NULL,
    end_ms            INTEGER NOT NULL,
    end_offset_s      INTEGER NOT NULL,
    active_duration_s REAL,
    calories_kcal     REAL,
    distance_mm       REAL,
    steps             INTEGER,
    avg_hr_bpm        INTEGER,
    avg_pace_s_per_m  REAL,
    PRIMARY KEY (exercise_id, kind, idx)
) WITHOUT ROWID;

CREATE TABLE exercise_events (
    exercise_id  TEXT NOT NULL REFERENCES exercises (id) ON DELETE CASCADE,
    idx          INTEGER NOT NULL,
    time_ms      INTEGER NOT NULL,
    utc_offset_s INTEGER NOT NULL,
    event_type   TEXT NOT NULL,               -- START STOP PAUSE RESUME AUTO_PAUSE AUTO_RESUME
    PRIMARY KEY (exercise_id, idx)
) WITHOUT ROWID;

-- The GPS route as TCX (exportExerciseTcx?alt=media), for exercises with hasGps.
CREATE TABLE exercise_tcx (
    exercise_id TEXT PRIMARY KEY REFERENCES exercises (id) ON DELETE CASCADE,
    tcx         TEXT NOT NULL,
    fetched_at  TEXT NOT NULL
) WITHOUT ROWID;

-- Paired devices (users.pairedDevices.list), to explain gaps by their last sync time.
CREATE TABLE devices (
    id             TEXT PRIMARY KEY,          -- last segment of the device name
    device_version TEXT,                      -- "Charge 6", "Pixel Watch 3" ...
    device_type    TEXT,                      -- TRACKER | SCALE
    battery_status TEXT,
    battery_level  INTEGER,
    last_sync_time TEXT,                      -- RFC 3339 UTC
    mac_address    TEXT,
    features       TEXT,                      -- JSON list
    seen_at        TEXT NOT NULL              -- when fitvault last read it
) WITHOUT ROWID;
