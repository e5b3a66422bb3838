//! The one sorting routine of the crate, shared by every element type to keep the wasm small.
//!
//! `slice::sort_by` (driftsort) is compiled again for every element type *and* every closure:
//! with ~40 call sites it was ~160 KB of the wasm before `wasm-opt` (8 % of all code, issue 7's
//! size budget). Here the standard sort runs once, non-generically, on the indices `0..n` with a
//! `dyn` comparator; each call site only adds a small permutation step for its element type.
//!
//! Same results as the standard methods: the sort is stable (equal elements keep their order),
//! so replacing `sort_unstable` is exact only where equal elements are indistinguishable
//! (numbers, strings), which is how it is used. Cost: one `Vec<usize>` per sort and a dynamic
//! call per comparison, nothing that shows in a profile at kubesim's list sizes.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// `items.collect::<BTreeMap<_, _>>()` without the standard sort: `FromIterator` for
/// `BTreeMap` (and `BTreeMap::from([..])`) sorts the pairs first, with a driftsort instance per
/// iterator type (~4.5 KB of wasm each). Inserting one by one gives the same map: a later
/// duplicate key replaces the earlier value, as `collect` does.
pub fn map_of<K: Ord, V>(items: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    map.extend(items);
    map
}

/// `items.collect::<BTreeSet<_>>()` without the standard sort (see [`map_of`]).
pub fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    set.extend(items);
    set
}

/// `v.sort_small()`, `v.sort_small_by(..)`, `v.sort_small_by_key(..)`: drop-in replacements for
/// `sort`, `sort_by` and `sort_by_key` (stable) that do not instantiate a sort per call site.
pub trait SortSmall<T> {
    /// Like `[T]::sort`.
    fn sort_small(&mut self)
    where
        T: Ord;
    /// Like `[T]::sort_by`.
    fn sort_small_by(&mut self, cmp: impl FnMut(&T, &T) -> Ordering);
    /// Like `[T]::sort_by_key` (the key is computed at each comparison, as there).
    fn sort_small_by_key<K: Ord>(&mut self, key: impl FnMut(&T) -> K);
}

impl<T> SortSmall<T> for [T] {
    fn sort_small(&mut self)
    where
        T: Ord,
    {
        self.sort_small_by(T::cmp);
    }

    fn sort_small_by(&mut self, mut cmp: impl FnMut(&T, &T) -> Ordering) {
        if self.len() < 2 {
            return;
        }
        let order = {
            let v: &[T] = self;
            sorted_indices(v.len(), &mut |a, b| cmp(&v[a], &v[b]))
        };
        if let Some(order) = order {
            permute(self, order);
        }
    }

    fn sort_small_by_key<K: Ord>(&mut self, mut key: impl FnMut(&T) -> K) {
        self.sort_small_by(|a, b| key(a).cmp(&key(b)));
    }
}

/// The indices `0..n` stably sorted by `cmp`: the only instance of the standard sort needed.
/// `None` when the elements are already in order (often: lists read from ordered maps), so
/// that common case costs one pass and no allocation.
fn sorted_indices(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Option<Vec<usize>> {
    if (1..n).all(|i| cmp(i - 1, i) != Ordering::Greater) {
        return None;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    Some(order)
}

/// Rearranges `v` so that `v[i]` becomes the old `v[order[i]]`, in place, by following each
/// cycle of the permutation once (O(n) swaps). `order` must be a permutation of `0..v.len()`.
fn permute<T>(v: &mut [T], mut order: Vec<usize>) {
    for start in 0..v.len() {
        let mut i = start;
        // Each visited slot is marked done by `order[i] = i`; a fixed point is a no-op.
        loop {
            let j = order[i];
            order[i] = i;
            if j == start || j == i {
                break;
            }
            v.swap(i, j);
            i = j;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic shuffle (no RNG crate needed): an LCG over the values.
    fn scrambled(n: usize, seed: u64) -> Vec<(u32, usize)> {
        let mut x = seed;
        (0..n)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // Few distinct keys, so stability is exercised; the index tells the order.
                (((x >> 33) % 7) as u32, i)
            })
            .collect()
    }

    #[test]
    fn same_order_as_the_standard_stable_sort() {
        for n in [0, 1, 2, 3, 5, 17, 100, 1000] {
            for seed in 0..5 {
                let mut ours = scrambled(n, seed);
                let mut std = ours.clone();
                ours.sort_small_by_key(|e| e.0);
                std.sort_by_key(|e| e.0);
                assert_eq!(ours, std, "n={n} seed={seed}");

                let mut ours = scrambled(n, seed);
                let mut std = ours.clone();
                ours.sort_small_by(|a, b| b.0.cmp(&a.0));
                std.sort_by(|a, b| b.0.cmp(&a.0));
                assert_eq!(ours, std, "descending, n={n} seed={seed}");

                let mut ours = scrambled(n, seed);
                let mut std = ours.clone();
                ours.sort_small();
                std.sort();
                assert_eq!(ours, std, "n={n} seed={seed}");
            }
        }
    }

    #[test]
    fn sorted_and_reversed_inputs() {
        let sorted: Vec<(u32, usize)> = (0..50).map(|i| (i / 3, i as usize)).collect();
        let mut ours = sorted.clone();
        ours.sort_small_by_key(|e| e.0);
        assert_eq!(ours, sorted, "already in order: unchanged");

        let mut ours: Vec<(u32, usize)> = sorted.iter().rev().copied().collect();
        let mut std = ours.clone();
        ours.sort_small_by_key(|e| e.0);
        std.sort_by_key(|e| e.0);
        assert_eq!(
            ours, std,
            "reversed, equal keys keep their (reversed) order"
        );
    }

    #[test]
    fn owned_elements_are_moved_not_lost() {
        let mut v: Vec<String> = ["pod-c", "pod-a", "pod-b", "pod-a"]
            .map(String::from)
            .to_vec();
        v.sort_small();
        assert_eq!(v, ["pod-a", "pod-a", "pod-b", "pod-c"]);
    }

    /// The same map and set as `collect`, duplicates included: the last value of a key wins.
    #[test]
    fn map_of_and_set_of_equal_collect() {
        let pairs: Vec<(u32, usize)> = scrambled(300, 11)
            .into_iter()
            .map(|(k, v)| (k % 40, v))
            .collect();
        let want: BTreeMap<u32, usize> = pairs.iter().copied().collect();
        assert_eq!(map_of(pairs.iter().copied()), want);
        let want: BTreeSet<u32> = pairs.iter().map(|p| p.0).collect();
        assert_eq!(set_of(pairs.iter().map(|p| p.0)), want);
    }
}
