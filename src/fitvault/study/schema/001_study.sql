-- The study's tables, in schema "study" (fitvault.study.db.migrate applies this once).

CREATE TABLE study.settings (
    id                 integer PRIMARY KEY CHECK (id = 1),   -- one row
    data               jsonb NOT NULL,                       -- StudySettings without the client secret
    client_secret_enc  bytea,                                -- Fernet token (GrantCipher)
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE study.participants (
    participant_id      text PRIMARY KEY CHECK (participant_id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    state               text NOT NULL DEFAULT 'added'
                        CHECK (state IN ('added', 'invited', 'active', 'needs_reconsent', 'withdrawn')),
    window_start        date NOT NULL,
    window_end          date,
    consent_version     text,
    consent_text_sha256 text,
    consented_at        timestamptz,
    granted_scopes      text[] NOT NULL DEFAULT '{}',
    devices             jsonb NOT NULL DEFAULT '[]',
    last_sync_at        timestamptz,
    last_sync_status    text,
    last_error          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (window_end IS NULL OR window_end >= window_start)
);

-- One grant per participant, encrypted at rest (Fernet); never logged, never exported.
CREATE TABLE study.grants (
    participant_id   text PRIMARY KEY REFERENCES study.participants ON DELETE CASCADE,
    token_enc        bytea NOT NULL,
    scopes           text[] NOT NULL DEFAULT '{}',
    refresh_expires_at timestamptz,        -- Testing-mode apps only (7 days after consent)
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Single-use invite links: only the SHA-256 of the link's token is stored.
CREATE TABLE study.invites (
    token_sha256    text PRIMARY KEY,
    participant_id  text NOT NULL REFERENCES study.participants ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    used_at         timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX invites_participant ON study.invites (participant_id);

-- One row per sync_participant run (what status shows; how the queue tests prove no overlap).
CREATE TABLE study.sync_runs (
    id              bigserial PRIMARY KEY,
    participant_id  text NOT NULL,
    worker          text NOT NULL,                 -- host:pid of the worker process
    job_id          bigint,
    started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz,
    status          text,                          -- ok, incomplete, needs_reconsent, failed
    requests        integer,
    error           text
);
CREATE INDEX sync_runs_participant ON study.sync_runs (participant_id, started_at);

-- The append-only audit log: every staff action, consent, export and withdrawal.
CREATE TABLE study.audit (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor           text NOT NULL,
    action          text NOT NULL,
    participant_id  text,
    detail          jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_participant ON study.audit (participant_id, id);

CREATE FUNCTION study.audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'study.audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON study.audit
    FOR EACH ROW EXECUTE FUNCTION study.audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON study.audit
    FOR EACH STATEMENT EXECUTE FUNCTION study.audit_append_only();
