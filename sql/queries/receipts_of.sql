-- What a receipt says, for every file taken: to write again any receipt a crash left unwritten.
SELECT s.submission_id, s.partner_code, s.period, s.outcome, s.late, s.receipt_html, s.receipt_json,
       list({'rule': i.rule, 'severity': i.severity, 'sheet': i.sheet, 'row': i."row", 'column': i."column",
             'value': i.value, 'message': i.message,
             'explanation': i.explanation} ORDER BY i.seq) FILTER (WHERE i.rule IS NOT NULL) AS issues
FROM submissions AS s
LEFT JOIN issues AS i USING (submission_id)
WHERE s.submission_id IN (SELECT unnest($ids))
GROUP BY ALL
ORDER BY s.submission_id;
