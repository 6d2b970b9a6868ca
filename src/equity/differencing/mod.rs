//! Keeping published means from being subtracted down to a few people.
//!
//! A mean is computed from exact values, so its group's sum is its mean times its count.
//! Groups that nest or add up can then be subtracted: if a programme holds 8 of everyone's
//! 9 pairs, 9 × everyone's mean − 8 × the programme's mean is the ninth person's own
//! value. Cell-key noise protects counts, not these sums, and the exact count of a mean is
//! often recoverable (from the means before and after, and the interval), so it is assumed
//! known.
//!
//! Put exactly: the shown groups' sums span a space of combinations of people's values, and
//! 1 to 7 people are exposed when some combination is non-zero on them alone. Groups come
//! in *laminar families* (any two groups of a family are nested or apart: a programme and
//! the programme's quintiles). A family's shown groups cut everyone into cells: each
//! shown group's own part (what its shown subgroups leave) and the *rest* (what no shown
//! group holds, known by subtraction from everyone's sum); its groups' sums and its cells'
//! sums carry the same information. For two families, make a graph with one node per cell
//! of each and an edge between cells of the two, weighted by the people in both. A
//! combination of the two families' sums is non-zero on exactly the people on the edges
//! crossing some cut of that graph, and every connected part's lightest cut is such a
//! combination, so the two families expose someone exactly when a connected part has a
//! cut of weight 1 to 7 (docs/service-use.md works this through).
//! [`withhold_differences`] checks every pair of families (and each alone) and withholds
//! the mean of the smallest group able to mend a light cut, again and again, until no pair
//! has one.
//!
//! Combinations that need three families or more at once are not cuts of one graph;
//! [`exact`] searches for them directly once no pair of families has a light cut, and
//! anything it finds is mended the same way.

mod exact;

use super::disclosure::LARGEST_HIDDEN;
use exact::Isolation;

/// One laminar family of groups: for each atom (people alike in every group), the groups
/// of the family holding it, outermost first. Every group is in one family or more, with
/// the same members in each.
pub type Family = Vec<Vec<usize>>;

/// Withholds means until no combination of the shown ones is a sum over 1 to 7 people:
/// first pair by pair of families, then by the exact search. `atoms[a]` is the number of people (pairs) in atom `a`; `shown[g]` says whether
/// group `g`'s mean may be shown on its own (a published count of 8 or more) and is
/// cleared for every mean withheld. Deterministic: the same data give the same answer in
/// every request, so no two requests differ in what they withhold.
pub fn withhold_differences(atoms: &[u64], families: &[Family], shown: &mut [bool]) {
    // Each group's people, counted once however many families hold it.
    let mut size = vec![0u64; shown.len()];
    for (a, &n) in atoms.iter().enumerate() {
        let mut groups: Vec<usize> = families.iter().flat_map(|f| f[a].clone()).collect();
        groups.sort_unstable();
        groups.dedup();
        for g in groups {
            size[g] += n;
        }
    }
    // A family with no groups pairs with each of the others to check it alone.
    let everyone: Family = vec![Vec::new(); atoms.len()];
    let all: Vec<&Family> = families.iter().chain([&everyone]).collect();
    'again: loop {
        for i in 0..all.len() {
            for j in i + 1..all.len() {
                match light_cut(atoms, all[i], all[j], shown, &size) {
                    Mend::Safe => {}
                    Mend::Withhold(g) => {
                        shown[g] = false;
                        continue 'again;
                    }
                    Mend::WithholdAll(groups) => {
                        for g in groups {
                            shown[g] = false;
                        }
                        continue 'again;
                    }
                }
            }
        }
        let (rows, sizes, members) = shown_rows(atoms, families, shown);
        match exact::isolation(&rows, &sizes) {
            Isolation::None => return,
            Isolation::Atoms(t) | Isolation::Unknown(t) => {
                // The smallest shown group holding any of those people.
                let held = |g: usize| {
                    t.iter()
                        .flat_map(|&c| &members[c])
                        .any(|&a| families.iter().any(|f| f[a].contains(&g)))
                };
                match (0..shown.len())
                    .filter(|&g| shown[g] && held(g))
                    .min_by_key(|&g| (size[g], g))
                {
                    Some(g) => shown[g] = false,
                    None => {
                        shown.fill(false);
                        return;
                    }
                }
            }
        }
    }
}

/// What the exact check works on: people alike in every shown group merged into one
/// atom; each shown group (and everyone, taken as known, as the graph's rest cells take
/// it) as a row over those atoms; their sizes; and the original atoms in each.
fn shown_rows(
    atoms: &[u64],
    families: &[Family],
    shown: &[bool],
) -> (Vec<Vec<bool>>, Vec<u64>, Vec<Vec<usize>>) {
    let groups: Vec<usize> = (0..shown.len()).filter(|&g| shown[g]).collect();
    let mut signatures: Vec<Vec<bool>> = Vec::new();
    let mut sizes = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (a, &n) in atoms.iter().enumerate().filter(|(_, &n)| n > 0) {
        let signature: Vec<bool> = groups
            .iter()
            .map(|&g| families.iter().any(|f| f[a].contains(&g)))
            .collect();
        match signatures.iter().position(|s| *s == signature) {
            Some(i) => {
                sizes[i] += n;
                members[i].push(a);
            }
            None => {
                signatures.push(signature);
                sizes.push(n);
                members.push(vec![a]);
            }
        }
    }
    let mut rows = vec![vec![true; sizes.len()]];
    rows.extend((0..groups.len()).map(|k| signatures.iter().map(|s| s[k]).collect::<Vec<bool>>()));
    (rows, sizes, members)
}

enum Mend {
    Safe,
    Withhold(usize),
    WithholdAll(Vec<usize>),
}

/// One cell of a family as the graph sees it: a shown group's own part, or the rest.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cell {
    Group(usize),
    Rest,
}

/// The cell of an atom: the innermost shown group holding it, and the cell it would fall
/// to were that group withheld.
fn cell(groups: &[usize], shown: &[bool]) -> (Cell, Cell) {
    let mut shown_groups = groups.iter().rev().filter(|&&g| shown[g]);
    let inner = shown_groups.next().map_or(Cell::Rest, |&g| Cell::Group(g));
    let outer = shown_groups.next().map_or(Cell::Rest, |&g| Cell::Group(g));
    (inner, outer)
}

/// The first light cut between two families' cells, and the mean whose withholding
/// mends it.
fn light_cut(atoms: &[u64], left: &Family, right: &Family, shown: &[bool], size: &[u64]) -> Mend {
    if !(0..atoms.len())
        .any(|a| cell(&left[a], shown).0 != Cell::Rest || cell(&right[a], shown).0 != Cell::Rest)
    {
        return Mend::Safe;
    }
    // Nodes: (side, cell, the cell it falls to if withheld).
    let mut nodes: Vec<(bool, Cell, Cell)> = Vec::new();
    let mut weight: Vec<Vec<u64>> = Vec::new();
    let mut node_of = |side: bool, (inner, outer): (Cell, Cell)| match nodes
        .iter()
        .position(|n| (n.0, n.1) == (side, inner))
    {
        Some(i) => i,
        None => {
            nodes.push((side, inner, outer));
            nodes.len() - 1
        }
    };
    let mut edges = Vec::new();
    for (a, &n) in atoms.iter().enumerate().filter(|(_, &n)| n > 0) {
        let l = node_of(false, cell(&left[a], shown));
        let r = node_of(true, cell(&right[a], shown));
        edges.push((l, r, n));
    }
    weight.resize(nodes.len(), vec![0u64; nodes.len()]);
    for (l, r, n) in edges {
        weight[l][r] += n;
        weight[r][l] += n;
    }
    let node = |side: bool, c: Cell| nodes.iter().position(|n| (n.0, n.1) == (side, c));
    for component in components(&weight) {
        let sub: Vec<Vec<u64>> = component
            .iter()
            .map(|&u| component.iter().map(|&v| weight[u][v]).collect())
            .collect();
        let (cut, side) = lightest_cut(sub);
        if cut == 0 || cut > LARGEST_HIDDEN {
            continue;
        }
        // Withholding a group moves its cell into the cell around it. That mends this cut
        // when the cell around it is on the other side; otherwise it makes a larger cell
        // that a later round can mend with.
        let side_of = |i: usize| component.iter().position(|&u| u == i).map(|k| side[k]);
        let candidates: Vec<(bool, usize)> = component
            .iter()
            .enumerate()
            .filter_map(|(k, &u)| match nodes[u] {
                (node_side, Cell::Group(g), outer) => {
                    let across = node(node_side, outer)
                        .and_then(side_of)
                        .is_some_and(|s| s != side[k]);
                    Some((across, g))
                }
                _ => None,
            })
            .collect();
        let best = |across_only: bool| {
            candidates
                .iter()
                .filter(|(across, _)| *across || !across_only)
                .min_by_key(|(_, g)| (size[*g], *g))
                .map(|(_, g)| *g)
        };
        return match best(true).or_else(|| best(false)) {
            Some(g) => Mend::Withhold(g),
            None => Mend::WithholdAll(
                left.iter()
                    .chain(right)
                    .flatten()
                    .copied()
                    .filter(|&g| shown[g])
                    .collect(),
            ),
        };
    }
    Mend::Safe
}

/// The connected parts of a graph given by its weights, each as its nodes.
fn components(weight: &[Vec<u64>]) -> Vec<Vec<usize>> {
    let mut seen = vec![false; weight.len()];
    let mut parts = Vec::new();
    for start in 0..weight.len() {
        if seen[start] {
            continue;
        }
        seen[start] = true;
        let mut part = vec![start];
        let mut next = 0;
        while next < part.len() {
            let u = part[next];
            next += 1;
            for v in 0..weight.len() {
                if !seen[v] && weight[u][v] > 0 {
                    seen[v] = true;
                    part.push(v);
                }
            }
        }
        parts.push(part);
    }
    parts
}

/// The lightest cut of a connected graph (Stoer and Wagner, "A simple min-cut algorithm",
/// J. ACM 44(4), 1997) and which nodes are on one side of it. A single node has no cut:
/// weight 0.
fn lightest_cut(mut weight: Vec<Vec<u64>>) -> (u64, Vec<bool>) {
    let n = weight.len();
    let mut members: Vec<Vec<usize>> = (0..n).map(|v| vec![v]).collect();
    let mut alive: Vec<usize> = (0..n).collect();
    let mut best: (u64, Vec<usize>) = (if n > 1 { u64::MAX } else { 0 }, Vec::new());
    while alive.len() > 1 {
        // Add nodes most tightly connected to those added first; the last one's
        // connection is the cut of this phase.
        let mut added = vec![false; n];
        let mut tie = vec![0u64; n];
        let (mut previous, mut last, mut phase_cut) = (alive[0], alive[0], 0);
        for _ in 0..alive.len() {
            let v = alive
                .iter()
                .copied()
                .filter(|&v| !added[v])
                .max_by_key(|&v| (tie[v], std::cmp::Reverse(v)))
                .expect("a node not yet added");
            added[v] = true;
            previous = last;
            last = v;
            phase_cut = tie[v];
            for &u in &alive {
                if !added[u] {
                    tie[u] += weight[v][u];
                }
            }
        }
        if phase_cut < best.0 {
            best = (phase_cut, members[last].clone());
        }
        for &u in &alive {
            if u != previous && u != last {
                weight[previous][u] += weight[last][u];
                weight[u][previous] = weight[previous][u];
            }
        }
        let moved = std::mem::take(&mut members[last]);
        members[previous].extend(moved);
        alive.retain(|&v| v != last);
    }
    let mut side = vec![false; n];
    for v in best.1 {
        side[v] = true;
    }
    (best.0, side)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A graph worked by hand: a square 0-1-2-3-0 with weights 10, 3, 10, 4 and a
    /// diagonal 0-2 of 1. Cuts that split the square cross two of its edges; the lightest
    /// separates {0, 1} from {2, 3}: 3 + 4 + the diagonal 1 = 8. (Splitting off 1 alone
    /// costs 13, 3 alone 14; {0, 3} from {1, 2} costs 10 + 10 + 1 = 21.)
    #[test]
    fn the_lightest_cut_of_a_small_graph() {
        let mut w = vec![vec![0u64; 4]; 4];
        for (u, v, x) in [(0, 1, 10), (1, 2, 3), (2, 3, 10), (3, 0, 4), (0, 2, 1)] {
            w[u][v] = x;
            w[v][u] = x;
        }
        let (cut, side) = lightest_cut(w);
        assert_eq!(cut, 8);
        assert_eq!(side[0], side[1]);
        assert_eq!(side[2], side[3]);
        assert_ne!(side[0], side[2]);
    }

    /// One breakdown, a programme holding 8 of 9 pairs: everyone minus the programme is
    /// one person, so the programme's mean is withheld and everyone's stays.
    #[test]
    fn a_group_one_short_of_everyone_is_withheld() {
        // Atoms: programme A (8), no programme (1). Group 0: A.
        let atoms = [8, 1];
        let mut shown = [true];
        withhold_differences(&atoms, &[vec![vec![0], vec![]]], &mut shown);
        assert_eq!(shown, [false]);
        // With 8 outside the programme, nothing is withheld.
        let mut shown = [true];
        withhold_differences(&[8, 8], &[vec![vec![0], vec![]]], &mut shown);
        assert_eq!(shown, [true]);
    }

    /// Groups that together cover all but 3 of everyone: the smallest is withheld, which
    /// leaves a rest of 3 + 8 = 11.
    #[test]
    fn groups_adding_up_to_nearly_everyone_lose_the_smallest() {
        // Atoms: group 0 (10), group 1 (8), group 2 (12), nobody's group (3).
        let atoms = [10, 8, 12, 3];
        let mut shown = [true, true, true];
        withhold_differences(
            &atoms,
            &[vec![vec![0], vec![1], vec![2], vec![]]],
            &mut shown,
        );
        assert_eq!(shown, [true, false, true]);
        // Groups covering everyone exactly expose no one: the rest is empty.
        let mut shown = [true, true, true];
        withhold_differences(
            &[10, 8, 12, 0],
            &[vec![vec![0], vec![1], vec![2], vec![]]],
            &mut shown,
        );
        assert_eq!(shown, [true, true, true]);
    }

    /// Two breakdowns whose groups nearly coincide: a programme of 19 pairs, all in
    /// quintile 1, and quintile 1 with 20 (one more, from outside the programme). Each is
    /// far from everyone (40), but quintile 1 minus the programme is one person. The
    /// programme (smaller) is withheld; quintile 1 minus the rest gives nothing then.
    #[test]
    fn nearly_equal_groups_of_two_breakdowns_are_caught() {
        // Atoms: (A, Q1) 19, (none, Q1) 1, (none, Q2) 20.
        let atoms = [19, 1, 20];
        let programme = vec![vec![0], vec![], vec![]];
        let quintile = vec![vec![1], vec![1], vec![2]];
        let mut shown = [true, true, true];
        withhold_differences(&atoms, &[programme.clone(), quintile.clone()], &mut shown);
        assert_eq!(shown, [false, true, true]);
        // Apart by 8, they stand.
        let mut shown = [true, true, true];
        withhold_differences(&[19, 8, 20], &[programme, quintile], &mut shown);
        assert_eq!(shown, [true, true, true]);
    }

    /// Nothing shown, nothing to protect, whatever the sizes.
    #[test]
    fn nothing_shown_is_safe() {
        let mut shown = [false, false];
        withhold_differences(&[3, 2], &[vec![vec![0], vec![1]]], &mut shown);
        assert_eq!(shown, [false, false]);
    }
}
