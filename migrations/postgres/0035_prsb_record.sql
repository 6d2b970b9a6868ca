-- The PRSB Social Prescribing record (issue 16, item 5): address lines and town beside the
-- postcode, preferred name, gender identity, preferred language (a BCP 47 subtag from the NHS
-- list in data/languages.csv), whether an interpreter is needed, communication needs
-- (Accessible Information Standard) with a written format and a contact method (UK Core codes,
-- stored as Linkwell's stable codes), and preferred contact times. Nullable: people registered
-- before keep their rows; erasure blanks every one of them.
ALTER TABLE people ADD COLUMN address_line1 TEXT;
ALTER TABLE people ADD COLUMN address_line2 TEXT;
ALTER TABLE people ADD COLUMN town TEXT;
ALTER TABLE people ADD COLUMN preferred_name TEXT;
ALTER TABLE people ADD COLUMN gender_identity TEXT;
ALTER TABLE people ADD COLUMN preferred_language TEXT;
ALTER TABLE people ADD COLUMN interpreter_needed BOOLEAN;
ALTER TABLE people ADD COLUMN communication_needs TEXT;
ALTER TABLE people ADD COLUMN written_format TEXT;
ALTER TABLE people ADD COLUMN preferred_contact_method TEXT;
ALTER TABLE people ADD COLUMN preferred_contact_times TEXT;
