-- Reference data, reloaded from the configured CSVs on every run.
-- rebuild remakes: ref_register, ref_partners, ref_assignments, ref_indicators
CREATE TABLE IF NOT EXISTS ref_register (
    item_id VARCHAR PRIMARY KEY, kind VARCHAR, workstream VARCHAR, number VARCHAR, title VARCHAR,
    lead_partner VARCHAR, target_date DATE, register_order INTEGER
);
CREATE TABLE IF NOT EXISTS ref_partners (
    partner_code VARCHAR PRIMARY KEY, name VARCHAR, type VARCHAR, reports_indicators BOOLEAN, contact_email VARCHAR
);
CREATE TABLE IF NOT EXISTS ref_assignments (
    item_id VARCHAR, partner_code VARCHAR, role VARCHAR
);
CREATE TABLE IF NOT EXISTS ref_indicators (
    indicator_id VARCHAR PRIMARY KEY, label VARCHAR, unit VARCHAR, part_of VARCHAR, indicator_order INTEGER
);
