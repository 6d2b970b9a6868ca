//! The figure from the literature shown beside a programme's unit costs, with everything
//! known about where it comes from (data/README.md, "Cost per participant from the
//! literature"). Stated as found: where the original study could not be checked, the
//! report says so rather than name a source it has not seen.

use serde::Serialize;
use utoipa::ToSchema;

/// A published cost per person, and why it is not a like-for-like comparison.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LiteratureFigure {
    /// In whole pence at the study's own prices.
    pub amount_pence: i64,
    /// What it is a cost of: per participant, per patient...
    pub per: String,
    /// The year its prices are in, when known.
    pub price_year: Option<i32>,
    /// Where Linkwell took the figure from, in full.
    pub source: String,
    /// What could and could not be checked about the original study.
    pub provenance: String,
    /// Why the figure is shown beside ours but is not comparable with it.
    pub caution: String,
}

/// £1,345 per participant: the figure the review behind Linkwell cites for one study
/// (issue 17, item 5). The original study could not be found in the reference material
/// available to the project; see data/README.md for the searches made.
pub fn reference_figure() -> LiteratureFigure {
    LiteratureFigure {
        amount_pence: 134_500,
        per: "participant".into(),
        price_year: None,
        source: "The review of social prescribing behind Linkwell, as quoted in Linkwell's issue 17 \
(item 5): \"the review cites £1,345 per participant in one study\"."
            .into(),
        provenance: "The original study has not been identified: searches of the reference material \
available to the project (for the figure itself, and for economic evaluations of link-worker social \
prescribing, including Kiely et al., BMJ Open 2022;12:e062951, a systematic review of link workers' \
effects on health outcomes and costs) did not find it, so its authors, year, setting and price year are \
unknown. It is shown as the review quotes it, not as checked."
            .into(),
        caution: "Not a like-for-like comparison. The study's costs are at its own, unknown, price year \
(not adjusted for inflation), were counted in its own way (which staff, overheads and grants it \
included), and are per participant as that study defined one; ours are this programme's recorded costs \
for the period divided by published, disclosure-controlled counts. Use it as a rough point of \
reference only."
            .into(),
    }
}
