//! `linkwell bench ...`: in-process benchmarks run from the command line, each beside the peer
//! it must beat. An outer layer like the CLI: it may use the demo generator and any capability,
//! and nothing below it uses it.

pub mod activity;
pub mod directory;
pub mod equity;
