-- Registered population by practice and LSOA: the denominators of the equity report.
-- The IMD decile is copied from the reference data when the row is written, so the
-- report needs no geography lookup.
CREATE TABLE population (
    practice_id BIGINT NOT NULL REFERENCES practices(id),
    lsoa TEXT NOT NULL,
    imd_decile INTEGER CHECK (imd_decile BETWEEN 1 AND 10),
    people BIGINT NOT NULL CHECK (people >= 0),
    PRIMARY KEY (practice_id, lsoa)
);
