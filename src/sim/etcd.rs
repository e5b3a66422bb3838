//! etcd membership: 1, 3 or 5 members, a Raft leader, quorum.
//!
//! The data itself lives in [`super::store::Store`]; this module models the members that
//! replicate it. A member is down when the fault `etcd/<member>` is set (or its node is powered
//! off, `node/<node>`). [`step`] re-elects a leader when the leader is lost and a majority is
//! up (each election bumps the Raft term and is recorded); without a majority there is no
//! leader and every write through the API server fails like a real one reports it:
//! `Error from server: etcdserver: request timed out` ([`quorum_error`]). Reads keep being
//! served from the API server's watch cache. Restoring members heals.
//!
//! [`members`], [`health`] and [`status`] give what `etcdctl member list`, `endpoint health`
//! and `endpoint status` print.
//!
//! ```
//! use kubesim::sim::{World, presets::Preset, etcd};
//! let mut w = World::new(1, Preset::Ha);
//! assert_eq!(etcd::members(&w.clusters["kubernetes"]).len(), 3);
//! w.clusters.get_mut("kubernetes").unwrap().stop("etcd/cp-1");
//! w.clusters.get_mut("kubernetes").unwrap().stop("etcd/cp-2");
//! w.step(1000);
//! assert!(!etcd::has_quorum(&w.clusters["kubernetes"]));
//! ```

use super::apiserver::ApiError;
use super::clock::SimTime;
use super::world::Cluster;

/// One etcd member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member name (kubeadm names it after its node: `cp-1`).
    pub name: String,
    /// The node it runs on (stacked etcd), for power faults.
    pub node: String,
    /// The member ID, as `etcdctl` prints it (16 hex digits).
    pub id: u64,
    pub peer_url: String,
    pub client_url: String,
}

/// A leader change, for the UI and `etcdctl endpoint status`'s RAFT TERM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Election {
    pub at: SimTime,
    pub term: u64,
    /// The new leader, or `None` when quorum was lost.
    pub leader: Option<String>,
}

/// A cluster's etcd members and Raft state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub members: Vec<Member>,
    /// Index in `members` of the leader.
    pub leader: Option<usize>,
    pub term: u64,
    pub elections: Vec<Election>,
    /// The cluster ID `etcdctl` shows in headers.
    pub cluster_id: u64,
}

impl State {
    /// `n` members on `nodes` (`(node name, IP)`), the first one leading.
    pub fn new(nodes: &[(&str, &str)]) -> State {
        let members: Vec<Member> = nodes
            .iter()
            .map(|(node, ip)| Member {
                name: node.to_string(),
                node: node.to_string(),
                id: fnv(node.as_bytes()) | (1 << 60),
                peer_url: format!("https://{ip}:2380"),
                client_url: format!("https://{ip}:2379"),
            })
            .collect();
        let leader = (!members.is_empty()).then_some(0);
        State {
            cluster_id: members.iter().fold(0xcdf8_18194e3a8c32, |h, m| h ^ m.id),
            members,
            leader,
            term: 2,
            elections: Vec::new(),
        }
    }
}

/// FNV-1a, 64 bits: a stable hash for derived ids (not for security).
pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Is this member running?
pub fn member_up(cluster: &Cluster, m: &Member) -> bool {
    cluster.is_up(&format!("etcd/{}", m.name))
        && cluster.is_up(&format!("node/{}", m.node))
        && cluster.is_up(&format!("partition/{}", m.node))
}

/// Do a majority of members run (always true for a cluster without modelled members)?
pub fn has_quorum(cluster: &Cluster) -> bool {
    let ms = &cluster.etcd.members;
    if ms.is_empty() {
        return true;
    }
    let up = ms.iter().filter(|m| member_up(cluster, m)).count();
    up * 2 > ms.len()
}

/// The error every write gets without quorum (what kube-apiserver returns as a 500 Status).
pub fn quorum_error() -> ApiError {
    ApiError {
        code: 500,
        reason: "",
        message: "etcdserver: request timed out".into(),
    }
}

/// Elects a leader if needed; called every step.
pub fn step(cluster: &mut Cluster, now: SimTime) {
    if cluster.etcd.members.is_empty() {
        return;
    }
    let quorum = has_quorum(cluster);
    let leader_up = cluster
        .etcd
        .leader
        .and_then(|i| cluster.etcd.members.get(i))
        .is_some_and(|m| member_up(cluster, m));
    if quorum && leader_up {
        return;
    }
    let new_leader = if quorum {
        // The next member after the old leader that is up (Raft's randomized timeouts make it
        // some follower; this keeps it deterministic).
        let n = cluster.etcd.members.len();
        let start = cluster.etcd.leader.map_or(0, |i| i + 1);
        (0..n)
            .map(|k| (start + k) % n)
            .find(|&i| member_up(cluster, &cluster.etcd.members[i]))
    } else {
        None
    };
    if new_leader == cluster.etcd.leader {
        return;
    }
    let st = &mut cluster.etcd;
    st.leader = new_leader;
    st.term += 1;
    let leader = new_leader
        .and_then(|i| st.members.get(i))
        .map(|m| m.name.clone());
    st.elections.push(Election {
        at: now,
        term: st.term,
        leader,
    });
    if st.elections.len() > 100 {
        st.elections.remove(0);
    }
}

/// One line of `etcdctl member list`: `ID, STATUS, NAME, PEER ADDRS, CLIENT ADDRS, IS LEARNER`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub id: String,
    pub status: &'static str,
    pub name: String,
    pub peer_addrs: String,
    pub client_addrs: String,
    pub is_learner: bool,
}

pub fn members(cluster: &Cluster) -> Vec<MemberRow> {
    cluster
        .etcd
        .members
        .iter()
        .map(|m| MemberRow {
            id: format!("{:x}", m.id),
            status: "started",
            name: m.name.clone(),
            peer_addrs: m.peer_url.clone(),
            client_addrs: m.client_url.clone(),
            is_learner: false,
        })
        .collect()
}

/// `etcdctl endpoint health` for each member: `(endpoint, healthy, took_ms or error)`.
pub fn health(cluster: &Cluster) -> Vec<(String, Result<u32, String>)> {
    let quorum = has_quorum(cluster);
    cluster
        .etcd
        .members
        .iter()
        .map(|m| {
            let r = if !member_up(cluster, m) {
                Err(format!(
                    "failed to commit proposal: context deadline exceeded; error: dial tcp {}: connect: connection refused",
                    m.client_url.trim_start_matches("https://")
                ))
            } else if !quorum {
                Err("failed to commit proposal: context deadline exceeded".to_string())
            } else {
                Ok(8 + (m.id % 9) as u32)
            };
            (m.client_url.clone(), r)
        })
        .collect()
}

/// `etcdctl endpoint status` for each running member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointStatus {
    pub endpoint: String,
    pub id: String,
    pub version: &'static str,
    pub db_size_bytes: u64,
    pub is_leader: bool,
    pub raft_term: u64,
    pub raft_index: i64,
    pub errors: Option<String>,
}

pub fn status(cluster: &Cluster) -> Vec<Result<EndpointStatus, String>> {
    let db = 4_096 * 1024 + (cluster.store.revision() as u64) * 1_024;
    cluster
        .etcd
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if !member_up(cluster, m) {
                return Err(format!(
                    "Failed to get the status of endpoint {} (context deadline exceeded)",
                    m.client_url
                ));
            }
            Ok(EndpointStatus {
                endpoint: m.client_url.clone(),
                id: format!("{:x}", m.id),
                version: "3.6.4",
                db_size_bytes: db,
                is_leader: cluster.etcd.leader == Some(i),
                raft_term: cluster.etcd.term,
                raft_index: cluster.store.revision() + 3,
                errors: (!has_quorum(cluster)).then(|| "etcdserver: no leader".to_string()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{api::resource_for_kind, presets::Preset, value::Value, World};

    fn cm(name: &str) -> Value {
        let mut v = Value::map();
        v.path_mut_or_insert(&["metadata"]).set("name", name);
        v.path_mut_or_insert(&["metadata"])
            .set("namespace", "default");
        v
    }

    #[test]
    fn losing_a_member_re_elects_losing_quorum_fails_writes_and_restoring_heals() {
        let mut w = World::new(1, Preset::Ha);
        let res = resource_for_kind("ConfigMap").unwrap();
        let c = &w.clusters["kubernetes"];
        assert_eq!(c.etcd.members.len(), 3);
        assert_eq!(c.etcd.leader, Some(0));
        let term = c.etcd.term;
        w.clusters.get_mut("kubernetes").unwrap().stop("etcd/cp-1");
        w.step(100);
        let c = &w.clusters["kubernetes"];
        assert_eq!(c.etcd.leader, Some(1));
        assert_eq!(c.etcd.term, term + 1);
        assert_eq!(
            c.etcd.elections.last().unwrap().leader.as_deref(),
            Some("cp-2")
        );
        assert!(w
            .api("kubernetes", "kubectl")
            .unwrap()
            .create(res, cm("a"))
            .is_ok());
        w.clusters.get_mut("kubernetes").unwrap().stop("etcd/cp-3");
        w.step(100);
        assert_eq!(w.clusters["kubernetes"].etcd.leader, None);
        let err = w
            .api("kubernetes", "kubectl")
            .unwrap()
            .create(res, cm("b"))
            .unwrap_err();
        assert_eq!(
            err.kubectl_message(),
            "Error from server: etcdserver: request timed out"
        );
        // Reads are served from the watch cache.
        assert!(w
            .api("kubernetes", "kubectl")
            .unwrap()
            .get(res, Some("default"), "a")
            .is_ok());
        let h = health(&w.clusters["kubernetes"]);
        assert!(h.iter().all(|(_, r)| r.is_err()));
        w.clusters.get_mut("kubernetes").unwrap().start("etcd/cp-1");
        w.step(100);
        assert!(w.clusters["kubernetes"].etcd.leader.is_some());
        assert!(w
            .api("kubernetes", "kubectl")
            .unwrap()
            .create(res, cm("b"))
            .is_ok());
        let st = status(&w.clusters["kubernetes"]);
        assert_eq!(
            st.iter()
                .filter(|s| s.as_ref().is_ok_and(|s| s.is_leader))
                .count(),
            1
        );
        assert_eq!(members(&w.clusters["kubernetes"])[0].name, "cp-1");
    }

    #[test]
    fn single_member_clusters_stop_writing_when_etcd_stops() {
        let mut w = World::new(1, Preset::Kind);
        assert_eq!(w.clusters["kind-kind"].etcd.members.len(), 1);
        w.clusters
            .get_mut("kind-kind")
            .unwrap()
            .stop("etcd/kind-control-plane");
        w.step(100);
        let res = resource_for_kind("ConfigMap").unwrap();
        assert!(w
            .api("kind-kind", "kubectl")
            .unwrap()
            .create(res, cm("x"))
            .is_err());
    }
}
