//! The cluster pane: the cluster diagram (contexts, control plane, workers with their
//! components and pods, Services with endpoints), the details panel (YAML + describe), and
//! the other tabs (control loop, faults, timeline) from [`super::panels`].
//!
//! The model is rebuilt only when the etcd revision or the set of stopped components
//! changes, and each node card is its own component with `PartialEq` props, so a tick that
//! changes one pod re-renders one card.

use super::app::{Action, Dispatch, Session, Tab};
use super::core::{Details, Target};
use super::i18n::{t, tf, Lang};
use super::model::{
    ClusterPic, Comp, DrawnRevision, NodePic, PodCards, PodPic, Readiness, ServicePic,
};
use super::panels::{FaultsPanel, FlowPanel, TimelinePanel};
use super::yaml;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PaneProps {
    pub session: Session,
    pub tab: Tab,
    pub dispatch: Dispatch,
    pub lang: Lang,
}

#[component]
pub fn ClusterPane(props: &PaneProps) -> Html {
    let core = props.session.core.0.borrow();
    let l = props.lang;
    let cluster_name = core.cluster_name().unwrap_or_default();
    let down: Vec<String> = core
        .cluster()
        .map(|c| c.down.iter().cloned().collect())
        .unwrap_or_default();
    // Rebuilt only when something drawn changed (not on every lease renewal).
    let drawn = use_mut_ref(DrawnRevision::default);
    let revision = core
        .cluster()
        .map_or(0, |c| drawn.borrow_mut().update(c, core.epoch));
    let view_rev = core.view_revision;
    let epoch = core.epoch;
    // The pod cards of the last build: a rebuild reads only the pods written since.
    let pod_cards = use_mut_ref(PodCards::default);
    let model = {
        let core = props.session.core.clone();
        use_memo(
            (
                cluster_name.clone(),
                revision,
                down.clone(),
                view_rev,
                epoch,
            ),
            move |(_, _, _, view_rev, epoch)| {
                let c = core.0.borrow();
                c.cluster()
                    .map(|cl| {
                        super::model::picture(cl, *view_rev, *epoch, &mut pod_cards.borrow_mut())
                    })
                    .unwrap_or_default()
            },
        )
    };
    // While the simulation is behind (3,000 pods starting), a redraw updates at most
    // STAGGER_NODES node cards, taking turns: the DOM work of a cluster whose every pod
    // changes is spread over several frames instead of one long task.
    let shown = use_mut_ref(|| (Rc::new(ClusterPic::default()), 0usize));
    let model = {
        let (shown, turn) = &mut *shown.borrow_mut();
        let next = if core.sim_busy() && view_rev.is_none() {
            *turn += STAGGER_NODES;
            stagger(shown, &model, STAGGER_NODES, *turn)
        } else {
            (*model).clone()
        };
        *shown = Rc::new(next);
        shown.clone()
    };
    let contexts: Vec<String> = core.term.world.clusters.keys().cloned().collect();
    let details = core.details.clone();
    let body = match props.tab {
        Tab::Cluster => html! {
            <ClusterDiagram model={model.clone()} contexts={contexts} current={cluster_name.clone()}
                view_rev={view_rev} dispatch={props.dispatch.clone()} lang={l} />
        },
        Tab::Flow => html! {
            <FlowPanel flow={super::app::Shared(core.flow.clone())} down={down.clone()}
                cloud={core.cluster().is_some_and(|c| c.cloud_provider.is_some())} dispatch={props.dispatch.clone()} lang={l} />
        },
        Tab::Faults => {
            let targets = super::adapter::fault_targets(&core.term.world, &cluster_name);
            html! { <FaultsPanel {targets} down={down.clone()} cluster={cluster_name.clone()} dispatch={props.dispatch.clone()} lang={l} /> }
        }
        Tab::Timeline => {
            let entries: Vec<(u64, String, i64)> = core
                .journal
                .iter()
                .zip(core.revisions.iter().copied().chain(std::iter::repeat(0)))
                .map(|((at, e), rev)| (*at, describe_entry(e), rev))
                .collect();
            html! { <TimelinePanel {entries} view_rev={view_rev} lesson_start={core.lesson_start} dispatch={props.dispatch.clone()} lang={l} /> }
        }
    };
    let details = details.map(|d| {
        let extra = match &d.target {
            Target::Component { cluster, key } => {
                let up = core.term.world.clusters.get(cluster).is_some_and(|c| c.is_up(key));
                Some((cluster.clone(), key.clone(), up))
            }
            _ => None,
        };
        let table = match &d.target {
            Target::Object { kind: "pod", namespace, name } => super::adapter::scheduler_table(
                &core.term.world,
                &cluster_name,
                namespace.as_deref().unwrap_or("default"),
                name,
            ),
            _ => Vec::new(),
        };
        html! { <DetailsPanel details={d} component={extra} {table} dispatch={props.dispatch.clone()} lang={l} /> }
    });
    html! {
        <div class="cluster-pane-body">
            {body}
            {details.unwrap_or_default()}
        </div>
    }
}

/// Node cards a redraw updates at most while the simulation is behind (see [`stagger`]).
pub const STAGGER_NODES: usize = 25;

/// `next`, except that at most `max` of its node cards differ from `shown`'s: of the changed
/// cards, the `max` from position `turn` on (cyclically) are updated, the others stay as
/// shown until a later redraw. Whole `next` when the nodes are not the same ones (another
/// cluster, nodes added or removed).
pub fn stagger(shown: &ClusterPic, next: &ClusterPic, max: usize, turn: usize) -> ClusterPic {
    let same_nodes = shown.cluster == next.cluster
        && shown.nodes.len() == next.nodes.len()
        && shown
            .nodes
            .iter()
            .zip(&next.nodes)
            .all(|(a, b)| a.name == b.name);
    let mut out = next.clone();
    if !same_nodes {
        return out;
    }
    let changed: Vec<usize> = (0..next.nodes.len())
        .filter(|&i| shown.nodes[i] != next.nodes[i])
        .collect();
    if changed.len() <= max {
        return out;
    }
    let start = turn % changed.len();
    let keep_old: Vec<usize> = changed
        .iter()
        .cycle()
        .skip(start + max)
        .take(changed.len() - max)
        .copied()
        .collect();
    for i in keep_old {
        out.nodes[i] = shown.nodes[i].clone();
    }
    out
}

fn describe_entry(e: &super::journal::Entry) -> String {
    use super::journal::Entry;
    match e {
        Entry::Cmd(c) => format!("$ {c}"),
        Entry::Fault { component, up, .. } => {
            format!("{} {component}", if *up { "▲" } else { "▼" })
        }
        Entry::Write { path, .. } => format!("✎ {path}"),
        Entry::Silent(c) => format!("· {c}"),
        Entry::Closed(p) => format!("✎ {p} ✓"),
        Entry::Bench { nodes, pods } => format!("⚙ bench {nodes}×{pods}"),
    }
}

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub model: Rc<ClusterPic>,
    pub contexts: Vec<String>,
    pub current: String,
    pub view_rev: Option<i64>,
    pub dispatch: Dispatch,
    pub lang: Lang,
}

#[component]
pub fn ClusterDiagram(props: &DiagramProps) -> Html {
    let l = props.lang;
    let m = &props.model;
    let cluster = m.cluster.clone();
    let back_live = {
        let d = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::ViewRevision(None)))
    };
    let node_view = |n: &Rc<NodePic>| {
        html! { <NodeCardView key={n.name.clone()} node={n.clone()} cluster={cluster.clone()} dispatch={props.dispatch.clone()} lang={l} /> }
    };
    html! {
        <div class={classes!("cluster-view", props.view_rev.is_some().then_some("readonly"))}>
            <div class="contexts" aria-label={t(l, "contexts")}>
                { for props.contexts.iter().map(|c| {
                    let current = *c == props.current;
                    html! { <span class={classes!("context", current.then_some("current"))}
                        aria-current={current.then_some("true")}
                        title={if current { t(l, "current_context") } else { "" }}>{c}</span> }
                }) }
                <span class="counts">{tf(l, "nodes_pods", &[("nodes", &m.nodes.len().to_string()), ("pods", &m.pod_count().to_string())])}</span>
            </div>
            // No current cluster (e.g. its context was deleted): say so rather than draw an
            // empty cluster under the chips of the clusters that do exist.
            { if props.current.is_empty() { html! {
                <p class="notice" role="status">{t(l, "no_current_cluster")}</p>
            } } else { html! {} } }
            { match props.view_rev { Some(rev) => html! {
                <div class="readonly-banner" role="status">
                    {tf(l, "viewing_rev", &[("rev", &rev.to_string())])}
                    <button onclick={back_live}>{t(l, "back_live")}</button>
                </div>
            }, None => html! {} } }
            <h3>{t(l, "control_plane")}</h3>
            { match &m.managed { Some(cs) => html! {
                <div class="node cp managed">
                    <div class="node-name">{t(l, "managed_cp")}</div>
                    <Components components={cs.clone()} cluster={cluster.clone()} dispatch={props.dispatch.clone()} lang={l} />
                </div>
            }, None => html! {} } }
            <div class="nodes">{ for m.nodes.iter().filter(|n| n.control_plane).map(node_view) }</div>
            <h3>{t(l, "workers")}</h3>
            <div class="nodes workers">{ for m.nodes.iter().filter(|n| !n.control_plane).map(node_view) }</div>
            { if m.unscheduled.is_empty() { html! {} } else { html! {
                <>
                <h3>{t(l, "unscheduled")}</h3>
                <div class="pods pending-pods">{ for m.unscheduled.iter().map(|p| pod_chip(p, true, &props.dispatch)) }</div>
                </>
            } } }
            <h3>{t(l, "services")}</h3>
            { if m.services.is_empty() { html! { <p class="muted">{t(l, "no_services")}</p> } } else { html! {
                <ul class="services">{ for m.services.iter().map(|s| service_view(s, l, &props.dispatch)) }</ul>
            } } }
        </div>
    }
}

fn select(dispatch: &Dispatch, target: Target) -> Callback<MouseEvent> {
    let d = dispatch.clone();
    Callback::from(move |e: MouseEvent| {
        e.stop_propagation();
        d.dispatch(Action::Select(Some(target.clone())))
    })
}

fn pod_chip(p: &PodPic, named: bool, dispatch: &Dispatch) -> Html {
    let label = format!("{}/{} · {}", p.namespace, p.name, p.status);
    html! {
        <button class={classes!("pod", p.tone.class(), (!named).then_some("dot"))} title={label.clone()} aria-label={label}
            onclick={select(dispatch, Target::Object { kind: "pod", namespace: Some(p.namespace.clone()), name: p.name.clone() })}>
            { if named { html! { <span class="pod-name">{&p.name}</span> } } else { html! {} } }
        </button>
    }
}

fn service_view(s: &ServicePic, l: Lang, dispatch: &Dispatch) -> Html {
    html! {
        <li class="service">
            <button class="svc-name" onclick={select(dispatch, Target::Object { kind: "service", namespace: Some(s.namespace.clone()), name: s.name.clone() })}>
                {format!("{}/{}", s.namespace, s.name)}
            </button>
            <span class="svc-meta">{format!("{} {}", s.kind, s.cluster_ip)}</span>
            <div class="endpoints">
                { if s.endpoints.is_empty() { html! { <span class="no-ep">{t(l, "no_endpoints")}</span> } }
                  else { html! { <>{ for s.endpoints.iter().map(|e| html! { <span class="ep">{e}</span> }) }</> } } }
            </div>
        </li>
    }
}

#[derive(Properties, PartialEq)]
pub struct ComponentsProps {
    pub components: Vec<Comp>,
    pub cluster: String,
    pub dispatch: Dispatch,
    pub lang: Lang,
}

#[component]
pub fn Components(props: &ComponentsProps) -> Html {
    let l = props.lang;
    html! {
        <ul class="components">
            { for props.components.iter().map(|c| {
                let label = if c.up { c.name.clone() } else { format!("{} ({})", c.name, t(l, "stopped")) };
                html! { <li><button class={classes!("component", (!c.up).then_some("down"))} aria-label={label.clone()} title={label}
                    onclick={select(&props.dispatch, Target::Component { cluster: props.cluster.clone(), key: c.key.clone() })}>
                    { if c.up { "" } else { "✕ " } }{&c.name}</button></li> }
            }) }
        </ul>
    }
}

#[derive(Properties, PartialEq)]
pub struct NodeProps {
    pub node: Rc<NodePic>,
    pub cluster: String,
    pub dispatch: Dispatch,
    pub lang: Lang,
}

/// Nodes with many pods show them as dots (name on hover and for screen readers).
const NAMED_PODS_MAX: usize = 24;

#[component]
pub fn NodeCardView(props: &NodeProps) -> Html {
    let n = &props.node;
    let l = props.lang;
    let status = if !n.powered {
        t(l, "powered_off").to_string()
    } else if n.ready == Readiness::Ready {
        "Ready".to_string()
    } else {
        "NotReady".to_string()
    };
    let named = n.pods.len() <= NAMED_PODS_MAX;
    html! {
        <div class={classes!("node", n.control_plane.then_some("cp"), (n.ready != Readiness::Ready).then_some("not-ready"), (!n.powered).then_some("off"))}
             data-node={n.name.clone()}>
            <div class="node-name">
                <button class="node-link" onclick={select(&props.dispatch, Target::Object { kind: "node", namespace: None, name: n.name.clone() })}>{&n.name}</button>
                <span class="status">{status}{ if n.unschedulable { format!(" · {}", t(l, "cordoned")) } else { String::new() } }</span>
            </div>
            <Components components={n.components.clone()} cluster={props.cluster.clone()} dispatch={props.dispatch.clone()} lang={l} />
            { if n.pods.is_empty() { html! {} } else { html! {
                <div class={classes!("pods", (!named).then_some("dense"))} aria-label={format!("{} · {}", t(l, "pods"), n.pods.len())}>
                    { for n.pods.iter().map(|p| pod_chip(p, named, &props.dispatch)) }
                </div>
            } } }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct DetailsProps {
    pub details: Details,
    /// For a component: (cluster, key, up).
    pub component: Option<(String, String, bool)>,
    pub table: Vec<(String, Vec<(String, String)>)>,
    pub dispatch: Dispatch,
    pub lang: Lang,
}

#[component]
pub fn DetailsPanel(props: &DetailsProps) -> Html {
    let l = props.lang;
    let show_yaml = use_state(|| true);
    let close = {
        let d = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::Select(None)))
    };
    let title = match &props.details.target {
        Target::Object {
            kind,
            namespace,
            name,
        } => match namespace {
            Some(ns) => format!("{kind} {ns}/{name}"),
            None => format!("{kind} {name}"),
        },
        Target::Component { key, .. } => key.clone(),
    };
    let body = match &props.component {
        Some((cluster, key, up)) => {
            let d = props.dispatch.clone();
            let (cluster, key, up) = (cluster.clone(), key.clone(), *up);
            let toggle = Callback::from(move |_: MouseEvent| {
                d.dispatch(Action::Fault {
                    cluster: cluster.clone(),
                    component: key.clone(),
                    up: !up,
                })
            });
            html! {
                <div class="component-details">
                    <p>{tf(l, if up { "component_up" } else { "component_down" }, &[("name", &title)])}</p>
                    <button class={if up { "danger" } else { "primary" }} onclick={toggle}>{t(l, if up { "stop" } else { "start" })}</button>
                </div>
            }
        }
        None => {
            let tab = |yaml_tab: bool, key: &'static str| {
                let s = show_yaml.clone();
                let selected = *show_yaml == yaml_tab;
                html! { <button role="tab" aria-selected={selected.to_string()} class={classes!("tab", selected.then_some("active"))}
                onclick={Callback::from(move |_| s.set(yaml_tab))}>{t(l, key)}</button> }
            };
            let text = if *show_yaml {
                &props.details.yaml
            } else {
                &props.details.describe
            };
            html! {
                <>
                <div class="tabs small" role="tablist">{tab(true, "yaml")}{tab(false, "describe")}</div>
                <pre class="details-text" tabindex="0">
                    { if *show_yaml {
                        html! { <>{ for yaml::highlight(text).into_iter().map(|(tok, s)| html! { <span class={tok.class()}>{s}</span> }) }</> }
                    } else { html! { {text} } } }
                </pre>
                { if props.table.is_empty() { html! {} } else { sched_table(&props.table, l) } }
                </>
            }
        }
    };
    html! {
        <aside class="details" aria-label={t(l, "details")}>
            <div class="details-bar"><strong>{title}</strong><button onclick={close} aria-label={t(l, "close")}>{"×"}</button></div>
            {body}
        </aside>
    }
}

fn sched_table(table: &[(String, Vec<(String, String)>)], l: Lang) -> Html {
    let plugins: Vec<String> = table
        .first()
        .map(|(_, ps)| ps.iter().map(|(p, _)| p.clone()).collect())
        .unwrap_or_default();
    html! {
        <div class="sched-wrap" tabindex="0"><table class="sched">
            <caption>{t(l, "sched_table")}</caption>
            <thead><tr><th></th>{ for plugins.iter().map(|p| html! { <th scope="col">{p}</th> }) }</tr></thead>
            <tbody>{ for table.iter().map(|(node, scores)| html! {
                <tr><th scope="row">{node}</th>{ for scores.iter().map(|(_, s)| html! { <td>{s}</td> }) }</tr>
            }) }</tbody>
        </table></div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(_revision: i64, states: &[usize]) -> ClusterPic {
        let card = |n: usize, version: usize| {
            let status = if version == 0 {
                "ContainerCreating"
            } else {
                "Running"
            };
            Rc::new(NodePic {
                name: format!("node-{n}"),
                control_plane: false,
                ready: Readiness::Ready,
                powered: true,
                unschedulable: false,
                components: Vec::new(),
                pods: vec![Rc::new(PodPic {
                    namespace: "default".into(),
                    name: format!("pod-{n}"),
                    status: status.into(),
                    tone: super::super::model::Tone::of(status),
                })],
                other_pods: 0,
            })
        };
        ClusterPic {
            cluster: "c".into(),
            nodes: states
                .iter()
                .enumerate()
                .map(|(n, v)| card(n, *v))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_busy_redraw_updates_a_few_node_cards_each_in_turn() {
        let old = model(1, &[0; 10]);
        let new = model(2, &[1; 10]);
        let changed = |m: &ClusterPic| {
            m.nodes
                .iter()
                .zip(&new.nodes)
                .filter(|(a, b)| a == b)
                .count()
        };
        let mut shown = old.clone();
        let mut turn = 0;
        let mut redraws = 0;
        while shown.nodes != new.nodes {
            turn += 4;
            let next = stagger(&shown, &new, 4, turn);
            // At most 4 more cards each time, never one going back.
            assert!(changed(&next) <= changed(&shown) + 4);
            assert!(changed(&next) > changed(&shown));
            shown = next;
            redraws += 1;
        }
        assert_eq!(redraws, 3);
        // Few changes, other nodes, or another cluster: the whole new model.
        assert_eq!(
            stagger(&old, &model(2, &[1, 1, 0, 0, 0, 0, 0, 0, 0, 0]), 4, 0).nodes,
            model(2, &[1, 1, 0, 0, 0, 0, 0, 0, 0, 0]).nodes
        );
        assert_eq!(
            stagger(&old, &model(2, &[1; 12]), 4, 0).nodes,
            model(2, &[1; 12]).nodes
        );
    }
}
