//! The synthetic people: who they are (age, sex, ethnicity, conditions, Core20PLUS5
//! groups, drawn for their LSOA) and the row that registers each.

use super::areas::Area;
use super::batch::Ids;
use crate::geo::Postcode;
use crate::people::{join_codes, Ethnicity, LongTermCondition, NhsNumber, PlusGroup, Sex};
use crate::store::bulk::rows::PersonRow;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

const GIVEN_FEMALE: [&str; 20] = [
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Aisha", "Fatima", "Maryam", "Grace", "Zara",
    "Sophie", "Chloe", "Priya", "Jasmine", "Margaret", "Patricia", "Joan", "Blessing", "Hannah",
    "Niamh",
];
const GIVEN_MALE: [&str; 20] = [
    "Oliver", "George", "Noah", "Arthur", "Muhammad", "Harry", "Leo", "Jack", "Yusuf", "Ibrahim",
    "Kwame", "David", "John", "Michael", "Raj", "Tomasz", "Liam", "Daniel", "Samuel", "Ahmed",
];
pub(super) const FAMILY: [&str; 40] = [
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Khan", "Ahmed", "Hussain", "Ali", "Begum", "Patel", "Singh", "Kaur", "Roberts",
    "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall",
    "Wood", "Clarke", "Mensah", "Okafor", "Campbell", "Kowalski", "Nowak", "Murphy", "O'Brien",
    "Lewis", "Harris", "Mahmood",
];

pub(super) fn given_name(rng: &mut ChaCha8Rng, sex: Sex) -> &'static str {
    let names = if sex == Sex::Female {
        &GIVEN_FEMALE
    } else {
        &GIVEN_MALE
    };
    names[rng.gen_range(0..names.len())]
}

/// First nine digits of the synthetic NHS numbers: the 999 range NHS England reserves for
/// testing, never issued to a patient. It holds about 909,000 valid numbers; people generated
/// past that have no NHS number recorded (as some self-referrers do not).
pub(super) const NHS_TEST_RANGE: std::ops::RangeInclusive<u32> = 999_000_000..=999_999_999;

/// The next valid NHS number of the test range, or none once the range is used up.
fn next_nhs_number(ids: &mut Ids) -> Option<NhsNumber> {
    loop {
        if !NHS_TEST_RANGE.contains(&ids.nhs_seed) {
            return None;
        }
        ids.nhs_seed += 1;
        if let Some(n) = NhsNumber::from_first_nine(ids.nhs_seed - 1) {
            return Some(n);
        }
    }
}

/// When the people were first loaded onto the register: 400 days before the reference date.
pub(super) fn registered_since(today: NaiveDate) -> DateTime<Utc> {
    today.and_hms_opt(9, 0, 0).expect("valid time").and_utc() - Duration::days(400)
}

/// The row registering person `ids.person` at a postcode of their area.
pub(super) fn person_row(
    rng: &mut ChaCha8Rng,
    ids: &mut Ids,
    person: &SynthPerson,
    area: &Area,
    area_postcodes: &[(Postcode, f64, f64)],
    practice: i64,
    registered_since: DateTime<Utc>,
) -> PersonRow {
    let (postcode, _, _) = area_postcodes.choose(rng).expect("LSOA has postcodes");
    let nhs = next_nhs_number(ids);
    // Drawn in this order: the given name, the family name, the phone number.
    let given_name = given_name(rng, person.sex);
    let family_name = FAMILY[rng.gen_range(0..FAMILY.len())];
    let phone = format!("07700 9{:05}", rng.gen_range(0..100_000));
    PersonRow {
        id: ids.person,
        nhs_number: nhs.map(|n| n.to_string().replace(' ', "")),
        given_name,
        family_name,
        date_of_birth: person.date_of_birth,
        sex: person.sex.code(),
        ethnicity: person.ethnicity.code(),
        postcode: postcode.to_string(),
        lsoa: area.code.clone(),
        imd_decile: area.decile.get() as i32,
        practice_id: practice,
        phone,
        plus_groups: join_codes(&person.plus, PlusGroup::code),
        conditions: join_codes(&person.conditions, LongTermCondition::code),
        // On the register (the equity report's denominators) from birth, for anyone born
        // since the people were first loaded.
        created_at: registered_since.max(
            person
                .date_of_birth
                .and_hms_opt(9, 0, 0)
                .expect("valid time")
                .and_utc(),
        ),
    }
}

pub(super) struct SynthPerson {
    pub date_of_birth: NaiveDate,
    pub age: u32,
    pub sex: Sex,
    pub ethnicity: Ethnicity,
    pub plus: Vec<PlusGroup>,
    pub conditions: Vec<LongTermCondition>,
    pub decile: u8,
}

impl SynthPerson {
    pub fn quintile(&self) -> u8 {
        self.decile.div_ceil(2)
    }

    pub fn minority(&self) -> bool {
        self.plus.contains(&PlusGroup::EthnicMinority)
    }

    /// Annual chance of referral: need rises with deprivation, age and long-term
    /// conditions; ethnic minority groups are under-referred for their need.
    pub fn referral_probability(&self) -> f64 {
        let deprivation = 1.5 - 0.1 * (self.decile as f64 - 1.0);
        let age = match self.age {
            0..=17 => 0.05,
            18..=64 => 1.0,
            _ => 1.5,
        };
        let conditions = 1.0 + 0.3 * self.conditions.len() as f64;
        let minority = if self.minority() { 0.7 } else { 1.0 };
        (0.09 * deprivation * age * conditions * minority).min(0.9)
    }
}

pub(super) fn synth_person(rng: &mut ChaCha8Rng, area: &Area, today: NaiveDate) -> SynthPerson {
    let band = {
        let x: f64 = rng.gen();
        if x < area.age_shares[0] {
            0
        } else if x < area.age_shares[0] + area.age_shares[1] {
            1
        } else {
            2
        }
    };
    let age = match band {
        0 => rng.gen_range(0..16),
        1 => rng.gen_range(16..60),
        _ => 60 + (rng.gen::<f64>().powf(1.6) * 38.0) as u32,
    };
    let date_of_birth = today - Duration::days(age as i64 * 365 + rng.gen_range(0..365));
    let sex = if rng.gen_bool(if age > 70 { 0.56 } else { 0.5 }) {
        Sex::Female
    } else {
        Sex::Male
    };
    let decile = area.decile.get();
    let p_minority = (0.72 - 0.06 * (decile as f64 - 1.0)).clamp(0.1, 0.8);
    let ethnicity = if rng.gen_bool(0.03) {
        Ethnicity::NotStated
    } else if rng.gen_bool(p_minority) {
        *[
            Ethnicity::Asian,
            Ethnicity::Asian,
            Ethnicity::Asian,
            Ethnicity::Asian,
            Ethnicity::Black,
            Ethnicity::Black,
            Ethnicity::Mixed,
            Ethnicity::Other,
        ]
        .choose(rng)
        .expect("non-empty")
    } else {
        Ethnicity::White
    };
    let conditions = draw_conditions(rng, age, sex, decile);
    let plus = draw_plus_groups(rng, age, ethnicity, decile, &conditions);
    SynthPerson {
        date_of_birth,
        age,
        sex,
        ethnicity,
        plus,
        conditions,
        decile,
    }
}

/// Long-term conditions: commoner with age and deprivation (depression with deprivation
/// alone); maternity for some women of child-bearing age.
fn draw_conditions(rng: &mut ChaCha8Rng, age: u32, sex: Sex, decile: u8) -> Vec<LongTermCondition> {
    let mut conditions = Vec::new();
    let risk = (age as f64 / 100.0) * (1.4 - 0.05 * decile as f64);
    for (condition, base) in [
        (LongTermCondition::Hypertension, 0.35),
        (LongTermCondition::Diabetes, 0.18),
        (LongTermCondition::ChronicRespiratory, 0.12),
        (LongTermCondition::Depression, 0.25),
        (LongTermCondition::SevereMentalIllness, 0.03),
        (LongTermCondition::Cancer, 0.06),
        (LongTermCondition::Dementia, 0.04),
    ] {
        let p = if condition == LongTermCondition::Depression {
            0.12 + 0.01 * (10 - decile) as f64
        } else {
            base * risk
        };
        if age >= 16 && rng.gen_bool(p.clamp(0.0, 0.95)) {
            conditions.push(condition);
        }
    }
    if sex == Sex::Female && (18..45).contains(&age) && rng.gen_bool(0.04) {
        conditions.push(LongTermCondition::Maternity);
    }
    conditions
}

/// The Core20PLUS5 "PLUS" groups a person belongs to.
fn draw_plus_groups(
    rng: &mut ChaCha8Rng,
    age: u32,
    ethnicity: Ethnicity,
    decile: u8,
    conditions: &[LongTermCondition],
) -> Vec<PlusGroup> {
    let mut plus = Vec::new();
    if !matches!(ethnicity, Ethnicity::White | Ethnicity::NotStated) {
        plus.push(PlusGroup::EthnicMinority);
    }
    if rng.gen_bool(0.015 + 0.004 * (10 - decile) as f64) {
        plus.push(PlusGroup::InclusionHealth);
    }
    if rng.gen_bool(0.02) {
        plus.push(PlusGroup::LearningDisabilityAutism);
    }
    if age >= 16 && rng.gen_bool(0.09) {
        plus.push(PlusGroup::Carer);
    }
    if conditions
        .iter()
        .filter(|c| **c != LongTermCondition::Maternity)
        .count()
        >= 2
    {
        plus.push(PlusGroup::Multimorbidity);
    }
    plus
}
