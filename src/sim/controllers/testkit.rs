//! Test helpers: a stand-in for the scheduler and kubelets, so controller scenarios run
//! without them (the real ones are stopped in [`world`] so they cannot interfere).
//!
//! [`Fake::tick`] binds pending pods to the least-loaded live node that tolerates its
//! taints, makes bound pods Running and Ready after [`Fake::ready_after_ms`], renews the
//! node leases of live nodes and finishes graceful deletions on live nodes.

use crate::sim::apiserver::DeleteOptions;
use crate::sim::meta;
use crate::sim::presets::Preset;
use crate::sim::value::Value;
use crate::sim::world::World;
use crate::sim::SimTime;
use std::collections::{BTreeMap, BTreeSet};

pub const KIND: &str = "kind-kind";

/// A kind world with the real scheduler and kubelets stopped.
pub fn world() -> World {
    let mut w = World::new(7, Preset::Kind);
    stop_real_components(&mut w, KIND);
    w
}

pub fn stop_real_components(w: &mut World, cluster: &str) {
    let nodes: Vec<String> = w.clusters[cluster]
        .store
        .range("/registry/minions/")
        .map(|kv| {
            meta::str_at(&kv.value, &["metadata", "name"])
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let c = w.clusters.get_mut(cluster).expect("cluster");
    c.stop("kube-scheduler");
    for n in nodes {
        c.stop(&format!("kubelet/{n}"));
    }
}

pub struct Fake {
    pub cluster: String,
    pub dead: BTreeSet<String>,
    pub ready_after_ms: u64,
    /// Pods that should fail (phase Failed) instead of running, by name prefix.
    pub fail_prefix: Option<String>,
    /// Pods that should complete (phase Succeeded) after running, by name prefix.
    pub succeed_prefix: Option<String>,
    /// Bind pending pods too (false when the real kube-scheduler runs).
    pub schedule: bool,
    seen: BTreeMap<String, SimTime>,
}

impl Fake {
    pub fn new(cluster: &str) -> Self {
        Fake {
            cluster: cluster.to_string(),
            dead: BTreeSet::new(),
            ready_after_ms: 0,
            fail_prefix: None,
            succeed_prefix: None,
            schedule: true,
            seen: BTreeMap::new(),
        }
    }

    /// Steps the world `ms` in 1 s steps, playing scheduler + kubelets after each.
    pub fn run(&mut self, w: &mut World, ms: u64) {
        let mut left = ms;
        while left > 0 {
            let dt = left.min(1000);
            w.step(dt);
            self.tick(w);
            left -= dt;
        }
    }

    pub fn tick(&mut self, w: &mut World) {
        let now = w.now();
        let c = &self.cluster;
        let pods = crate::sim::api::resource_for("pods").expect("pods");
        let leases = crate::sim::api::resource_for("leases").expect("leases");
        let nodes: Vec<Value> = w.clusters[c.as_str()]
            .store
            .range("/registry/minions/")
            .map(|kv| (*kv.value).clone())
            .collect();
        // Leases.
        for n in &nodes {
            let name = meta::str_at(n, &["metadata", "name"])
                .unwrap_or("")
                .to_string();
            if self.dead.contains(&name) {
                continue;
            }
            let actor = format!("kubelet/{name}");
            let mut a = w.api(c, &actor).expect("api");
            let mut lease = a
                .get(leases, Some("kube-node-lease"), &name)
                .unwrap_or_else(|_| {
                    let mut l = Value::map();
                    l.path_mut_or_insert(&["metadata"])
                        .set("name", name.as_str());
                    l.path_mut_or_insert(&["metadata"])
                        .set("namespace", "kube-node-lease");
                    l
                });
            lease
                .path_mut_or_insert(&["spec"])
                .set("holderIdentity", name.as_str());
            lease
                .path_mut_or_insert(&["spec"])
                .set("leaseDurationSeconds", 40i64);
            lease
                .path_mut_or_insert(&["spec"])
                .set("renewTime", now.rfc3339());
            if lease.path(&["metadata", "uid"]).is_some() {
                let _ = a.update(leases, lease);
            } else {
                let _ = a.create(leases, lease);
            }
        }
        let all: Vec<Value> = w.clusters[c.as_str()]
            .store
            .range("/registry/pods/")
            .map(|kv| (*kv.value).clone())
            .collect();
        let mut load: BTreeMap<String, usize> = BTreeMap::new();
        for p in &all {
            if let Some(n) = meta::node_name(p) {
                *load.entry(n.to_string()).or_default() += 1;
            }
        }
        for p in all {
            let name = meta::str_at(&p, &["metadata", "name"])
                .unwrap_or("")
                .to_string();
            let ns = meta::str_at(&p, &["metadata", "namespace"])
                .unwrap_or("default")
                .to_string();
            let node = meta::node_name(&p).map(str::to_string);
            if let Some(n) = &node {
                if self.dead.contains(n) {
                    continue;
                }
            }
            let mut a = w.api(c, "kubelet").expect("api");
            if meta::is_terminating(&p) {
                let _ = a.delete_with(
                    pods,
                    Some(&ns),
                    &name,
                    &DeleteOptions {
                        grace_period_s: Some(0),
                        ..Default::default()
                    },
                );
                continue;
            }
            let Some(n) = node else {
                if !self.schedule {
                    continue;
                }
                // Schedule: least-loaded live node whose taints the pod tolerates.
                let tol: Vec<Value> = p
                    .path(&["spec", "tolerations"])
                    .and_then(Value::as_seq)
                    .map(|s| s.to_vec())
                    .unwrap_or_default();
                let pick = nodes
                    .iter()
                    .filter(|n| {
                        !self
                            .dead
                            .contains(meta::str_at(n, &["metadata", "name"]).unwrap_or(""))
                    })
                    .filter(|n| {
                        crate::sim::controllers::daemonset::node_matches(
                            p.get("spec").unwrap_or(&Value::Null),
                            n,
                        )
                    })
                    .filter(|n| {
                        n.path(&["spec", "taints"])
                            .and_then(Value::as_seq)
                            .is_none_or(|ts| {
                                ts.iter()
                                    .filter(|t| {
                                        matches!(
                                            meta::str_at(t, &["effect"]),
                                            Some("NoSchedule" | "NoExecute")
                                        )
                                    })
                                    .all(|t| {
                                        tol.iter().any(|x| {
                                            crate::sim::controllers::nodelifecycle::tolerates(x, t)
                                        })
                                    })
                            })
                    })
                    .min_by_key(|n| {
                        let nn = meta::str_at(n, &["metadata", "name"]).unwrap_or("");
                        (load.get(nn).copied().unwrap_or(0), nn.to_string())
                    })
                    .and_then(|n| meta::str_at(n, &["metadata", "name"]).map(str::to_string));
                if let Some(target) = pick {
                    let mut q = p.clone();
                    q.path_mut_or_insert(&["spec"])
                        .set("nodeName", target.as_str());
                    *load.entry(target).or_default() += 1;
                    let _ = a.update(pods, q);
                    self.seen.insert(format!("{ns}/{name}"), now);
                }
                continue;
            };
            let since = *self.seen.entry(format!("{ns}/{name}")).or_insert(now);
            if meta::pod_is_finished(&p) {
                continue;
            }
            let mut q = p.clone();
            let st = q.path_mut_or_insert(&["status"]);
            let ip = format!(
                "10.244.{}.{}",
                n.len() % 7 + 1,
                (meta::uid(&p).len() + name.len() * 7) % 250 + 2
            );
            if self
                .fail_prefix
                .as_deref()
                .is_some_and(|f| name.starts_with(f))
            {
                st.set("phase", "Failed");
                let _ = a.update_status(pods, &q);
                continue;
            }
            if self
                .succeed_prefix
                .as_deref()
                .is_some_and(|f| name.starts_with(f))
                && now.since_ms(since) >= 2_000
            {
                st.set("phase", "Succeeded");
                meta::set_condition(
                    &mut q,
                    meta::make_condition("Ready", "False", "PodCompleted", ""),
                    now,
                );
                let _ = a.update_status(pods, &q);
                continue;
            }
            if now.since_ms(since) < self.ready_after_ms {
                if meta::pod_phase(&p) == "Pending" && st.get("podIP").is_none() {
                    st.set("podIP", ip.as_str());
                    st.set("phase", "Running");
                    meta::set_condition(
                        &mut q,
                        meta::make_condition("Ready", "False", "ContainersNotReady", ""),
                        now,
                    );
                    let _ = a.update_status(pods, &q);
                }
                continue;
            }
            if meta::pod_is_ready(&p) {
                continue;
            }
            st.set("phase", "Running");
            if st.get("podIP").is_none() {
                st.set("podIP", ip.as_str());
            }
            meta::set_condition(&mut q, meta::make_condition("Ready", "True", "", ""), now);
            let _ = a.update_status(pods, &q);
        }
    }
}

/// Keys of pods in a namespace, with their phase and readiness.
pub fn pods(w: &World, cluster: &str, ns: &str) -> Vec<Value> {
    w.clusters[cluster]
        .store
        .range(&format!("/registry/pods/{ns}/"))
        .map(|kv| (*kv.value).clone())
        .collect()
}

pub fn get(w: &World, cluster: &str, key: &str) -> Option<Value> {
    w.clusters[cluster]
        .store
        .get(key)
        .map(|kv| (*kv.value).clone())
}

pub fn events(w: &World, cluster: &str, ns: &str) -> Vec<(String, String)> {
    w.clusters[cluster]
        .store
        .range(&format!("/registry/events/{ns}/"))
        .map(|kv| {
            (
                meta::str_at(&kv.value, &["reason"])
                    .unwrap_or("")
                    .to_string(),
                meta::str_at(&kv.value, &["message"])
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect()
}

/// A Deployment manifest `name` with `replicas` nginx pods.
pub fn deployment(name: &str, replicas: i64, image: &str) -> Value {
    let mut d = Value::map();
    d.path_mut_or_insert(&["metadata"]).set("name", name);
    d.path_mut_or_insert(&["metadata"])
        .set("namespace", "default");
    let spec = d.path_mut_or_insert(&["spec"]);
    spec.set("replicas", replicas);
    spec.path_mut_or_insert(&["selector", "matchLabels"])
        .set("app", name);
    spec.path_mut_or_insert(&["template", "metadata", "labels"])
        .set("app", name);
    let mut c = Value::map();
    c.set("name", "nginx");
    c.set("image", image);
    spec.path_mut_or_insert(&["template", "spec"])
        .set("containers", Value::Seq(vec![c].into()));
    d
}
