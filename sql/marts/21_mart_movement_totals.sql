-- How many items improved, worsened, stayed the same or are new (items with No return are not counted).
CREATE OR REPLACE MACRO mart_movement_totals(p_period) AS TABLE
WITH movements(movement, o) AS (VALUES ('improved', 1), ('worsened', 2), ('unchanged', 3), ('new', 4))
SELECT mv.movement, count(m.item_id) AS n
FROM movements AS mv
LEFT JOIN mart_item_status(p_period) AS m ON m.movement = mv.movement
GROUP BY mv.movement, mv.o
ORDER BY mv.o;
