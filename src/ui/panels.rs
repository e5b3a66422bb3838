//! The trainer's tabs of the cluster pane: the control-loop view (animated arrows between
//! components plus the explained log), the fault panel and the timeline (undo, rewind,
//! reset, read-only view at an earlier etcd revision).

use super::adapter::{FaultKind, FaultTarget};
use super::app::{Action, Dispatch, Shared};
use super::core::FlowEntry;
use super::explain::Lane;
use super::i18n::{t, tf, Lang};
use super::icons::icon;
use std::collections::VecDeque;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FlowProps {
    pub flow: Shared<VecDeque<FlowEntry>>,
    pub down: Vec<String>,
    /// The cluster has a cloud provider (else no cloud-controller-manager box, like the
    /// cluster view).
    pub cloud: bool,
    pub dispatch: Dispatch,
    pub lang: Lang,
}

/// Is the box for `lane` broken (any of its instances stopped)?
fn lane_down(lane: Lane, down: &[String]) -> bool {
    let any = |prefix: &str| {
        down.iter()
            .any(|d| d == prefix || d.starts_with(&format!("{prefix}/")))
    };
    match lane {
        Lane::Kubectl => false,
        Lane::ApiServer => any("kube-apiserver"),
        Lane::Etcd => any("etcd"),
        Lane::Scheduler => any("kube-scheduler"),
        Lane::Controllers => any("kube-controller-manager"),
        Lane::CloudControllers => any("cloud-controller-manager"),
        Lane::Kubelet => any("kubelet") || any("node"),
        Lane::Runtime => any("containerd") || any("node"),
    }
}

/// The static links of the diagram.
const LINKS: &[(Lane, Lane)] = &[
    (Lane::Kubectl, Lane::ApiServer),
    (Lane::ApiServer, Lane::Etcd),
    (Lane::ApiServer, Lane::Scheduler),
    (Lane::ApiServer, Lane::Controllers),
    (Lane::ApiServer, Lane::CloudControllers),
    (Lane::ApiServer, Lane::Kubelet),
    (Lane::Kubelet, Lane::Runtime),
];

/// How many recent requests animate at once.
const ANIMATED: usize = 3;
/// Milliseconds per hop.
const HOP_MS: u32 = 500;

fn fmt_time(ms: u64) -> String {
    let s = ms / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[component]
pub fn FlowPanel(props: &FlowProps) -> Html {
    let l = props.lang;
    let show_noise = use_state(|| false);
    let visible: Vec<&FlowEntry> = props
        .flow
        .iter()
        .filter(|f| *show_noise || !f.noise)
        .collect();
    let animated: Vec<&FlowEntry> = visible.iter().rev().take(ANIMATED).rev().copied().collect();
    let active: Vec<Lane> = animated
        .last()
        .map(|f| f.step.hops.iter().flat_map(|(a, b)| [*a, *b]).collect())
        .unwrap_or_default();
    let toggle = {
        let s = show_noise.clone();
        Callback::from(move |_: Event| s.set(!*s))
    };
    let shown = |lane: &Lane| props.cloud || *lane != Lane::CloudControllers;
    let boxes = Lane::ALL.iter().filter(|l| shown(l)).map(|&lane| {
        let (x, y) = lane.pos();
        let down = lane_down(lane, &props.down);
        let class = classes!(
            "lane",
            down.then_some("down"),
            active.contains(&lane).then_some("active")
        );
        let label = lane.label();
        let w = label.len() as i32 * 15 + 36;
        html! {
            <g class={class}>
                <rect x={(x - w / 2).to_string()} y={(y - 42).to_string()} width={w.to_string()} height="84" rx="14" />
                <text x={x.to_string()} y={(y + 10).to_string()} text-anchor="middle">{label}</text>
                { if down { html! { <text class="x" x={(x + w / 2 - 22).to_string()} y={(y - 14).to_string()} text-anchor="middle">{"✕"}</text> } } else { html! {} } }
            </g>
        }
    });
    let links = LINKS.iter().filter(|(a, b)| shown(a) && shown(b)).map(|(a, b)| {
        let (x1, y1) = a.pos();
        let (x2, y2) = b.pos();
        html! { <line class="link" x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()} /> }
    });
    // One dot per hop, each starting when the previous hop ends. Keyed by the request's
    // position in the trace so a new request starts a new animation.
    let mut delay = 0u32;
    let dots: Vec<Html> = animated
        .iter()
        .flat_map(|f| {
            f.step
                .hops
                .iter()
                .enumerate()
                .map(|(i, (a, b))| {
                    let (x1, y1) = a.pos();
                    let (x2, y2) = b.pos();
                    let style = format!(
                        "--x1:{x1}px;--y1:{y1}px;--x2:{x2}px;--y2:{y2}px;animation-delay:{delay}ms;animation-duration:{HOP_MS}ms"
                    );
                    delay += HOP_MS;
                    html! { <circle key={format!("{}-{i}", f.seq)} class={classes!("hop", if f.noise { "noise" } else { "" })} r="14" cx="0" cy="0" {style} /> }
                })
                .collect::<Vec<_>>()
        })
        .collect();
    html! {
        <div class="flow">
            <svg class="flow-diagram" viewBox="0 0 1100 600" role="img" aria-label={t(l, "tab_flow")}>
                { for links }
                // Dots first: they slide under the boxes, never over the labels.
                { for dots }
                { for boxes }
            </svg>
            <div class="flow-head">
                <h3>{t(l, "flow_log")}</h3>
                <label class="check"><input type="checkbox" checked={*show_noise} onchange={toggle} />{t(l, "flow_noise")}</label>
            </div>
            { if visible.is_empty() { html! { <p class="muted">{t(l, "flow_empty")}</p> } } else { html! {
                <ol class="flow-log" aria-live="polite">
                    { for visible.iter().rev().take(120).map(|f| html! {
                        <li key={f.seq} data-seq={f.seq.to_string()} class={classes!(f.noise.then_some("noise"))}>
                            <time>{fmt_time(f.at_ms)}</time>
                            <span class="actor">{&f.actor}</span>
                            <span class="text">{&f.step.text}</span>
                        </li>
                    }) }
                </ol>
            } } }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct FaultsProps {
    pub targets: Vec<FaultTarget>,
    pub down: Vec<String>,
    pub cluster: String,
    pub dispatch: Dispatch,
    pub lang: Lang,
}

#[component]
pub fn FaultsPanel(props: &FaultsProps) -> Html {
    let l = props.lang;
    let button = |target: &FaultTarget| {
        let up = !props.down.contains(&target.component);
        let (off, on) = match target.kind {
            FaultKind::Power => ("power_off", "power_on"),
            FaultKind::EtcdMember => ("kill", "restore"),
            FaultKind::Partition => ("partition", "heal"),
            _ => ("stop", "start"),
        };
        let d = props.dispatch.clone();
        let cluster = props.cluster.clone();
        let component = target.component.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            d.dispatch(Action::Fault {
                cluster: cluster.clone(),
                component: component.clone(),
                up: !up,
            })
        });
        let what = match target.kind {
            FaultKind::Kubelet => t(l, "fault_kubelet"),
            FaultKind::Runtime => t(l, "fault_runtime"),
            FaultKind::Power => t(l, "fault_power"),
            FaultKind::Partition => t(l, "fault_partition"),
            _ => "",
        };
        let label = if target.kind == FaultKind::Replica {
            // Shown inside its node's box: the component's name is enough.
            target
                .component
                .split('/')
                .next()
                .unwrap_or_default()
                .to_string()
        } else if what.is_empty() {
            target.component.clone()
        } else {
            what.to_string()
        };
        html! {
            <div class={classes!("fault", (!up).then_some("down"))} data-fault={target.component.clone()}>
                <span class="fault-state" aria-hidden="true">{ if up { "●" } else { "✕" } }</span>
                <span class="fault-name">{label.clone()}</span>
                <button class={if up { "danger" } else { "primary" }} onclick={onclick}
                    aria-label={format!("{} {}", t(l, if up { off } else { on }), target.component)}>
                    {t(l, if up { off } else { on })}
                </button>
            </div>
        }
    };
    let group = |kinds: &[FaultKind]| {
        props
            .targets
            .iter()
            .filter(|t| kinds.contains(&t.kind))
            .map(button)
            .collect::<Html>()
    };
    // Each node once, in first-seen order (etcd members come first, then every node's faults).
    let mut nodes: Vec<String> = Vec::new();
    for n in props.targets.iter().filter_map(|t| t.node.as_ref()) {
        if !nodes.contains(n) {
            nodes.push(n.clone());
        }
    }
    html! {
        <div class="faults">
            <h3>{t(l, "faults_cp")}</h3>
            <div class="fault-grid">{group(&[FaultKind::Component])}</div>
            <h3>{t(l, "faults_etcd")}</h3>
            <div class="fault-grid">{group(&[FaultKind::EtcdMember])}</div>
            <h3>{t(l, "faults_nodes")}</h3>
            { for nodes.iter().map(|node| html! {
                <fieldset class="fault-node">
                    <legend>{node}</legend>
                    { for props.targets.iter().filter(|t| t.node.as_ref() == Some(node) && t.kind != FaultKind::EtcdMember).map(button) }
                </fieldset>
            }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    /// (simulated ms, description, etcd revision after it)
    pub entries: Vec<(u64, String, i64)>,
    pub view_rev: Option<i64>,
    pub lesson_start: usize,
    pub dispatch: Dispatch,
    pub lang: Lang,
}

#[component]
pub fn TimelinePanel(props: &TimelineProps) -> Html {
    let l = props.lang;
    let d = props.dispatch.clone();
    let undo = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::Undo))
    };
    let reset = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::Reset))
    };
    html! {
        <div class="timeline">
            <div class="timeline-actions">
                <button onclick={undo} disabled={props.entries.is_empty()}>{icon("undo")}{" "}{t(l, "undo")}</button>
                <button onclick={reset} disabled={props.entries.len() <= props.lesson_start}>{icon("reset")}{" "}{t(l, "reset")}</button>
            </div>
            { if props.entries.is_empty() { html! { <p class="muted">{t(l, "timeline_empty")}</p> } } else { html! {
                <ol class="timeline-list" reversed=true>
                    { for props.entries.iter().enumerate().rev().map(|(i, (at, text, rev))| {
                        let rewind = { let d = d.clone(); Callback::from(move |_: MouseEvent| d.dispatch(Action::Rewind(i))) };
                        let rev = *rev;
                        let view = { let d = d.clone(); Callback::from(move |_: MouseEvent| d.dispatch(Action::ViewRevision(Some(rev)))) };
                        let viewing = props.view_rev == Some(rev);
                        html! {
                            <li class={classes!(viewing.then_some("viewing"), (i == props.lesson_start).then_some("lesson-start"))}>
                                <time>{fmt_time(*at)}</time>
                                <code class="entry">{text}</code>
                                <button class="rev" onclick={view} title={tf(l, "view_rev", &[("rev", &rev.to_string())])}
                                    aria-label={tf(l, "view_rev", &[("rev", &rev.to_string())])}>{format!("{} {rev}", t(l, "revision"))}</button>
                                <button class="rewind" onclick={rewind} title={t(l, "rewind_here")}>{icon("undo")}<span class="sr-only">{t(l, "rewind_here")}</span></button>
                            </li>
                        }
                    }) }
                </ol>
            } } }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_go_down_with_any_instance() {
        let down = vec!["kubelet/kind-worker".to_string(), "etcd/cp-1".to_string()];
        assert!(lane_down(Lane::Kubelet, &down));
        assert!(lane_down(Lane::Etcd, &down));
        assert!(!lane_down(Lane::Scheduler, &down));
        assert!(lane_down(Lane::Runtime, &["node/w".to_string()]));
        assert_eq!(fmt_time(3_723_000), "01:02:03");
    }
}
