//! The capacity report as JSON, CSV (one row per figure, text cells neutralised) or one
//! self-contained HTML file (the page and the download share it).

use super::{CapacityReport, DemandMonth, UnmetRow};
use crate::csv_cell::neutralise;
use crate::equity::disclosure::Shown;
use crate::equity::render::Format;

pub fn render(report: &CapacityReport, format: Format) -> anyhow::Result<String> {
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(report)?,
        Format::Csv => csv(report)?,
        Format::Html => html_document(report),
    })
}

/// Writes one CSV row: section, group, month, figure, value.
type RowWriter<'a> = dyn FnMut(&str, &str, &str, &str, String) -> csv::Result<()> + 'a;

/// Rows of `section, group, month, figure, value`.
fn csv(report: &CapacityReport) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["section", "group", "month", "figure", "value"])?;
    let mut row = |section: &str, group: &str, month: &str, figure: &str, value: String| {
        w.write_record([
            section,
            &neutralise(group),
            month,
            figure,
            &neutralise(&value),
        ])
    };
    let unmet = |row: &mut RowWriter, section: &str, r: &UnmetRow| -> csv::Result<()> {
        row(section, &r.label, "", "needs", r.needs.text())?;
        row(
            section,
            &r.label,
            "",
            "no_service_in_reach",
            r.no_service_in_reach.text(),
        )?;
        row(
            section,
            &r.label,
            "",
            "only_full_services",
            r.only_full_services.text(),
        )?;
        row(section, &r.label, "", "unmet", r.unmet.text())
    };
    for r in &report.unmet_by_need {
        unmet(&mut row, "unmet_by_need", r)?;
    }
    for r in &report.unmet_by_area {
        unmet(&mut row, "unmet_by_area", r)?;
    }
    unmet(&mut row, "unmet_total", &report.unmet_total)?;
    for s in &report.services_full {
        let group = format!("{} ({})", s.service, s.organisation);
        let places = |p: Option<f64>| p.map(|p| p.to_string()).unwrap_or_default();
        row(
            "services_full",
            &group,
            "",
            "places_available",
            places(s.places_available),
        )?;
        row(
            "services_full",
            &group,
            "",
            "places_maximum",
            places(s.places_maximum),
        )?;
        for m in &s.sent_by_month {
            row("services_full", &group, &m.month, "sent", m.count.text())?;
        }
        row("services_full", &group, "", "sent", s.sent.text())?;
        row(
            "services_full",
            &group,
            "",
            "declined_for_capacity",
            s.declined_for_capacity.text(),
        )?;
        row(
            "services_full",
            &group,
            "",
            "unmet_needs_blocked",
            s.unmet_needs_blocked.text(),
        )?;
    }
    for d in report
        .declined_for_capacity
        .iter()
        .chain([&report.declined_for_capacity_total])
    {
        row("declined", &d.organisation, "", "sent", d.sent.text())?;
        row(
            "declined",
            &d.organisation,
            "",
            "declined",
            d.declined.text(),
        )?;
        row(
            "declined",
            &d.organisation,
            "",
            "declined_for_capacity",
            d.declined_for_capacity.text(),
        )?;
    }
    for l in &report.listings_not_checked {
        let group = format!("{} ({})", l.service, l.organisation);
        let checked = l.last_checked.map(|d| d.to_string()).unwrap_or_default();
        row("listings_not_checked", &group, "", "last_checked", checked)?;
    }
    for o in &report.organisations {
        for m in o.months.iter().chain([&o.total]) {
            let month = if m.month == "total" { "" } else { &m.month };
            row(
                "organisation_demand",
                &o.organisation,
                month,
                "sent",
                m.sent.text(),
            )?;
            row(
                "organisation_demand",
                &o.organisation,
                month,
                "accepted",
                m.accepted.text(),
            )?;
            row(
                "organisation_demand",
                &o.organisation,
                month,
                "attended",
                m.attended.text(),
            )?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn cell(s: Shown) -> String {
    format!("<td class=\"num\">{}</td>", s.text())
}

/// The report's body: headed tables, no scripts, nothing linking to a person.
pub fn html_body(report: &CapacityReport) -> String {
    let mut h = String::new();
    h.push_str(&format!(
        "<p>Period {} to {}{}. Counts about people are perturbed and rounded to 5; <code>*</code> is 0 to 7.</p>",
        report.period.from,
        report.period.to,
        report
            .programme
            .as_deref()
            .map(|p| format!(", programme {} only (its referrals' needs and connections)", esc(p)))
            .unwrap_or_default()
    ));
    let unmet_table = |h: &mut String, id: &str, caption: &str, rows: &[&UnmetRow]| {
        h.push_str(&format!(
            "<table id=\"{id}\"><caption>{caption}</caption><thead><tr><th scope=\"col\">Group</th>\
<th scope=\"col\">Needs</th><th scope=\"col\">No service in reach</th><th scope=\"col\">Only full services</th>\
<th scope=\"col\">Unmet</th></tr></thead><tbody>"
        ));
        for r in rows {
            h.push_str(&format!(
                "<tr><th scope=\"row\">{}</th>{}{}{}{}</tr>",
                esc(&r.label),
                cell(r.needs),
                cell(r.no_service_in_reach),
                cell(r.only_full_services),
                cell(r.unmet)
            ));
        }
        h.push_str("</tbody></table>");
    };
    h.push_str("<h2>Needs no service within reach could meet</h2>");
    let mut by_need: Vec<&UnmetRow> = report.unmet_by_need.iter().collect();
    by_need.push(&report.unmet_total);
    unmet_table(&mut h, "unmet-by-need", "By need", &by_need);
    let by_area: Vec<&UnmetRow> = report.unmet_by_area.iter().collect();
    unmet_table(
        &mut h,
        "unmet-by-area",
        "By area (IMD quintile at referral)",
        &by_area,
    );

    h.push_str("<h2>Services full</h2>");
    if report.services_full.is_empty() {
        h.push_str("<p>No listing says it is full.</p>");
    } else {
        h.push_str("<table id=\"services-full\"><caption>Services whose listing shows no places free</caption><thead><tr>\
<th scope=\"col\">Service</th><th scope=\"col\">Organisation</th><th scope=\"col\">Places free / most</th>");
        for m in report.services_full[0].sent_by_month.iter() {
            h.push_str(&format!("<th scope=\"col\">Sent {}</th>", m.month));
        }
        h.push_str("<th scope=\"col\">Sent</th><th scope=\"col\">Declined: full</th><th scope=\"col\">Unmet needs it blocks</th></tr></thead><tbody>");
        for s in &report.services_full {
            let places = |p: Option<f64>| p.map(|p| p.to_string()).unwrap_or("–".into());
            h.push_str(&format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{} / {}</td>",
                esc(&s.service),
                esc(&s.organisation),
                places(s.places_available),
                places(s.places_maximum)
            ));
            for m in &s.sent_by_month {
                h.push_str(&cell(m.count));
            }
            h.push_str(&format!(
                "{}{}{}</tr>",
                cell(s.sent),
                cell(s.declined_for_capacity),
                cell(s.unmet_needs_blocked)
            ));
        }
        h.push_str("</tbody></table>");
    }

    h.push_str(
        "<h2>Connections declined because the service was full</h2>\
<table id=\"declined\"><thead><tr><th scope=\"col\">Organisation</th><th scope=\"col\">Sent</th>\
<th scope=\"col\">Declined</th><th scope=\"col\">Declined: no places</th></tr></thead><tbody>",
    );
    for d in report
        .declined_for_capacity
        .iter()
        .chain([&report.declined_for_capacity_total])
    {
        h.push_str(&format!(
            "<tr><th scope=\"row\">{}</th>{}{}{}</tr>",
            esc(&d.organisation),
            cell(d.sent),
            cell(d.declined),
            cell(d.declined_for_capacity)
        ));
    }
    h.push_str("</tbody></table>");

    h.push_str("<h2>Listings not checked for a year</h2>");
    if report.listings_not_checked.is_empty() {
        h.push_str("<p>Every listing has been checked in the last 12 months.</p>");
    } else {
        h.push_str("<table id=\"not-checked\"><thead><tr><th scope=\"col\">Service</th><th scope=\"col\">Organisation</th>\
<th scope=\"col\">Last checked</th></tr></thead><tbody>");
        for l in &report.listings_not_checked {
            h.push_str(&format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
                esc(&l.service),
                esc(&l.organisation),
                l.last_checked
                    .map_or("never".to_string(), |d| d.to_string())
            ));
        }
        h.push_str("</tbody></table>");
    }

    h.push_str("<h2>Demand by organisation</h2>");
    for o in &report.organisations {
        h.push_str(&format!(
            "<table class=\"demand\"><caption>{}</caption><thead><tr><th scope=\"col\">Month</th>\
<th scope=\"col\">Sent</th><th scope=\"col\">Accepted</th><th scope=\"col\">Attended</th></tr></thead><tbody>",
            esc(&o.organisation)
        ));
        let row = |h: &mut String, m: &DemandMonth| {
            h.push_str(&format!(
                "<tr><th scope=\"row\">{}</th>{}{}{}</tr>",
                esc(&m.month),
                cell(m.sent),
                cell(m.accepted),
                cell(m.attended)
            ));
        };
        for m in &o.months {
            row(&mut h, m);
        }
        row(&mut h, &o.total);
        h.push_str("</tbody></table>");
    }
    if report.organisations.is_empty() {
        h.push_str("<p>No connections were sent in the period.</p>");
    }
    h.push_str("<h2>Definitions</h2><ul>");
    for d in &report.definitions {
        h.push_str(&format!("<li>{}</li>", esc(d)));
    }
    h.push_str(&format!(
        "</ul><h2>Disclosure control</h2><p>{}</p>",
        esc(&report.disclosure_control)
    ));
    h
}

fn html_document(report: &CapacityReport) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
content=\"width=device-width, initial-scale=1\"><title>What the community is missing</title>\
<style>body{{font-family:system-ui,sans-serif;margin:1rem;max-width:60rem}}table{{border-collapse:collapse;margin:1rem 0}}\
th,td{{border:1px solid #888;padding:.25rem .5rem;text-align:left}}td.num{{text-align:right}}</style></head>\
<body><h1>What the community is missing</h1>{}</body></html>",
        html_body(report)
    )
}
