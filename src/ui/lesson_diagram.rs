//! Draws the live pictures of lesson ```` ```diagram ```` blocks. What to draw is computed by
//! [`crate::lessons::diagram`] (pure, laid out, tested there); this file only turns a
//! [`Picture`] into DOM (cluster and cluster list) or SVG (control plane, etcd, kubeconfig),
//! coloured through the theme's CSS variables, plus a text alternative for screen readers
//! ([`describe`], tested natively): the drawing itself is `aria-hidden`.

use super::i18n::{t, tf, Lang};
use crate::lessons::diagram::{
    ClusterCard, ClusterPic, Comp, ControlPlanePic, EtcdPic, KubeconfigPic, Missing, NodePic,
    Picture, PodPic, Readiness, Scene, State, Tone, DETAIL_PX, LABEL_PX,
};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub picture: Picture,
    pub lang: Lang,
}

/// One diagram: the picture, a caption, and its description for screen readers.
#[component]
pub fn LiveDiagram(props: &DiagramProps) -> Html {
    let l = props.lang;
    let p = &props.picture;
    let (summary, lines) = describe(p, l);
    let body = match p {
        Picture::Cluster(c) => cluster(c, l),
        Picture::Clusters(cs) => clusters(cs, l),
        Picture::Missing(m) => {
            return html! { <p class="live-diagram dg-missing" role="note">{missing(m, l)}</p> }
        }
        _ => html! {},
    };
    let scene = p.scene().map(|s| svg(&s, l));
    let footer = match p {
        Picture::Etcd(e) => etcd_footer(e, l),
        Picture::Kubeconfig(k) => kubeconfig_footer(k, l),
        Picture::ControlPlane(c) => {
            html! { <p class="dg-foot">{tf(l, "dg_cp_foot", &[("name", &c.cluster)])}</p> }
        }
        _ => html! {},
    };
    let kind = match p {
        Picture::Cluster(_) => "dg-cluster",
        Picture::ControlPlane(_) => "dg-control-plane",
        Picture::Etcd(_) => "dg-etcd",
        Picture::Kubeconfig(_) => "dg-kubeconfig",
        Picture::Clusters(_) => "dg-clusters",
        Picture::Missing(_) => "dg-missing",
    };
    html! {
        <figure class={classes!("live-diagram", kind)}>
            <figcaption><span class="dg-live" aria-hidden="true">{"● "}{t(l, "dg_live")}</span>{" "}{summary.clone()}</figcaption>
            <div class="dg-picture" aria-hidden="true">{body}{scene.unwrap_or_default()}{footer}</div>
            <div class="sr-only"><ul>{ for lines.iter().map(|s| html! { <li>{s}</li> }) }</ul></div>
        </figure>
    }
}

fn missing(m: &Missing, l: Lang) -> String {
    match m {
        Missing::NoCluster => t(l, "dg_no_cluster").to_string(),
        Missing::UnknownCluster(name) => tf(l, "dg_unknown_cluster", &[("name", name)]),
        Missing::Kubeconfig(e) => tf(l, "dg_kubeconfig_error", &[("error", e)]),
        Missing::Bad(e) => tf(l, "dg_bad", &[("error", e)]),
    }
}

fn pods(v: &[Rc<PodPic>]) -> Html {
    html! {
        <ul class="dg-pods">{ for v.iter().map(|p| html! {
            <li class={classes!("dg-pod", p.tone.class())} title={format!("{}/{}: {}", p.namespace, p.name, p.status)}>
                {&p.name}{ if p.tone == Tone::Running { html! {} } else { html! { <span class="dg-pod-status">{" · "}{&p.status}</span> } } }
            </li>
        }) }</ul>
    }
}

fn comps(v: &[Comp], l: Lang) -> Html {
    html! {
        <ul class="dg-comps">{ for v.iter().map(|c| html! {
            <li class={classes!("dg-comp", (!c.up).then_some("down"))} title={format!("{}: {}", c.name, t(l, if c.up { "dg_running" } else { "dg_stopped" }))}>
                { if c.up { "" } else { "✕ " } }{&c.name}
            </li>
        }) }</ul>
    }
}

fn others(n: usize, namespace: &Option<String>, l: Lang) -> Html {
    if n == 0 {
        return html! {};
    }
    let key = if namespace.is_none() {
        "dg_system_pods"
    } else {
        "dg_other_pods"
    };
    html! { <p class="dg-more">{tf(l, key, &[("n", &n.to_string())])}</p> }
}

fn node(n: &NodePic, namespace: &Option<String>, l: Lang) -> Html {
    let (badge, class) = if !n.powered {
        (t(l, "dg_powered_off"), "off")
    } else {
        match n.ready {
            Readiness::Ready => ("Ready", "ready"),
            Readiness::NotReady => ("NotReady", "notready"),
            Readiness::Unknown => ("Unknown", "notready"),
        }
    };
    html! {
        <div class={classes!("dg-node", class)}>
            <div class="dg-node-head">
                <span class="dg-node-name">{&n.name}</span>
                <span class={classes!("dg-badge", class)}>{badge}{ if n.unschedulable { ",SchedulingDisabled" } else { "" } }</span>
            </div>
            {comps(&n.components, l)}
            {pods(&n.pods)}
            {others(n.other_pods, namespace, l)}
        </div>
    }
}

fn cluster(c: &ClusterPic, l: Lang) -> Html {
    let cp = match &c.managed {
        Some(components) => html! {
            <div class="dg-node dg-managed">
                <div class="dg-node-head"><span class="dg-node-name">{t(l, "dg_at_provider")}</span></div>
                {comps(components, l)}
            </div>
        },
        None => c
            .control_planes()
            .map(|n| node(n, &c.namespace, l))
            .collect::<Html>(),
    };
    html! {
        <div class="dg-plane">
            <section class="dg-region dg-cp">
                <h5>{t(l, if c.managed.is_some() { "dg_managed_cp" } else { "dg_control_plane" })}</h5>
                <div class="dg-nodes">{cp}</div>
            </section>
            { if c.workers().next().is_some() { html! {
                <section class="dg-region dg-workers">
                    <h5>{t(l, "dg_workers")}</h5>
                    <div class="dg-nodes">{ for c.workers().map(|n| node(n, &c.namespace, l)) }</div>
                </section>
            } } else { html! {} } }
            { if c.unscheduled.is_empty() { html! {} } else { html! {
                <section class="dg-region dg-waiting">
                    <h5>{t(l, "dg_unscheduled")}</h5>
                    {pods(&c.unscheduled)}
                </section>
            } } }
            { if c.services.is_empty() { html! {} } else { html! {
                <section class="dg-region dg-services">
                    <h5>{"Services"}</h5>
                    <ul>{ for c.services.iter().map(|s| html! {
                        <li><span class="dg-node-name">{&s.name}</span>{" "}<span class="dg-svc-kind">{&s.kind}</span>
                            {" "}{&s.cluster_ip}
                            { match &s.external { Some(Some(ip)) => html! { <>{" → "}<strong>{ip}</strong></> },
                                Some(None) => html! { <span class="dg-pending">{" → <pending>"}</span> }, None => html! {} } }
                            {" · "}{tf(l, "dg_endpoints", &[("n", &s.endpoints.len().to_string())])}</li>
                    }) }</ul>
                </section>
            } } }
        </div>
    }
}

fn clusters(cs: &[ClusterCard], l: Lang) -> Html {
    if cs.is_empty() {
        return html! { <p class="muted">{t(l, "dg_no_clusters")}</p> };
    }
    html! {
        <ul class="dg-cluster-list">{ for cs.iter().map(|c| html! {
            <li class={classes!("dg-node", c.current.then_some("current"))}>
                <div class="dg-node-head">
                    <span class="dg-node-name">{ if c.current { "★ " } else { "" } }{&c.name}</span>
                    <span class={classes!("dg-badge", if c.ready == c.nodes && c.nodes > 0 { "ready" } else { "notready" })}>
                        {tf(l, "dg_nodes_ready", &[("ready", &c.ready.to_string()), ("nodes", &c.nodes.to_string())])}</span>
                </div>
                <p class="dg-more">{&c.version}{" · "}{ if c.contexts.is_empty() { t(l, "dg_no_context").to_string() } else { tf(l, "dg_contexts", &[("list", &c.contexts.join(", "))]) } }
                    { if c.current { format!(" · {}", t(l, "dg_targeted")) } else { String::new() } }</p>
            </li>
        }) }</ul>
    }
}

fn etcd_footer(e: &EtcdPic, l: Lang) -> Html {
    if e.members.is_empty() {
        return html! { <p class="dg-foot">{t(l, "dg_etcd_hidden")}</p> };
    }
    html! {
        <p class="dg-foot">
            {tf(l, "dg_quorum", &[("quorum", &e.quorum.to_string()), ("total", &e.members.len().to_string()), ("up", &e.up.to_string())])}
            {" · "}<strong class={if e.writable { "dg-ok" } else { "dg-bad" }}>{t(l, if e.writable { "dg_writes_ok" } else { "dg_writes_fail" })}</strong>
            <br />{tf(l, "dg_term_rev", &[("term", &e.term.to_string()), ("revision", &e.revision.to_string())])}
        </p>
    }
}

fn kubeconfig_footer(k: &KubeconfigPic, l: Lang) -> Html {
    html! {
        <p class="dg-foot">
            {tf(l, "dg_files", &[("files", &k.files.join(":"))])}<br />
            {"current-context: "}<strong>{k.current_context.clone().unwrap_or_else(|| "\"\"".into())}</strong>
        </p>
    }
}

fn state_class(s: State) -> &'static str {
    match s {
        State::Plain => "plain",
        State::Up => "up",
        State::Warn => "warn",
        State::Down => "down",
        State::Star => "star",
    }
}

/// A glyph beside the colour, so the state does not rely on colour alone.
fn glyph(s: State) -> &'static str {
    match s {
        State::Down => "✕",
        State::Warn => "!",
        State::Star => "★",
        _ => "",
    }
}

fn svg(s: &Scene, l: Lang) -> Html {
    let n = |v: i32| v.to_string();
    html! {
        <svg class="dg-svg" viewBox={format!("0 0 {} {}", s.width, s.height)} focusable="false">
            <defs>
                <marker id="dg-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                    <path class="dg-arrow" d="M0,0 L8,4 L0,8 z" /></marker>
                <marker id="dg-arrow-bad" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                    <path class="dg-arrow bad" d="M0,0 L8,4 L0,8 z" /></marker>
            </defs>
            { for s.groups.iter().map(|g| html! { <g class="dg-group">
                <rect x={n(g.x)} y={n(g.y)} width={n(g.w)} height={n(g.h)} rx="8" />
                <text x={n(g.x + 8)} y={n(g.y + 13)}>{t(l, g.key)}</text>
            </g> }) }
            { for s.headings.iter().map(|(x, y, text)| html! { <text class="dg-heading" x={n(*x)} y={n(*y)}>{text}</text> }) }
            { for s.links.iter().map(|k| {
                let points = k.points.iter().map(|(x, y)| format!("{x},{y}")).collect::<Vec<_>>().join(" ");
                let marker = match (k.arrow, k.broken) {
                    (false, _) => None,
                    (true, false) => Some("url(#dg-arrow)"),
                    (true, true) => Some("url(#dg-arrow-bad)"),
                };
                html! { <polyline class={classes!("dg-link", k.broken.then_some("broken"))} {points} marker-end={marker} /> }
            }) }
            { for s.boxes.iter().map(|b| {
                let (cx, _) = b.centre();
                let two = !b.detail.is_empty();
                let label_y = if two { b.y + b.h / 2 - 2 } else { b.y + b.h / 2 + LABEL_PX / 3 + 1 };
                html! {
                    <g class={classes!("dg-box", state_class(b.state))}>
                        <title>{&b.title}</title>
                        <rect x={n(b.x)} y={n(b.y)} width={n(b.w)} height={n(b.h)} rx="5" />
                        <text class="dg-label" x={n(cx)} y={n(label_y)} font-size={n(LABEL_PX)}>{&b.label}</text>
                        { if two { html! { <text class="dg-detail" x={n(cx)} y={n(label_y + DETAIL_PX + 3)} font-size={n(DETAIL_PX)}>{&b.detail}</text> } } else { html! {} } }
                        { if glyph(b.state).is_empty() { html! {} } else { html! {
                            <text class="dg-glyph" x={n(b.x + b.w - 8)} y={n(b.y + 11)}>{glyph(b.state)}</text>
                        } } }
                    </g>
                }
            }) }
        </svg>
    }
}

fn updown(l: Lang, up: bool) -> &'static str {
    t(l, if up { "dg_running" } else { "dg_stopped" })
}

fn list_or_none(l: Lang, v: Vec<String>) -> String {
    if v.is_empty() {
        t(l, "dg_none").to_string()
    } else {
        v.join(", ")
    }
}

fn node_line(n: &NodePic, namespace: &Option<String>, l: Lang) -> String {
    let role = t(
        l,
        if n.control_plane {
            "dg_role_cp"
        } else {
            "dg_role_worker"
        },
    );
    let ready = if !n.powered {
        t(l, "dg_powered_off")
    } else {
        match n.ready {
            Readiness::Ready => "Ready",
            Readiness::NotReady => "NotReady",
            Readiness::Unknown => "Unknown",
        }
    };
    let comps: Vec<String> = n
        .components
        .iter()
        .map(|c| {
            if c.up {
                c.name.clone()
            } else {
                format!("{} ({})", c.name, t(l, "dg_stopped"))
            }
        })
        .collect();
    let mut pods: Vec<String> = n
        .pods
        .iter()
        .map(|p| format!("{} ({})", p.name, p.status))
        .collect();
    if n.other_pods > 0 {
        let key = if namespace.is_none() {
            "dg_system_pods"
        } else {
            "dg_other_pods"
        };
        pods.push(tf(l, key, &[("n", &n.other_pods.to_string())]));
    }
    tf(
        l,
        "dg_alt_node",
        &[
            ("name", &n.name),
            ("role", role),
            ("ready", ready),
            ("comps", &comps.join(", ")),
            ("pods", &list_or_none(l, pods)),
        ],
    )
}

fn cp_lines(c: &ControlPlanePic, l: Lang) -> Vec<String> {
    let mut v = vec![
        format!("kube-apiserver: {}", updown(l, c.apiserver)),
        format!(
            "etcd: {}",
            tf(
                l,
                "dg_members_up",
                &[
                    ("up", &c.etcd_up.to_string()),
                    ("total", &c.etcd_total.to_string())
                ]
            )
        ),
        format!("kube-scheduler: {}", updown(l, c.scheduler)),
        format!(
            "kube-controller-manager: {}",
            updown(l, c.controller_manager)
        ),
    ];
    if let Some(up) = c.cloud_controller_manager {
        v.push(format!("cloud-controller-manager: {}", updown(l, up)));
    }
    for (node, up, ready) in &c.kubelets {
        v.push(format!(
            "kubelet {node}: {}{}",
            updown(l, *up),
            if *up && !*ready { ", NotReady" } else { "" }
        ));
    }
    v
}

/// The text alternative of a picture: a one-sentence summary (also the visible caption) and
/// one line per element.
pub fn describe(p: &Picture, l: Lang) -> (String, Vec<String>) {
    match p {
        Picture::Cluster(c) => {
            let summary = tf(
                l,
                "dg_alt_cluster",
                &[
                    ("name", &c.cluster),
                    ("cps", &c.control_planes().count().to_string()),
                    ("workers", &c.workers().count().to_string()),
                ],
            );
            let mut lines = Vec::new();
            if let Some(components) = &c.managed {
                let v: Vec<String> = components
                    .iter()
                    .map(|x| format!("{}: {}", x.name, updown(l, x.up)))
                    .collect();
                lines.push(format!("{}: {}", t(l, "dg_managed_cp"), v.join(", ")));
            }
            lines.extend(c.nodes.iter().map(|n| node_line(n, &c.namespace, l)));
            if !c.unscheduled.is_empty() {
                let v: Vec<String> = c
                    .unscheduled
                    .iter()
                    .map(|p| format!("{} ({})", p.name, p.status))
                    .collect();
                lines.push(format!("{}: {}", t(l, "dg_unscheduled"), v.join(", ")));
            }
            for s in &c.services {
                let external = match &s.external {
                    Some(Some(ip)) => format!(" → {ip}"),
                    Some(None) => " → <pending>".into(),
                    None => String::new(),
                };
                lines.push(format!(
                    "Service {} ({}) {}{external}, {}",
                    s.name,
                    s.kind,
                    s.cluster_ip,
                    tf(l, "dg_endpoints", &[("n", &s.endpoints.len().to_string())])
                ));
            }
            (summary, lines)
        }
        Picture::ControlPlane(c) => (tf(l, "dg_alt_cp", &[("name", &c.cluster)]), cp_lines(c, l)),
        Picture::Etcd(e) => {
            let leader = e
                .members
                .iter()
                .find(|m| m.leader)
                .map_or_else(|| t(l, "dg_none").to_string(), |m| m.name.clone());
            let summary = tf(
                l,
                "dg_alt_etcd",
                &[
                    ("name", &e.cluster),
                    ("total", &e.members.len().to_string()),
                    ("leader", &leader),
                ],
            );
            let mut lines: Vec<String> = e
                .members
                .iter()
                .map(|m| {
                    format!(
                        "{} ({}): {}{}",
                        m.name,
                        m.node,
                        updown(l, m.up),
                        if m.leader {
                            format!(", {}", t(l, "dg_leader"))
                        } else {
                            String::new()
                        }
                    )
                })
                .collect();
            if e.members.is_empty() {
                lines.push(t(l, "dg_etcd_hidden").to_string());
            } else {
                lines.push(tf(
                    l,
                    "dg_quorum",
                    &[
                        ("quorum", &e.quorum.to_string()),
                        ("total", &e.members.len().to_string()),
                        ("up", &e.up.to_string()),
                    ],
                ));
                lines.push(
                    t(
                        l,
                        if e.writable {
                            "dg_writes_ok"
                        } else {
                            "dg_writes_fail"
                        },
                    )
                    .to_string(),
                );
            }
            (summary, lines)
        }
        Picture::Kubeconfig(k) => {
            let summary = tf(
                l,
                "dg_alt_kubeconfig",
                &[
                    ("files", &k.files.join(":")),
                    ("current", k.current_context.as_deref().unwrap_or("\"\"")),
                ],
            );
            let mut lines = Vec::new();
            for c in &k.contexts {
                let ns = c
                    .namespace
                    .as_deref()
                    .map(|n| format!(", namespace {n}"))
                    .unwrap_or_default();
                let mut s = tf(
                    l,
                    "dg_alt_context",
                    &[
                        ("name", &c.name),
                        ("cluster", &c.cluster),
                        ("user", &c.user),
                    ],
                );
                s.push_str(&ns);
                if !c.cluster_ok || !c.user_ok {
                    s.push_str(&format!(" — {}", t(l, "dg_dangling")));
                }
                if c.current {
                    s.push_str(&format!(" ({})", t(l, "dg_current")));
                }
                lines.push(s);
            }
            for c in &k.clusters {
                let answers = if c.answers.is_some() {
                    String::new()
                } else {
                    format!(" — {}", t(l, "dg_no_answer"))
                };
                lines.push(format!("cluster {}: {}{answers}", c.name, c.server));
            }
            for u in &k.users {
                lines.push(format!("user {}: {}", u.name, u.auth));
            }
            (summary, lines)
        }
        Picture::Clusters(cs) => {
            let summary = tf(l, "dg_alt_clusters", &[("n", &cs.len().to_string())]);
            let lines = cs
                .iter()
                .map(|c| {
                    let mut s = format!(
                        "{} ({}): {}",
                        c.name,
                        c.version,
                        tf(
                            l,
                            "dg_nodes_ready",
                            &[
                                ("ready", &c.ready.to_string()),
                                ("nodes", &c.nodes.to_string())
                            ]
                        )
                    );
                    if !c.contexts.is_empty() {
                        s.push_str(&format!(
                            ", {}",
                            tf(l, "dg_contexts", &[("list", &c.contexts.join(", "))])
                        ));
                    }
                    if c.current {
                        s.push_str(&format!(", {}", t(l, "dg_targeted")));
                    }
                    s
                })
                .collect();
            (summary, lines)
        }
        Picture::Missing(m) => (missing(m, l), Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::diagram::Spec;
    use crate::sim::{presets::Preset, World};
    use crate::term::Terminal;

    fn pic(t: &Terminal, info: &str) -> Picture {
        Spec::parse(info).unwrap().picture(t)
    }

    #[test]
    fn descriptions_say_what_the_picture_shows_in_both_languages() {
        let mut term = Terminal::new(World::new(1, Preset::Kind));
        term.world.step(30_000);
        term.world
            .clusters
            .get_mut("kind-kind")
            .unwrap()
            .stop("kubelet/kind-worker");
        let (summary, lines) = describe(&pic(&term, "cluster"), Lang::En);
        assert_eq!(
            summary,
            "Cluster kind-kind: 1 control-plane node(s), 2 worker(s)."
        );
        let worker = lines
            .iter()
            .find(|s| s.starts_with("kind-worker,"))
            .unwrap();
        assert!(worker.contains("kubelet (stopped)"), "{worker}");
        assert!(worker.contains("worker"), "{worker}");
        let (fr, lines_fr) = describe(&pic(&term, "cluster"), Lang::Fr);
        assert!(fr.starts_with("Cluster kind-kind : 1 nœud"), "{fr}");
        assert!(lines_fr.iter().any(|s| s.contains("kubelet (arrêté)")));
        let (_, cp) = describe(&pic(&term, "control-plane"), Lang::En);
        assert!(
            cp.contains(&"kubelet kind-worker: stopped".to_string()),
            "{cp:?}"
        );
        assert!(
            cp.contains(&"etcd: 1/1 members running".to_string()),
            "{cp:?}"
        );
    }

    #[test]
    fn etcd_and_kubeconfig_descriptions() {
        let mut term = Terminal::new(World::new(1, Preset::Ha));
        term.world
            .clusters
            .get_mut("kubernetes")
            .unwrap()
            .stop("etcd/cp-2");
        term.world
            .clusters
            .get_mut("kubernetes")
            .unwrap()
            .stop("etcd/cp-3");
        term.world.step(2000);
        let (summary, lines) = describe(&pic(&term, "etcd"), Lang::En);
        assert!(summary.contains("3 members"), "{summary}");
        assert!(
            lines.contains(&"cp-2 (cp-2): stopped".to_string()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"No quorum: writes fail.".to_string()),
            "{lines:?}"
        );
        let mut term = Terminal::new(World::new(1, Preset::Kind));
        term.run("kubectl config set-context staging --cluster=kind-kind --user=kind-kind --namespace=staging");
        term.run("kubectl config set-context ghost --cluster=nowhere --user=kind-kind");
        let (summary, lines) = describe(&pic(&term, "kubeconfig"), Lang::En);
        assert!(summary.contains("current context: kind-kind"), "{summary}");
        assert!(
            lines.contains(
                &"context staging → cluster kind-kind, user kind-kind, namespace staging"
                    .to_string()
            ),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|s| s.starts_with("context ghost") && s.contains("refers to nothing")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|s| s.starts_with("context kind-kind") && s.ends_with("(current context)")),
            "{lines:?}"
        );
    }

    #[test]
    fn every_catalogue_key_a_scene_names_exists() {
        for key in ["dg_control_plane", "dg_managed_cp", "dg_nodes"] {
            assert_ne!(t(Lang::En, key), "?", "{key}");
        }
        let term = Terminal::new(World::new(1, Preset::Managed));
        let name = term.world.clusters.keys().next().unwrap().clone();
        let s = pic(&term, &format!("control-plane cluster={name}"))
            .scene()
            .unwrap();
        for g in &s.groups {
            assert_ne!(t(Lang::Fr, g.key), "?", "{}", g.key);
        }
        let (m, _) = describe(
            &Picture::Missing(Missing::UnknownCluster("kubernetes".into())),
            Lang::Fr,
        );
        assert_eq!(m, "Le cluster kubernetes n'existe pas encore.");
    }
}
