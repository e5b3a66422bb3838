//! The cluster view: control-plane and worker nodes with their components, read from the
//! world on every render (the world is the single source of truth).

use super::app::Session;
use super::i18n::{t, Lang};
use crate::sim::value::Value;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClusterProps {
    pub session: Session,
    pub lang: Lang,
}

struct NodeCard {
    name: String,
    ready: bool,
    control_plane: bool,
}

#[component]
pub fn ClusterView(props: &ClusterProps) -> Html {
    let term = props.session.term.borrow();
    let mut cards = Vec::new();
    let mut cluster_name = String::new();
    if let Some(cluster) = term
        .current_cluster()
        .and_then(|c| term.world.clusters.get(&c))
    {
        cluster_name = cluster.name.clone();
        for kv in cluster.store.range("/registry/minions/") {
            let node = &kv.value;
            let ready = node
                .path(&["status", "conditions"])
                .and_then(Value::as_seq)
                .is_some_and(|cs| {
                    cs.iter().any(|c| {
                        c.get("type").and_then(Value::as_str) == Some("Ready")
                            && c.get("status").and_then(Value::as_str) == Some("True")
                    })
                });
            let control_plane = node
                .path(&[
                    "metadata",
                    "labels",
                    "node-role.kubernetes.io/control-plane",
                ])
                .is_some();
            let name = node
                .path(&["metadata", "name"])
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            cards.push(NodeCard {
                name,
                ready,
                control_plane,
            });
        }
    }
    let l = props.lang;
    let card = |n: &NodeCard| {
        let components: &[&str] = if n.control_plane {
            &[
                "kube-apiserver",
                "etcd",
                "kube-scheduler",
                "kube-controller-manager",
                "kubelet",
                "kube-proxy",
                "containerd",
            ]
        } else {
            &["kubelet", "kube-proxy", "containerd"]
        };
        html! {
            <div class={classes!("node", n.control_plane.then_some("cp"), (!n.ready).then_some("not-ready"))}
                 data-node={n.name.clone()}>
                <div class="node-name">{&n.name}<span class="status">{ if n.ready { "Ready" } else { "NotReady" } }</span></div>
                <ul class="components">
                    { for components.iter().map(|c| html! { <li class="component">{*c}</li> }) }
                </ul>
            </div>
        }
    };
    html! {
        <div class="cluster-view">
            <h2>{format!("{} · {cluster_name}", t(l, "cluster"))}</h2>
            <h3>{t(l, "control_plane")}</h3>
            <div class="nodes">{ for cards.iter().filter(|n| n.control_plane).map(card) }</div>
            <h3>{t(l, "workers")}</h3>
            <div class="nodes">{ for cards.iter().filter(|n| !n.control_plane).map(card) }</div>
        </div>
    }
}
