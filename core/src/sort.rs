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
}
