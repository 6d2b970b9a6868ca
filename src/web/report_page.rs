//! What every report page shares (activity, community capacity, cost, system outcomes):
//! the programme filter read from the form, the report run, a refused period or programme
//! turned into the form's error summary, the programme choices, the title and status, and
//! the download links and files.

use super::error_page;
use super::programme_filter;
use super::views::Choice;
use crate::auth::CurrentUser;
use crate::equity::render::Format;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::Response;
use std::future::Future;

/// A report page's form, answered.
pub struct Asked<R> {
    /// The report, or none when the period or programme asked for was refused.
    pub report: Option<R>,
    /// The refused field (none: the period) and the problem's detail.
    refused: Option<(Option<String>, String)>,
    /// The programme the report is limited to.
    pub programme: Option<i64>,
    /// Programmes to limit the report to, the one asked for selected.
    pub programmes: Vec<Choice>,
}

impl<R> Asked<R> {
    /// Runs `report` for the programme typed. A refused period or programme becomes the
    /// form's error; anything else (no permission) is the error page, returned as `Err`.
    pub async fn run<F, Fut>(
        state: &AppState,
        user: &CurrentUser,
        programme: Option<&str>,
        report: F,
    ) -> Result<Self, Response>
    where
        F: FnOnce(Option<i64>) -> Fut,
        Fut: Future<Output = AppResult<R>>,
    {
        let asked = programme_filter::asked(programme);
        let programme = asked.as_ref().ok().copied().flatten();
        let result = match asked {
            Ok(programme) => report(programme).await,
            Err(e) => Err(e),
        };
        let (report, refused) = match result {
            Ok(r) => (Some(r), None),
            Err(AppError::Validation { field, detail, .. }) => (None, Some((field, detail))),
            Err(e) => return Err(error_page(Some(user), e)),
        };
        let programmes = programme_filter::choices(state, user, programme)
            .await
            .map_err(|e| error_page(Some(user), e))?;
        Ok(Asked {
            report,
            refused,
            programme,
            programmes,
        })
    }

    /// The refused field ("period" when the problem names none) and its message, as the
    /// error summary shows it.
    pub fn summary(&self) -> Option<(String, String)> {
        self.refused.as_ref().map(|(field, detail)| {
            (
                field.clone().unwrap_or_else(|| "period".into()),
                super::referral_form::capitalised(detail),
            )
        })
    }

    /// The problem's detail alone, for pages whose summary names no field.
    pub fn detail(&self) -> Option<String> {
        self.refused.as_ref().map(|(_, detail)| detail.clone())
    }

    /// The page's title and status: "Error: " and 422 when the form was refused.
    pub fn title_and_status(&self, title: &str) -> (String, StatusCode) {
        match self.refused {
            Some(_) => (format!("Error: {title}"), StatusCode::UNPROCESSABLE_ENTITY),
            None => (title.to_string(), StatusCode::OK),
        }
    }

    /// `{path}/download.{ext}?period=…[&programme=ID]` for the report shown, or nothing
    /// when none is.
    pub fn download_link(&self, path: &str, format: Format, period: fn(&R) -> &str) -> String {
        self.report
            .as_ref()
            .map(|r| {
                format!(
                    "{path}/download.{}?period={}{}",
                    format.extension(),
                    period(r).replace('/', "%2F"),
                    programme_filter::query_part(self.programme)
                )
            })
            .unwrap_or_default()
    }
}

/// A `download.csv`, `download.json` or `download.html` address: its format and the
/// report (`downloaded`); an address of no format is the not-found page.
pub async fn download_file<R, F, Fut>(
    user: &CurrentUser,
    file: &str,
    programme: Option<&str>,
    report: F,
) -> Result<(Format, R), Response>
where
    F: FnOnce(Option<i64>) -> Fut,
    Fut: Future<Output = AppResult<R>>,
{
    let Some(format) = file.strip_prefix("download.").and_then(Format::from_name) else {
        return Err(error_page(Some(user), AppError::NotFound("download")));
    };
    Ok((format, downloaded(user, programme, report).await?))
}

/// The report for a download: the programme typed, then the report; any refusal is the
/// error page.
pub async fn downloaded<R, F, Fut>(
    user: &CurrentUser,
    programme: Option<&str>,
    report: F,
) -> Result<R, Response>
where
    F: FnOnce(Option<i64>) -> Fut,
    Fut: Future<Output = AppResult<R>>,
{
    let programme = programme_filter::asked(programme).map_err(|e| error_page(Some(user), e))?;
    report(programme)
        .await
        .map_err(|e| error_page(Some(user), e))
}
