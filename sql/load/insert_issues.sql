INSERT INTO issues BY NAME SELECT * FROM issues_frame;
