//! The `/api/v1` route table and its OpenAPI document, at the composition root: it names every
//! capability's handlers, which in turn use `crate::api`'s extractors, so dependencies run one
//! way (docs/architecture.md).

use crate::error::Problem;
use crate::state::AppState;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Linkwell API",
        description = "Social prescribing referrals, caseload, measures and connections. \
            Every endpoint needs a bearer API token. Errors are RFC 9457 problem documents.",
        license(name = "AGPL-3.0-or-later")
    ),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(Problem))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// Every API route, each with its OpenAPI description, so the document cannot drift.
pub fn routes() -> OpenApiRouter<AppState> {
    use crate::accounts::api as accounts;
    use crate::activity::api as activity;
    use crate::capacity::api as capacity;
    use crate::consent::api as consent;
    use crate::diary::api as diary;
    use crate::directory::api as directory;
    use crate::equity::api as equity;
    use crate::geo::api as geo;
    use crate::messages::api as messages;
    use crate::people::api as people;
    use crate::programmes::api as programmes;
    use crate::referrals::api as referrals;
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(referrals::me))
        .routes(routes!(accounts::list_tokens, accounts::issue_token))
        .routes(routes!(accounts::revoke_token))
        .routes(routes!(geo::look_up_postcode))
        .routes(routes!(people::create_person))
        .routes(routes!(people::get_person))
        .routes(routes!(people::update_record))
        .routes(routes!(referrals::create_referral))
        .routes(routes!(referrals::get_referral))
        .routes(routes!(referrals::transition))
        .routes(routes!(referrals::assign))
        .routes(routes!(referrals::add_contact))
        .routes(routes!(referrals::add_need))
        .routes(routes!(referrals::add_goal))
        .routes(routes!(referrals::add_goal_progress))
        .routes(routes!(referrals::add_barrier))
        .routes(routes!(referrals::add_measure))
        .routes(routes!(referrals::add_connection))
        .routes(routes!(diary::book_appointment, diary::list_appointments))
        .routes(routes!(diary::cancel_appointment))
        .routes(routes!(diary::my_day))
        .routes(routes!(referrals::set_connection_status))
        .routes(routes!(messages::list_messages, messages::send_message))
        .routes(routes!(crate::safeguarding::api::record_concern))
        .routes(routes!(crate::safeguarding::api::list_concerns))
        .routes(routes!(referrals::caseload))
        .routes(routes!(referrals::hand_over_caseload))
        .routes(routes!(referrals::list_services, referrals::create_service))
        .routes(routes!(consent::add_consent))
        .routes(routes!(consent::withdraw_consent))
        .routes(routes!(consent::confirm_consent))
        .routes(routes!(consent::organisation_connections))
        .routes(routes!(consent::answer_connection))
        .routes(routes!(equity::equity_report))
        .routes(routes!(capacity::capacity_report))
        .routes(routes!(activity::activity_report))
        .routes(routes!(crate::costs::api::cost_report))
        .routes(routes!(
            crate::costs::api::list_costs,
            crate::costs::api::record_cost
        ))
        .routes(routes!(activity::own_outcomes))
        .routes(routes!(
            crate::service_use::api::record_service_use,
            crate::service_use::api::list_service_use
        ))
        .routes(routes!(crate::service_use::api::import_service_use))
        .routes(routes!(crate::service_use::api::service_use_report))
        .routes(routes!(
            programmes::list_programmes,
            programmes::create_programme
        ))
        .routes(routes!(programmes::get_programme))
        .routes(routes!(programmes::change_programme))
        .routes(routes!(directory::search))
        .routes(routes!(directory::matches))
        .routes(routes!(directory::change_listing))
        .routes(routes!(directory::listing_history))
        .routes(routes!(crate::ontology::api::ontology_json_ld))
        .routes(routes!(crate::ontology::api::ontology_turtle))
        .routes(routes!(crate::outbox::api::requeue_dead_letters))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    /// The name each `ToSchema` type is published under: its own, or `#[schema(as = X)]`.
    fn schema_names(dir: &Path, found: &mut BTreeMap<String, Vec<String>>) {
        for entry in std::fs::read_dir(dir).expect("src is readable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                schema_names(&path, found);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a source file");
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if !(line.contains("derive(") && line.contains("ToSchema")) {
                    continue;
                }
                let mut alias = None;
                for (j, next) in lines.iter().enumerate().skip(i + 1).take(15) {
                    if let Some(rest) = next.split("schema(as = ").nth(1) {
                        let name = rest.split(')').next().unwrap_or_default();
                        alias = name.rsplit("::").next().map(str::to_string);
                    }
                    let item = next.trim_start().trim_start_matches("pub ");
                    if let Some(rest) = item
                        .strip_prefix("struct ")
                        .or_else(|| item.strip_prefix("enum "))
                    {
                        let own: String = rest
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        found
                            .entry(alias.take().unwrap_or(own))
                            .or_default()
                            .push(format!("{}:{}", path.display(), j + 1));
                        break;
                    }
                }
            }
        }
    }

    /// utoipa keeps one schema per name and silently drops the others, so two types
    /// published under one name make the document describe one of them wrongly (found
    /// once only by schemathesis). Every name must belong to one type.
    #[test]
    fn every_schema_name_belongs_to_one_type() {
        let mut found = BTreeMap::new();
        schema_names(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        assert!(found.len() > 100, "{} schemas found", found.len());
        assert!(
            found.contains_key("ServiceUseBreakdown"),
            "aliases are read"
        );
        let clashes: Vec<_> = found.iter().filter(|(_, at)| at.len() > 1).collect();
        assert!(clashes.is_empty(), "{clashes:#?}");
    }
}
