-- What a receipt says, for every file taken: to write again any receipt a crash left unwritten,
-- and to email it. The partner's and each issue's item's names come from the reference tables.
SELECT s.submission_id, s.partner_code, s.period, s.outcome, s.late, s.receipt_html, s.receipt_json,
       list({'rule': i.rule, 'severity': i.severity, 'sheet': i.sheet, 'row': i."row", 'column': i."column",
             'value': i.value, 'message': i.message,
             'explanation': i.explanation, 'cell': i.cell, 'item_id': i.item_id,
             'item_title': r.title} ORDER BY i.seq) FILTER (WHERE i.rule IS NOT NULL) AS issues,
       s.duplicate_of, any_value(p.name) AS partner_name
FROM submissions AS s
LEFT JOIN issues AS i USING (submission_id)
LEFT JOIN ref_register AS r ON r.item_id = i.item_id
LEFT JOIN ref_partners AS p ON p.partner_code = s.partner_code
WHERE s.submission_id IN (SELECT unnest($ids))
GROUP BY s.submission_id, s.partner_code, s.period, s.outcome, s.late, s.receipt_html, s.receipt_json,
         s.duplicate_of
ORDER BY s.submission_id;
