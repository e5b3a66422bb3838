//! Saving a whole [`World`] to a file and loading it back: [`World::export`] and
//! [`World::import`].
//!
//! (`World` is also `Clone`: in-memory snapshots for undo/rewind are just clones.)
//!
//! The file is JSON: a format version, the clock, the seed and the rng position, and for every
//! cluster its identity, faults, credentials, etcd members and every live key of its store
//! (with create/mod revisions and versions). The history the system components' logs are
//! written from ([`super::component_log`]) is saved too: the leader-election state with each
//! replica's marks ([`super::leader`]) and etcd's Raft elections, so `kubectl logs` of
//! kube-scheduler or etcd reads the same after an import. Component caches (scheduler,
//! kubelets, controllers) are not saved: they re-list the store after an import, the way real
//! components rebuild their informers; the kubelets adopt running pods from their status.
//!
//! Versions: 2 adds the election history; a version 1 file still loads, without it (the
//! components' logs then start at the import, as they did when it was written).
//! MVCC history is not saved either: an imported store is compacted at its revision (like
//! restoring an etcd snapshot), so `export → import → export` is byte-identical.
//!
//! All encoding goes through [`encode`] / [`decode`] (the only two codec calls).
//!
//! ```
//! use kubesim::sim::{World, presets::Preset};
//! let mut w = World::new(3, Preset::Kind);
//! w.step(2_000);
//! let file = w.export();
//! let back = World::import(&file).unwrap();
//! assert_eq!(back.export(), file);
//! assert_eq!(back.state_hash(), w.state_hash());
//! assert!(World::import("{\"format\":").is_err());
//! ```

use super::auth::UserInfo;
use super::clock::SimTime;
use super::etcd;
use super::rng::SimRng;
use super::store::{KeyValue, Store};
use super::value::{Map, Value};
use super::world::{Cluster, World};
use std::sync::Arc;

/// The file format's name and version (bumped on incompatible changes).
pub const FORMAT: &str = "kubesim-world";
pub const FORMAT_VERSION: i64 = 2;
/// The oldest version this build still reads (see the module docs for what it lacks).
pub const OLDEST_VERSION: i64 = 1;

/// Why a file could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("invalid JSON at offset {at}: {message}")]
    Syntax { at: usize, message: String },
    #[error("not a kubesim world file")]
    NotAWorld,
    #[error("unsupported world file version {0} (this build reads versions {OLDEST_VERSION} to {FORMAT_VERSION})")]
    Version(i64),
    #[error("invalid world file: {0}")]
    Invalid(String),
}

fn invalid(what: &str) -> ImportError {
    ImportError::Invalid(what.to_string())
}

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<Map>(),
    )
}

fn strs<'a>(it: impl Iterator<Item = &'a String>) -> Value {
    Value::Seq(it.map(|s| Value::from(s.as_str())).collect())
}

impl World {
    /// The whole world as a JSON document (see the module docs for what it holds).
    pub fn export(&self) -> String {
        encode(&self.to_value())
    }

    fn to_value(&self) -> Value {
        let clusters = self.clusters.values().map(cluster_value).collect();
        obj(vec![
            ("format", FORMAT.into()),
            ("version", Value::Int(FORMAT_VERSION)),
            ("nowMs", Value::from(self.now().as_ms().to_string())),
            ("seed", Value::from(self.seed().to_string())),
            ("rngWordPos", Value::from(self.rng.word_pos().to_string())),
            ("clusters", Value::Seq(clusters)),
        ])
    }

    /// Reads a file written by [`World::export`]. Never panics: anything else is an
    /// [`ImportError`].
    pub fn import(text: &str) -> Result<World, ImportError> {
        let v = decode(text)?;
        if v.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(ImportError::NotAWorld);
        }
        let version = match v.get("version").and_then(Value::as_i64) {
            Some(n) if (OLDEST_VERSION..=FORMAT_VERSION).contains(&n) => n,
            Some(other) => return Err(ImportError::Version(other)),
            None => return Err(invalid("version")),
        };
        let num = |k: &str| -> Result<u128, ImportError> {
            v.get(k)
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<u128>().ok())
                .ok_or_else(|| invalid(k))
        };
        let seed = u64::try_from(num("seed")?).map_err(|_| invalid("seed"))?;
        let now = u64::try_from(num("nowMs")?).map_err(|_| invalid("nowMs"))?;
        let mut world = World::empty(seed);
        world.rng = SimRng::at(seed, num("rngWordPos")?);
        world.set_now(SimTime::from_ms(now));
        for c in v
            .get("clusters")
            .and_then(Value::as_seq)
            .ok_or_else(|| invalid("clusters"))?
        {
            let cluster = cluster_from(c, version)?;
            world.clusters.insert(cluster.name.clone(), cluster);
        }
        Ok(world)
    }
}

fn cluster_value(c: &Cluster) -> Value {
    let keys: Vec<Value> = c
        .store
        .range("")
        .map(|kv| {
            obj(vec![
                ("key", Value::from(&*kv.key)),
                ("createRevision", Value::Int(kv.create_revision)),
                ("modRevision", Value::Int(kv.mod_revision)),
                ("version", Value::Int(kv.version)),
                ("value", (*kv.value).clone()),
            ])
        })
        .collect();
    let tokens: Vec<Value> = c
        .auth
        .tokens
        .iter()
        .map(|(t, u)| {
            obj(vec![
                ("token", t.as_str().into()),
                ("user", u.name.as_str().into()),
                ("groups", strs(u.groups.iter())),
            ])
        })
        .collect();
    let members: Vec<Value> = c
        .etcd
        .members
        .iter()
        .map(|m| {
            obj(vec![
                ("name", m.name.as_str().into()),
                ("node", m.node.as_str().into()),
                ("id", Value::from(m.id.to_string())),
                ("peerURL", m.peer_url.as_str().into()),
                ("clientURL", m.client_url.as_str().into()),
            ])
        })
        .collect();
    let elections: Vec<Value> = c
        .etcd
        .elections
        .iter()
        .map(|e| {
            obj(vec![
                ("atMs", Value::from(e.at.as_ms().to_string())),
                ("term", Value::from(e.term.to_string())),
                (
                    "leader",
                    e.leader.as_deref().map_or(Value::Null, Value::from),
                ),
            ])
        })
        .collect();
    obj(vec![
        ("name", c.name.as_str().into()),
        ("server", c.server.as_str().into()),
        ("version", c.version.as_str().into()),
        ("down", strs(c.down.iter())),
        (
            "cloudProvider",
            c.cloud_provider.as_deref().map_or(Value::Null, Value::from),
        ),
        (
            "builtinCNI",
            c.kubelet
                .builtin_cni
                .as_deref()
                .map_or(Value::Null, Value::from),
        ),
        ("caID", c.auth.ca_id.as_str().into()),
        ("tokens", Value::Seq(tokens.into())),
        (
            "etcd",
            obj(vec![
                ("members", Value::Seq(members.into())),
                (
                    "leader",
                    c.etcd.leader.map_or(Value::Null, |l| Value::Int(l as i64)),
                ),
                ("term", Value::from(c.etcd.term.to_string())),
                ("clusterID", Value::from(c.etcd.cluster_id.to_string())),
                ("elections", Value::Seq(elections.into())),
            ]),
        ),
        ("leaderElection", super::leader::to_value(&c.leader)),
        ("tracedTotal", Value::from(c.traced_total().to_string())),
        (
            "lastCompactionMs",
            Value::from(c.last_compaction().as_ms().to_string()),
        ),
        ("revision", Value::Int(c.store.revision())),
        ("keys", Value::Seq(keys.into())),
    ])
}

fn cluster_from(v: &Value, version: i64) -> Result<Cluster, ImportError> {
    let s = |k: &str| -> Result<String, ImportError> {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| invalid(k))
    };
    let n = |x: Option<&Value>, what: &str| -> Result<u64, ImportError> {
        x.and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid(what))
    };
    let mut c = Cluster::new(&s("name")?, &s("server")?, &s("version")?);
    for d in v
        .get("down")
        .and_then(Value::as_seq)
        .ok_or_else(|| invalid("down"))?
    {
        c.stop(d.as_str().ok_or_else(|| invalid("down"))?);
    }
    c.cloud_provider = v
        .get("cloudProvider")
        .and_then(Value::as_str)
        .map(str::to_string);
    c.kubelet.builtin_cni = v
        .get("builtinCNI")
        .and_then(Value::as_str)
        .map(str::to_string);
    c.auth.ca_id = s("caID")?;
    for t in v
        .get("tokens")
        .and_then(Value::as_seq)
        .ok_or_else(|| invalid("tokens"))?
    {
        let token = t
            .get("token")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("token"))?;
        let user = t
            .get("user")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("user"))?;
        let groups: Vec<String> = t
            .get("groups")
            .and_then(Value::as_seq)
            .ok_or_else(|| invalid("groups"))?
            .iter()
            .filter_map(|g| g.as_str().map(str::to_string))
            .collect();
        c.auth.tokens.insert(
            token.to_string(),
            UserInfo {
                name: user.to_string(),
                groups,
            },
        );
    }
    let e = v.get("etcd").ok_or_else(|| invalid("etcd"))?;
    let mut members = Vec::new();
    for m in e
        .get("members")
        .and_then(Value::as_seq)
        .ok_or_else(|| invalid("etcd.members"))?
    {
        let f = |k: &str| {
            m.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| invalid("etcd member"))
        };
        members.push(etcd::Member {
            name: f("name")?,
            node: f("node")?,
            id: n(m.get("id"), "etcd member id")?,
            peer_url: f("peerURL")?,
            client_url: f("clientURL")?,
        });
    }
    let leader = match e.get("leader") {
        Some(Value::Int(i)) if *i >= 0 && (*i as usize) < members.len() => Some(*i as usize),
        Some(Value::Null) | None => None,
        _ => return Err(invalid("etcd.leader")),
    };
    // Version 1 files kept no history: elections and election marks start empty.
    let mut elections = Vec::new();
    if version >= 2 {
        for x in e
            .get("elections")
            .and_then(Value::as_seq)
            .ok_or_else(|| invalid("etcd.elections"))?
        {
            elections.push(etcd::Election {
                at: SimTime::from_ms(n(x.get("atMs"), "etcd election")?),
                term: n(x.get("term"), "etcd election")?,
                leader: match x.get("leader") {
                    Some(Value::Str(l)) => Some(l.as_str().to_string()),
                    Some(Value::Null) => None,
                    _ => return Err(invalid("etcd election")),
                },
            });
        }
        c.leader = super::leader::from_value(
            v.get("leaderElection")
                .ok_or_else(|| invalid("leaderElection"))?,
        )
        .map_err(|f| invalid(&format!("leaderElection.{f}")))?;
    }
    c.etcd = etcd::State {
        members,
        leader,
        term: n(e.get("term"), "etcd.term")?,
        elections,
        cluster_id: n(e.get("clusterID"), "etcd.clusterID")?,
    };
    let revision = v
        .get("revision")
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid("revision"))?;
    let mut kvs = Vec::new();
    for k in v
        .get("keys")
        .and_then(Value::as_seq)
        .ok_or_else(|| invalid("keys"))?
    {
        let i = |f: &str| {
            k.get(f)
                .and_then(Value::as_i64)
                .ok_or_else(|| invalid("key revision"))
        };
        let kv = KeyValue {
            key: k
                .get("key")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("key"))?
                .into(),
            create_revision: i("createRevision")?,
            mod_revision: i("modRevision")?,
            version: i("version")?,
            value: Arc::new(k.get("value").cloned().ok_or_else(|| invalid("value"))?),
        };
        if kv.mod_revision > revision || kv.create_revision > kv.mod_revision || kv.version < 1 {
            return Err(invalid("key revisions"));
        }
        kvs.push(kv);
    }
    c.store = Store::restore(revision, kvs).ok_or_else(|| invalid("keys out of order"))?;
    c.restore_counters(
        n(v.get("tracedTotal"), "tracedTotal")?,
        SimTime::from_ms(n(v.get("lastCompactionMs"), "lastCompactionMs")?),
    );
    Ok(c)
}

/// The one place the file format meets the codec: compact JSON (Go `json.Marshal` style).
pub fn encode(v: &Value) -> String {
    super::value::json::to_json_compact(v)
}

/// Parses the file text; syntax errors carry the byte offset.
pub fn decode(text: &str) -> Result<Value, ImportError> {
    super::value::json::parse(text).map_err(|e| ImportError::Syntax {
        at: e.offset,
        message: e.message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::faults::{self, Fault};
    use crate::sim::presets::Preset;

    #[test]
    fn export_import_export_is_identical_and_the_world_goes_on_the_same() {
        let mut w = World::new(9, Preset::Ha);
        faults::apply(&mut w, "kubernetes", &Fault::KillEtcd("cp-1".into())).unwrap();
        for _ in 0..20 {
            w.step(500);
        }
        let file = w.export();
        let back = World::import(&file).unwrap();
        assert_eq!(back.export(), file);
        assert_eq!(back.state_hash(), w.state_hash());
        assert_eq!(
            back.clusters["kubernetes"].etcd.leader,
            w.clusters["kubernetes"].etcd.leader
        );
        assert!(!back.clusters["kubernetes"].is_up("etcd/cp-1"));
        // Same rng position: the next draws match.
        let (mut a, mut b) = (w.clone(), back.clone());
        assert_eq!(a.rng.next_u64(), b.rng.next_u64());
        // And both go on identically.
        let mut a = World::import(&file).unwrap();
        let mut b = World::import(&file).unwrap();
        for _ in 0..20 {
            a.step(500);
            b.step(500);
        }
        assert_eq!(a.state_hash(), b.state_hash());
    }

    #[test]
    fn garbage_is_a_typed_error_never_a_panic() {
        let file = World::new(1, Preset::Kind).export();
        for cut in [0, 1, 10, file.len() / 3, file.len() / 2, file.len() - 1] {
            assert!(World::import(&file[..cut]).is_err(), "cut at {cut}");
        }
        for text in ["", "[1,2", "\"\\u12\"", "{\"a\" 1}", "nul"] {
            assert!(
                matches!(World::import(text), Err(ImportError::Syntax { .. })),
                "{text}"
            );
        }
        assert_eq!(
            World::import("").unwrap_err().to_string(),
            "invalid JSON at offset 0: unexpected end of JSON input"
        );
        for (text, want) in [
            ("{}", "not a kubesim world file"),
            ("[]", "not a kubesim world file"),
            (
                "{\"format\":\"kubesim-world\",\"version\":99}",
                "unsupported world file version 99 (this build reads versions 1 to 2)",
            ),
            (
                "{\"format\":\"kubesim-world\",\"version\":2}",
                "invalid world file: seed",
            ),
        ] {
            assert_eq!(World::import(text).unwrap_err().to_string(), want, "{text}");
        }
        let deep = "[".repeat(10_000);
        assert!(World::import(&deep).is_err());
        let tampered = file.replacen("\"modRevision\":", "\"modRevision\":-", 1);
        assert!(World::import(&tampered).is_err());
    }

    /// Version 2 keeps the history the components' logs are written from.
    #[test]
    fn the_election_history_round_trips() {
        let mut w = World::new(9, Preset::Ha);
        faults::apply(&mut w, "kubernetes", &Fault::KillEtcd("cp-1".into())).unwrap();
        for _ in 0..40 {
            w.step(500);
        }
        let c = &w.clusters["kubernetes"];
        assert!(!c.etcd.elections.is_empty());
        let marks = crate::sim::leader::marks(c, "kube-scheduler", "cp-1").to_vec();
        assert!(!marks.is_empty());
        let back = World::import(&w.export()).unwrap();
        let b = &back.clusters["kubernetes"];
        assert_eq!(b.etcd.elections, c.etcd.elections);
        assert_eq!(
            crate::sim::leader::marks(b, "kube-scheduler", "cp-1"),
            &marks[..]
        );
        assert_eq!(
            crate::sim::leader::to_value(&b.leader),
            crate::sim::leader::to_value(&c.leader)
        );
    }

    /// A file written before the history was saved loads, with none.
    #[test]
    fn a_version_1_file_still_loads_without_the_election_history() {
        let mut w = World::new(9, Preset::Ha);
        for _ in 0..10 {
            w.step(500);
        }
        let mut v = decode(&w.export()).unwrap();
        v.set("version", Value::Int(1));
        if let Some(Value::Seq(clusters)) = v.get_mut("clusters") {
            for c in clusters {
                c.remove("leaderElection");
                if let Some(e) = c.get_mut("etcd") {
                    e.remove("elections");
                }
            }
        }
        let back = World::import(&encode(&v)).unwrap();
        assert_eq!(back.state_hash(), w.state_hash());
        let b = &back.clusters["kubernetes"];
        assert!(b.etcd.elections.is_empty());
        assert!(crate::sim::leader::marks(b, "kube-scheduler", "cp-1").is_empty());
        // Saved again, it is a version 2 file.
        assert!(back.export().contains("\"version\":2"));
    }

    #[test]
    fn codec_round_trips_values() {
        let v = obj(vec![
            ("s", "a\"b\\c\n\u{1}é".into()),
            ("i", Value::Int(-42)),
            ("f", Value::Float(1.5)),
            ("n", Value::Null),
            ("b", Value::Bool(true)),
            ("l", Value::Seq(vec![Value::Int(1), Value::map()].into())),
        ]);
        assert_eq!(decode(&encode(&v)).unwrap(), v);
    }
}
