-- The reviewers' email used to be keyed review/<period>/version-<N>/<the first 12 hex digits of the
-- SHA-256 of its approval code>: an unsalted hash prefix of a code, kept in email_sent and in the audit
-- log's 'reviewers told' events. Codes are now named by a random id (cpip/review/codes.py); this replaces
-- each old prefix, in both places, by words that say nothing of the code (each email_sent row its own
-- random suffix, so rows of two old codes for one recipient stay distinct).
-- rebuild keeps: email_sent, audit_log
UPDATE email_sent
SET message_key = regexp_extract(message_key, '^(review/[^/]+/version-[0-9]+/)', 1) || 'unsalted-'
                  || substr(replace(CAST(gen_random_uuid() AS VARCHAR), '-', ''), 1, 12)
WHERE regexp_matches(message_key, '^review/[^/]+/version-[0-9]+/[0-9a-f]{12}$');
UPDATE audit_log
SET detail = regexp_replace(detail, '"(review/[^/"]+/version-[0-9]+/)[0-9a-f]{12}"', '"\1unsalted-code"', 'g')
WHERE event = 'reviewers told' AND regexp_matches(detail, '"review/[^/"]+/version-[0-9]+/[0-9a-f]{12}"');
