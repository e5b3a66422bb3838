//! [`Map`]: the object type of [`super::Value`], a map kept as a vector sorted by key.
//!
//! It has the part of `BTreeMap<String, Value>`'s API the project uses (same names, same
//! sorted iteration), but stores entries contiguously: Kubernetes objects are made of many
//! small maps (2–10 keys), where a B-tree's node allocation (~600 bytes for 11 slots) costs
//! several times the data. Lookups are binary searches; inserts shift (fine for small maps).
//!
//! ```
//! use kubesim::sim::value::{Map, Value};
//! let mut m = Map::new();
//! m.insert("b".into(), Value::Int(2));
//! m.insert("a".into(), Value::Int(1));
//! assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "b"]);
//! assert_eq!(m.get("b"), Some(&Value::Int(2)));
//! ```

use super::Value;
use crate::sort::SortSmall;
use std::borrow::Borrow;
use std::fmt;

#[derive(Clone, PartialEq, Default)]
pub struct Map {
    entries: Vec<(String, Value)>,
}

type Pair = (String, Value);
pub type Iter<'a> =
    std::iter::Map<std::slice::Iter<'a, Pair>, fn(&'a Pair) -> (&'a String, &'a Value)>;
pub type IterMut<'a> =
    std::iter::Map<std::slice::IterMut<'a, Pair>, fn(&'a mut Pair) -> (&'a String, &'a mut Value)>;
pub type IntoIter = std::vec::IntoIter<Pair>;

impl Map {
    pub const fn new() -> Self {
        Map {
            entries: Vec::new(),
        }
    }
    fn find<Q: ?Sized + Ord>(&self, key: &Q) -> Result<usize, usize>
    where
        String: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    pub fn get<Q: ?Sized + Ord>(&self, key: &Q) -> Option<&Value>
    where
        String: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }
    pub fn get_mut<Q: ?Sized + Ord>(&mut self, key: &Q) -> Option<&mut Value>
    where
        String: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }
    pub fn get_key_value<Q: ?Sized + Ord>(&self, key: &Q) -> Option<(&String, &Value)>
    where
        String: Borrow<Q>,
    {
        self.find(key)
            .ok()
            .map(|i| (&self.entries[i].0, &self.entries[i].1))
    }
    pub fn contains_key<Q: ?Sized + Ord>(&self, key: &Q) -> bool
    where
        String: Borrow<Q>,
    {
        self.find(key).is_ok()
    }
    /// Inserts, returning the previous value of the key.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        match self.find(key.as_str()) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }
    pub fn remove<Q: ?Sized + Ord>(&mut self, key: &Q) -> Option<Value>
    where
        String: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }
    pub fn remove_entry<Q: ?Sized + Ord>(&mut self, key: &Q) -> Option<(String, Value)>
    where
        String: Borrow<Q>,
    {
        self.find(key).ok().map(|i| self.entries.remove(i))
    }
    pub fn entry(&mut self, key: String) -> Entry<'_> {
        match self.find(key.as_str()) {
            Ok(i) => Entry::Occupied(OccupiedEntry {
                map: self,
                index: i,
            }),
            Err(i) => Entry::Vacant(VacantEntry {
                map: self,
                index: i,
                key,
            }),
        }
    }
    pub fn iter(&self) -> Iter<'_> {
        self.entries.iter().map(|(k, v)| (k, v))
    }
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator + '_ {
        self.entries.iter().map(|(k, _)| k)
    }
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator + '_ {
        self.entries.iter().map(|(_, v)| v)
    }
    pub fn values_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = &mut Value> + ExactSizeIterator + '_ {
        self.entries.iter_mut().map(|(_, v)| v)
    }
    pub fn into_keys(self) -> impl Iterator<Item = String> {
        self.entries.into_iter().map(|(k, _)| k)
    }
    pub fn into_values(self) -> impl Iterator<Item = Value> {
        self.entries.into_iter().map(|(_, v)| v)
    }
    pub fn retain(&mut self, mut f: impl FnMut(&String, &mut Value) -> bool) {
        self.entries.retain_mut(|(k, v)| f(k, v));
    }
    pub fn clear(&mut self) {
        self.entries.clear();
    }
    pub fn first_key_value(&self) -> Option<(&String, &Value)> {
        self.entries.first().map(|(k, v)| (k, v))
    }
    pub fn last_key_value(&self) -> Option<(&String, &Value)> {
        self.entries.last().map(|(k, v)| (k, v))
    }
    /// Moves every entry of `other` into `self` (overwriting equal keys), like BTreeMap's.
    pub fn append(&mut self, other: &mut Map) {
        for (k, v) in std::mem::take(&mut other.entries) {
            self.insert(k, v);
        }
    }
}

pub enum Entry<'a> {
    Occupied(OccupiedEntry<'a>),
    Vacant(VacantEntry<'a>),
}
pub struct OccupiedEntry<'a> {
    map: &'a mut Map,
    index: usize,
}
pub struct VacantEntry<'a> {
    map: &'a mut Map,
    index: usize,
    key: String,
}

impl<'a> Entry<'a> {
    pub fn or_insert(self, default: Value) -> &'a mut Value {
        self.or_insert_with(|| default)
    }
    pub fn or_insert_with(self, f: impl FnOnce() -> Value) -> &'a mut Value {
        match self {
            Entry::Occupied(o) => &mut o.map.entries[o.index].1,
            Entry::Vacant(v) => {
                v.map.entries.insert(v.index, (v.key, f()));
                &mut v.map.entries[v.index].1
            }
        }
    }
    pub fn or_default(self) -> &'a mut Value {
        self.or_insert_with(|| Value::Null)
    }
    pub fn key(&self) -> &str {
        match self {
            Entry::Occupied(o) => &o.map.entries[o.index].0,
            Entry::Vacant(v) => &v.key,
        }
    }
    pub fn and_modify(self, f: impl FnOnce(&mut Value)) -> Self {
        match self {
            Entry::Occupied(o) => {
                f(&mut o.map.entries[o.index].1);
                Entry::Occupied(o)
            }
            vacant => vacant,
        }
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut entries: Vec<Pair> = iter.into_iter().collect();
        // Stable sort + keep the LAST of equal keys, like inserting one by one would.
        entries.sort_small_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<Pair> = Vec::with_capacity(entries.len());
        for e in entries {
            match out.last_mut() {
                Some(last) if last.0 == e.0 => *last = e,
                _ => out.push(e),
            }
        }
        Map { entries: out }
    }
}

impl<const N: usize> From<[(String, Value); N]> for Map {
    fn from(arr: [(String, Value); N]) -> Self {
        arr.into_iter().collect()
    }
}

impl Extend<(String, Value)> for Map {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = IntoIter;
    fn into_iter(self) -> IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a String, &'a mut Value);
    type IntoIter = IterMut<'a>;
    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

impl<Q: ?Sized + Ord> std::ops::Index<&Q> for Map
where
    String: Borrow<Q>,
{
    type Output = Value;
    /// Panics on a missing key, like `BTreeMap`: use `get` on anything user-controlled.
    fn index(&self, key: &Q) -> &Value {
        self.get(key).expect("no entry found for key") // ok: same contract as BTreeMap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_btreemap() {
        let mut m = Map::new();
        assert_eq!(m.insert("b".into(), Value::Int(1)), None);
        assert_eq!(m.insert("a".into(), Value::Int(2)), None);
        assert_eq!(m.insert("b".into(), Value::Int(3)), Some(Value::Int(1)));
        assert_eq!(
            m.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        *m.entry("c".into()).or_insert(Value::Null) = Value::Bool(true);
        m.entry("a".into()).and_modify(|v| *v = Value::Int(9));
        assert_eq!(m.get("a"), Some(&Value::Int(9)));
        assert_eq!(m.remove("b"), Some(Value::Int(3)));
        assert!(!m.contains_key("b") && m.len() == 2);
        let collected: Map = [
            ("z".to_string(), Value::Int(1)),
            ("y".into(), Value::Int(2)),
            ("z".into(), Value::Int(3)),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            collected
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect::<Vec<_>>(),
            [("y", Value::Int(2)), ("z", Value::Int(3))]
        );
        m.retain(|k, _| k != "c");
        assert_eq!(format!("{m:?}"), "{\"a\": Int(9)}");
        for (_, v) in &mut m {
            *v = Value::Null;
        }
        assert_eq!(m["a"], Value::Null);
    }
}
