//! The community directory (docs/directory.md): services, organisations, locations and taxonomy
//! in HSDS 3.0 with the Open Referral UK profile. `hsds` types the parts Linkwell reads,
//! `feed` reads and writes ORUK JSON feeds, `catalogue` is the in-memory copy a server
//! answers from, and `oruk` serves the standard's read API.

pub mod api;
pub mod cache;
pub mod catalogue;
pub mod curation;
pub mod feed;
pub mod hsds;
pub mod matching;
pub mod oruk;
pub mod package;
pub mod results;
pub mod search;
pub mod taxonomy;
