INSERT INTO progress_rows BY NAME SELECT * FROM progress_frame;
