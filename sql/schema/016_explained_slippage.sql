-- returns.md §11, "confirmed once": every P11 an officer explained on an accepted file, with the
-- forecast and target dates it explained. In later periods P11 is not raised again for the same
-- partner and item while both dates are these. Replaying the archive (in the order taken)
-- explains the same P11s again, so a rebuild makes this table afresh.
-- rebuild remakes: explained_slippage
CREATE TABLE IF NOT EXISTS explained_slippage (
    submission_id       INTEGER NOT NULL,   -- the accepted file that explained it
    partner_code        VARCHAR NOT NULL,
    period              VARCHAR NOT NULL,
    item_id             VARCHAR NOT NULL,
    forecast_completion DATE NOT NULL,
    target_date         DATE NOT NULL,
    PRIMARY KEY (submission_id, item_id)
);
