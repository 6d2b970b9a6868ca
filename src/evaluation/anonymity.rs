//! k-anonymity: every combination of quasi-identifier values that appears in an extract must
//! be shared by at least k rows, so no row can be singled out by what an outsider may know
//! (Sweeney 2002). Rows here are people (one row per person), so a class size is a number of
//! people.

use std::collections::HashMap;
use std::hash::Hash;

/// The smallest class size an extract must reach.
pub const K_REQUIRED: usize = 5;

/// What a k check found over one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KCheck {
    /// The smallest equivalence class (0 when there are no rows).
    pub k: usize,
    /// How many equivalence classes there are.
    pub classes: usize,
    /// How many classes have fewer than the required rows.
    pub failing_classes: usize,
    /// How many rows sit in those classes.
    pub failing_rows: usize,
}

impl KCheck {
    /// Whether every class reaches `required` (an empty table has no class to fail).
    pub fn passes(&self, required: usize) -> bool {
        self.classes == 0 || self.k >= required
    }
}

/// Groups rows by their quasi-identifier values and measures the classes.
pub fn check<T: Hash + Eq>(
    quasi_identifiers: impl IntoIterator<Item = T>,
    required: usize,
) -> KCheck {
    let mut sizes: HashMap<T, usize> = HashMap::new();
    for values in quasi_identifiers {
        *sizes.entry(values).or_default() += 1;
    }
    let failing: Vec<usize> = sizes.values().copied().filter(|n| *n < required).collect();
    KCheck {
        k: sizes.values().copied().min().unwrap_or(0),
        classes: sizes.len(),
        failing_classes: failing.len(),
        failing_rows: failing.iter().sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked by hand: 14 rows in three classes of 5, 5 and 4 (age band, sex): the smallest
    /// class has 4 rows, so k = 4 and the table fails k = 5 in one class of 4 rows.
    #[test]
    fn classes_of_five_five_and_four_give_k_four_and_fail() {
        let mut rows = Vec::new();
        rows.extend(std::iter::repeat_n(("60-69", "female"), 5));
        rows.extend(std::iter::repeat_n(("60-69", "male"), 5));
        rows.extend(std::iter::repeat_n(("70-79", "female"), 4));
        let found = check(rows.iter(), K_REQUIRED);
        assert_eq!(
            found,
            KCheck {
                k: 4,
                classes: 3,
                failing_classes: 1,
                failing_rows: 4
            }
        );
        assert!(!found.passes(K_REQUIRED));
        assert!(found.passes(4));
    }

    #[test]
    fn one_more_row_in_the_small_class_passes_at_five() {
        let mut rows = vec![("a", 1); 5];
        rows.extend(vec![("a", 2); 5]);
        rows.extend(vec![("b", 1); 5]);
        let found = check(rows, K_REQUIRED);
        assert_eq!((found.k, found.classes, found.failing_classes), (5, 3, 0));
        assert!(found.passes(K_REQUIRED));
    }

    #[test]
    fn an_empty_table_has_no_classes() {
        let found = check(Vec::<u8>::new(), K_REQUIRED);
        assert_eq!(found.k, 0);
        assert!(found.passes(K_REQUIRED));
    }
}
