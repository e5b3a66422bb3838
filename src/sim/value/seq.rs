//! [`Seq`]: the sequence type of [`super::Value`], a vector that can be shared like [`Map`].
//!
//! Own elements (a `Vec`), or elements shared with other sequences ([`Seq::shared`]):
//! clones of a shared sequence cost a reference count, and the first change copies it into
//! an owned one, so sharing never shows in behaviour. For the lists every object of a kind
//! holds alike: a pod's default tolerations, its owner reference, the condition list pods
//! reach in the same step, a node's `hostIPs`. Reads go through `Deref` to `[Value]`; the
//! changes the project makes (`push`, `retain`, `insert`...) have `Vec`'s names.
//!
//! ```
//! use kubesim::sim::value::{Seq, Value};
//! let mut s = Seq::from(vec![Value::Int(1)]).shared();
//! let t = s.clone();
//! s.push(Value::Int(2));
//! assert_eq!((s.len(), t.len()), (2, 1));
//! ```
//!
//! [`Map`]: super::Map

use super::Value;
use std::fmt;
use std::sync::Arc;

#[derive(Clone, Default)]
pub struct Seq {
    items: Items,
}

#[derive(Clone)]
enum Items {
    Own(Vec<Value>),
    Shared(Arc<[Value]>),
}

impl Default for Items {
    fn default() -> Self {
        Items::Own(Vec::new())
    }
}

impl Seq {
    pub const fn new() -> Seq {
        Seq {
            items: Items::Own(Vec::new()),
        }
    }
    /// This sequence, made cheap to clone (see the module doc). Empty ones stay owned.
    pub fn shared(self) -> Seq {
        match self.items {
            Items::Own(v) if !v.is_empty() => Seq {
                items: Items::Shared(v.into()),
            },
            items => Seq { items },
        }
    }
    /// [`Seq::shared`] with every map and sequence below shared too ([`Value::share_deep`]).
    pub fn shared_deep(mut self) -> Seq {
        if let Items::Own(v) = &mut self.items {
            v.iter_mut().for_each(Value::share_deep);
        }
        self.shared()
    }
    pub fn is_shared(&self) -> bool {
        matches!(self.items, Items::Shared(_))
    }
    /// Whether both hold one shared copy of their elements (tests prove sharing with it).
    pub fn shares_items_with(&self, other: &Seq) -> bool {
        matches!((&self.items, &other.items), (Items::Shared(a), Items::Shared(b)) if Arc::ptr_eq(a, b))
    }
    /// Heap bytes of the elements and everything below (see `Map::heap_bytes`).
    pub fn heap_bytes(&self, seen: &mut std::collections::HashSet<usize>) -> usize {
        match self.own_heap_bytes(seen) {
            Some(own) => own + self.iter().map(|v| v.heap_bytes(seen)).sum::<usize>(),
            None => 0,
        }
    }
    /// The bytes of the elements' own allocation (by capacity; a shared one's reference
    /// counts), without what they point to; `None` for a shared copy already in `seen`.
    pub fn own_heap_bytes(&self, seen: &mut std::collections::HashSet<usize>) -> Option<usize> {
        Some(match &self.items {
            Items::Own(v) => v.capacity() * std::mem::size_of::<Value>(),
            Items::Shared(a) => {
                if !seen.insert(Arc::as_ptr(a) as *const u8 as usize) {
                    return None;
                }
                2 * std::mem::size_of::<usize>() + a.len() * std::mem::size_of::<Value>()
            }
        })
    }
    /// The elements as a `Vec` to change (copied once if shared).
    pub fn as_vec_mut(&mut self) -> &mut Vec<Value> {
        if let Items::Shared(a) = &self.items {
            self.items = Items::Own(a.to_vec());
        }
        match &mut self.items {
            Items::Own(v) => v,
            Items::Shared(_) => unreachable!("made owned just above"),
        }
    }
    pub fn into_vec(self) -> Vec<Value> {
        match self.items {
            Items::Own(v) => v,
            Items::Shared(a) => a.to_vec(),
        }
    }
    pub fn push(&mut self, v: Value) {
        self.as_vec_mut().push(v);
    }
    pub fn pop(&mut self) -> Option<Value> {
        self.as_vec_mut().pop()
    }
    pub fn insert(&mut self, i: usize, v: Value) {
        self.as_vec_mut().insert(i, v);
    }
    pub fn remove(&mut self, i: usize) -> Value {
        self.as_vec_mut().remove(i)
    }
    pub fn retain(&mut self, f: impl FnMut(&Value) -> bool) {
        self.as_vec_mut().retain(f);
    }
    pub fn retain_mut(&mut self, f: impl FnMut(&mut Value) -> bool) {
        self.as_vec_mut().retain_mut(f);
    }
    pub fn truncate(&mut self, n: usize) {
        self.as_vec_mut().truncate(n);
    }
    pub fn clear(&mut self) {
        self.items = Items::default();
    }
    pub fn append(&mut self, other: &mut Vec<Value>) {
        self.as_vec_mut().append(other);
    }
    pub fn drain<R: std::ops::RangeBounds<usize>>(&mut self, r: R) -> std::vec::Drain<'_, Value> {
        self.as_vec_mut().drain(r)
    }
    pub fn dedup(&mut self) {
        self.as_vec_mut().dedup();
    }
}

impl std::ops::Deref for Seq {
    type Target = [Value];
    fn deref(&self) -> &[Value] {
        match &self.items {
            Items::Own(v) => v,
            Items::Shared(a) => a,
        }
    }
}

impl std::ops::DerefMut for Seq {
    fn deref_mut(&mut self) -> &mut [Value] {
        self.as_vec_mut()
    }
}

impl PartialEq for Seq {
    fn eq(&self, other: &Seq) -> bool {
        self.shares_items_with(other) || **self == **other
    }
}

impl PartialEq<Vec<Value>> for Seq {
    fn eq(&self, other: &Vec<Value>) -> bool {
        **self == **other
    }
}

impl fmt::Debug for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl From<Vec<Value>> for Seq {
    fn from(v: Vec<Value>) -> Seq {
        Seq {
            items: Items::Own(v),
        }
    }
}

impl From<Seq> for Vec<Value> {
    fn from(s: Seq) -> Vec<Value> {
        s.into_vec()
    }
}

impl FromIterator<Value> for Seq {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Seq {
        Seq::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl Extend<Value> for Seq {
    fn extend<I: IntoIterator<Item = Value>>(&mut self, iter: I) {
        self.as_vec_mut().extend(iter);
    }
}

impl IntoIterator for Seq {
    type Item = Value;
    type IntoIter = std::vec::IntoIter<Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

impl<'a> IntoIterator for &'a Seq {
    type Item = &'a Value;
    type IntoIter = std::slice::Iter<'a, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Seq {
    type Item = &'a mut Value;
    type IntoIter = std::slice::IterMut<'a, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_vec_mut().iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_sequences_behave_like_copies() {
        let plain = Seq::from(vec![Value::Int(1), Value::map().with("a", 1)]);
        let shared = plain.clone().shared_deep();
        let (mut a, b) = (shared.clone(), shared.clone());
        assert!(
            a.shares_items_with(&b) && a == plain,
            "equality ignores sharing"
        );
        a.push(Value::Int(3));
        a[0] = Value::Int(9);
        assert_eq!(b, plain, "a change to one copy leaves the others alone");
        assert_eq!(a.len(), 3);
        assert!(!a.is_shared() && b.is_shared());
        // The map inside stays shared between the changed copy and the others.
        let m = |s: &Seq| s[1].as_map().cloned().expect("map");
        assert!(m(&a).shares_entries_with(&m(&b)));
        assert_eq!(Vec::from(b.clone()), Vec::from(plain.clone()));
        assert!(Seq::new().shared().is_empty() && !Seq::new().shared().is_shared());
    }
}
