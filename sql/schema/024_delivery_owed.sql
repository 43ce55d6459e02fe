-- Whom an approved version is owed to: the [email] briefing_to addresses when it was approved (a JSON
-- list; NULL when email was off, and for versions approved before this column). Until each of them has
-- it (email_sent), `cpip status` says "approved, not yet delivered" and every scheduled run tries again.
-- rebuild keeps: briefing_versions
ALTER TABLE briefing_versions ADD COLUMN IF NOT EXISTS deliver_to VARCHAR DEFAULT NULL;
