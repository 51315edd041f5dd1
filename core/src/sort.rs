//! One stable sort for the whole program.
//!
//! The standard library's sort is generic: the WebAssembly gets a copy of it (about 4 KiB) for
//! every element type and comparison that is sorted. [`sort_by`] sorts positions through a `dyn`
//! comparison instead, so every caller shares one copy; the result is that of
//! `slice::sort_by` (stable: equal elements keep their order). For the short lists of the
//! analyses and the page (findings, members, hosts), not for the engine's hot paths.

use std::cmp::Ordering;

/// Sorts `items` stably by `cmp`, as `items.sort_by(cmp)` would.
pub fn sort_by<T>(items: &mut Vec<T>, mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let order = {
        let items = &*items;
        positions(items.len(), &mut |a, b| cmp(&items[a], &items[b]))
    };
    let mut slots: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    items.extend(
        order
            .into_iter()
            .filter_map(|i| slots.get_mut(i).and_then(Option::take)),
    );
}

/// Sorts `items` and keeps each value once, as `items.sort(); items.dedup()` would: an ordered
/// set as a list (a `BTreeSet` of its own element type puts a map's code into the WebAssembly).
pub fn sort_unique<T: Ord>(items: &mut Vec<T>) {
    sort_by(items, T::cmp);
    items.dedup();
}

/// Sorts `items` stably by the key `key` gives, as `items.sort_by_key(key)` would.
pub fn sort_by_key<T, K: Ord>(items: &mut Vec<T>, mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// The positions `0..len` in the order `cmp` sorts them (stable): the one instance of the
/// standard sort.
#[inline(never)]
pub fn positions(len: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// A set as a sorted list: each value once, in order, as a `BTreeSet` filled with `insert` holds
/// them. The checks, the exports and the page keep their sets of ids in it: a `BTreeSet` puts a
/// copy of the tree's code into the WebAssembly for each element type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortedSet<T>(Vec<T>);

impl<T> Default for SortedSet<T> {
    fn default() -> Self {
        SortedSet(Vec::new())
    }
}

impl<T> SortedSet<T> {
    pub fn new() -> Self {
        SortedSet(Vec::new())
    }

    /// The values in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The least value.
    pub fn first(&self) -> Option<&T> {
        self.0.first()
    }
}

impl<T: Ord> SortedSet<T> {
    /// Adds `value`; `false` if the set had it already (and keeps the one it had). It moves the
    /// values after it: a set of many values is filled at once (`collect`, `extend`).
    pub fn insert(&mut self, value: T) -> bool {
        match self.0.binary_search(&value) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, value);
                true
            }
        }
    }

    /// Removes `value`; `false` if the set did not have it.
    pub fn remove<Q: Ord + ?Sized>(&mut self, value: &Q) -> bool
    where
        T: std::borrow::Borrow<Q>,
    {
        match self.0.binary_search_by(|v| v.borrow().cmp(value)) {
            Ok(at) => {
                self.0.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    /// Whether the set has `value`.
    pub fn contains<Q: Ord + ?Sized>(&self, value: &Q) -> bool
    where
        T: std::borrow::Borrow<Q>,
    {
        self.0.binary_search_by(|v| v.borrow().cmp(value)).is_ok()
    }
}

/// Adds the values all at once: sorted with the shared sort, each kept once.
impl<T: Ord> Extend<T> for SortedSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, values: I) {
        self.0.extend(values);
        sort_unique(&mut self.0);
    }
}

impl<T: Ord> FromIterator<T> for SortedSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(values: I) -> Self {
        let mut set = SortedSet::new();
        set.extend(values);
        set
    }
}

impl<'a, T> IntoIterator for &'a SortedSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T> IntoIterator for SortedSet<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_as_the_standard_stable_sort_does() {
        let cases: &[&[(u8, char)]] = &[
            &[],
            &[(1, 'a')],
            &[(2, 'a'), (1, 'b')],
            // Equal keys keep their order.
            &[(2, 'a'), (1, 'b'), (2, 'c'), (1, 'd'), (2, 'e'), (0, 'f')],
            &[(3, 'a'), (3, 'b'), (3, 'c')],
            &[
                (5, 'a'),
                (4, 'b'),
                (3, 'c'),
                (2, 'd'),
                (1, 'e'),
                (0, 'f'),
                (1, 'g'),
            ],
        ];
        for case in cases {
            let mut ours = case.to_vec();
            sort_by_key(&mut ours, |&(k, _)| k);
            let mut std = case.to_vec();
            std.sort_by_key(|&(k, _)| k);
            assert_eq!(ours, std, "{case:?}");

            let mut ours = case.to_vec();
            sort_by(&mut ours, |a, b| b.0.cmp(&a.0));
            let mut std = case.to_vec();
            std.sort_by_key(|b| std::cmp::Reverse(b.0));
            assert_eq!(ours, std, "{case:?} descending");
        }
    }

    #[test]
    fn a_long_list_with_many_ties_sorts_like_the_standard_sort() {
        let list: Vec<(u32, usize)> = (0..2_000).map(|i| ((i * 7919) % 13, i as usize)).collect();
        let mut ours = list.clone();
        sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
        let mut std = list;
        std.sort_by_key(|a| a.0);
        assert_eq!(ours, std);
    }

    #[test]
    fn sort_unique_keeps_each_value_once_in_order() {
        let cases: &[&[u16]] = &[&[], &[7], &[443, 80, 443, 22, 80, 80], &[3, 2, 1, 1, 2, 3]];
        for case in cases {
            let mut ours = case.to_vec();
            sort_unique(&mut ours);
            let set: std::collections::BTreeSet<u16> = case.iter().copied().collect();
            assert_eq!(ours, set.into_iter().collect::<Vec<_>>(), "{case:?}");
        }
    }

    #[test]
    fn a_sorted_set_holds_what_a_btree_set_holds() {
        let cases: &[&[&str]] = &[
            &[],
            &["b"],
            &["b", "a", "b", "c", "a"],
            &["c", "b", "a", "a"],
        ];
        for case in cases {
            let mut std = std::collections::BTreeSet::new();
            let mut ours = SortedSet::new();
            for value in case.iter() {
                assert_eq!(
                    ours.insert(value.to_string()),
                    std.insert(value.to_string())
                );
            }
            let want: Vec<&String> = std.iter().collect();
            assert_eq!(ours.iter().collect::<Vec<_>>(), want, "{case:?}");
            let collected: SortedSet<String> = case.iter().map(|v| v.to_string()).collect();
            assert_eq!(collected, ours, "{case:?}");
            for probe in ["a", "b", "c", "d"] {
                assert_eq!(
                    ours.contains(probe),
                    std.contains(probe),
                    "{case:?} {probe}"
                );
            }
            assert_eq!(ours.first(), std.first());
            assert_eq!(ours.len(), std.len());
            // Adding to a set that has values keeps the ones it had and adds the rest in order.
            let more = ["b", "d", "a"].map(String::from);
            ours.extend(more.clone());
            std.extend(more);
            assert_eq!(
                ours.iter().collect::<Vec<_>>(),
                std.iter().collect::<Vec<_>>(),
                "{case:?}"
            );
            for gone in ["a", "x", "d"] {
                assert_eq!(ours.remove(gone), std.remove(gone), "{case:?} {gone}");
            }
            assert_eq!(
                ours.iter().collect::<Vec<_>>(),
                std.iter().collect::<Vec<_>>(),
                "{case:?}"
            );
        }
    }
}
