-- fitvault vault schema, version 5: the remaining data types a personal account can read
-- (issue #14 item 4; reference §2.1, §8), running dynamics and richer splits for exercises, and
-- two tables only Takeout's GoogleData CSVs fill (no list in the API). Documented in
-- docs/data-types.md (generated from datatypes/tables.py). Same layouts as 002:
--   sample   (time_ms, source_id) key, utc_offset_s, values
--   interval (start_ms, source_id) key, start_offset_s, end_ms, end_offset_s, values
--   rollup   date key, source_id (the dailyRollUp source), values
--   session  id key (last segment of the data point name), source_id, start/end, values
-- Bounds and units are the discovery document's (health v4, revision 20261030).

-- Interval types (list, 1-minute points on Fitbits).
CREATE TABLE active_energy (                   -- active-energy-burned: kcal excluding BMR
    start_ms       INTEGER NOT NULL,
    source_id      INTEGER NOT NULL REFERENCES sources (id),
    start_offset_s INTEGER NOT NULL,
    end_ms         INTEGER NOT NULL,
    end_offset_s   INTEGER NOT NULL,
    active_kcal    REAL NOT NULL,
    PRIMARY KEY (start_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE altitude (                        -- altitude: gain over the interval, not height
    start_ms       INTEGER NOT NULL,
    source_id      INTEGER NOT NULL REFERENCES sources (id),
    start_offset_s INTEGER NOT NULL,
    end_ms         INTEGER NOT NULL,
    end_offset_s   INTEGER NOT NULL,
    gain_mm        INTEGER NOT NULL,
    PRIMARY KEY (start_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE time_in_heart_rate_zone (         -- time-in-heart-rate-zone (list; GoogleData CSV)
    start_ms        INTEGER NOT NULL,
    source_id       INTEGER NOT NULL REFERENCES sources (id),
    start_offset_s  INTEGER NOT NULL,
    end_ms          INTEGER NOT NULL,
    end_offset_s    INTEGER NOT NULL,
    heart_rate_zone TEXT NOT NULL,             -- LIGHT | MODERATE | VIGOROUS | PEAK
    PRIMARY KEY (start_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE calories_in_heart_rate_zone (     -- GoogleData CSV only: the API has rollups only
    start_ms        INTEGER NOT NULL,
    source_id       INTEGER NOT NULL REFERENCES sources (id),
    start_offset_s  INTEGER NOT NULL,
    end_ms          INTEGER NOT NULL,
    end_offset_s    INTEGER NOT NULL,
    heart_rate_zone TEXT NOT NULL,             -- LIGHT..PEAK or HEART_RATE_ZONE_TYPE_UNSPECIFIED
    kcal            REAL NOT NULL,
    PRIMARY KEY (start_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE swim_lengths (                    -- swim-lengths-data: one pool length each
    start_ms       INTEGER NOT NULL,
    source_id      INTEGER NOT NULL REFERENCES sources (id),
    start_offset_s INTEGER NOT NULL,
    end_ms         INTEGER NOT NULL,
    end_offset_s   INTEGER NOT NULL,
    stroke_count   INTEGER NOT NULL,
    stroke_type    TEXT,                       -- FREESTYLE | BACKSTROKE | BREASTSTROKE | BUTTERFLY
    PRIMARY KEY (start_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE menstrual_periods (               -- menstrual-period (reproductive_health scope)
    start_ms       INTEGER NOT NULL,
    source_id      INTEGER NOT NULL REFERENCES sources (id),
    start_offset_s INTEGER NOT NULL,
    end_ms         INTEGER NOT NULL,
    end_offset_s   INTEGER NOT NULL,
    notes          TEXT,
    PRIMARY KEY (start_ms, source_id)
) WITHOUT ROWID;

-- dailyRollUp totals per local day (reference §1.7).
CREATE TABLE daily_time_in_heart_rate_zone (
    date        TEXT PRIMARY KEY,
    source_id   INTEGER NOT NULL REFERENCES sources (id),
    light_s     REAL NOT NULL,
    moderate_s  REAL NOT NULL,
    vigorous_s  REAL NOT NULL,
    peak_s      REAL NOT NULL
) WITHOUT ROWID;

CREATE TABLE daily_calories_in_heart_rate_zone (
    date          TEXT PRIMARY KEY,
    source_id     INTEGER NOT NULL REFERENCES sources (id),
    light_kcal    REAL NOT NULL,
    moderate_kcal REAL NOT NULL,
    vigorous_kcal REAL NOT NULL,
    peak_kcal     REAL NOT NULL
) WITHOUT ROWID;

-- Sample types (list).
CREATE TABLE core_body_temperature (           -- manual logs
    time_ms              INTEGER NOT NULL,
    source_id            INTEGER NOT NULL REFERENCES sources (id),
    utc_offset_s         INTEGER NOT NULL,
    id                   TEXT,
    temperature_c        REAL NOT NULL,
    measurement_location TEXT,                 -- ARMPIT | MOUTH | EAR | ...
    PRIMARY KEY (time_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE body_temperature (                -- GoogleData body_temperature CSV (a device's
    time_ms       INTEGER NOT NULL,            -- per-minute sensor reading, ~20-35 °C); no v4 list
    source_id     INTEGER NOT NULL REFERENCES sources (id),
    utc_offset_s  INTEGER NOT NULL,
    temperature_c REAL NOT NULL,
    PRIMARY KEY (time_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE blood_glucose (
    time_ms            INTEGER NOT NULL,
    source_id          INTEGER NOT NULL REFERENCES sources (id),
    utc_offset_s       INTEGER NOT NULL,
    id                 TEXT,
    glucose_mg_dl      REAL NOT NULL,
    meal_type          TEXT,
    measurement_timing TEXT,
    measurement_source TEXT,
    specimen           TEXT,
    notes              TEXT,
    PRIMARY KEY (time_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE moods (                           -- logged_symptoms (or mindfulness) scope
    time_ms      INTEGER NOT NULL,
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    utc_offset_s INTEGER NOT NULL,
    moods        TEXT NOT NULL,                -- comma-separated, as sent: "HAPPY,CALM"
    valences     TEXT,                         -- comma-separated: PLEASANT | BASELINE | UNPLEASANT
    PRIMARY KEY (time_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE symptoms (                        -- logged_symptoms scope
    time_ms      INTEGER NOT NULL,
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    utc_offset_s INTEGER NOT NULL,
    symptoms     TEXT NOT NULL,                -- comma-separated: "HEADACHE,FATIGUE"
    PRIMARY KEY (time_ms, source_id)
) WITHOUT ROWID;

CREATE TABLE ovulation_tests (                 -- reproductive_health scope
    time_ms      INTEGER NOT NULL,
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    utc_offset_s INTEGER NOT NULL,
    result       TEXT NOT NULL,                -- NEGATIVE | POSITIVE | LUTEINIZING_HORMONE_SURGE ...
    PRIMARY KEY (time_ms, source_id)
) WITHOUT ROWID;

-- Session types: identifiable, keyed by the point's id (two logs may share a minute).
CREATE TABLE hydration_log (
    id                 TEXT PRIMARY KEY,
    source_id          INTEGER NOT NULL REFERENCES sources (id),
    start_ms           INTEGER NOT NULL,
    start_offset_s     INTEGER NOT NULL,
    end_ms             INTEGER NOT NULL,
    end_offset_s       INTEGER NOT NULL,
    date                 TEXT GENERATED ALWAYS AS (date(start_ms / 1000 + start_offset_s, 'unixepoch')) VIRTUAL,
    volume_ml          REAL NOT NULL,
    user_provided_unit TEXT                    -- CUP_US, FLUID_OUNCE_US ... (display only)
);
CREATE INDEX hydration_log_start ON hydration_log (start_ms);

CREATE TABLE nutrition_log (
    id                   TEXT PRIMARY KEY,
    source_id            INTEGER NOT NULL REFERENCES sources (id),
    start_ms             INTEGER NOT NULL,
    start_offset_s       INTEGER NOT NULL,
    end_ms               INTEGER NOT NULL,
    end_offset_s         INTEGER NOT NULL,
    date                 TEXT GENERATED ALWAYS AS (date(start_ms / 1000 + start_offset_s, 'unixepoch')) VIRTUAL,
    food_display_name    TEXT,
    food                 TEXT,                 -- resource name of an identified food
    meal_type            TEXT,
    energy_kcal          REAL,
    energy_from_fat_kcal REAL,
    carbohydrate_g       REAL,
    fat_g                REAL,
    serving_amount       REAL,
    serving_unit         TEXT,
    nutrients            TEXT                  -- JSON object: nutrient -> grams
);
CREATE INDEX nutrition_log_start ON nutrition_log (start_ms);

CREATE TABLE ecg_readings (                    -- electrocardiogram (ecg scope); start == end
    id                      TEXT PRIMARY KEY,
    source_id               INTEGER NOT NULL REFERENCES sources (id),
    start_ms                INTEGER NOT NULL,
    start_offset_s          INTEGER NOT NULL,  -- 0 on historical readings (no offset sent)
    end_ms                  INTEGER NOT NULL,
    end_offset_s            INTEGER NOT NULL,
    date                 TEXT GENERATED ALWAYS AS (date(start_ms / 1000 + start_offset_s, 'unixepoch')) VIRTUAL,
    avg_hr_bpm              INTEGER,
    result_classification   TEXT,
    lead_number             INTEGER,
    sampling_frequency_hz   INTEGER,
    millivolts_scaling_factor INTEGER,
    waveform                TEXT,              -- JSON array of samples (mV = sample / factor)
    device_model            TEXT,
    firmware_version        TEXT,
    feature_version         TEXT
);
CREATE INDEX ecg_readings_start ON ecg_readings (start_ms);

CREATE TABLE irn_alerts (                      -- irregular-rhythm-notification (irn scope)
    id                TEXT PRIMARY KEY,
    source_id         INTEGER NOT NULL REFERENCES sources (id),
    start_ms          INTEGER NOT NULL,
    start_offset_s    INTEGER NOT NULL,
    end_ms            INTEGER NOT NULL,
    end_offset_s      INTEGER NOT NULL,
    date                 TEXT GENERATED ALWAYS AS (date(start_ms / 1000 + start_offset_s, 'unixepoch')) VIRTUAL,
    alert_windows     INTEGER NOT NULL,
    positive_windows  INTEGER NOT NULL,
    heart_beats       INTEGER NOT NULL,        -- beats listed in all windows
    device_model      TEXT,
    algorithm_version TEXT,
    service_version   TEXT
);
CREATE INDEX irn_alerts_start ON irn_alerts (start_ms);

-- Exercises: running dynamics (metricsSummary.mobilityMetrics) ...
ALTER TABLE exercises ADD COLUMN avg_cadence_spm REAL;
ALTER TABLE exercises ADD COLUMN avg_ground_contact_s REAL;
ALTER TABLE exercises ADD COLUMN avg_stride_length_mm INTEGER;
ALTER TABLE exercises ADD COLUMN avg_vertical_oscillation_mm INTEGER;
ALTER TABLE exercises ADD COLUMN avg_vertical_ratio REAL;
-- ... and the rest of each split's metricsSummary.
ALTER TABLE exercise_splits ADD COLUMN avg_speed_mm_per_s REAL;
ALTER TABLE exercise_splits ADD COLUMN elevation_gain_mm REAL;
ALTER TABLE exercise_splits ADD COLUMN active_zone_minutes INTEGER;
ALTER TABLE exercise_splits ADD COLUMN light_zone_s REAL;
ALTER TABLE exercise_splits ADD COLUMN moderate_zone_s REAL;
ALTER TABLE exercise_splits ADD COLUMN vigorous_zone_s REAL;
ALTER TABLE exercise_splits ADD COLUMN peak_zone_s REAL;
