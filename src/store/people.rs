//! People: registration and scoped reads.

use super::error::{Refusal, StoreError, StoreResult};
use super::scope::person_scope_clause;
use super::{on_reader, on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::auth::policy::CaseScope;
use crate::people::{
    split_codes, ContactMethod, Ethnicity, Language, LongTermCondition, NewPerson, NhsNumber,
    Person, PlusGroup, PrsbRecord, Sex, WrittenFormat,
};
use chrono::{NaiveDate, Utc};

#[derive(sqlx::FromRow)]
pub(super) struct PersonRow {
    pub(super) id: i64,
    nhs_number: Option<String>,
    given_name: String,
    family_name: String,
    date_of_birth: NaiveDate,
    sex: String,
    ethnicity: String,
    postcode: String,
    lsoa: Option<String>,
    imd_decile: Option<i32>,
    practice_id: Option<i64>,
    phone: Option<String>,
    plus_groups: String,
    conditions: String,
    address_line1: Option<String>,
    address_line2: Option<String>,
    town: Option<String>,
    preferred_name: Option<String>,
    gender_identity: Option<String>,
    preferred_language: Option<String>,
    interpreter_needed: Option<bool>,
    communication_needs: Option<String>,
    written_format: Option<String>,
    preferred_contact_method: Option<String>,
    preferred_contact_times: Option<String>,
}

impl From<PersonRow> for Person {
    fn from(r: PersonRow) -> Person {
        Person {
            id: r.id,
            nhs_number: r
                .nhs_number
                .as_deref()
                .and_then(|n| NhsNumber::parse(n).ok()),
            given_name: r.given_name,
            family_name: r.family_name,
            date_of_birth: r.date_of_birth,
            sex: Sex::from_code(&r.sex).unwrap_or(Sex::Unknown),
            ethnicity: Ethnicity::from_code(&r.ethnicity).unwrap_or(Ethnicity::NotStated),
            postcode: r.postcode,
            lsoa: r.lsoa,
            imd_decile: r.imd_decile.map(|d| d as u8),
            practice_id: r.practice_id,
            phone: r.phone,
            plus_groups: split_codes(&r.plus_groups, PlusGroup::from_code),
            conditions: split_codes(&r.conditions, LongTermCondition::from_code),
            record: PrsbRecord {
                address_line1: r.address_line1,
                address_line2: r.address_line2,
                town: r.town,
                preferred_name: r.preferred_name,
                gender_identity: r.gender_identity,
                preferred_language: r
                    .preferred_language
                    .as_deref()
                    .and_then(|c| Language::parse(c).ok()),
                interpreter_needed: r.interpreter_needed,
                communication_needs: r.communication_needs,
                written_format: r
                    .written_format
                    .as_deref()
                    .and_then(WrittenFormat::from_code),
                preferred_contact_method: r
                    .preferred_contact_method
                    .as_deref()
                    .and_then(ContactMethod::from_code),
                preferred_contact_times: r.preferred_contact_times,
            },
        }
    }
}

pub(super) const PERSON_COLUMNS: &str =
    "p.id, p.nhs_number, p.given_name, p.family_name, p.date_of_birth, p.sex, p.ethnicity, \
    p.postcode, p.lsoa, p.imd_decile, p.practice_id, p.phone, p.plus_groups, p.conditions, \
    p.address_line1, p.address_line2, p.town, p.preferred_name, p.gender_identity, \
    p.preferred_language, p.interpreter_needed, p.communication_needs, p.written_format, \
    p.preferred_contact_method, p.preferred_contact_times";

/// Inserts a person inside the caller's write transaction, with its audit record;
/// evaluates to the stored row. A taken NHS number is a conflict.
macro_rules! insert_person_in {
    ($tx:expr, $person:expr, $ctx:expr) => {{
        let person: &$crate::people::NewPerson = $person;
        let sql = format!(
            "INSERT INTO people (nhs_number, given_name, family_name, date_of_birth, sex, ethnicity, postcode, lsoa, \
             imd_decile, practice_id, phone, plus_groups, conditions, created_by, created_at, \
             address_line1, address_line2, town, preferred_name, gender_identity, preferred_language, \
             interpreter_needed, communication_needs, written_format, preferred_contact_method, preferred_contact_times) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
             $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26) RETURNING {}",
            $crate::store::people::PERSON_COLUMNS.replace("p.", "")
        );
        let row: $crate::store::people::PersonRow = sqlx::query_as(&sql)
            .bind(person.nhs_number.map(|n| n.to_string().replace(' ', "")))
            .bind(&person.given_name)
            .bind(&person.family_name)
            .bind(person.date_of_birth)
            .bind(person.sex.code())
            .bind(person.ethnicity.code())
            .bind(&person.postcode)
            .bind(&person.lsoa)
            .bind(person.imd_decile.map(|d| d as i32))
            .bind(person.practice_id)
            .bind(&person.phone)
            .bind($crate::people::join_codes(&person.plus_groups, $crate::people::PlusGroup::code))
            .bind($crate::people::join_codes(&person.conditions, $crate::people::LongTermCondition::code))
            .bind($ctx.actor_id)
            .bind(chrono::Utc::now())
            .bind(&person.record.address_line1)
            .bind(&person.record.address_line2)
            .bind(&person.record.town)
            .bind(&person.record.preferred_name)
            .bind(&person.record.gender_identity)
            .bind(person.record.preferred_language.map(|l| l.code()))
            .bind(person.record.interpreter_needed)
            .bind(&person.record.communication_needs)
            .bind(person.record.written_format.map(|f| f.code()))
            .bind(person.record.preferred_contact_method.map(|m| m.code()))
            .bind(&person.record.preferred_contact_times)
            .fetch_one(&mut *$tx)
            .await
            .map_err($crate::store::people::insert_error)?;
        $crate::store::audit::append_audit!($tx, $ctx, $crate::audit::AuditAction::Create, "person", Some(row.id), Some(row.id));
        row
    }};
}
pub(crate) use insert_person_in;

impl Store {
    /// Registers a person. An NHS number already on file is a conflict, not a duplicate.
    pub async fn insert_person(
        &self,
        person: &NewPerson,
        ctx: &AuditContext,
    ) -> StoreResult<Person> {
        let nhs = person.nhs_number.map(|n| n.to_string().replace(' ', ""));
        if let Some(nhs) = &nhs {
            let existing: Option<(i64,)> = on_reader!(self, pool => sqlx::query_as("SELECT id FROM people WHERE nhs_number = $1")
                .bind(nhs).fetch_optional(pool).await)?;
            if existing.is_some() {
                return Err(Refusal::PersonAlreadyRegistered.into());
            }
        }
        let row: PersonRow = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let row = insert_person_in!(tx, person, ctx);
            tx.commit().await?;
            row
        });
        Ok(row.into())
    }

    /// Reads a person if the scope allows; `None` both when absent and when out of scope.
    pub async fn person(&self, id: i64, scope: CaseScope) -> StoreResult<Option<Person>> {
        let Some((clause, team, user)) = person_scope_clause(scope) else {
            return Ok(None);
        };
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people p WHERE p.id = $1 AND {clause}");
        let row: Option<PersonRow> = on_reader!(self, pool => sqlx::query_as(&sql).bind(id).bind(team).bind(user).fetch_optional(pool).await)?;
        Ok(row.map(Person::from))
    }

    /// Reads a person for someone to see, and records that they did.
    pub async fn read_person(
        &self,
        id: i64,
        scope: CaseScope,
        ctx: &AuditContext,
    ) -> StoreResult<Option<Person>> {
        let person = self.person(id, scope).await?;
        if person.is_some() {
            self.audit_read(ctx, AuditAction::Read, "person", Some(id), Some(id))
                .await?;
        }
        Ok(person)
    }
}

impl Store {
    /// Replaces the PRSB part of a person's record (address lines, town, preferred name,
    /// gender identity, language, interpreter, communication needs, contact preferences),
    /// with its audit record; `None` when the person is not in the scope or was erased.
    pub async fn update_person_record(
        &self,
        id: i64,
        scope: CaseScope,
        record: &PrsbRecord,
        ctx: &AuditContext,
    ) -> StoreResult<Option<Person>> {
        if self.person(id, scope).await?.is_none() {
            return Ok(None);
        }
        let updated: u64 = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let done = sqlx::query(
                "UPDATE people SET address_line1 = $1, address_line2 = $2, town = $3, preferred_name = $4, \
                 gender_identity = $5, preferred_language = $6, interpreter_needed = $7, communication_needs = $8, \
                 written_format = $9, preferred_contact_method = $10, preferred_contact_times = $11 \
                 WHERE id = $12 AND erased_at IS NULL")
                .bind(&record.address_line1)
                .bind(&record.address_line2)
                .bind(&record.town)
                .bind(&record.preferred_name)
                .bind(&record.gender_identity)
                .bind(record.preferred_language.map(|l| l.code()))
                .bind(record.interpreter_needed)
                .bind(&record.communication_needs)
                .bind(record.written_format.map(|f| f.code()))
                .bind(record.preferred_contact_method.map(|m| m.code()))
                .bind(&record.preferred_contact_times)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done == 1 {
                super::audit::append_audit!(tx, ctx, AuditAction::Update, "person", Some(id), Some(id));
            }
            tx.commit().await?;
            done
        });
        if updated == 0 {
            return Ok(None);
        }
        self.person(id, scope).await
    }
}

#[derive(sqlx::FromRow)]
struct PersonWithTime {
    #[sqlx(flatten)]
    person: PersonRow,
    created_at: chrono::DateTime<Utc>,
}

impl Store {
    /// Everyone in scope (or the one person asked for), with when each was registered.
    pub async fn people_in_scope(
        &self,
        scope: CaseScope,
        only: Option<i64>,
    ) -> StoreResult<Vec<(Person, chrono::DateTime<Utc>)>> {
        let Some((clause, team, user)) = person_scope_clause(scope) else {
            return Ok(vec![]);
        };
        let sql = format!(
            "SELECT {PERSON_COLUMNS}, p.created_at FROM people p WHERE ($1 IS NULL OR p.id = $1) AND {clause} ORDER BY p.id"
        );
        let rows: Vec<PersonWithTime> = on_reader!(self, pool => sqlx::query_as(&sql).bind(only).bind(team).bind(user).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|r| (Person::from(r.person), r.created_at))
            .collect())
    }
}

/// Turns constraint violations on registering a person into field errors.
pub(super) fn insert_error(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            Refusal::PersonAlreadyRegistered.into()
        }
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::UnknownReference {
                field: "practice_id",
            }
        }
        _ => StoreError::from(e),
    }
}
