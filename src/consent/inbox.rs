//! A community organisation's inbox, split so the one line needing an answer is not lost
//! among a hundred finished ones: what needs an answer, what is under way, what has ended.

use super::SharedConnection;
use crate::referrals::ConnectionStatus;

/// Lines per inbox page.
pub const INBOX_PAGE_SIZE: i64 = 25;

/// Which of the organisation's connections to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InboxFilter {
    /// Waiting for the organisation: not yet accepted or declined, or with a message from
    /// the link worker's team the user has not read. The default.
    #[default]
    NeedsAnswer,
    /// Accepted and still going (in progress, attended a first session).
    Active,
    /// Ended: declined, completed, cancelled or did not take place.
    Closed,
}

impl InboxFilter {
    pub const ALL: [InboxFilter; 3] = [
        InboxFilter::NeedsAnswer,
        InboxFilter::Active,
        InboxFilter::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            InboxFilter::NeedsAnswer => "needs-answer",
            InboxFilter::Active => "active",
            InboxFilter::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InboxFilter::NeedsAnswer => "Needs your answer",
            InboxFilter::Active => "Active",
            InboxFilter::Closed => "Closed",
        }
    }

    /// The filter a query string names; anything else is the default.
    pub fn from_code(code: &str) -> InboxFilter {
        InboxFilter::ALL
            .into_iter()
            .find(|f| f.code() == code)
            .unwrap_or_default()
    }

    /// The statuses that put a line under this filter (for "needs your answer", unread
    /// messages from the team do too).
    pub fn statuses(self) -> Vec<ConnectionStatus> {
        ConnectionStatus::ALL
            .iter()
            .copied()
            .filter(|s| match self {
                InboxFilter::NeedsAnswer => *s == ConnectionStatus::Requested,
                InboxFilter::Active => s.is_open() && *s != ConnectionStatus::Requested,
                InboxFilter::Closed => !s.is_open(),
            })
            .collect()
    }
}

/// How many of the organisation's connections each filter holds, for the user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboxCounts {
    pub needs_answer: i64,
    pub active: i64,
    pub closed: i64,
}

impl InboxCounts {
    pub fn of(&self, filter: InboxFilter) -> i64 {
        match filter {
            InboxFilter::NeedsAnswer => self.needs_answer,
            InboxFilter::Active => self.active,
            InboxFilter::Closed => self.closed,
        }
    }
}

/// One inbox line: the connection as consent lets the organisation see it, and how many
/// messages from the team the user has not read.
#[derive(Debug, Clone)]
pub struct InboxLine {
    pub connection: SharedConnection,
    pub unread_messages: i64,
}

/// The last page holding lines, for `total` lines (page 1 when there are none).
pub fn last_page(total: i64) -> i64 {
    ((total + INBOX_PAGE_SIZE - 1) / INBOX_PAGE_SIZE).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_is_under_exactly_one_filter_and_pages_hold_25() {
        for s in ConnectionStatus::ALL {
            let under = InboxFilter::ALL
                .iter()
                .filter(|f| f.statuses().contains(s))
                .count();
            assert_eq!(under, 1, "{s:?}");
        }
        assert_eq!(InboxFilter::from_code("nonsense"), InboxFilter::NeedsAnswer);
        assert_eq!(InboxFilter::from_code("closed"), InboxFilter::Closed);
        assert_eq!(
            (last_page(0), last_page(25), last_page(26), last_page(30)),
            (1, 1, 2, 2)
        );
    }
}
