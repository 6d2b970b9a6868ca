-- The practice and IMD decile of the person when each referral was received, so the equity report
-- counts a referral where it came from even after the person moves or changes practice. Filled by
-- a trigger from the person's record unless the insert gives them, so every path that creates a
-- referral records them; existing referrals take the person's current values.
ALTER TABLE referrals ADD COLUMN practice_id_at_referral BIGINT REFERENCES practices(id);
ALTER TABLE referrals ADD COLUMN imd_decile_at_referral INTEGER;
UPDATE referrals r SET practice_id_at_referral = p.practice_id, imd_decile_at_referral = p.imd_decile
FROM people p WHERE p.id = r.person_id;
CREATE FUNCTION referrals_practice_and_area_at_referral() RETURNS trigger AS $$
BEGIN
    IF NEW.practice_id_at_referral IS NULL AND NEW.imd_decile_at_referral IS NULL THEN
        SELECT p.practice_id, p.imd_decile INTO NEW.practice_id_at_referral, NEW.imd_decile_at_referral
        FROM people p WHERE p.id = NEW.person_id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER referrals_practice_and_area_at_referral BEFORE INSERT ON referrals
FOR EACH ROW EXECUTE FUNCTION referrals_practice_and_area_at_referral();
