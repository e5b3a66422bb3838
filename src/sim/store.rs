//! The etcd model: an MVCC key-value store with one global revision, watch and compaction.
//!
//! Every write bumps the store's revision by one. Each key remembers the revision that created
//! it (`create_revision`), the one that last changed it (`mod_revision`) and how many times it
//! changed since creation (`version`). A worked example:
//!
//! | op                 | revision | key `a`: create / mod / version |
//! |--------------------|----------|---------------------------------|
//! | put a=1            | 2        | 2 / 2 / 1                       |
//! | put a=2            | 3        | 2 / 3 / 2                       |
//! | delete a           | 4        | (tombstone at 4)                |
//! | put a=3            | 5        | 5 / 5 / 1  (a new generation)   |
//!
//! Reads can ask for any retained revision (`get_at(a, 3)` gives `a=2`). [`Store::compact`]
//! forgets history older than a revision; reading or watching from before it then fails with
//! etcd's `mvcc: required revision has been compacted`. The store starts at revision 1, as etcd
//! does. Kubernetes' `metadata.resourceVersion` is the object's `mod_revision`, and an update
//! that names a stale one is a compare-and-swap failure ([`StoreError::CasFailed`]).

use super::value::Value;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// One key at one revision, as etcd returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyValue {
    /// Shared by the key's index entry, its revisions and its watch events: one allocation
    /// per key instead of one copy each (~100 bytes a pod).
    pub key: Arc<str>,
    pub create_revision: i64,
    pub mod_revision: i64,
    pub version: i64,
    pub value: Arc<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Put,
    Delete,
}

/// A change, as a watcher sees it. For a delete, `kv` holds the last value and the
/// tombstone's revision as `mod_revision`.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchEvent {
    pub kind: EventKind,
    pub kv: KeyValue,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("mvcc: required revision has been compacted")]
    Compacted { requested: i64, compacted: i64 },
    #[error("mvcc: required revision is a future revision")]
    FutureRevision { requested: i64, current: i64 },
    /// The compare in a transaction failed: the key's `mod_revision` was not the expected one
    /// (0 means "the key must not exist").
    #[error("compare failed for key {key}: expected mod revision {expected}, found {found}")]
    CasFailed {
        key: String,
        expected: i64,
        found: i64,
    },
}

#[derive(Debug, Clone)]
struct Entry {
    revision: i64,
    /// `None` is a tombstone (the key was deleted at `revision`).
    kv: Option<KeyValue>,
}

/// The MVCC store. Cloning is cheap-ish (values are shared `Arc`s), which is what snapshots use.
#[derive(Debug, Clone)]
pub struct Store {
    revision: i64,
    compact_revision: i64,
    keys: BTreeMap<Arc<str>, Vec<Entry>>,
    /// Every change after `compact_revision`, oldest first, for watchers.
    log: VecDeque<WatchEvent>,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            revision: 1,
            compact_revision: 0,
            keys: BTreeMap::new(),
            log: VecDeque::new(),
        }
    }
}

impl Store {
    pub fn new() -> Self {
        Self::default()
    }
    /// A store holding exactly `kvs` at `revision`, without history (compacted at
    /// `revision`, like an etcd snapshot restore). `None` if a key repeats.
    pub fn restore(revision: i64, kvs: Vec<KeyValue>) -> Option<Store> {
        let mut keys = BTreeMap::new();
        for kv in kvs {
            let entry = Entry {
                revision: kv.mod_revision,
                kv: Some(kv.clone()),
            };
            if keys.insert(kv.key.clone(), vec![entry]).is_some() {
                return None;
            }
        }
        Some(Store {
            revision,
            compact_revision: revision,
            keys,
            log: VecDeque::new(),
        })
    }
    /// The current revision (the revision of the latest write).
    pub fn revision(&self) -> i64 {
        self.revision
    }
    pub fn compact_revision(&self) -> i64 {
        self.compact_revision
    }
    /// Number of live keys.
    pub fn len(&self) -> usize {
        self.keys
            .values()
            .filter(|v| matches!(v.last(), Some(Entry { kv: Some(_), .. })))
            .count()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The latest value of a key.
    pub fn get(&self, key: &str) -> Option<&KeyValue> {
        self.keys.get(key)?.last()?.kv.as_ref()
    }

    /// The value of a key as it was at `revision`.
    pub fn get_at(&self, key: &str, revision: i64) -> Result<Option<&KeyValue>, StoreError> {
        self.check_revision(revision)?;
        Ok(self
            .keys
            .get(key)
            .and_then(|entries| at_revision(entries, revision)))
    }

    /// All live keys starting with `prefix`, in key order, at the latest revision.
    pub fn range<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a KeyValue> + 'a {
        self.keys
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .take_while(move |(k, _)| k.starts_with(prefix))
            .filter_map(|(_, entries)| entries.last()?.kv.as_ref())
    }

    /// All keys starting with `prefix` as they were at `revision`.
    pub fn range_at<'a>(
        &'a self,
        prefix: &'a str,
        revision: i64,
    ) -> Result<impl Iterator<Item = &'a KeyValue> + 'a, StoreError> {
        self.check_revision(revision)?;
        Ok(self
            .keys
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .take_while(move |(k, _)| k.starts_with(prefix))
            .filter_map(move |(_, entries)| at_revision(entries, revision)))
    }

    /// Writes `value` at `key`. With `expected_mod_revision`, the write happens only if the
    /// key's current mod revision is that (0: the key must not exist) — etcd's
    /// `Txn(If(ModRevision(key) == n)).Then(Put)`, which Kubernetes uses for every write.
    pub fn put(
        &mut self,
        key: &str,
        value: Value,
        expected_mod_revision: Option<i64>,
    ) -> Result<KeyValue, StoreError> {
        self.put_shared(key, Arc::new(value), expected_mod_revision)
    }

    /// [`Store::put`] for a value that is already shared (no copy of the object is made, as
    /// etcd stores the bytes it is given).
    pub fn put_shared(
        &mut self,
        key: &str,
        value: Arc<Value>,
        expected_mod_revision: Option<i64>,
    ) -> Result<KeyValue, StoreError> {
        let revision = self.revision + 1;
        // One lookup serves the compare, the versions and the append; the key is copied into
        // the map only when it is new, and every revision and watch event shares that copy.
        let mut new_key = None;
        let entries = match self.keys.get_mut(key) {
            Some(entries) => entries,
            None => {
                if let Some(expected) = expected_mod_revision.filter(|e| *e != 0) {
                    return Err(StoreError::CasFailed {
                        key: key.to_string(),
                        expected,
                        found: 0,
                    });
                }
                let shared: Arc<str> = Arc::from(key);
                new_key = Some(shared.clone());
                // Most keys are written a few times between compactions: start with room for
                // one revision instead of Vec's default of four.
                self.keys
                    .entry(shared)
                    .or_insert_with(|| Vec::with_capacity(1))
            }
        };
        let current = entries.last().and_then(|e| e.kv.as_ref());
        if let Some(expected) = expected_mod_revision {
            let found = current.map_or(0, |kv| kv.mod_revision);
            if found != expected {
                return Err(StoreError::CasFailed {
                    key: key.to_string(),
                    expected,
                    found,
                });
            }
        }
        let (create_revision, version) =
            current.map_or((revision, 1), |kv| (kv.create_revision, kv.version + 1));
        // Any live revision holds the shared key; a key re-created after a delete (only
        // tombstones left) gets a copy of its own until the next compaction.
        let shared_key = new_key
            .or_else(|| {
                entries
                    .iter()
                    .rev()
                    .find_map(|e| Some(e.kv.as_ref()?.key.clone()))
            })
            .unwrap_or_else(|| Arc::from(key));
        let kv = KeyValue {
            key: shared_key,
            create_revision,
            mod_revision: revision,
            version,
            value,
        };
        entries.push(Entry {
            revision,
            kv: Some(kv.clone()),
        });
        self.revision = revision;
        self.log.push_back(WatchEvent {
            kind: EventKind::Put,
            kv: kv.clone(),
        });
        Ok(kv)
    }

    /// Deletes `key`; returns the deleted value, or `None` when there was nothing to delete.
    pub fn delete(
        &mut self,
        key: &str,
        expected_mod_revision: Option<i64>,
    ) -> Result<Option<KeyValue>, StoreError> {
        let Some(current) = self.get(key).cloned() else {
            return match expected_mod_revision {
                Some(expected) if expected != 0 => Err(StoreError::CasFailed {
                    key: key.to_string(),
                    expected,
                    found: 0,
                }),
                _ => Ok(None),
            };
        };
        if let Some(expected) = expected_mod_revision {
            if current.mod_revision != expected {
                return Err(StoreError::CasFailed {
                    key: key.to_string(),
                    expected,
                    found: current.mod_revision,
                });
            }
        }
        self.revision += 1;
        let revision = self.revision;
        if let Some(entries) = self.keys.get_mut(key) {
            entries.push(Entry { revision, kv: None });
        }
        let mut gone = current.clone();
        gone.mod_revision = revision;
        self.log.push_back(WatchEvent {
            kind: EventKind::Delete,
            kv: gone,
        });
        Ok(Some(current))
    }

    /// Every change with a revision greater than `after_revision`, oldest first.
    pub fn events_since(
        &self,
        after_revision: i64,
    ) -> Result<impl Iterator<Item = &WatchEvent> + '_, StoreError> {
        if after_revision < self.compact_revision {
            return Err(StoreError::Compacted {
                requested: after_revision,
                compacted: self.compact_revision,
            });
        }
        // The log is sorted by revision and dense after compaction, so skip by position.
        let skip = self
            .log
            .partition_point(|e| e.kv.mod_revision <= after_revision);
        Ok(self.log.iter().skip(skip))
    }

    /// Forgets history before `revision` (the value each key had at `revision` is kept).
    pub fn compact(&mut self, revision: i64) -> Result<(), StoreError> {
        if revision > self.revision {
            return Err(StoreError::FutureRevision {
                requested: revision,
                current: self.revision,
            });
        }
        if revision <= self.compact_revision {
            return Err(StoreError::Compacted {
                requested: revision,
                compacted: self.compact_revision,
            });
        }
        self.keys.retain(|_, entries| {
            // Keep the newest entry at or before `revision`, unless it is a tombstone.
            let keep_from = entries.partition_point(|e| e.revision <= revision);
            let start = match keep_from.checked_sub(1) {
                Some(i) if entries[i].kv.is_some() => i,
                Some(i) => i + 1,
                None => 0,
            };
            entries.drain(..start);
            // Give back the room of dropped revisions (a key updated often keeps one or two).
            if entries.capacity() > 2 * entries.len().max(1) {
                entries.shrink_to_fit();
            }
            !entries.is_empty()
        });
        while self
            .log
            .front()
            .is_some_and(|e| e.kv.mod_revision <= revision)
        {
            self.log.pop_front();
        }
        // A burst of writes (a 10,000-replica rollout) must not pin its log's memory forever.
        if self.log.capacity() > 4 * self.log.len() + 64 {
            self.log.shrink_to(2 * self.log.len());
        }
        self.compact_revision = revision;
        Ok(())
    }

    fn check_revision(&self, revision: i64) -> Result<(), StoreError> {
        if revision < self.compact_revision {
            Err(StoreError::Compacted {
                requested: revision,
                compacted: self.compact_revision,
            })
        } else if revision > self.revision {
            Err(StoreError::FutureRevision {
                requested: revision,
                current: self.revision,
            })
        } else {
            Ok(())
        }
    }
}

fn at_revision(entries: &[Entry], revision: i64) -> Option<&KeyValue> {
    let i = entries.partition_point(|e| e.revision <= revision);
    entries.get(i.checked_sub(1)?)?.kv.as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Value {
        Value::Str(s.into())
    }

    #[test]
    fn revisions_follow_the_worked_example() {
        let mut s = Store::new();
        let a1 = s.put("a", v("1"), None).unwrap();
        assert_eq!((a1.create_revision, a1.mod_revision, a1.version), (2, 2, 1));
        let a2 = s.put("a", v("2"), None).unwrap();
        assert_eq!((a2.create_revision, a2.mod_revision, a2.version), (2, 3, 2));
        assert!(s.delete("a", None).unwrap().is_some());
        assert_eq!(s.revision(), 4);
        assert!(s.get("a").is_none());
        let a3 = s.put("a", v("3"), None).unwrap();
        assert_eq!((a3.create_revision, a3.mod_revision, a3.version), (5, 5, 1));
        assert_eq!(*s.get_at("a", 3).unwrap().unwrap().value, v("2"));
        assert!(s.get_at("a", 4).unwrap().is_none());
        assert!(matches!(
            s.get_at("a", 9),
            Err(StoreError::FutureRevision { .. })
        ));
    }

    #[test]
    fn one_copy_of_a_key_for_its_revisions_and_watch_events() {
        let mut s = Store::new();
        s.put("/registry/pods/default/web", v("1"), None).unwrap();
        let second = s.put("/registry/pods/default/web", v("2"), None).unwrap();
        let first = s.get_at("/registry/pods/default/web", 2).unwrap().unwrap();
        let watched: Vec<_> = s.events_since(0).unwrap().collect();
        assert_eq!(watched.len(), 2);
        assert!(Arc::ptr_eq(&first.key, &second.key));
        assert!(watched.iter().all(|e| Arc::ptr_eq(&e.kv.key, &second.key)));
        let (index_key, _) = s.keys.get_key_value("/registry/pods/default/web").unwrap();
        assert!(Arc::ptr_eq(index_key, &second.key));
        // Deleted and re-created: still the key's text, whatever copy holds it.
        s.delete("/registry/pods/default/web", None).unwrap();
        let again = s.put("/registry/pods/default/web", v("3"), None).unwrap();
        assert_eq!(&*again.key, "/registry/pods/default/web");
    }

    #[test]
    fn compare_and_swap_on_mod_revision() {
        let mut s = Store::new();
        assert!(s.put("k", v("x"), Some(0)).is_ok());
        let err = s.put("k", v("y"), Some(0)).unwrap_err();
        assert_eq!(
            err,
            StoreError::CasFailed {
                key: "k".into(),
                expected: 0,
                found: 2
            }
        );
        assert!(s.put("k", v("y"), Some(2)).is_ok());
        assert!(s.delete("k", Some(2)).is_err());
        assert!(s.delete("k", Some(3)).unwrap().is_some());
        assert_eq!(s.delete("k", None).unwrap(), None);
    }

    #[test]
    fn range_by_prefix_in_key_order() {
        let mut s = Store::new();
        for k in [
            "/registry/pods/b/x",
            "/registry/pods/a/y",
            "/registry/podsx",
            "/registry/p",
        ] {
            s.put(k, v(k), None).unwrap();
        }
        let keys: Vec<_> = s.range("/registry/pods/").map(|kv| &*kv.key).collect();
        assert_eq!(keys, ["/registry/pods/a/y", "/registry/pods/b/x"]);
        let old: Vec<_> = s
            .range_at("/registry/pods/", 2)
            .unwrap()
            .map(|kv| kv.key.to_string())
            .collect();
        assert_eq!(old, ["/registry/pods/b/x"]);
    }

    #[test]
    fn watch_then_compaction() {
        let mut s = Store::new();
        s.put("a", v("1"), None).unwrap(); // 2
        s.put("b", v("1"), None).unwrap(); // 3
        s.delete("a", None).unwrap(); // 4
        let evs: Vec<_> = s
            .events_since(2)
            .unwrap()
            .map(|e| (e.kind, e.kv.mod_revision))
            .collect();
        assert_eq!(evs, [(EventKind::Put, 3), (EventKind::Delete, 4)]);
        s.compact(3).unwrap();
        assert!(matches!(
            s.events_since(2),
            Err(StoreError::Compacted { .. })
        ));
        assert_eq!(s.events_since(3).unwrap().count(), 1);
        assert!(matches!(
            s.get_at("b", 2),
            Err(StoreError::Compacted { .. })
        ));
        assert_eq!(*s.get_at("b", 3).unwrap().unwrap().value, v("1"));
        // a's tombstone is at 4 > 3, so a's value at 3 is still readable.
        assert!(s.get_at("a", 3).unwrap().is_some());
        s.compact(4).unwrap();
        assert!(s.get_at("a", 4).unwrap().is_none());
        assert_eq!(s.len(), 1);
        assert!(s.compact(4).is_err());
        assert!(s.compact(99).is_err());
        assert_eq!(
            StoreError::Compacted {
                requested: 1,
                compacted: 2
            }
            .to_string(),
            "mvcc: required revision has been compacted"
        );
    }
}
