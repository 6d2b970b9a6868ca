//! The differencing attacker, as a property test. It plays an analyst who asks for one
//! quarter's system outcomes report unfiltered and filtered to each programme, and tries
//! to subtract the shown means down to 1 to 7 people.
//!
//! Means are taken as exact sums (mean times an exact count), so what the analyst knows is
//! the span of the shown groups' sums. People alike in every shown group can never be told
//! apart, so they form one atom; some combination of the sums is non-zero on 1 to 7
//! people alone exactly when, for some set T of atoms holding 1 to 7 people, the shown
//! groups restricted to the atoms outside T have a lower rank than all of them. The
//! attacker tries every such T. This is written apart from `equity::differencing` (graph
//! cuts between two families, then a pruned search): here every T is tried.
//!
//! The same attacker against a naive publisher (every mean on 8 or more pairs) finds
//! people to expose in most data sets, so it has teeth.

use super::report::{compute, parse_quarter, ReferralUse, Request, ServiceUseFacts};
use crate::people::Ethnicity;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The rank of 0/1 rows restricted to the columns kept, by Gaussian elimination in
/// floating point with partial pivoting (exact enough for 0/1 matrices this small, and
/// written apart from `equity::differencing`, which works modulo a prime).
fn rank(rows: &[Vec<bool>], keep: &[bool]) -> usize {
    let mut m: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|(x, _)| if *x { 1.0 } else { 0.0 })
                .collect()
        })
        .collect();
    let columns = m.first().map_or(0, Vec::len);
    let mut rank = 0;
    for c in 0..columns {
        let Some(pivot) = (rank..m.len())
            .filter(|&r| m[r][c].abs() > 1e-9)
            .max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs()))
        else {
            continue;
        };
        m.swap(rank, pivot);
        let pivot_row = m[rank].clone();
        for (r, row) in m.iter_mut().enumerate() {
            if r != rank {
                let factor = row[c] / pivot_row[c];
                for (x, p) in row.iter_mut().zip(&pivot_row).skip(c) {
                    *x -= factor * p;
                }
            }
        }
        rank += 1;
    }
    rank
}

/// Whether some combination of the shown groups' sums falls on 1 to 7 people alone.
/// `groups[g][p]`: person p is in shown group g.
fn exposes_someone(groups: &[Vec<bool>], people: usize) -> bool {
    if groups.is_empty() {
        return false;
    }
    // Atoms: people with the same membership of every shown group.
    let mut atoms: Vec<(Vec<bool>, u64)> = Vec::new();
    for p in 0..people {
        let signature: Vec<bool> = groups.iter().map(|g| g[p]).collect();
        match atoms.iter_mut().find(|(s, _)| *s == signature) {
            Some((_, n)) => *n += 1,
            None => atoms.push((signature, 1)),
        }
    }
    // Rows: groups over atoms.
    let rows: Vec<Vec<bool>> = (0..groups.len())
        .map(|g| atoms.iter().map(|(s, _)| s[g]).collect())
        .collect();
    let full = rank(&rows, &vec![true; atoms.len()]);
    let sizes: Vec<u64> = atoms.iter().map(|(_, n)| *n).collect();
    let mut keep = vec![true; atoms.len()];
    search(&rows, &sizes, &mut keep, 0, 0, full)
}

/// Depth-first over sets of atoms holding at most 7 people: does leaving them out lower
/// the rank?
fn search(
    rows: &[Vec<bool>],
    sizes: &[u64],
    keep: &mut [bool],
    from: usize,
    taken: u64,
    full: usize,
) -> bool {
    for a in from..sizes.len() {
        if taken + sizes[a] > crate::equity::disclosure::LARGEST_HIDDEN {
            continue;
        }
        keep[a] = false;
        let found =
            rank(rows, keep) < full || search(rows, sizes, keep, a + 1, taken + sizes[a], full);
        keep[a] = true;
        if found {
            return true;
        }
    }
    false
}

/// A quarter's referrals, every one with a GP pair: two programmes and none, two
/// quintiles and unknown, two ethnic groups and unknown, unevenly, so that groups of 8 or
/// more sit beside small remainders.
fn generated(rng: &mut ChaCha8Rng) -> ServiceUseFacts {
    let n = rng.gen_range(16..=44);
    let referrals = (0..n)
        .map(|_| ReferralUse {
            key: rng.gen(),
            received: "2026-02-10".parse().unwrap(),
            team_id: Some(1),
            programme_id: [Some(1), Some(1), Some(2), None][rng.gen_range(0..4)],
            imd_decile: [Some(1), Some(1), Some(5), None][rng.gen_range(0..4)],
            ethnicity: [
                Some(Ethnicity::White),
                Some(Ethnicity::White),
                Some(Ethnicity::Asian),
                None,
            ][rng.gen_range(0..4)],
            before: [Some(rng.gen_range(0..12)), None],
            after: [Some(rng.gen_range(0..12)), None],
        })
        .collect();
    ServiceUseFacts {
        programmes: vec![(1, "Hub".into()), (2, "Befriending".into())],
        referrals,
    }
}

/// Who is in a shown row: the row's breakdown and code, within the programme filtered to.
fn member(r: &ReferralUse, filter: Option<i64>, breakdown: &str, code: &str) -> bool {
    let quintile = r.imd_decile.map_or(0, |d| d.div_ceil(2)).to_string();
    filter.is_none_or(|p| r.programme_id == Some(p))
        && match breakdown {
            "all" => true,
            "programme" => r.programme_id.map(|p| p.to_string()).as_deref() == Some(code),
            "imd_quintile" => quintile == code,
            "ethnic_group" => r.ethnicity.map(|e| e.code()) == Some(code),
            other => panic!("no breakdown {other}"),
        }
}

/// The groups whose GP means the report shows, unfiltered and for each programme.
fn shown_groups(facts: &ServiceUseFacts) -> Vec<Vec<bool>> {
    let today = "2026-11-30".parse().unwrap();
    let mut groups = Vec::new();
    for filter in [None, Some(1), Some(2)] {
        let request = Request {
            period: parse_quarter(Some("2026-Q1"), today).unwrap(),
            team_id: None,
            programme_id: filter,
            today,
        };
        let report = compute(facts, &request, "all teams".into(), chrono::Utc::now());
        for b in &report.breakdowns {
            for g in &b.groups {
                if g.measures[0].mean_change.is_some() {
                    groups.push(
                        facts
                            .referrals
                            .iter()
                            .map(|r| member(r, filter, b.code, &g.code))
                            .collect(),
                    );
                }
            }
        }
    }
    groups
}

/// Every group of the same reports with 8 or more pairs: what a publisher without the
/// differencing check would show.
fn naive_groups(facts: &ServiceUseFacts) -> Vec<Vec<bool>> {
    let mut groups = Vec::new();
    for filter in [None, Some(1), Some(2)] {
        let rows = [("all", "all")]
            .into_iter()
            .chain([("programme", "1"), ("programme", "2")])
            .chain(["1", "3", "0"].map(|q| ("imd_quintile", q)))
            .chain(["white", "asian"].map(|e| ("ethnic_group", e)));
        for (b, code) in rows {
            let g: Vec<bool> = facts
                .referrals
                .iter()
                .map(|r| member(r, filter, b, code))
                .collect();
            if g.iter().filter(|x| **x).count() >= 8 {
                groups.push(g);
            }
        }
    }
    groups
}

#[test]
fn subtracting_shown_means_never_isolates_a_few_people() {
    assert!(Ethnicity::ALL.iter().any(|e| e.code() == "white"));
    assert!(Ethnicity::ALL.iter().any(|e| e.code() == "asian"));
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let (mut sets, mut naive_exposed, mut means_shown, mut naive_shown) = (0, 0, 0, 0);
    for _ in 0..120 {
        let facts = generated(&mut rng);
        let people = facts.referrals.len();
        let shown = shown_groups(&facts);
        means_shown += shown.len();
        assert!(
            !exposes_someone(&shown, people),
            "shown means can be subtracted down to 1 to 7 people: {facts:?}"
        );
        let naive = naive_groups(&facts);
        naive_shown += naive.len();
        if exposes_someone(&naive, people) {
            naive_exposed += 1;
        }
        sets += 1;
    }
    // The attacker has teeth: without the check, most data sets give someone away.
    assert!(naive_exposed * 2 > sets, "{naive_exposed} of {sets}");
    // And the check leaves most means to read (824 of 1,251 when written).
    assert!(
        means_shown * 2 > naive_shown,
        "{means_shown} means shown of {naive_shown}"
    );
}
