//! Leader election of the control-plane components (client-go `leaderelection` with a
//! `coordination.k8s.io` Lease lock), so that in an HA cluster only one replica of
//! kube-scheduler and of kube-controller-manager acts.
//!
//! Every control-plane node (label `node-role.kubernetes.io/control-plane`) runs one replica
//! of each [`COMPONENTS`] entry. A replica is up unless its component is stopped cluster-wide
//! (`kube-scheduler` in [`Cluster::down`]) or on its node (`kube-scheduler/<node>`), or its
//! node is powered off or partitioned from the API server. Each replica process has an
//! identity `<node>_<uuid>` (a new uuid each time it starts) and, with the upstream defaults:
//! - the leader renews `kube-system/<component>` every [`RETRY_PERIOD_MS`] (`renewTime`);
//! - other replicas wait until `renewTime + leaseDurationSeconds` ([`LEASE_DURATION_S`]) has
//!   passed, then the first up replica (by node name) takes the Lease: new `holderIdentity`,
//!   `acquireTime`, `leaseTransitions + 1`. A stopped leader is therefore replaced 15 s after
//!   its last renewal; a restarted one comes back as a new identity and waits like the others
//!   (the fault is a crash: the Lease is not released).
//! - a leader that cannot renew for [`RENEW_DEADLINE_MS`] (partitioned from the API server,
//!   etcd without quorum, or its Lease taken over by another identity) gives up and exits with
//!   `leaderelection lost`, as both components do: its kubelet restarts the static pod's
//!   container (`RESTARTS` + 1, last state `Error`, exit code 1) and the new process, with a new
//!   identity, waits for the Lease like any other replica.
//!
//! Each control-plane node's kube-apiserver also publishes an identity Lease
//! (`apiserver-<hash>`, [`apiserver_lease_name`]), as `APIServerIdentity` does since 1.26.
//!
//! [`World::step`](super::world::World::step) runs a component only when [`acts`] says its
//! replica holds a live Lease. Clusters without control-plane nodes (managed clouds, where
//! the control plane is hidden) have no Leases: there the component acts while it is up.
//! The state here (replica identities, holders, each replica's marks) is saved with the world
//! ([`to_value`]); after importing a file without it (version 1), the replica on the holder's
//! node takes the holder's identity back from the Lease.

use super::clock::SimTime;
use super::meta;
use super::value::Value;
use super::world::{Cluster, World};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The components that elect a leader (cloud-controller-manager only runs on managed
/// clusters, where no replica is visible).
pub const COMPONENTS: [&str; 2] = ["kube-scheduler", "kube-controller-manager"];
/// `--leader-elect-lease-duration` default.
pub const LEASE_DURATION_S: i64 = 15;
/// `--leader-elect-retry-period` default: how often the leader renews and others retry.
pub const RETRY_PERIOD_MS: u64 = 2_000;
/// `--leader-elect-renew-deadline` default: a leader that has not renewed for this long stops
/// leading, and the component exits.
pub const RENEW_DEADLINE_MS: u64 = 10_000;
/// How often the list of control-plane nodes is read again.
const REPLICAS_REFRESH_MS: u64 = 10_000;
const CONTROL_PLANE_LABEL: &str = "node-role.kubernetes.io/control-plane";

/// Leader-election state of one cluster (kept in [`Cluster`]).
#[derive(Debug, Clone, Default)]
pub struct State {
    /// Control-plane node names, in order.
    replicas: Vec<String>,
    replicas_read: Option<SimTime>,
    /// The identity of each running replica process, by `component/node`.
    identities: BTreeMap<String, String>,
    /// Who holds each component's Lease (its node) and until when it is valid.
    holders: BTreeMap<String, (String, SimTime)>,
    /// The replica process that leads each component: its node and its last renewal.
    leading: BTreeMap<String, (String, SimTime)>,
    /// What each replica's process did in the election, by `component/node`, the last
    /// [`MARKS_PER_REPLICA`]: its log lines ([`super::component_log`]) are written from these.
    marks: BTreeMap<String, Vec<Mark>>,
    /// Replica slots (`component/node`) whose process stopped or exited while this state
    /// existed: the next process there is a new identity. After importing a version 1 file
    /// (where it is empty) the holder's replica may take its identity back from the Lease.
    restarted: BTreeSet<String>,
}

/// How many election marks each replica keeps (older ones are dropped first).
pub const MARKS_PER_REPLICA: usize = 16;

/// Something a replica process did in the election, as its log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// It took the Lease, as this identity (`<node>_<uuid>`).
    Acquired { at: SimTime, identity: String },
    /// It could not renew within the renew deadline and exited.
    Lost { at: SimTime, cause: LossCause },
}

/// Why a leader could not renew its Lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LossCause {
    /// Its requests never reached the API server (partition, API server down).
    Unreachable,
    /// The API server answered, but etcd without quorum failed every write.
    NoQuorum,
    /// Another identity holds the Lease now.
    TakenOver,
}

impl Mark {
    pub fn at(&self) -> SimTime {
        match self {
            Mark::Acquired { at, .. } | Mark::Lost { at, .. } => *at,
        }
    }
}

/// The file form of a cluster's election state ([`super::snapshot`]): every field, so that
/// an imported world elects and logs ([`super::component_log`]) as the saved one would have.
/// Times are milliseconds as strings, like the snapshot's other times.
pub(crate) fn to_value(st: &State) -> Value {
    let ms = |t: SimTime| Value::from(t.as_ms().to_string());
    let strs = |it: &mut dyn Iterator<Item = &String>| {
        Value::Seq(it.map(|s| Value::from(s.as_str())).collect())
    };
    let held = |m: &BTreeMap<String, (String, SimTime)>| {
        let mut v = Value::map();
        for (k, (node, t)) in m {
            v.set(k, Value::Seq(vec![node.as_str().into(), ms(*t)].into()));
        }
        v
    };
    let mut marks = Value::map();
    for (slot, list) in &st.marks {
        let list = list
            .iter()
            .map(|m| {
                let mut v = Value::map();
                v.set("atMs", ms(m.at()));
                match m {
                    Mark::Acquired { identity, .. } => v.set("acquired", identity.as_str()),
                    Mark::Lost { cause, .. } => v.set(
                        "lost",
                        match cause {
                            LossCause::Unreachable => "Unreachable",
                            LossCause::NoQuorum => "NoQuorum",
                            LossCause::TakenOver => "TakenOver",
                        },
                    ),
                }
                v
            })
            .collect();
        marks.set(slot, Value::Seq(list));
    }
    let mut identities = Value::map();
    for (k, id) in &st.identities {
        identities.set(k, id.as_str());
    }
    let mut v = Value::map();
    v.set("replicas", strs(&mut st.replicas.iter()));
    v.set("replicasReadMs", st.replicas_read.map_or(Value::Null, ms));
    v.set("identities", identities);
    v.set("holders", held(&st.holders));
    v.set("leading", held(&st.leading));
    v.set("marks", marks);
    v.set("restarted", strs(&mut st.restarted.iter()));
    v
}

/// Reads [`to_value`]'s form back; `Err` names the field that is wrong.
pub(crate) fn from_value(v: &Value) -> Result<State, &'static str> {
    let time = |x: Option<&Value>| {
        x.and_then(Value::as_str)
            .and_then(|s| s.parse::<u64>().ok())
            .map(SimTime::from_ms)
    };
    let strs = |k: &'static str| -> Result<Vec<String>, &'static str> {
        v.get(k)
            .and_then(Value::as_seq)
            .ok_or(k)?
            .iter()
            .map(|s| s.as_str().map(str::to_string).ok_or(k))
            .collect()
    };
    let map = |k: &'static str| v.get(k).and_then(Value::as_map).ok_or(k);
    let held = |k: &'static str| -> Result<BTreeMap<String, (String, SimTime)>, &'static str> {
        map(k)?
            .iter()
            .map(|(slot, x)| {
                let pair = x.as_seq().filter(|p| p.len() == 2).ok_or(k)?;
                let node = pair[0].as_str().ok_or(k)?.to_string();
                Ok((slot.to_string(), (node, time(pair.get(1)).ok_or(k)?)))
            })
            .collect()
    };
    let mut marks = BTreeMap::new();
    for (slot, list) in map("marks")? {
        let list = list
            .as_seq()
            .ok_or("marks")?
            .iter()
            .map(|m| {
                let at = time(m.get("atMs")).ok_or("marks")?;
                if let Some(identity) = m.get("acquired").and_then(Value::as_str) {
                    return Ok(Mark::Acquired {
                        at,
                        identity: identity.to_string(),
                    });
                }
                let cause = match m.get("lost").and_then(Value::as_str) {
                    Some("Unreachable") => LossCause::Unreachable,
                    Some("NoQuorum") => LossCause::NoQuorum,
                    Some("TakenOver") => LossCause::TakenOver,
                    _ => return Err("marks"),
                };
                Ok(Mark::Lost { at, cause })
            })
            .collect::<Result<Vec<Mark>, &'static str>>()?;
        marks.insert(slot.to_string(), list);
    }
    let identities = map("identities")?
        .iter()
        .map(|(k, id)| Ok((k.to_string(), id.as_str().ok_or("identities")?.to_string())))
        .collect::<Result<_, &'static str>>()?;
    let replicas_read = match v.get("replicasReadMs") {
        Some(Value::Null) | None => None,
        x => Some(time(x).ok_or("replicasReadMs")?),
    };
    Ok(State {
        replicas: strs("replicas")?,
        replicas_read,
        identities,
        holders: held("holders")?,
        leading: held("leading")?,
        marks,
        restarted: strs("restarted")?.into_iter().collect(),
    })
}

/// The election marks of the replica of `component` on `node`, oldest first.
pub fn marks<'a>(c: &'a Cluster, component: &str, node: &str) -> &'a [Mark] {
    c.leader
        .marks
        .get(&format!("{component}/{node}"))
        .map_or(&[], Vec::as_slice)
}

fn mark(c: &mut Cluster, component: &str, node: &str, m: Mark) {
    let v = c
        .leader
        .marks
        .entry(format!("{component}/{node}"))
        .or_default();
    if v.len() == MARKS_PER_REPLICA {
        v.remove(0);
    }
    v.push(m);
}

/// Is the replica of `component` on `node` running and able to reach the API server?
pub fn replica_up(c: &Cluster, component: &str, node: &str) -> bool {
    process_up(c, component, node) && c.is_up(&format!("partition/{node}"))
}

/// Is the replica process of `component` on `node` running (reachable or not)?
fn process_up(c: &Cluster, component: &str, node: &str) -> bool {
    c.is_up(component)
        && c.is_up(&format!("{component}/{node}"))
        && c.is_up(&format!("node/{node}"))
}

/// Does `component` act in this step? Its leader replica is up and its Lease is live; without
/// control-plane nodes, whenever it is up.
pub fn acts(c: &Cluster, component: &str, now: SimTime) -> bool {
    if c.leader.replicas.is_empty() {
        return c.is_up(component);
    }
    // The process on the holder's node must be the one leading, not a restarted one.
    c.leader
        .holders
        .get(component)
        .is_some_and(|(node, until)| {
            now < *until
                && replica_up(c, component, node)
                && c.leader
                    .leading
                    .get(component)
                    .is_some_and(|(n, _)| n == node)
        })
}

/// The control-plane nodes (as last read; empty before the first step).
pub fn control_plane_nodes(c: &Cluster) -> Vec<String> {
    c.leader.replicas.clone()
}

/// The node whose replica of `component` leads, if any (for the UI and tests).
pub fn leader_node(c: &Cluster, component: &str) -> Option<String> {
    c.leader.holders.get(component).map(|(n, _)| n.clone())
}

/// One round of elections in `cluster`: renewals, expiries, takeovers.
pub fn step(world: &mut World, cluster: &str) {
    let now = world.now();
    let Some(c) = world.clusters.get_mut(cluster) else {
        return;
    };
    let stale = c
        .leader
        .replicas_read
        .is_none_or(|t| now.since_ms(t) >= REPLICAS_REFRESH_MS);
    if stale {
        c.leader.replicas = c
            .store
            .range("/registry/minions/")
            .filter(|kv| meta::label(&kv.value, CONTROL_PLANE_LABEL).is_some())
            .filter_map(|kv| meta::str_at(&kv.value, &["metadata", "name"]).map(str::to_string))
            .collect();
        c.leader.replicas_read = Some(now);
    }
    if c.leader.replicas.is_empty() {
        return;
    }
    let replicas = c.leader.replicas.clone();
    for component in COMPONENTS {
        elect(world, cluster, component, &replicas, now);
    }
    for node in &replicas {
        apiserver_identity(world, cluster, node, now);
    }
}

/// How often a kube-apiserver renews its identity Lease, and how long that Lease is valid.
const IDENTITY_RENEW_MS: u64 = 10_000;
const IDENTITY_LEASE_S: i64 = 3_600;

/// `apiserver-<base32(sha256(len|hostname|len|"kube-apiserver"))[:16 bytes]>`, lower-case:
/// the name of a kube-apiserver's identity Lease (`APIServerIdentity`, on by default).
pub fn apiserver_lease_name(hostname: &str) -> String {
    let mut data = Vec::new();
    for part in [hostname.as_bytes(), b"kube-apiserver"] {
        let len = u16::try_from(part.len()).unwrap_or(u16::MAX);
        data.extend_from_slice(&len.to_be_bytes());
        data.extend_from_slice(&part[..usize::from(len).min(part.len())]);
    }
    let hash = sha256(&data);
    format!("apiserver-{}", base32_lower(&hash[..16]))
}

/// Each control-plane node's kube-apiserver publishes itself in `kube-system`: a Lease named
/// by [`apiserver_lease_name`], labelled `apiserver.kubernetes.io/identity: kube-apiserver`
/// and `kubernetes.io/hostname`, held by `<name>_<uuid>` (a new uuid per process), renewed
/// every 10 s for 3600 s.
fn apiserver_identity(world: &mut World, cluster: &str, node: &str, now: SimTime) {
    let Some(c) = world.clusters.get_mut(cluster) else {
        return;
    };
    let slot = format!("kube-apiserver/{node}");
    let running = c.is_up(&format!("node/{node}")) && c.is_up(&format!("partition/{node}"));
    if !running {
        c.leader.identities.remove(&slot);
        return;
    }
    let name = apiserver_lease_name(node);
    let LeaseRead {
        lease,
        holder,
        renewed,
    } = read_lease(c, &name);
    if !c.leader.identities.contains_key(&slot)
        && holder.starts_with(&format!("{name}_"))
        && !c.leader.holders.contains_key(&slot)
    {
        // After an import: the running process is the one in the Lease.
        c.leader.identities.insert(slot.clone(), holder.clone());
    }
    c.leader
        .holders
        .insert(slot.clone(), (node.to_string(), now));
    let identity = match c.leader.identities.get(&slot) {
        Some(id) => id.clone(),
        None => {
            let id = format!("{name}_{}", world.rng.uuid());
            if let Some(c) = world.clusters.get_mut(cluster) {
                c.leader.identities.insert(slot.clone(), id.clone());
            }
            id
        }
    };
    if holder == identity && renewed.is_some_and(|t| now.since_ms(t) < IDENTITY_RENEW_MS) {
        return;
    }
    let mut next = lease.as_deref().cloned().unwrap_or_else(|| {
        let mut l = new_lease(&name);
        let labels = l.path_mut_or_insert(&["metadata", "labels"]);
        labels.set("apiserver.kubernetes.io/identity", "kube-apiserver");
        labels.set("kubernetes.io/hostname", node);
        l
    });
    let spec = next.path_mut_or_insert(&["spec"]);
    spec.set("holderIdentity", identity.as_str());
    spec.set("leaseDurationSeconds", IDENTITY_LEASE_S);
    spec.set("renewTime", micro(now));
    let leases = super::api::resource_for("leases").unwrap_or(&super::api::RESOURCES[0]);
    write(world, cluster, "kube-apiserver", leases, next);
}

/// SHA-256 (FIPS 180-4), for the identity Lease names.
fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks(4).enumerate().take(16) {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, v) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(v);
        }
    }
    let mut out = [0u8; 32];
    for (i, x) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

/// RFC 4648 base32 without padding, lower-case.
fn base32_lower(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buf >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn elect(world: &mut World, cluster: &str, component: &str, replicas: &[String], now: SimTime) {
    renew_or_acquire(world, cluster, component, replicas, now);
    // Checked after this step's renewal attempt, so that one long step is not a failure.
    give_up_if_late(world, cluster, component, now);
}

/// A step without an API server: no leader can renew, and those past the renew deadline
/// exit (their kubelet restarts them once the control plane is back).
pub fn api_down(world: &mut World, cluster: &str) {
    let now = world.now();
    for component in COMPONENTS {
        give_up_if_late(world, cluster, component, now);
    }
}

/// The leader of `component` gives up when its last successful renewal is older than the
/// renew deadline (or forgets its leadership when its process is gone).
fn give_up_if_late(world: &mut World, cluster: &str, component: &str, now: SimTime) {
    let Some(c) = world.clusters.get_mut(cluster) else {
        return;
    };
    let Some((node, renewed_ok)) = c.leader.leading.get(component).cloned() else {
        return;
    };
    if !process_up(c, component, &node) {
        c.leader.leading.remove(component);
        return;
    }
    if now.since_ms(renewed_ok) < RENEW_DEADLINE_MS {
        return;
    }
    // `"leaderelection lost"`, exit 1: the kubelet restarts the static pod's container.
    c.leader.leading.remove(component);
    let slot = format!("{component}/{node}");
    let identity = c.leader.identities.remove(&slot);
    c.leader.restarted.insert(slot);
    super::kubelet::exit_containers(c, &format!("kube-system/{component}-{node}"), 1, now);
    // client-go records `<identity> stopped leading` on the Lease, if it can still reach the
    // API server (a Lease taken over; not a partition, and without quorum the write fails).
    let reachable = replica_up(c, component, &node) && c.is_up("kube-apiserver");
    let cause = if !reachable {
        LossCause::Unreachable
    } else if !super::etcd::has_quorum(c) {
        LossCause::NoQuorum
    } else {
        LossCause::TakenOver
    };
    mark(c, component, &node, Mark::Lost { at: now, cause });
    let lease = read_lease(c, component).lease;
    if let (true, Some(identity), Some(lease), Some(mut a)) =
        (reachable, identity, lease, world.api(cluster, component))
    {
        let source = match component {
            "kube-scheduler" => "default-scheduler",
            c => c,
        };
        super::events::record(
            &mut a,
            &lease,
            super::events::Type::Normal,
            "LeaderElection",
            &format!("{identity} stopped leading"),
            source,
            None,
        );
    }
}

fn renew_or_acquire(
    world: &mut World,
    cluster: &str,
    component: &str,
    replicas: &[String],
    now: SimTime,
) {
    let Some(c) = world.clusters.get_mut(cluster) else {
        return;
    };
    // A stopped replica process is gone: when it starts again it is a new identity.
    for node in replicas {
        if !process_up(c, component, node) {
            let slot = format!("{component}/{node}");
            if c.leader.identities.remove(&slot).is_some() {
                c.leader.restarted.insert(slot);
            }
        }
    }
    let leases = super::api::resource_for("leases").unwrap_or(&super::api::RESOURCES[0]);
    let LeaseRead {
        lease,
        holder,
        renewed,
    } = read_lease(c, component);
    let duration_ms = lease
        .as_deref()
        .and_then(|l| meta::int_at(l, &["spec", "leaseDurationSeconds"]))
        .unwrap_or(LEASE_DURATION_S)
        .max(0) as u64
        * 1000;
    // After an import the holder's replica recognises its own identity in the Lease.
    if let Some((node, _)) = holder.split_once('_') {
        let slot = format!("{component}/{node}");
        if replicas.iter().any(|r| r == node)
            && replica_up(c, component, node)
            && !c.leader.identities.contains_key(&slot)
            && !c.leader.restarted.contains(&slot)
            && !c.leader.holders.contains_key(component)
        {
            c.leader.identities.insert(slot, holder.clone());
        }
    }
    let holding = replicas.iter().find(|n| {
        replica_up(c, component, n)
            && c.leader.identities.get(&format!("{component}/{n}")) == Some(&holder)
    });
    // The stored Lease is shared: copy it only when this step writes it.
    let next = || {
        lease
            .as_deref()
            .cloned()
            .unwrap_or_else(|| new_lease(component))
    };
    match holding.cloned() {
        Some(node) => {
            // This process leads (after an import, since its last renewal in the Lease).
            if let Some(c) = world.clusters.get_mut(cluster) {
                if !c.leader.leading.contains_key(component) {
                    c.leader.leading.insert(
                        component.to_string(),
                        (node.clone(), renewed.unwrap_or(now)),
                    );
                    // A process that starts leading under the identity in the Lease (after
                    // an import) logs the acquisition like any other.
                    let identity = holder.clone();
                    mark(c, component, &node, Mark::Acquired { at: now, identity });
                }
            }
            // The leader renews every retry period.
            if renewed.is_none_or(|t| now.since_ms(t) >= RETRY_PERIOD_MS) {
                let mut next = next();
                next.path_mut_or_insert(&["spec"])
                    .set("renewTime", micro(now));
                if write(world, cluster, component, leases, next) {
                    set_holder(world, cluster, component, &node, now.plus_ms(duration_ms));
                    set_leading(world, cluster, component, &node, now);
                }
            } else if let Some(t) = renewed {
                set_holder(world, cluster, component, &node, t.plus_ms(duration_ms));
            }
        }
        None => {
            let expired = lease.is_none()
                || holder.is_empty()
                || renewed.is_none_or(|t| now >= t.plus_ms(duration_ms));
            if !expired {
                // Someone we cannot see renewing (a stopped leader): wait for expiry.
                if let Some(t) = renewed {
                    let node = holder.split_once('_').map_or("", |(n, _)| n).to_string();
                    set_holder(world, cluster, component, &node, t.plus_ms(duration_ms));
                }
                return;
            }
            let Some(node) = replicas
                .iter()
                .find(|n| replica_up(&world.clusters[cluster], component, n))
                .cloned()
            else {
                if let Some(c) = world.clusters.get_mut(cluster) {
                    c.leader.holders.remove(component);
                }
                return;
            };
            let slot = format!("{component}/{node}");
            let identity = match world.clusters[cluster].leader.identities.get(&slot) {
                Some(id) => id.clone(),
                None => format!("{node}_{}", world.rng.uuid()),
            };
            if let Some(c) = world.clusters.get_mut(cluster) {
                c.leader.restarted.remove(&slot);
                c.leader.identities.insert(slot, identity.clone());
            }
            let transitions = lease
                .as_deref()
                .and_then(|l| meta::int_at(l, &["spec", "leaseTransitions"]))
                .unwrap_or(0);
            let mut next = next();
            let spec = next.path_mut_or_insert(&["spec"]);
            spec.set("holderIdentity", identity.as_str());
            spec.set("leaseDurationSeconds", LEASE_DURATION_S);
            spec.set("acquireTime", micro(now));
            spec.set("renewTime", micro(now));
            // A first acquisition is not a transition.
            spec.set(
                "leaseTransitions",
                if holder.is_empty() {
                    transitions
                } else {
                    transitions + 1
                },
            );
            if write(world, cluster, component, leases, next) {
                set_holder(
                    world,
                    cluster,
                    component,
                    &node,
                    now.plus_ms(LEASE_DURATION_S as u64 * 1000),
                );
                set_leading(world, cluster, component, &node, now);
                if let Some(c) = world.clusters.get_mut(cluster) {
                    let identity = identity.clone();
                    mark(c, component, &node, Mark::Acquired { at: now, identity });
                }
                // client-go's resource lock records `<identity> became leader` on the Lease,
                // from the component's event recorder.
                let source = match component {
                    "kube-scheduler" => "default-scheduler",
                    c => c,
                };
                let lease = world
                    .clusters
                    .get(cluster)
                    .and_then(|c| read_lease(c, component).lease);
                if let (Some(lease), Some(mut a)) = (lease, world.api(cluster, component)) {
                    super::events::record(
                        &mut a,
                        &lease,
                        super::events::Type::Normal,
                        "LeaderElection",
                        &format!("{identity} became leader"),
                        source,
                        None,
                    );
                }
            }
        }
    }
}

fn set_leading(world: &mut World, cluster: &str, component: &str, node: &str, renewed: SimTime) {
    if let Some(c) = world.clusters.get_mut(cluster) {
        c.leader
            .leading
            .insert(component.to_string(), (node.to_string(), renewed));
    }
}

fn set_holder(world: &mut World, cluster: &str, component: &str, node: &str, until: SimTime) {
    if let Some(c) = world.clusters.get_mut(cluster) {
        c.leader
            .holders
            .insert(component.to_string(), (node.to_string(), until));
    }
}

/// What the Lease `kube-system/<name>` says, read from the stored object without copying it.
struct LeaseRead {
    lease: Option<Arc<Value>>,
    /// `spec.holderIdentity`, empty when nobody holds it.
    holder: String,
    renewed: Option<SimTime>,
}

fn read_lease(c: &Cluster, name: &str) -> LeaseRead {
    let lease = c
        .store
        .get(&format!("/registry/leases/kube-system/{name}"))
        .map(|kv| kv.value.clone());
    let holder = lease
        .as_deref()
        .and_then(|l| meta::str_at(l, &["spec", "holderIdentity"]))
        .unwrap_or("")
        .to_string();
    let renewed = lease
        .as_deref()
        .and_then(|l| meta::str_at(l, &["spec", "renewTime"]))
        .and_then(parse_micro);
    LeaseRead {
        lease,
        holder,
        renewed,
    }
}

fn new_lease(component: &str) -> Value {
    let mut l = Value::map();
    l.set("apiVersion", "coordination.k8s.io/v1");
    l.set("kind", "Lease");
    let m = l.path_mut_or_insert(&["metadata"]);
    m.set("name", component);
    m.set("namespace", "kube-system");
    l
}

/// Creates or updates the Lease as the component itself; false if the API server refused
/// (etcd without quorum: the leader then lapses like a real one that cannot renew).
fn write(
    world: &mut World,
    cluster: &str,
    component: &str,
    leases: &'static super::api::Resource,
    lease: Value,
) -> bool {
    let Some(mut a) = world.api(cluster, component) else {
        return false;
    };
    if lease.path(&["metadata", "uid"]).is_some() {
        a.update(leases, lease).is_ok()
    } else {
        a.create(leases, lease).is_ok()
    }
}

/// A `metav1.MicroTime` (`2026-01-05T09:00:02.000000Z`), as Leases carry.
fn micro(t: SimTime) -> String {
    let s = t.rfc3339();
    format!("{}.{:03}000Z", s.trim_end_matches('Z'), t.as_ms() % 1000)
}

fn parse_micro(s: &str) -> Option<SimTime> {
    let (base, frac) = match s.split_once('.') {
        Some((b, f)) => (format!("{b}Z"), f.trim_end_matches('Z')),
        None => (s.to_string(), ""),
    };
    let t = SimTime::parse_rfc3339(&base)?;
    let ms: u64 = frac
        .get(..3.min(frac.len()))
        .and_then(|d| format!("{d:0<3}").parse().ok())
        .unwrap_or(0);
    Some(t.plus_ms(ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::faults::{self, Fault};
    use crate::sim::presets::Preset;

    fn lease(w: &World, cluster: &str, component: &str) -> Value {
        w.clusters[cluster]
            .store
            .get(&format!("/registry/leases/kube-system/{component}"))
            .map(|kv| (*kv.value).clone())
            .expect("lease")
    }

    fn holder(w: &World, cluster: &str, component: &str) -> String {
        meta::str_at(&lease(w, cluster, component), &["spec", "holderIdentity"])
            .unwrap_or("")
            .to_string()
    }

    fn run(w: &mut World, ms: u64) {
        for _ in 0..ms / 500 {
            w.step(500);
        }
    }

    #[test]
    fn micro_times_round_trip() {
        let t = SimTime::ZERO.plus_ms(61_250);
        assert!(micro(t).ends_with(":01.250000Z"), "{}", micro(t));
        assert_eq!(parse_micro(&micro(t)), Some(t));
    }

    #[test]
    fn ha_scheduler_fails_over_after_the_lease_duration() {
        let mut w = World::new(1, Preset::Ha);
        let cluster = w.clusters.keys().next().unwrap().clone();
        run(&mut w, 3_000);
        let first = holder(&w, &cluster, "kube-scheduler");
        let (node, uuid) = first.split_once('_').expect("<node>_<uuid>");
        assert_eq!(uuid.len(), 36, "{first}");
        assert_eq!(
            leader_node(&w.clusters[&cluster], "kube-scheduler").as_deref(),
            Some(node)
        );
        let l = lease(&w, &cluster, "kube-controller-manager");
        assert_eq!(
            meta::int_at(&l, &["spec", "leaseDurationSeconds"]),
            Some(15)
        );
        assert_eq!(meta::int_at(&l, &["spec", "leaseTransitions"]), Some(0));
        // The leader renews every 2 s.
        let renew = |w: &World| {
            meta::str_at(
                &lease(w, &cluster, "kube-scheduler"),
                &["spec", "renewTime"],
            )
            .map(str::to_string)
        };
        let before = renew(&w);
        run(&mut w, 2_000);
        assert_ne!(renew(&w), before);
        // Stop the leader's kube-scheduler: nobody schedules until the Lease expires.
        faults::apply(
            &mut w,
            &cluster,
            &Fault::StopComponent(format!("kube-scheduler/{node}")),
        )
        .unwrap();
        run(&mut w, 10_000);
        assert_eq!(
            holder(&w, &cluster, "kube-scheduler"),
            first,
            "not yet expired"
        );
        assert!(!acts(&w.clusters[&cluster], "kube-scheduler", w.now()));
        run(&mut w, 7_000);
        let second = holder(&w, &cluster, "kube-scheduler");
        assert_ne!(second, first);
        assert!(
            !second.starts_with(&format!("{node}_")),
            "another replica: {second}"
        );
        assert!(acts(&w.clusters[&cluster], "kube-scheduler", w.now()));
        let l = lease(&w, &cluster, "kube-scheduler");
        assert_eq!(meta::int_at(&l, &["spec", "leaseTransitions"]), Some(1));
        let became: Vec<String> = w.clusters[&cluster]
            .store
            .range("/registry/events/kube-system/")
            .filter(|kv| meta::str_at(&kv.value, &["reason"]) == Some("LeaderElection"))
            .filter_map(|kv| meta::str_at(&kv.value, &["message"]).map(str::to_string))
            .collect();
        assert!(
            became.contains(&format!("{first} became leader")),
            "{became:?}"
        );
        assert!(
            became.contains(&format!("{second} became leader")),
            "{became:?}"
        );
        // The controller-manager's leader was never disturbed.
        assert_eq!(
            meta::int_at(
                &lease(&w, &cluster, "kube-controller-manager"),
                &["spec", "leaseTransitions"]
            ),
            Some(0)
        );
        // The old replica comes back as a follower with a new identity.
        faults::apply(
            &mut w,
            &cluster,
            &Fault::StartComponent(format!("kube-scheduler/{node}")),
        )
        .unwrap();
        run(&mut w, 20_000);
        assert_eq!(holder(&w, &cluster, "kube-scheduler"), second);
    }

    #[test]
    fn only_the_leader_acts_and_a_pod_waits_for_the_takeover() {
        let mut w = World::new(1, Preset::Ha);
        let cluster = w.clusters.keys().next().unwrap().clone();
        run(&mut w, 3_000);
        let first = holder(&w, &cluster, "kube-scheduler");
        let node = first.split_once('_').unwrap().0.to_string();
        faults::apply(
            &mut w,
            &cluster,
            &Fault::StopComponent(format!("kube-scheduler/{node}")),
        )
        .unwrap();
        let mut pod = Value::map();
        pod.path_mut_or_insert(&["metadata"]).set("name", "p");
        pod.path_mut_or_insert(&["metadata"])
            .set("namespace", "default");
        let mut c = Value::map();
        c.set("name", "c");
        c.set("image", "nginx");
        pod.path_mut_or_insert(&["spec"])
            .set("containers", Value::Seq(vec![c].into()));
        let pods = crate::sim::api::resource_for("pods").unwrap();
        w.api(&cluster, "kubectl")
            .unwrap()
            .create(pods, pod)
            .unwrap();
        let bound = |w: &World| {
            w.clusters[&cluster]
                .store
                .get("/registry/pods/default/p")
                .is_some_and(|kv| kv.value.path(&["spec", "nodeName"]).is_some())
        };
        run(&mut w, 8_000);
        assert!(!bound(&w), "two schedulers are up but neither leads yet");
        run(&mut w, 10_000);
        assert!(bound(&w), "the new leader scheduled it");
    }

    /// The static pod of `component` on `node`: (restartCount, last exit code).
    fn restarts(w: &World, cluster: &str, component: &str, node: &str) -> (i64, Option<i64>) {
        let pod = w.clusters[cluster]
            .store
            .get(&format!("/registry/pods/kube-system/{component}-{node}"))
            .map(|kv| (*kv.value).clone())
            .expect("static pod");
        let c = pod
            .path(&["status", "containerStatuses"])
            .and_then(Value::as_seq)
            .and_then(|cs| cs.first().cloned())
            .expect("container status");
        (
            meta::int_at(&c, &["restartCount"]).unwrap_or(0),
            meta::int_at(&c, &["lastState", "terminated", "exitCode"]),
        )
    }

    #[test]
    fn a_partitioned_leader_exits_after_the_renew_deadline_and_is_restarted() {
        let mut w = World::new(1, Preset::Ha);
        let cluster = w.clusters.keys().next().unwrap().clone();
        run(&mut w, 3_000);
        let first = holder(&w, &cluster, "kube-scheduler");
        let node = first.split_once('_').unwrap().0.to_string();
        assert_eq!(restarts(&w, &cluster, "kube-scheduler", &node), (0, None));
        faults::apply(&mut w, &cluster, &Fault::Partition(node.clone())).unwrap();
        run(&mut w, 25_000);
        // Another replica took over once the Lease expired.
        let second = holder(&w, &cluster, "kube-scheduler");
        assert!(!second.starts_with(&format!("{node}_")), "{second}");
        faults::apply(&mut w, &cluster, &Fault::Heal(node.clone())).unwrap();
        run(&mut w, 15_000);
        // The old leader exited once ("leaderelection lost"), exit code 1, and runs again
        // as a follower with a new identity.
        assert_eq!(
            restarts(&w, &cluster, "kube-scheduler", &node),
            (1, Some(1))
        );
        assert_eq!(holder(&w, &cluster, "kube-scheduler"), second);
        assert!(acts(&w.clusters[&cluster], "kube-scheduler", w.now()));
        // Followers did not lead, so they did not exit.
        for n in control_plane_nodes(&w.clusters[&cluster]) {
            if n != node {
                assert_eq!(restarts(&w, &cluster, "kube-scheduler", &n).0, 0, "{n}");
            }
        }
    }

    #[test]
    fn leaders_exit_when_etcd_loses_quorum_and_lead_again_after() {
        let mut w = World::new(2, Preset::Kind);
        let cluster = "kind-kind".to_string();
        let node = "kind-control-plane";
        run(&mut w, 3_000);
        faults::apply(&mut w, &cluster, &Fault::KillEtcd(node.into())).unwrap();
        run(&mut w, 9_000);
        assert_eq!(
            restarts(&w, &cluster, "kube-scheduler", node).0,
            0,
            "within the deadline"
        );
        run(&mut w, 6_000);
        assert!(!acts(&w.clusters[&cluster], "kube-scheduler", w.now()));
        faults::apply(&mut w, &cluster, &Fault::RestoreEtcd(node.into())).unwrap();
        run(&mut w, 30_000);
        assert_both_restarted_once_and_leading(&w, &cluster, node);
        assert_eq!(
            meta::int_at(
                &lease(&w, &cluster, "kube-scheduler"),
                &["spec", "leaseTransitions"]
            ),
            Some(1)
        );
    }

    /// Both components restarted once (exit code 1) on `node` and lead again.
    fn assert_both_restarted_once_and_leading(w: &World, cluster: &str, node: &str) {
        for component in COMPONENTS {
            assert_eq!(
                restarts(w, cluster, component, node),
                (1, Some(1)),
                "{component}"
            );
            assert!(
                acts(&w.clusters[cluster], component, w.now()),
                "{component}"
            );
        }
    }

    /// Stops the cluster's API server for `ms` of simulated time, then starts it again.
    fn api_server_outage(w: &mut World, cluster: &str, ms: u64) {
        let stop = Fault::StopComponent("kube-apiserver".into());
        faults::apply(w, cluster, &stop).unwrap();
        run(w, ms);
        let start = Fault::StartComponent("kube-apiserver".into());
        faults::apply(w, cluster, &start).unwrap();
    }

    #[test]
    fn an_api_server_outage_longer_than_the_renew_deadline_restarts_both_leaders() {
        let mut w = World::new(1, Preset::Kind);
        let cluster = "kind-kind".to_string();
        let node = "kind-control-plane";
        run(&mut w, 3_000);
        api_server_outage(&mut w, &cluster, 5_000);
        run(&mut w, 5_000);
        assert_eq!(
            restarts(&w, &cluster, "kube-scheduler", node).0,
            0,
            "a short outage"
        );
        api_server_outage(&mut w, &cluster, 12_000);
        run(&mut w, 20_000);
        assert_both_restarted_once_and_leading(&w, &cluster, node);
    }

    #[test]
    fn a_leader_whose_lease_is_taken_over_exits() {
        let mut w = World::new(1, Preset::Kind);
        let cluster = "kind-kind".to_string();
        run(&mut w, 3_000);
        // Another identity holds the Lease and keeps renewing it.
        let leases = crate::sim::api::resource_for("leases").unwrap();
        for _ in 0..8 {
            let mut l = lease(&w, &cluster, "kube-controller-manager");
            let spec = l.path_mut_or_insert(&["spec"]);
            spec.set("holderIdentity", "intruder_1");
            spec.set("renewTime", micro(w.now()));
            w.api(&cluster, "kubectl")
                .unwrap()
                .update(leases, l)
                .unwrap();
            run(&mut w, 2_000);
        }
        assert_eq!(
            restarts(
                &w,
                &cluster,
                "kube-controller-manager",
                "kind-control-plane"
            ),
            (1, Some(1))
        );
        assert!(!acts(
            &w.clusters[&cluster],
            "kube-controller-manager",
            w.now()
        ));
        assert_eq!(
            restarts(&w, &cluster, "kube-scheduler", "kind-control-plane").0,
            0
        );
        let stopped: Vec<String> = w.clusters[&cluster]
            .store
            .range("/registry/events/kube-system/")
            .filter_map(|kv| meta::str_at(&kv.value, &["message"]).map(str::to_string))
            .filter(|m| m.ends_with(" stopped leading"))
            .collect();
        assert_eq!(stopped.len(), 1, "{stopped:?}");
        assert!(stopped[0].starts_with("kind-control-plane_"), "{stopped:?}");
        // The intruder stops renewing: the restarted replica takes the Lease back.
        run(&mut w, 20_000);
        let h = holder(&w, &cluster, "kube-controller-manager");
        assert!(h.starts_with("kind-control-plane_"), "{h}");
        assert!(acts(
            &w.clusters[&cluster],
            "kube-controller-manager",
            w.now()
        ));
    }

    /// A lone replica (kind) stopped past its Lease comes back as a new identity: it takes
    /// the expired Lease with a transition, as a restarted real process does (only an import
    /// finds its own identity in the Lease).
    #[test]
    fn a_lone_replica_restarted_after_expiry_is_a_new_identity() {
        let mut w = World::new(1, Preset::Kind);
        let cluster = w.clusters.keys().next().unwrap().clone();
        run(&mut w, 3_000);
        let first = holder(&w, &cluster, "kube-scheduler");
        let node = first.split_once('_').unwrap().0.to_string();
        let stop = Fault::StopComponent(format!("kube-scheduler/{node}"));
        faults::apply(&mut w, &cluster, &stop).unwrap();
        run(&mut w, 20_000);
        let start = Fault::StartComponent(format!("kube-scheduler/{node}"));
        faults::apply(&mut w, &cluster, &start).unwrap();
        run(&mut w, 3_000);
        let second = holder(&w, &cluster, "kube-scheduler");
        assert!(second.starts_with(&format!("{node}_")), "{second}");
        assert_ne!(second, first, "a restarted process has a new identity");
        let l = lease(&w, &cluster, "kube-scheduler");
        assert_eq!(meta::int_at(&l, &["spec", "leaseTransitions"]), Some(1));
        assert!(acts(&w.clusters[&cluster], "kube-scheduler", w.now()));
    }

    #[test]
    fn clusters_without_visible_control_plane_have_no_leases() {
        let mut w = World::new(1, Preset::Managed);
        let cluster = w.clusters.keys().next().unwrap().clone();
        run(&mut w, 3_000);
        assert!(w.clusters[&cluster]
            .store
            .get("/registry/leases/kube-system/kube-scheduler")
            .is_none());
        assert!(acts(&w.clusters[&cluster], "kube-scheduler", w.now()));
    }

    /// Replica identities are not saved: after an import the holder's replica finds its own
    /// identity in the Lease and keeps leading (no gap, no transition).
    #[test]
    fn an_imported_world_keeps_its_leaders() {
        let mut w = World::new(4, Preset::Ha);
        let cluster = w.clusters.keys().next().unwrap().clone();
        run(&mut w, 5_000);
        let before = holder(&w, &cluster, "kube-controller-manager");
        let mut back = World::import(&w.export()).unwrap();
        for _ in 0..60 {
            back.step(500);
            assert!(acts(
                &back.clusters[&cluster],
                "kube-controller-manager",
                back.now()
            ));
        }
        assert_eq!(holder(&back, &cluster, "kube-controller-manager"), before);
        assert_eq!(
            meta::int_at(
                &lease(&back, &cluster, "kube-controller-manager"),
                &["spec", "leaseTransitions"]
            ),
            Some(0)
        );
    }

    #[test]
    fn sha256_and_base32_match_their_test_vectors() {
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // 56 bytes: the padding spills into a second block.
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        assert_eq!(base32_lower(b"foobar"), "mzxw6ytboi");
        let name = apiserver_lease_name("kind-control-plane");
        assert!(
            name.starts_with("apiserver-") && name.len() == 10 + 26,
            "{name}"
        );
    }

    #[test]
    fn each_api_server_publishes_an_identity_lease() {
        let mut w = World::new(1, Preset::Ha);
        let cluster = w.clusters.keys().next().unwrap().clone();
        run(&mut w, 3_000);
        let nodes = control_plane_nodes(&w.clusters[&cluster]);
        for n in &nodes {
            let name = apiserver_lease_name(n);
            let l = lease(&w, &cluster, &name);
            assert_eq!(meta::label(&l, "kubernetes.io/hostname"), Some(n.as_str()));
            assert_eq!(
                meta::label(&l, "apiserver.kubernetes.io/identity"),
                Some("kube-apiserver")
            );
            assert_eq!(
                meta::int_at(&l, &["spec", "leaseDurationSeconds"]),
                Some(3600)
            );
            let h = holder(&w, &cluster, &name);
            assert!(h.starts_with(&format!("{name}_")), "{h}");
        }
        // A power cycle restarts the API server: same Lease, new holder identity.
        let n = &nodes[2];
        let name = apiserver_lease_name(n);
        let before = holder(&w, &cluster, &name);
        faults::apply(&mut w, &cluster, &Fault::PowerOff(n.clone())).unwrap();
        run(&mut w, 5_000);
        faults::apply(&mut w, &cluster, &Fault::PowerOn(n.clone())).unwrap();
        run(&mut w, 2_000);
        let after = holder(&w, &cluster, &name);
        assert_ne!(after, before);
        assert!(after.starts_with(&format!("{name}_")));
    }
}
