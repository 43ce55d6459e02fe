INSERT INTO indicator_values BY NAME SELECT * FROM indicators_frame;
