//! The ONE place where the UI meets core APIs that other parts of kubesim are still growing
//! (faults, completion, heredoc continuation, editor requests, streaming commands, scheduler
//! explanations). Each function here works today with what the core offers and is the single
//! line to change when the richer API lands; components never reach around it.
//!
//! ```
//! use kubesim::ui::adapter;
//! assert!(adapter::continuation("echo 'unclosed").is_some());
//! assert!(adapter::continuation("echo done").is_none());
//! ```

use crate::sim::{api, World};
use crate::term::Terminal;

/// What kind of fault a target is, for grouping and labelling in the fault panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultKind {
    /// A control-plane component: `kube-scheduler`...
    Component,
    /// `etcd/<member>`.
    EtcdMember,
    /// One replica of an HA control plane: `kube-scheduler/<node>`,
    /// `kube-controller-manager/<node>` (the others keep the Lease going).
    Replica,
    /// `kubelet/<node>`.
    Kubelet,
    /// `containerd/<node>` (the container runtime).
    Runtime,
    /// `node/<node>`: powered off.
    Power,
    /// `partition/<node>`: cut from the network.
    Partition,
}

/// One thing the trainer can break and repair, with its `Cluster::down` name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultTarget {
    pub kind: FaultKind,
    /// The name in `Cluster::down` (`kube-scheduler`, `kubelet/kind-worker`).
    pub component: String,
    /// The node it runs on (for per-node faults).
    pub node: Option<String>,
}

/// The control-plane components, in the order the diagram shows them.
pub const CONTROL_PLANE: &[&str] = &[
    "kube-apiserver",
    "etcd",
    "kube-scheduler",
    "kube-controller-manager",
    "cloud-controller-manager",
];

/// The cluster's nodes as (name, is control plane), in name order.
pub fn nodes(world: &World, cluster: &str) -> Vec<(String, bool)> {
    let Some(c) = world.clusters.get(cluster) else {
        return Vec::new();
    };
    c.store
        .range("/registry/minions/")
        .map(|kv| {
            let cp = kv
                .value
                .path(&[
                    "metadata",
                    "labels",
                    "node-role.kubernetes.io/control-plane",
                ])
                .is_some();
            (api::name_of(&kv.value).to_string(), cp)
        })
        .collect()
}

/// Every fault the panel offers for `cluster`.
pub fn fault_targets(world: &World, cluster: &str) -> Vec<FaultTarget> {
    let cloud = world
        .clusters
        .get(cluster)
        .is_some_and(|c| c.cloud_provider.is_some());
    let mut out: Vec<FaultTarget> = [
        "kube-apiserver",
        "kube-scheduler",
        "kube-controller-manager",
        "cloud-controller-manager",
    ]
    .iter()
    .filter(|c| cloud || **c != "cloud-controller-manager")
    .map(|c| FaultTarget {
        kind: FaultKind::Component,
        component: c.to_string(),
        node: None,
    })
    .collect();
    let nodes = nodes(world, cluster);
    for (node, cp) in &nodes {
        if *cp {
            out.push(FaultTarget {
                kind: FaultKind::EtcdMember,
                component: format!("etcd/{node}"),
                node: Some(node.clone()),
            });
        }
    }
    // With several control-plane nodes, each replica can be stopped on its own: stopping the
    // leader's shows a takeover after the 15 s lease (sim::leader).
    let ha = nodes.iter().filter(|(_, cp)| *cp).count() > 1;
    for (node, cp) in &nodes {
        if ha && *cp {
            for c in ["kube-scheduler", "kube-controller-manager"] {
                out.push(FaultTarget {
                    kind: FaultKind::Replica,
                    component: format!("{c}/{node}"),
                    node: Some(node.clone()),
                });
            }
        }
        for (kind, prefix) in [
            (FaultKind::Kubelet, "kubelet"),
            (FaultKind::Runtime, "containerd"),
            (FaultKind::Power, "node"),
            (FaultKind::Partition, "partition"),
        ] {
            out.push(FaultTarget {
                kind,
                component: format!("{prefix}/{node}"),
                node: Some(node.clone()),
            });
        }
    }
    out
}

/// Stops (`up == false`) or restarts a component through [`crate::sim::faults`], which brings the
/// side effects (a powered-off node's containers, etcd quorum, a partitioned node's lease).
/// Component names: `kube-scheduler`..., `kubelet/<node>`, `containerd/<node>`,
/// `node/<node>`, `etcd/<member>`, `partition/<node>`; anything else is just marked.
pub fn set_fault(world: &mut World, cluster: &str, component: &str, up: bool) {
    use crate::sim::faults::{self, Fault};
    let fault = match component.split_once('/') {
        None => Some(if up {
            Fault::StartComponent(component.into())
        } else {
            Fault::StopComponent(component.into())
        }),
        Some(("kubelet", n)) => Some(if up {
            Fault::StartKubelet(n.into())
        } else {
            Fault::StopKubelet(n.into())
        }),
        Some(("containerd", n)) => Some(if up {
            Fault::StartRuntime(n.into())
        } else {
            Fault::StopRuntime(n.into())
        }),
        Some(("node", n)) => Some(if up {
            Fault::PowerOn(n.into())
        } else {
            Fault::PowerOff(n.into())
        }),
        Some(("kube-scheduler" | "kube-controller-manager", _)) => Some(if up {
            Fault::StartComponent(component.into())
        } else {
            Fault::StopComponent(component.into())
        }),
        Some(("etcd", m)) => Some(if up {
            Fault::RestoreEtcd(m.into())
        } else {
            Fault::KillEtcd(m.into())
        }),
        Some(("partition", n)) => Some(if up {
            Fault::Heal(n.into())
        } else {
            Fault::Partition(n.into())
        }),
        Some(_) => None,
    };
    let applied = fault.is_some_and(|f| faults::apply(world, cluster, &f).is_ok());
    if !applied {
        if let Some(c) = world.clusters.get_mut(cluster) {
            if up {
                c.start(component);
            } else {
                c.stop(component);
            }
        }
    }
}

/// Is `component` running in `cluster` (false for an unknown cluster)?
pub fn is_up(world: &World, cluster: &str, component: &str) -> bool {
    world
        .clusters
        .get(cluster)
        .is_some_and(|c| c.is_up(component))
}

/// What the prompt should say when a line is not finished (open quote, here-document,
/// trailing `|` or `\\`): the shell decides. `None` when the line can run.
pub fn continuation(buffer: &str) -> Option<&'static str> {
    Terminal::needs_more_input(buffer).then_some("> ")
}

/// Tab completion for the text before the cursor: (byte offset where the completed word
/// starts, candidates). The terminal's own completion decides.
pub fn complete(term: &Terminal, head: &str) -> (usize, Vec<String>) {
    let c = term.complete(head, head.len());
    (c.replace_from.min(head.len()), c.candidates)
}

/// The longest common prefix of the candidates (what Tab inserts when there are several).
pub fn common_prefix(candidates: &[String]) -> String {
    let Some(first) = candidates.first() else {
        return String::new();
    };
    let mut len = first.len();
    for c in &candidates[1..] {
        len = len.min(
            first
                .char_indices()
                .zip(c.chars())
                .take_while(|((_, a), b)| a == b)
                .last()
                .map_or(0, |((i, a), _)| i + a.len_utf8()),
        );
    }
    first.get(..len).unwrap_or("").to_string()
}

/// Runs `line` on a scratch copy of the terminal (the real history and world stay
/// untouched) and returns its text: how the cluster view shows an object's YAML and describe.
pub fn scratch_run(term: &Terminal, line: &str) -> String {
    let mut scratch = term.clone();
    scratch.run(line).text()
}

/// The scheduler's reason for placing a pod, in words ("best score 187 of 3 nodes
/// (NodeResourcesFit 90)"), from the scheduler's last explanation of that pod.
pub fn scheduler_reason(
    world: &World,
    cluster: &str,
    ns: &str,
    pod: &str,
    lang: super::i18n::Lang,
) -> Option<String> {
    let c = world.clusters.get(cluster)?;
    let ex = crate::sim::scheduler::explain(c, ns, pod)?;
    let chosen = ex.chosen.as_deref()?;
    let verdict = ex.nodes.iter().find(|v| &*v.node == chosen)?;
    let scores = verdict.scores?;
    let feasible = ex.nodes.iter().filter(|v| v.scores.is_some()).count();
    // The plugin where the chosen node beats the others' average by the most.
    let others: Vec<[i64; 3]> = ex
        .nodes
        .iter()
        .filter(|v| &*v.node != chosen)
        .filter_map(|v| v.scores)
        .collect();
    let lead = |i: usize| {
        let avg = if others.is_empty() {
            0
        } else {
            others.iter().map(|o| o[i]).sum::<i64>() / others.len() as i64
        };
        scores[i] - avg
    };
    let best = (0..3).max_by_key(|&i| (lead(i), scores[i]))?;
    Some(super::i18n::tf(
        lang,
        "sched_reason",
        &[
            ("score", &scores.iter().sum::<i64>().to_string()),
            ("n", &feasible.to_string()),
            ("plugin", crate::sim::scheduler::SCORES[best]),
            ("plugin_score", &scores[best].to_string()),
        ],
    ))
}

/// The scheduler's per-node, per-plugin table for a pod: the header (filter column, then
/// each score plugin) and one row per node evaluated: (node, cells).
pub fn scheduler_table(
    world: &World,
    cluster: &str,
    ns: &str,
    pod: &str,
) -> Vec<(String, Vec<(String, String)>)> {
    let Some(ex) = world
        .clusters
        .get(cluster)
        .and_then(|c| crate::sim::scheduler::explain(c, ns, pod))
    else {
        return Vec::new();
    };
    ex.nodes
        .iter()
        .map(|v| {
            let mut cells = vec![(
                "Filter".to_string(),
                match &v.failed {
                    None => "✓".to_string(),
                    Some((plugin, reasons)) => format!("✕ {plugin}: {}", reasons.join(", ")),
                },
            )];
            for (i, plugin) in crate::sim::scheduler::SCORES.iter().enumerate() {
                cells.push((
                    plugin.to_string(),
                    v.scores.map_or("—".to_string(), |s| s[i].to_string()),
                ));
            }
            let mark = if ex.chosen.as_deref() == Some(&*v.node) {
                " ★"
            } else {
                ""
            };
            (format!("{}{mark}", v.node), cells)
        })
        .collect()
}

/// Adds `nodes` Ready worker nodes and `pods` Running pods spread over them, straight through
/// the API server (a load test for the cluster view: `?bench=100x3000`).
pub fn populate(world: &mut World, cluster: &str, nodes: usize, pods: usize) {
    use crate::sim::value::Value;
    let (Some(node_res), Some(pod_res)) = (api::resource_for("nodes"), api::resource_for("pods"))
    else {
        return;
    };
    let Some(mut a) = world.api(cluster, "kubectl") else {
        return;
    };
    let meta = |name: &str, ns: Option<&str>| {
        let mut m = Value::map();
        m.set("name", name);
        if let Some(ns) = ns {
            m.set("namespace", ns);
        }
        m
    };
    for i in 0..nodes {
        let mut n = Value::map();
        n.set("apiVersion", "v1");
        n.set("kind", "Node");
        n.set("metadata", meta(&format!("bench-{i:03}"), None));
        let mut cond = Value::map();
        cond.set("type", "Ready");
        cond.set("status", "True");
        let mut status = Value::map();
        status.set("conditions", Value::Seq(vec![cond].into()));
        n.set("status", status);
        let _ = a.create(node_res, n);
    }
    for i in 0..pods {
        let mut p = Value::map();
        p.set("apiVersion", "v1");
        p.set("kind", "Pod");
        p.set("metadata", meta(&format!("bench-{i:04}"), Some("default")));
        let mut spec = Value::map();
        let mut c = Value::map();
        c.set("name", "app");
        c.set("image", "nginx");
        spec.set("containers", Value::Seq(vec![c].into()));
        if nodes > 0 {
            spec.set("nodeName", format!("bench-{:03}", i % nodes));
        }
        p.set("spec", spec);
        let mut status = Value::map();
        status.set("phase", "Running");
        p.set("status", status);
        let _ = a.create(pod_res, p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets::Preset;

    fn term() -> Terminal {
        Terminal::new(World::new(1, Preset::Kind))
    }

    #[test]
    fn continuation_prompts() {
        for (line, open) in [
            ("echo hi", false),
            ("echo 'hi", true),
            ("echo \"a b", true),
            ("echo 'a'", false),
            ("kubectl get \\", true),
            ("cat <<EOF > f.yaml", true),
            ("cat <<EOF > f.yaml\na: 1", true),
            ("cat <<EOF > f.yaml\na: 1\nEOF", false),
            ("cat <<-'END'\n\tEND", false),
            ("kubectl get pods |", true),
        ] {
            assert_eq!(continuation(line).is_some(), open, "{line:?}");
        }
    }

    #[test]
    fn completion_comes_from_the_terminal() {
        let t = term();
        assert_eq!(
            complete(&t, "kubectl desc"),
            (8, vec!["describe".to_string()])
        );
        let (from, names) = complete(&t, "kubectl get nodes kind-w");
        assert_eq!(from, 18);
        assert_eq!(common_prefix(&names), "kind-worker");
        assert!(complete(&t, "zzz").1.is_empty());
        assert_eq!(common_prefix(&[]), "");
    }

    #[test]
    fn ha_offers_one_replica_of_each_leader_elected_component_per_control_plane() {
        let mut w = World::new(1, crate::sim::presets::Preset::Ha);
        let c = w.clusters.keys().next().cloned().unwrap_or_default();
        let replicas: Vec<String> = fault_targets(&w, &c)
            .into_iter()
            .filter(|t| t.kind == FaultKind::Replica)
            .map(|t| t.component)
            .collect();
        assert_eq!(replicas.len(), 6, "{replicas:?}");
        let one = replicas[0].clone();
        assert!(one.starts_with("kube-scheduler/"), "{one}");
        set_fault(&mut w, &c, &one, false);
        assert!(!is_up(&w, &c, &one));
        assert!(
            is_up(&w, &c, "kube-scheduler"),
            "the other replicas still run"
        );
        set_fault(&mut w, &c, &one, true);
        assert!(is_up(&w, &c, &one));
        // A single control plane has no replica to stop on its own.
        let kind = World::new(1, crate::sim::presets::Preset::Kind);
        assert!(!fault_targets(&kind, "kind-kind")
            .iter()
            .any(|t| t.kind == FaultKind::Replica));
    }

    #[test]
    fn faults_cover_components_and_every_node() {
        let mut w = World::new(1, Preset::Kind);
        let targets = fault_targets(&w, "kind-kind");
        assert!(targets.iter().any(|t| t.component == "kube-scheduler"));
        assert!(targets
            .iter()
            .any(|t| t.component == "etcd/kind-control-plane"));
        assert!(targets
            .iter()
            .any(|t| t.component == "kubelet/kind-worker2"));
        assert!(targets.iter().any(|t| t.component == "node/kind-worker"));
        set_fault(&mut w, "kind-kind", "kube-scheduler", false);
        assert!(!is_up(&w, "kind-kind", "kube-scheduler"));
        set_fault(&mut w, "kind-kind", "kube-scheduler", true);
        assert!(is_up(&w, "kind-kind", "kube-scheduler"));
        set_fault(&mut w, "nope", "x", false); // unknown cluster: no panic
    }

    #[test]
    fn populate_builds_a_big_cluster() {
        let mut w = World::new(1, Preset::Kind);
        let system = crate::ui::model::picture_now(&w.clusters["kind-kind"]);
        populate(&mut w, "kind-kind", 10, 95);
        let m = crate::ui::model::picture_now(&w.clusters["kind-kind"]);
        assert_eq!(m.nodes.len(), 13);
        assert_eq!(m.pod_count(), system.pod_count() + 95);
        assert_eq!(m.unscheduled.len(), system.unscheduled.len());
    }

    #[test]
    fn scheduler_explanations_reach_the_ui() {
        use crate::sim::value::Value;
        let mut t = term();
        t.world.step(5_000);
        let mut pod = Value::map();
        pod.set("apiVersion", "v1");
        pod.set("kind", "Pod");
        let mut meta = Value::map();
        meta.set("name", "web");
        meta.set("namespace", "default");
        pod.set("metadata", meta);
        let mut c = Value::map();
        c.set("name", "web");
        c.set("image", "nginx");
        let mut spec = Value::map();
        spec.set("containers", Value::Seq(vec![c].into()));
        pod.set("spec", spec);
        if let (Some(res), Some(mut a)) = (
            api::resource_for("pods"),
            t.world.api("kind-kind", "kubectl"),
        ) {
            a.create(res, pod).expect("pod created");
        }
        for _ in 0..50 {
            t.world.step(100);
        }
        let reason = scheduler_reason(
            &t.world,
            "kind-kind",
            "default",
            "web",
            crate::ui::i18n::Lang::En,
        )
        .expect("the scheduler explained its choice");
        assert!(reason.contains("of 2 feasible nodes"), "{reason}");
        let table = scheduler_table(&t.world, "kind-kind", "default", "web");
        assert!(table.len() >= 2, "{table:?}");
        assert!(table.iter().any(|(n, _)| n.ends_with('★')));
        assert_eq!(table[0].1.len(), 4);
        assert!(scheduler_table(&t.world, "kind-kind", "default", "nope").is_empty());
    }

    #[test]
    fn scratch_run_leaves_the_terminal_alone() {
        let t = term();
        assert!(scratch_run(&t, "kubectl get nodes").contains("kind-worker"));
        assert!(t.history.is_empty());
    }
}
