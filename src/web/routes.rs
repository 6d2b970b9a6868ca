//! The page router and nothing else: every page and form address, and the handler that
//! answers it (handlers live in one file per resource, as crates.io lays out its controllers).

use super::{
    accounts, activity, admin, admin_costs, admin_outbox, admin_programmes, assets, capacity,
    caseload, cost_report, diary, directory, forms, home, messages, own_outcomes, person,
    person_record, referral_form, reports, self_referral, service_use, session, team, visits,
};
use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/static/linkwell.css", get(assets::stylesheet))
        .route("/static/linkwell.js", get(assets::script))
        .route(
            "/referrals/new",
            get(referral_form::new_referral_page).post(referral_form::make_referral),
        )
        .route("/postcode-check", get(referral_form::check_postcode))
        .route(
            "/self-referral",
            get(self_referral::self_referral_page).post(self_referral::submit_self_referral),
        )
        .route(
            "/sign-in",
            get(session::sign_in_page).post(session::sign_in),
        )
        .route("/sign-out", post(session::sign_out))
        .route("/caseload", get(caseload::caseload_page))
        .route("/team", get(team::team_page))
        .route(
            "/team/handover",
            get(team::hand_over_page).post(team::hand_over),
        )
        .route("/admin", get(admin::admin_page))
        .route("/admin/outbox", get(admin_outbox::outbox_page))
        .route("/admin/outbox/requeue", post(admin_outbox::requeue))
        .route(
            "/admin/programmes",
            get(admin_programmes::programmes_page).post(admin_programmes::create_programme),
        )
        .route(
            "/admin/programmes/{id}",
            post(admin_programmes::change_programme),
        )
        .route(
            "/admin/programmes/{id}/costs",
            get(admin_costs::costs_page).post(admin_costs::record_cost),
        )
        .route("/admin/invitations", post(admin::invite))
        .route("/admin/accounts/{id}/disable", post(admin::disable))
        .route("/admin/accounts/{id}/enable", post(admin::enable))
        .route("/admin/accounts/{id}/unlock", post(admin::unlock))
        .route(
            "/admin/accounts/{id}/sessions/end",
            post(admin::end_sessions),
        )
        .route(
            "/admin/accounts/{id}/tokens/revoke",
            post(admin::revoke_tokens),
        )
        .route(
            "/admin/accounts/{id}/password-reset",
            post(admin::reset_password),
        )
        .route(
            "/password-links/{secret}",
            get(accounts::password_link_page).post(accounts::use_password_link),
        )
        .route(
            "/account/password",
            get(accounts::change_password_page).post(accounts::change_password),
        )
        .route(
            "/account/calendar",
            get(diary::calendar_link_page).post(diary::make_calendar_link),
        )
        .route("/account/calendar/stop", post(diary::stop_calendar_link))
        .route("/calendar/{file}", get(diary::feed))
        .route(
            "/referrals/{id}/appointments",
            post(forms::appointment::book_appointment),
        )
        .route("/appointments/{id}/letter", get(diary::letter_page))
        .route("/appointments/{id}/cancel", post(diary::cancel))
        .route("/visits", get(visits::visits_page))
        .route("/visits/{id}/done", post(visits::record_visit))
        .route(
            "/visits/{id}/not-happened",
            post(visits::record_not_happened),
        )
        .route("/visits/{id}/worry", post(visits::raise_worry))
        .route("/referrals/{id}/visits", post(forms::visit::arrange_visit))
        .route(
            "/referrals/{id}/concerns",
            post(forms::concern::record_concern),
        )
        .route("/referrals/{id}/assignment", post(team::assign))
        .route("/reports/equity", get(reports::equity_page))
        .route("/reports/capacity", get(capacity::capacity_page))
        .route("/reports/capacity.csv", get(capacity::capacity_csv))
        .route("/reports/activity", get(activity::activity_page))
        .route("/me/outcomes", get(own_outcomes::own_outcomes_page))
        .route("/reports/activity/{file}", get(activity::activity_download))
        .route("/reports/cost", get(cost_report::cost_page))
        .route("/reports/cost/{file}", get(cost_report::cost_download))
        .route("/reports/service-use", get(service_use::service_use_page))
        .route(
            "/reports/service-use/{file}",
            get(service_use::service_use_download),
        )
        .route(
            "/referrals/{id}/service-use",
            post(forms::service_use::record_service_use),
        )
        .route("/directory", get(directory::directory_page))
        .route("/directory/services/{id}", get(directory::service_page))
        .route(
            "/directory/services/{id}/changes",
            post(directory::change_listing),
        )
        .route("/referrals/{id}/matches", get(directory::matches_page))
        .route("/vcse/inbox", get(directory::inbox_page))
        .route(
            "/vcse/connections/{id}/status",
            post(directory::answer_connection),
        )
        .route(
            "/connections/{id}/messages",
            get(messages::messages_page).post(messages::send_message),
        )
        .route("/reports/equity/{file}", get(reports::equity_download))
        .route("/people/{id}", get(person::person_page))
        .route("/people/{id}/plan", get(person::plan_page))
        .route(
            "/people/{id}/record",
            get(person_record::record_page).post(person_record::save_record),
        )
        .route(
            "/referrals/{id}/contacts",
            post(forms::contact::record_contact),
        )
        .route(
            "/referrals/{id}/measures",
            post(forms::measure::record_measure),
        )
        .route(
            "/referrals/{id}/transitions",
            post(forms::transition::record_transition),
        )
        .route("/referrals/{id}/needs", post(forms::need::record_need))
        .route("/referrals/{id}/goals", post(forms::goal::record_goal))
        .route("/goals/{id}/progress", post(forms::goal::record_progress))
        .route(
            "/referrals/{id}/connections",
            post(forms::connection::connect),
        )
        .route(
            "/consents/{id}/confirmation",
            post(forms::consent::confirm_consent),
        )
}
