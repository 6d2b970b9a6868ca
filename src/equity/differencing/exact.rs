//! The exact check behind the graph cuts: whether any combination of the shown groups'
//! sums, of any number of groups from any families, is non-zero on 1 to 7 people alone.
//!
//! People alike in every shown group form one atom; a combination is constant on atoms.
//! Some combination falls on a set T of atoms alone exactly when the shown groups
//! restricted to the atoms outside T have a lower rank than all of them, so the search
//! is for a T of at most 7 people that lowers the rank. T must take an atom from every
//! basis of the atoms it leaves, so the search branches only on the atoms of one basis,
//! built from atoms too large to take wherever it can be: usually a handful. Ranks are
//! taken modulo the prime 2^61 − 1 (exact for these 0/1 matrices but with a chance far
//! below one in a billion). The search gives up after a fixed number of steps; the caller
//! then treats the publication as unsafe.

use super::LARGEST_HIDDEN;
use std::collections::HashSet;

const PRIME: u64 = (1 << 61) - 1;
/// Sets of atoms tried before giving up.
const STEPS: usize = 20_000;

fn mul(a: u64, b: u64) -> u64 {
    let x = u128::from(a) * u128::from(b);
    let folded = (x & u128::from(PRIME)) + (x >> 61);
    let folded = folded as u64;
    if folded >= PRIME {
        folded - PRIME
    } else {
        folded
    }
}

fn inverse(a: u64) -> u64 {
    let (mut base, mut exp, mut acc) = (a, PRIME - 2, 1u64);
    while exp > 0 {
        if exp & 1 == 1 {
            acc = mul(acc, base);
        }
        base = mul(base, base);
        exp >>= 1;
    }
    acc
}

/// Columns (atoms) in the order given that are independent of those before them.
fn basis(rows: &[Vec<bool>], columns: impl IntoIterator<Item = usize>) -> Vec<usize> {
    // Each kept column reduced against the earlier ones: (pivot row, column vector).
    let mut kept: Vec<(usize, Vec<u64>)> = Vec::new();
    let mut chosen = Vec::new();
    for c in columns {
        let mut v: Vec<u64> = rows.iter().map(|r| u64::from(r[c])).collect();
        for (pivot, u) in &kept {
            if v[*pivot] != 0 {
                let factor = v[*pivot];
                for (x, y) in v.iter_mut().zip(u) {
                    *x = (*x + PRIME - mul(factor, *y)) % PRIME;
                }
            }
        }
        if let Some(pivot) = v.iter().position(|&x| x != 0) {
            let inv = inverse(v[pivot]);
            for x in v.iter_mut() {
                *x = mul(*x, inv);
            }
            kept.push((pivot, v));
            chosen.push(c);
        }
    }
    chosen
}

/// What the search found.
#[derive(Debug, PartialEq, Eq)]
pub enum Isolation {
    /// No combination falls on 1 to 7 people alone.
    None,
    /// A combination falls on these atoms alone.
    Atoms(Vec<usize>),
    /// The search gave up; these atoms were being tried.
    Unknown(Vec<usize>),
}

/// `rows[g][a]`: shown group g holds atom a; `sizes[a]`: people in atom a.
pub fn isolation(rows: &[Vec<bool>], sizes: &[u64]) -> Isolation {
    // Atoms holding nobody say nothing about anybody.
    let full = basis(rows, (0..sizes.len()).filter(|&a| sizes[a] > 0)).len();
    let mut seen = HashSet::new();
    let mut steps = 0;
    search(rows, sizes, full, &[], &mut seen, &mut steps)
}

fn search(
    rows: &[Vec<bool>],
    sizes: &[u64],
    full: usize,
    taken: &[usize],
    seen: &mut HashSet<Vec<usize>>,
    steps: &mut usize,
) -> Isolation {
    let used: u64 = taken.iter().map(|&a| sizes[a]).sum();
    let left = LARGEST_HIDDEN - used;
    // Atoms too large to take first, then the largest of the rest.
    let mut order: Vec<usize> = (0..sizes.len())
        .filter(|a| !taken.contains(a) && sizes[*a] > 0)
        .collect();
    order.sort_by_key(|&a| (sizes[a] <= left, std::cmp::Reverse(sizes[a]), a));
    let chosen = basis(rows, order);
    if chosen.len() < full {
        return Isolation::Atoms(taken.to_vec());
    }
    for a in chosen.into_iter().filter(|&a| sizes[a] <= left) {
        let mut next = taken.to_vec();
        next.push(a);
        next.sort_unstable();
        if !seen.insert(next.clone()) {
            continue;
        }
        *steps += 1;
        if *steps > STEPS {
            return Isolation::Unknown(next);
        }
        match search(rows, sizes, full, &next, seen, steps) {
            Isolation::None => {}
            found => return found,
        }
    }
    Isolation::None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inclusion and exclusion over a two-by-two table: everyone (20), a programme (10),
    /// an ethnic group (10) and the programme's part of it (6) give the people in neither
    /// (20 − 10 − 10 + 6 = 6) alone.
    #[test]
    fn a_two_by_two_table_gives_its_last_cell() {
        // Atoms: (P, E) 6, (P, not E) 4, (not P, E) 4, (neither) 6.
        let sizes = [6, 4, 4, 6];
        let rows = vec![
            vec![true, true, true, true],
            vec![true, true, false, false],
            vec![true, false, true, false],
            vec![true, false, false, false],
        ];
        match isolation(&rows, &sizes) {
            Isolation::Atoms(t) => {
                let people: u64 = t.iter().map(|&a| sizes[a]).sum();
                assert!((1..=7).contains(&people), "{t:?}");
            }
            other => panic!("{other:?}"),
        }
        // Without the programme's part of the ethnic group, no cell is known.
        assert_eq!(isolation(&rows[..3], &sizes), Isolation::None);
    }
}
