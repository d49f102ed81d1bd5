-- The data helper's tables (numbered 090 so the core's own migrations keep the low numbers).

-- De-identification keys of `fitvault study export --deidentify` (fitvault.study.deidentify):
-- per participant, the whole days every date and time moves back and the salt of the keyed
-- hash that replaces record ids (encrypted with the study key). Never exported, never printed.
CREATE TABLE study.deidentification (
    participant_id  text PRIMARY KEY REFERENCES study.participants ON DELETE CASCADE,
    shift_days      integer NOT NULL CHECK (shift_days BETWEEN 1 AND 365),
    salt_enc        bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Compliance as last computed from each participant's vault (fitvault.study.compliance; written
-- by `study status` and `study compliance`; `status.refresh_participant` for one), for SQL users and dashboards that
-- do not reach the vaults. One row per local day of the window, and a summary per participant.
CREATE TABLE study.compliance_days (
    participant_id  text NOT NULL REFERENCES study.participants ON DELETE CASCADE,
    date            date NOT NULL,                       -- the participant's local date
    wear_minutes    integer NOT NULL CHECK (wear_minutes >= 0),
    status          text NOT NULL CHECK (status IN ('valid', 'invalid', 'pending')),
    valid_day_hours real NOT NULL,
    computed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (participant_id, date)
);

CREATE TABLE study.compliance (
    participant_id    text PRIMARY KEY REFERENCES study.participants ON DELETE CASCADE,
    as_of             timestamptz NOT NULL,
    grant_state       text NOT NULL,
    last_device_sync  timestamptz,
    device            text,
    battery_status    text,
    battery_level     integer,
    last_data         timestamptz,
    wear_hours        real NOT NULL,
    valid_days        integer NOT NULL,
    settled_days      integer NOT NULL,
    contact           text[] NOT NULL DEFAULT '{}',
    computed_at       timestamptz NOT NULL DEFAULT now()
);
