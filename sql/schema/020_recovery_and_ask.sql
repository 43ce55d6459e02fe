-- returns.md §5 (third release): two optional Progress texts. recovery_action is what the lead is
-- doing to bring an At risk or Off track item back on track, and by when; ask is a decision or
-- help the lead needs from the Minister or the programme board. Partner text: never in the
-- publication form.
-- rebuild remakes: progress_rows
ALTER TABLE progress_rows ADD COLUMN IF NOT EXISTS recovery_action VARCHAR DEFAULT NULL;
ALTER TABLE progress_rows ADD COLUMN IF NOT EXISTS ask VARCHAR DEFAULT NULL;
