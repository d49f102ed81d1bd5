-- De-identification keys of `fitvault study export --deidentify` (fitvault.study.deidentify):
-- per participant, the whole days every date and time moves back and the salt of the keyed
-- hash that replaces record ids (encrypted with the study key). Never exported, never printed.
-- Numbered 090 so the core's own migrations keep the low numbers.

CREATE TABLE study.deidentification (
    participant_id  text PRIMARY KEY REFERENCES study.participants ON DELETE CASCADE,
    shift_days      integer NOT NULL CHECK (shift_days BETWEEN 1 AND 365),
    salt_enc        bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
