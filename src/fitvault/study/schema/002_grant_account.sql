-- The Google account behind each grant, as a keyed hash of its Google Health user id (the
-- `healthUserId` of users/me/identity, docs/facts/google-health-api.md#identity-profile-settings-and-devices),
-- never the id itself (GrantCipher.fingerprint: HMAC-SHA256 under a key derived from the study key).
-- Enrolment uses it to refuse the same account enrolling as a second participant. NULL: not known
-- (a grant stored before this column, by `study enrol --import-token`, or the lookup failed).
ALTER TABLE study.grants ADD COLUMN account_fingerprint text;
CREATE INDEX grants_account_fingerprint ON study.grants (account_fingerprint) WHERE account_fingerprint IS NOT NULL;
