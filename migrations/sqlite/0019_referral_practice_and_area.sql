-- The practice and IMD decile of the person when each referral was received, so the equity report
-- counts a referral where it came from even after the person moves or changes practice. Filled by
-- a trigger from the person's record unless the insert gives them, so every path that creates a
-- referral records them; existing referrals take the person's current values.
ALTER TABLE referrals ADD COLUMN practice_id_at_referral INTEGER REFERENCES practices(id);
ALTER TABLE referrals ADD COLUMN imd_decile_at_referral INTEGER;
UPDATE referrals SET
    practice_id_at_referral = (SELECT p.practice_id FROM people p WHERE p.id = referrals.person_id),
    imd_decile_at_referral = (SELECT p.imd_decile FROM people p WHERE p.id = referrals.person_id);
CREATE TRIGGER referrals_practice_and_area_at_referral AFTER INSERT ON referrals
WHEN NEW.practice_id_at_referral IS NULL AND NEW.imd_decile_at_referral IS NULL
BEGIN
    UPDATE referrals SET
        practice_id_at_referral = (SELECT p.practice_id FROM people p WHERE p.id = NEW.person_id),
        imd_decile_at_referral = (SELECT p.imd_decile FROM people p WHERE p.id = NEW.person_id)
    WHERE id = NEW.id;
END;
