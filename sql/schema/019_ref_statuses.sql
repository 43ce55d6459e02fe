-- The statuses (cpip/vocabulary.py, their one home), written on every run beside the reference
-- data, so the marts join them instead of keeping their own lists: the order briefing.json lists
-- them in, the movement scale (returns.md §9; NULL for 'No return') and the RAG colour.
-- rebuild remakes: ref_statuses
CREATE TABLE IF NOT EXISTS ref_statuses (
    status          VARCHAR PRIMARY KEY,
    status_order    INTEGER NOT NULL,
    scale           INTEGER,
    rag             VARCHAR
);
