-- The received time of the latest file in the warehouse: the briefing includes everything up to it.
SELECT max(received_at) FROM submissions;
