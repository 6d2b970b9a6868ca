//! GP consultations and A&E attendances around a referral, as the practice would send
//! them (docs/service-use.md), so the system outcomes report has figures. Three referrals
//! in five whose 6 months after are over have both windows. The counts come from the
//! referral's id through a fixed mix, not from the seeded generator, so adding them changes
//! no other draw. Plausible, not sourced: people are referred when they use services more,
//! use falls afterwards (regression to the mean, and more where goals were met and in
//! befriending), and more deprived areas start higher.

use super::History;
use crate::demo::generate::staff::DemoProgramme;
use crate::referrals::CloseReason;
use crate::service_use::{window_days, Window};
use crate::store::bulk::rows::ServiceUseRow;
use chrono::{DateTime, Duration, Utc};

/// SplitMix64 (Steele, Lea and Flood, 2014): a fixed, well-mixed number from an id.
fn mix(id: i64, salt: u64) -> u64 {
    let mut z = (id as u64)
        .wrapping_add(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Both windows, for a referral whose 6 months after were over by the history's today.
pub(super) fn practice_counts(h: &History, t: &mut super::Batch, received_at: DateTime<Utc>) {
    let received = received_at.date_naive();
    let (_, after_ends) = window_days(Window::After, received);
    if after_ends > h.today || mix(h.id, 0) % 5 >= 3 {
        return;
    }
    let draw = |salt: u64, below: u64| (mix(h.id, salt) % below) as i32;
    // Quintile 1 (most deprived) starts about two consultations higher than quintile 5.
    let gp_before = 3 + draw(1, 9) + (5 - h.quintile as i32).max(0) / 2;
    let fall = match h.programme {
        DemoProgramme::Befriending => 2,
        DemoProgramme::Connectors => 1,
        DemoProgramme::Practice => 1,
    } + i32::from(h.close_reason == Some(CloseReason::GoalsMet));
    let gp_after = (gp_before - fall + draw(2, 5) - 2).max(0);
    let ae_before = draw(3, 4);
    let ae_after = (ae_before - draw(4, 2)).max(0);
    // Sent by the practice a few weeks after the window closed, and never after today.
    let latest = h.today.and_hms_opt(17, 0, 0).expect("a time").and_utc();
    let recorded_at = (received_at + Duration::days(190 + i64::from(draw(5, 30)))).min(latest);
    for (window, gp, ae) in [
        ("before", gp_before, ae_before),
        ("after", gp_after, ae_after),
    ] {
        t.service_use.push(ServiceUseRow {
            referral_id: h.id,
            window_code: window,
            gp_consultations: Some(gp),
            ae_attendances: Some(ae),
            source: "practice_import",
            recorded_by: h.lead,
            recorded_at,
        });
    }
}
