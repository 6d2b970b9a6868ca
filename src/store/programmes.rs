//! Programmes and the teams that run them (migration 0033). A definition is written whole:
//! its row and its team list replaced in one transaction, with an audit record (no person's
//! data is in it, but who changed what a commissioner funds is worth knowing).

use super::audit::append_audit;
use super::error::{Refusal, StoreError, StoreResult};
use super::referrals::code;
use super::{on_reader, on_writer, Store};
use crate::audit::{AuditAction, AuditContext};
use crate::programmes::{
    needs_from_text, needs_text, pathway_steps, pathway_text, Eligibility, NewProgramme, Programme,
    ProgrammeModel, ProgrammeTeam,
};
use std::collections::HashMap;

type ProgrammeRow = (
    i64,
    String,
    String,
    String,
    Option<i32>,
    String,
    String,
    String,
    bool,
);

impl Store {
    /// Every programme, by name, with the teams that run it.
    pub async fn programmes(&self) -> StoreResult<Vec<Programme>> {
        let rows: Vec<ProgrammeRow> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, name, model, description, min_age, eligible_needs, eligibility_notes, pathway, active \
             FROM programmes ORDER BY name, id").fetch_all(pool).await)?;
        let teams: Vec<(i64, i64, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT pt.programme_id, t.id, t.name FROM programme_teams pt JOIN teams t ON t.id = pt.team_id \
             ORDER BY t.name, t.id").fetch_all(pool).await)?;
        let mut by_programme: HashMap<i64, Vec<ProgrammeTeam>> = HashMap::new();
        for (programme, id, name) in teams {
            by_programme
                .entry(programme)
                .or_default()
                .push(ProgrammeTeam { id, name });
        }
        rows.into_iter()
            .map(
                |(id, name, model, description, min_age, needs, notes, pathway, active)| {
                    Ok(Programme {
                        id,
                        name,
                        model: code(ProgrammeModel::from_code, &model)?,
                        description,
                        eligibility: Eligibility {
                            min_age: min_age.and_then(|a| u8::try_from(a).ok()),
                            needs: needs_from_text(&needs),
                            notes,
                        },
                        teams: by_programme.remove(&id).unwrap_or_default(),
                        pathway: pathway_steps(&pathway),
                        active,
                    })
                },
            )
            .collect::<anyhow::Result<Vec<_>>>()
            .map_err(StoreError::Database)
    }

    pub async fn programme(&self, id: i64) -> StoreResult<Programme> {
        self.programmes()
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or(StoreError::NotFound { what: "programme" })
    }

    /// Creates a programme; its name must be new and its teams must exist.
    pub async fn create_programme(
        &self,
        new: &NewProgramme,
        ctx: &AuditContext,
    ) -> StoreResult<Programme> {
        let id = self.write_programme(None, new, ctx).await?;
        self.programme(id).await
    }

    /// Replaces a programme's definition (its referrals stay with it).
    pub async fn update_programme(
        &self,
        id: i64,
        new: &NewProgramme,
        ctx: &AuditContext,
    ) -> StoreResult<Programme> {
        self.write_programme(Some(id), new, ctx).await?;
        self.programme(id).await
    }

    async fn write_programme(
        &self,
        id: Option<i64>,
        new: &NewProgramme,
        ctx: &AuditContext,
    ) -> StoreResult<i64> {
        let min_age = new.eligibility.min_age.map(i32::from);
        let needs = needs_text(&new.eligibility.needs);
        let pathway = pathway_text(&new.pathway);
        Ok(on_writer!(self, pool => {
            let mut tx = pool.begin_with(crate::store::begin_statement(pool)).await?;
            let taken: Option<(i64,)> = sqlx::query_as(
                "SELECT id FROM programmes WHERE LOWER(name) = LOWER($1) AND id <> $2")
                .bind(&new.name).bind(id.unwrap_or(0)).fetch_optional(&mut *tx).await?;
            if taken.is_some() {
                return Err(Refusal::ProgrammeNameTaken.into());
            }
            for team in &new.team_ids {
                let known: Option<(i64,)> = sqlx::query_as("SELECT id FROM teams WHERE id = $1")
                    .bind(team).fetch_optional(&mut *tx).await?;
                if known.is_none() {
                    return Err(StoreError::UnknownReference { field: "team_ids" });
                }
            }
            let (id, action) = match id {
                None => {
                    let (id,): (i64,) = sqlx::query_as(
                        "INSERT INTO programmes (name, model, description, min_age, eligible_needs, eligibility_notes, pathway, active) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
                        .bind(&new.name).bind(new.model.code()).bind(&new.description).bind(min_age)
                        .bind(&needs).bind(&new.eligibility.notes).bind(&pathway).bind(new.active)
                        .fetch_one(&mut *tx).await?;
                    (id, AuditAction::Create)
                }
                Some(id) => {
                    let updated: Option<(i64,)> = sqlx::query_as(
                        "UPDATE programmes SET name = $1, model = $2, description = $3, min_age = $4, \
                         eligible_needs = $5, eligibility_notes = $6, pathway = $7, active = $8 WHERE id = $9 RETURNING id")
                        .bind(&new.name).bind(new.model.code()).bind(&new.description).bind(min_age)
                        .bind(&needs).bind(&new.eligibility.notes).bind(&pathway).bind(new.active).bind(id)
                        .fetch_optional(&mut *tx).await?;
                    if updated.is_none() {
                        return Err(StoreError::NotFound { what: "programme" });
                    }
                    sqlx::query("DELETE FROM programme_teams WHERE programme_id = $1")
                        .bind(id).execute(&mut *tx).await?;
                    (id, AuditAction::Update)
                }
            };
            for team in &new.team_ids {
                sqlx::query("INSERT INTO programme_teams (programme_id, team_id) VALUES ($1, $2)")
                    .bind(id).bind(team).execute(&mut *tx).await?;
            }
            append_audit!(tx, ctx, action, "programme", Some(id), None::<i64>);
            tx.commit().await?;
            id
        }))
    }

    /// Every team, by name: what a programme can be run by.
    pub async fn team_names(&self) -> StoreResult<Vec<(i64, String)>> {
        Ok(on_reader!(self, pool => sqlx::query_as(
            "SELECT id, name FROM teams ORDER BY name, id").fetch_all(pool).await)?)
    }

    /// The team that serves a practice, if any: the team a referral from it goes to.
    pub async fn team_of_practice(&self, practice_id: i64) -> StoreResult<Option<i64>> {
        let row: Option<(Option<i64>,)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT team_id FROM practices WHERE id = $1").bind(practice_id).fetch_optional(pool).await)?;
        Ok(row.and_then(|r| r.0))
    }
}
