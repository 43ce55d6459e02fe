-- Which of these contents have been received before, and the first file that brought each.
SELECT sha256, first_received FROM files WHERE sha256 IN (SELECT unnest($shas));
