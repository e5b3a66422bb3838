//! Live pictures for lesson ```` ```diagram ```` blocks: *what* to draw, computed from the
//! student's terminal (its world and the kubeconfig kubectl would read). Pure: the UI
//! (`ui::lesson_diagram`) only turns a [`Picture`] into SVG/DOM and text alternatives, and
//! recomputes it after every command and tick, so the picture follows the cluster.
//!
//! The block's info string is `diagram <kind> [key=value...]` ([`Spec::parse`]):
//!
//! | kind | shows |
//! |---|---|
//! | `cluster` | control plane vs workers: each node with its components (stopped ones marked), readiness and pods, pods waiting for a node, Services |
//! | `control-plane` | the control-plane components and who talks to whom (everything goes through kube-apiserver), stopped ones marked |
//! | `etcd` | the etcd members, the leader, the quorum and whether writes go through |
//! | `kubeconfig` | the kubeconfig's clusters, contexts and users, how contexts tie them, the current context, servers that answer |
//! | `clusters` | every cluster of the world, the contexts that reach it, the current one |
//!
//! Options: `cluster=<name>` (a cluster of the world, as checks name them: `kind-kind`,
//! `kubernetes`...; default: the one kubectl targets), `namespace=<ns>|*` (pods shown by name in
//! `cluster`; default: all but the system namespaces, [`is_system_namespace`], whose pods are
//! counted),
//! `path=<file>` (the kubeconfig file for `kubeconfig`; default: what kubectl reads).
//!
//! SVG kinds come with a [`Scene`]: boxes, groups and links laid out on an integer grid
//! [`SCENE_WIDTH`] wide, so the drawing code has no geometry to do (and tests can check that
//! no link crosses a box).
//!
//! ```
//! use kubesim::lessons::diagram::{Spec, Picture};
//! use kubesim::sim::{World, presets::Preset};
//! use kubesim::term::Terminal;
//! let term = Terminal::new(World::new(1, Preset::Kind));
//! let Picture::Cluster(c) = Spec::parse("cluster").unwrap().picture(&term) else { panic!() };
//! assert_eq!(c.nodes.len(), 3);
//! ```

use super::markdown::{self, Block};
use super::schema::{Lang, Lesson};
use crate::sim::etcd;
use crate::sim::value::Value;
use crate::sim::world::Cluster;
use crate::term::kubectl::config;
use crate::term::Terminal;
use std::collections::BTreeMap;

/// What a diagram shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Cluster,
    ControlPlane,
    Etcd,
    Kubeconfig,
    Clusters,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Cluster,
        Kind::ControlPlane,
        Kind::Etcd,
        Kind::Kubeconfig,
        Kind::Clusters,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Kind::Cluster => "cluster",
            Kind::ControlPlane => "control-plane",
            Kind::Etcd => "etcd",
            Kind::Kubeconfig => "kubeconfig",
            Kind::Clusters => "clusters",
        }
    }
    /// The options this kind takes.
    fn options(self) -> &'static [&'static str] {
        match self {
            Kind::Cluster => &["cluster", "namespace"],
            Kind::ControlPlane | Kind::Etcd => &["cluster"],
            Kind::Kubeconfig => &["path"],
            Kind::Clusters => &[],
        }
    }
}

/// A parsed ```` ```diagram ```` info string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub kind: Kind,
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    pub path: Option<String>,
}

impl Spec {
    /// Parses `cluster namespace=kube-system` (the info string after `diagram`). An empty
    /// string is `cluster`. Errors name the bad word and what is accepted.
    pub fn parse(info: &str) -> Result<Spec, String> {
        let mut words = info.split_whitespace();
        let kind_word = words.next().unwrap_or("cluster");
        let kind = Kind::ALL
            .into_iter()
            .find(|k| k.name() == kind_word)
            .ok_or_else(|| {
                let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown diagram {kind_word:?} (one of: {})",
                    names.join(", ")
                )
            })?;
        let mut spec = Spec {
            kind,
            cluster: None,
            namespace: None,
            path: None,
        };
        for w in words {
            let (k, v) = w
                .split_once('=')
                .filter(|(k, v)| kind.options().contains(k) && !v.is_empty())
                .ok_or_else(|| {
                    let opts: Vec<String> =
                        kind.options().iter().map(|o| format!("{o}=…")).collect();
                    format!(
                        "diagram {}: unknown option {w:?} (it takes: {})",
                        kind.name(),
                        if opts.is_empty() {
                            "none".to_string()
                        } else {
                            opts.join(", ")
                        }
                    )
                })?;
            let slot = match k {
                "cluster" => &mut spec.cluster,
                "namespace" => &mut spec.namespace,
                _ => &mut spec.path,
            };
            *slot = Some(v.to_string());
        }
        Ok(spec)
    }

    /// The picture of the terminal's current state.
    pub fn picture(&self, term: &Terminal) -> Picture {
        match self.kind {
            Kind::Kubeconfig => return kubeconfig(term, self.path.as_deref()),
            Kind::Clusters => return Picture::Clusters(clusters(term)),
            _ => {}
        }
        let name = match &self.cluster {
            Some(n) => n.clone(),
            None => match target_cluster(term) {
                Some(n) => n,
                None => return Picture::Missing(Missing::NoCluster),
            },
        };
        let Some(c) = term.world.clusters.get(&name) else {
            return Picture::Missing(Missing::UnknownCluster(name));
        };
        match self.kind {
            Kind::ControlPlane => Picture::ControlPlane(control_plane(c)),
            Kind::Etcd => Picture::Etcd(etcd_picture(c)),
            _ => Picture::Cluster(cluster(c, self.namespace.as_deref())),
        }
    }
}

/// The cluster kubectl targets, else the world's only cluster.
fn target_cluster(term: &Terminal) -> Option<String> {
    term.current_cluster().or_else(|| {
        let mut names = term.world.clusters.keys();
        match (names.next(), names.next()) {
            (Some(only), None) => Some(only.clone()),
            _ => None,
        }
    })
}

/// The diagram info strings of some blocks, in order, deduplicated.
pub fn infos_in(blocks: &[Block], out: &mut Vec<String>) {
    markdown::walk(blocks, &mut |b| {
        if let Block::Diagram { info } = b {
            if !out.contains(info) {
                out.push(info.clone());
            }
        }
    })
}

/// Every diagram info string of a lesson (intro and steps, both languages), deduplicated.
pub fn infos(lesson: &Lesson) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for lang in Lang::ALL {
        infos_in(lesson.intro.get(lang), &mut out);
        for s in &lesson.steps {
            infos_in(s.body.get(lang), &mut out);
        }
    }
    out
}

/// The pictures for every diagram of a lesson, keyed by info string (what the UI recomputes
/// after each change). A bad info string (the lint forbids them) maps to [`Missing::Bad`].
pub fn pictures(lesson: &Lesson, term: &Terminal) -> BTreeMap<String, Picture> {
    crate::sort::map_of(infos(lesson).into_iter().map(|info| {
        let pic = match Spec::parse(&info) {
            Ok(spec) => spec.picture(term),
            Err(e) => Picture::Missing(Missing::Bad(e)),
        };
        (info, pic)
    }))
}

/// What to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picture {
    Cluster(ClusterPic),
    ControlPlane(ControlPlanePic),
    Etcd(EtcdPic),
    Kubeconfig(KubeconfigPic),
    Clusters(Vec<ClusterCard>),
    Missing(Missing),
}

/// Why there is nothing to draw (yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// kubectl reaches no cluster (no kubeconfig, wrong server...) and the world has several
    /// or none.
    NoCluster,
    /// `cluster=<name>` does not exist (yet: `kubeadm init` creates it).
    UnknownCluster(String),
    /// The kubeconfig does not load: kubectl's error.
    Kubeconfig(String),
    /// The info string does not parse (the lint reports it first).
    Bad(String),
}

pub use super::cluster_pic::{
    is_system_namespace, ClusterPic, Comp, NodePic, PodPic, Readiness, ServicePic, Tone,
};

fn condition(obj: &Value, kind: &str) -> Option<String> {
    obj.path(&["status", "conditions"])
        .and_then(Value::as_seq)?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
        .and_then(|c| c.get("status").and_then(Value::as_str))
        .map(str::to_string)
}

/// The cluster as a `diagram cluster` block draws it ([`super::cluster_pic`]), without the
/// API server's own `default/kubernetes` Service (in every cluster: not worth a box).
fn cluster(c: &Cluster, namespace: Option<&str>) -> ClusterPic {
    let opts = super::cluster_pic::Options {
        namespace,
        at_revision: None,
    };
    let mut pic = ClusterPic::build(c, &opts);
    pic.services
        .retain(|s| !(s.namespace == "default" && s.name == "kubernetes"));
    pic
}

/// The control plane as a whole: each component once, etcd as its members, and the
/// kubelets that report to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlPlanePic {
    pub cluster: String,
    /// Run by the cloud provider (no control-plane node visible).
    pub managed: bool,
    pub apiserver: bool,
    pub scheduler: bool,
    pub controller_manager: bool,
    /// `None` without a cloud provider.
    pub cloud_controller_manager: Option<bool>,
    /// etcd members running, out of how many (1 of 1 when not modelled as members).
    pub etcd_up: usize,
    pub etcd_total: usize,
    /// Whether etcd accepts writes (a majority of members runs).
    pub etcd_quorum: bool,
    /// Each node's kubelet: (node, running, node Ready).
    pub kubelets: Vec<(String, bool, bool)>,
}

fn control_plane(c: &Cluster) -> ControlPlanePic {
    let pic = cluster(c, Some(""));
    let members = &c.etcd.members;
    let (etcd_up, etcd_total) = if members.is_empty() {
        (usize::from(c.is_up("etcd")), 1)
    } else {
        (
            members.iter().filter(|m| etcd::member_up(c, m)).count(),
            members.len(),
        )
    };
    ControlPlanePic {
        cluster: c.name.clone(),
        managed: pic.managed.is_some(),
        apiserver: c.is_up("kube-apiserver"),
        scheduler: c.is_up("kube-scheduler"),
        controller_manager: c.is_up("kube-controller-manager"),
        cloud_controller_manager: c
            .cloud_provider
            .is_some()
            .then(|| c.is_up("cloud-controller-manager")),
        etcd_up,
        etcd_total,
        etcd_quorum: etcd_up * 2 > etcd_total,
        kubelets: pic
            .nodes
            .iter()
            .map(|n| {
                let up = n.powered && n.components.iter().any(|x| x.name == "kubelet" && x.up);
                (n.name.clone(), up, n.ready == Readiness::Ready)
            })
            .collect(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberPic {
    pub name: String,
    pub node: String,
    pub up: bool,
    pub leader: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EtcdPic {
    pub cluster: String,
    /// Empty when the cluster's etcd is not modelled as members (a managed cluster's is
    /// hidden at the provider).
    pub members: Vec<MemberPic>,
    /// Members needed for a write: n/2 + 1.
    pub quorum: usize,
    pub up: usize,
    /// A majority runs: writes go through.
    pub writable: bool,
    /// The Raft term (bumped by each election).
    pub term: u64,
    /// The store's revision (bumped by each write).
    pub revision: i64,
}

fn etcd_picture(c: &Cluster) -> EtcdPic {
    let members: Vec<MemberPic> = c
        .etcd
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| MemberPic {
            name: m.name.clone(),
            node: m.node.clone(),
            up: etcd::member_up(c, m),
            leader: c.etcd.leader == Some(i),
        })
        .collect();
    let up = members.iter().filter(|m| m.up).count();
    EtcdPic {
        cluster: c.name.clone(),
        quorum: members.len() / 2 + 1,
        writable: etcd::has_quorum(c),
        up,
        members,
        term: c.etcd.term,
        revision: c.store.revision(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KcCluster {
    pub name: String,
    pub server: String,
    /// The world cluster answering at `server`, if any.
    pub answers: Option<String>,
    /// Has a certificate authority (file or data) or skips TLS verification.
    pub ca: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KcUser {
    pub name: String,
    /// How the user authenticates, in kubeconfig words: `client-certificate`, `token`,
    /// `exec: <command>`, `username/password`, `auth-provider` or `none`.
    pub auth: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KcContext {
    pub name: String,
    pub cluster: String,
    pub user: String,
    pub namespace: Option<String>,
    pub current: bool,
    /// The cluster and the user it names exist in the file(s).
    pub cluster_ok: bool,
    pub user_ok: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeconfigPic {
    /// The files read, in precedence order.
    pub files: Vec<String>,
    pub clusters: Vec<KcCluster>,
    pub users: Vec<KcUser>,
    pub contexts: Vec<KcContext>,
    pub current_context: Option<String>,
}

fn kubeconfig(term: &Terminal, path: Option<&str>) -> Picture {
    let home = term.env.get("HOME").map_or(crate::term::fs::HOME, |h| h);
    // `path=~/x.yaml` as the shell would expand it for `--kubeconfig`.
    let path = path.map(|p| match p.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("{home}{rest}"),
        _ => p.to_string(),
    });
    let loaded = match config::load(term, path.as_deref()) {
        Ok(l) => l,
        Err(e) => return Picture::Missing(Missing::Kubeconfig(e)),
    };
    let tilde = |p: &str| match p.strip_prefix(home) {
        Some(rest) if rest.starts_with('/') => format!("~{rest}"),
        _ => p.to_string(),
    };
    let kc = &loaded.merged;
    let current = kc.current_context.clone().filter(|c| !c.is_empty());
    Picture::Kubeconfig(KubeconfigPic {
        files: loaded.files.iter().map(|(p, _)| tilde(p)).collect(),
        clusters: kc
            .clusters
            .iter()
            .map(|(name, c)| KcCluster {
                name: name.clone(),
                answers: config::cluster_at(term, &c.server),
                ca: c.certificate_authority.is_some()
                    || c.certificate_authority_data.is_some()
                    || c.insecure_skip_tls_verify,
                server: c.server.clone(),
            })
            .collect(),
        users: kc
            .users
            .iter()
            .map(|(name, u)| KcUser {
                name: name.clone(),
                auth: if u.client_certificate.is_some() || u.client_certificate_data.is_some() {
                    "client-certificate".into()
                } else if u.token.is_some() || u.token_file.is_some() {
                    "token".into()
                } else if let Some(e) = &u.exec {
                    format!("exec: {}", e.command.rsplit('/').next().unwrap_or(""))
                } else if u.username.is_some() {
                    "username/password".into()
                } else if u.auth_provider.is_some() {
                    "auth-provider".into()
                } else {
                    "none".into()
                },
            })
            .collect(),
        contexts: kc
            .contexts
            .iter()
            .map(|(name, c)| KcContext {
                current: current.as_deref() == Some(name.as_str()),
                cluster_ok: kc.cluster(&c.cluster).is_some(),
                user_ok: kc.user(&c.user).is_some(),
                name: name.clone(),
                cluster: c.cluster.clone(),
                user: c.user.clone(),
                namespace: c.namespace.clone(),
            })
            .collect(),
        current_context: current,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterCard {
    pub name: String,
    pub version: String,
    pub nodes: usize,
    pub ready: usize,
    /// Contexts of the kubeconfig kubectl reads whose server is this cluster.
    pub contexts: Vec<String>,
    /// kubectl targets it now.
    pub current: bool,
}

fn clusters(term: &Terminal) -> Vec<ClusterCard> {
    let current = term.current_cluster();
    let mut by_cluster: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Ok(l) = config::load(term, None) {
        for (ctx, c) in &l.merged.contexts {
            if let Some(server) = l.merged.cluster(&c.cluster).map(|x| x.server.as_str()) {
                if let Some(w) = config::cluster_at(term, server) {
                    by_cluster.entry(w).or_default().push(ctx.clone());
                }
            }
        }
    }
    term.world
        .clusters
        .values()
        .map(|c| {
            let nodes: Vec<bool> = c
                .store
                .range("/registry/minions/")
                .map(|kv| condition(&kv.value, "Ready").as_deref() == Some("True"))
                .collect();
            ClusterCard {
                name: c.name.clone(),
                version: c.version.clone(),
                ready: nodes.iter().filter(|r| **r).count(),
                nodes: nodes.len(),
                contexts: by_cluster.remove(&c.name).unwrap_or_default(),
                current: current.as_deref() == Some(c.name.as_str()),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Scenes: what the SVG kinds draw, already laid out.

/// Width of every scene, in SVG user units (the UI scales it to the pane). Sized for the
/// lesson pane's default width (about 300 CSS pixels of text), so 11-unit text stays readable.
pub const SCENE_WIDTH: i32 = 300;
/// Box label size, in units. Labels are monospace: a character is 0.6 of the size wide.
pub const LABEL_PX: i32 = 11;
/// Detail line size, in units.
pub const DETAIL_PX: i32 = 9;

/// How many monospace characters of `size` fit in a box `w` wide (4 units of padding).
fn chars_in(w: i32, size: i32) -> i32 {
    (w - 8) * 10 / (size * 6)
}

/// How a box looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Neutral (kubectl, a kubeconfig entry).
    Plain,
    Up,
    /// Runs, but something is wrong (a node NotReady, a server nobody answers at).
    Warn,
    Down,
    /// The etcd leader, the current context.
    Star,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SceneBox {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
    /// Fitted to the box (an ellipsis when cut); `title` has the whole text.
    pub label: String,
    pub detail: String,
    pub title: String,
    pub state: State,
}

impl SceneBox {
    fn new(x: i32, y: i32, w: i32, h: i32, label: &str, detail: &str, state: State) -> Self {
        let title = if detail.is_empty() {
            label.to_string()
        } else {
            format!("{label} — {detail}")
        };
        SceneBox {
            x,
            y,
            w,
            h,
            label: fit(label, chars_in(w, LABEL_PX)),
            detail: fit(detail, chars_in(w, DETAIL_PX)),
            title,
            state,
        }
    }
    pub fn centre(&self) -> (i32, i32) {
        (self.x + self.w / 2, self.y + self.h / 2)
    }
}

/// A titled frame around boxes. `key` names its title in the UI's catalogue
/// (`dg_control_plane`, `dg_nodes`...), or is a literal when `literal` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
    pub key: &'static str,
}

/// A line between boxes (a polyline, drawn behind them), with an arrow head at its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub from: usize,
    pub to: usize,
    pub points: Vec<(i32, i32)>,
    /// Drawn dashed and red when the conversation cannot happen (an end is down, a name
    /// refers to nothing).
    pub broken: bool,
    pub arrow: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scene {
    pub width: i32,
    pub height: i32,
    pub groups: Vec<Group>,
    pub boxes: Vec<SceneBox>,
    pub links: Vec<Link>,
    /// Literal column headings: (x, y, text).
    pub headings: Vec<(i32, i32, String)>,
}

/// `s` cut to `max` characters with an ellipsis.
pub fn fit(s: &str, max: i32) -> String {
    let max = max.max(2) as usize;
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// Where the segment from `b`'s centre towards `p` leaves `b`'s border.
fn border_towards(b: &SceneBox, p: (i32, i32)) -> (i32, i32) {
    let (cx, cy) = b.centre();
    let (dx, dy) = (i64::from(p.0 - cx), i64::from(p.1 - cy));
    if dx == 0 && dy == 0 {
        return (cx, cy);
    }
    let (hw, hh) = (i64::from(b.w / 2), i64::from(b.h / 2));
    // Scale (dx, dy) so it touches the nearer of the vertical or horizontal sides.
    let (x, y) = if dx.abs() * hh > dy.abs() * hw {
        (hw * dx.signum(), dy * hw / dx.abs())
    } else {
        (dx * hh / dy.abs(), hh * dy.signum())
    };
    (cx + x as i32, cy + y as i32)
}

impl Scene {
    fn add(&mut self, b: SceneBox) -> usize {
        self.boxes.push(b);
        self.boxes.len() - 1
    }
    /// A straight link between two boxes' borders, on the line between their centres.
    fn link(&mut self, from: usize, to: usize, broken: bool, arrow: bool) {
        let (a, b) = (&self.boxes[from], &self.boxes[to]);
        let points = vec![border_towards(a, b.centre()), border_towards(b, a.centre())];
        self.links.push(Link {
            from,
            to,
            points,
            broken,
            arrow,
        });
    }
}

fn up_down(up: bool) -> State {
    if up {
        State::Up
    } else {
        State::Down
    }
}

impl Picture {
    /// The laid-out scene of the SVG kinds (control-plane, etcd, kubeconfig).
    pub fn scene(&self) -> Option<Scene> {
        match self {
            Picture::ControlPlane(p) => Some(control_plane_scene(p)),
            Picture::Etcd(p) if !p.members.is_empty() => Some(etcd_scene(p)),
            Picture::Kubeconfig(p) => Some(kubeconfig_scene(p)),
            _ => None,
        }
    }
}

/// ```text
/// [kubectl]
/// ┌ control plane ─────────────────────────┐
/// │   [kube-apiserver] ─── [etcd n/m]      │
/// │ [kube-scheduler] [kube-controller-mgr] │
/// │   [cloud-controller-manager]           │
/// └────────────────────────────────────────┘
/// ┌ nodes ─────────────────────────────────┐
/// │ [kubelet node-a]   [kubelet node-b]    │
/// └────────────────────────────────────────┘
/// ```
/// The apiserver's centre sits above the gap between the two controllers, so the cloud
/// controller's link goes straight up through it; the nodes' link runs up the left margin.
fn control_plane_scene(p: &ControlPlanePic) -> Scene {
    let mut s = Scene {
        width: SCENE_WIDTH,
        ..Scene::default()
    };
    let kubectl = s.add(SceneBox::new(4, 4, 84, 28, "kubectl", "", State::Plain));
    let cp_top = 40;
    let api = s.add(SceneBox::new(
        44,
        cp_top + 24,
        150,
        34,
        "kube-apiserver",
        "",
        up_down(p.apiserver),
    ));
    let etcd_state = if p.etcd_up == p.etcd_total {
        State::Up
    } else if p.etcd_quorum {
        State::Warn
    } else {
        State::Down
    };
    let etcd = s.add(SceneBox::new(
        206,
        cp_top + 24,
        88,
        34,
        "etcd",
        &format!("{}/{}", p.etcd_up, p.etcd_total),
        etcd_state,
    ));
    let row2 = cp_top + 84;
    let sched = s.add(SceneBox::new(
        8,
        row2,
        104,
        34,
        "kube-scheduler",
        "",
        up_down(p.scheduler),
    ));
    let cm = s.add(SceneBox::new(
        126,
        row2,
        168,
        34,
        "kube-controller-manager",
        "",
        up_down(p.controller_manager),
    ));
    let mut cp_bottom = row2 + 34 + 10;
    let ccm = p.cloud_controller_manager.map(|up| {
        let b = s.add(SceneBox::new(
            34,
            row2 + 48,
            170,
            34,
            "cloud-controller-manager",
            "",
            up_down(up),
        ));
        cp_bottom = row2 + 48 + 34 + 10;
        b
    });
    s.groups.push(Group {
        x: 2,
        y: cp_top,
        w: SCENE_WIDTH - 4,
        h: cp_bottom - cp_top,
        key: if p.managed {
            "dg_managed_cp"
        } else {
            "dg_control_plane"
        },
    });
    let api_down = !p.apiserver;
    s.link(kubectl, api, api_down, true);
    s.link(api, etcd, api_down || !p.etcd_quorum, true);
    s.link(sched, api, api_down || !p.scheduler, true);
    s.link(cm, api, api_down || !p.controller_manager, true);
    if let (Some(b), Some(up)) = (ccm, p.cloud_controller_manager) {
        s.link(b, api, api_down || !up, true);
    }
    // Kubelets, two per row.
    let nodes_top = cp_bottom + 12;
    let (w, h, gap) = (138, 34, 8);
    let mut first_kubelet = None;
    for (i, (node, up, ready)) in p.kubelets.iter().enumerate() {
        let (col, row) = ((i % 2) as i32, (i / 2) as i32);
        let state = match (up, ready) {
            (false, _) => State::Down,
            (true, false) => State::Warn,
            (true, true) => State::Up,
        };
        let b = s.add(SceneBox::new(
            10 + col * (w + gap),
            nodes_top + 22 + row * (h + gap),
            w,
            h,
            "kubelet",
            node,
            state,
        ));
        first_kubelet.get_or_insert(b);
    }
    let rows = (p.kubelets.len() as i32 + 1) / 2;
    let nodes_h = 22 + rows * (h + gap) + 4;
    s.groups.push(Group {
        x: 2,
        y: nodes_top,
        w: SCENE_WIDTH - 4,
        h: nodes_h,
        key: "dg_nodes",
    });
    // Every kubelet talks to the API server: one line up the left margin, from the nodes'
    // frame to the apiserver's left side (it would cross the scheduler otherwise).
    if let Some(k) = first_kubelet {
        let (_, ay) = s.boxes[api].centre();
        let ax = s.boxes[api].x;
        s.links.push(Link {
            from: k,
            to: api,
            points: vec![(5, nodes_top), (5, ay), (ax, ay)],
            broken: api_down || p.kubelets.iter().all(|(_, up, _)| !up),
            arrow: true,
        });
    }
    s.height = nodes_top + nodes_h + 2;
    s
}

/// Members on a circle (1, 3 or 5: the sizes etcd is run with), each linked to every other
/// (Raft peers). Other counts go two per row.
fn etcd_scene(p: &EtcdPic) -> Scene {
    let mut s = Scene {
        width: SCENE_WIDTH,
        ..Scene::default()
    };
    let (w, h) = (100, 40);
    let spots: Vec<(i32, i32)> = match p.members.len() {
        1 => vec![(100, 8)],
        3 => vec![(100, 4), (12, 96), (188, 96)],
        5 => vec![(100, 4), (4, 70), (196, 70), (40, 146), (160, 146)],
        n => (0..n as i32)
            .map(|i| (24 + (i % 2) * 152, 4 + (i / 2) * 64))
            .collect(),
    };
    for (m, (x, y)) in p.members.iter().zip(&spots) {
        let state = match (m.up, m.leader) {
            (false, _) => State::Down,
            (true, true) => State::Star,
            (true, false) => State::Up,
        };
        s.add(SceneBox::new(*x, *y, w, h, &m.name, &m.node, state));
    }
    let n = s.boxes.len();
    for i in 0..n {
        for j in i + 1..n {
            let broken = !(p.members[i].up && p.members[j].up);
            s.link(i, j, broken, false);
        }
    }
    s.height = s.boxes.iter().map(|b| b.y + b.h).max().unwrap_or(0) + 6;
    s
}

/// Three columns: `clusters`, `contexts`, `users`; each context linked to the cluster and
/// the user it names (a broken stub when the name refers to nothing). Links run along the
/// gaps between columns, each context on its own lane, so none crosses a box.
fn kubeconfig_scene(p: &KubeconfigPic) -> Scene {
    let mut s = Scene {
        width: SCENE_WIDTH,
        ..Scene::default()
    };
    // Clusters get the widest column: their detail is the server's host:port.
    let (h, gap, top) = (38, 10, 20);
    let cols = [(2, 100), (118, 82), (216, 82)];
    for ((x, _), head) in cols.iter().zip(["clusters", "contexts", "users"]) {
        s.headings.push((*x + 2, 12, head.to_string()));
    }
    let y = |i: usize| top + i as i32 * (h + gap);
    let mid = |i: usize| y(i) + h / 2;
    let clusters: Vec<usize> = p
        .clusters
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let host = c
                .server
                .split("://")
                .nth(1)
                .unwrap_or(&c.server)
                .trim_end_matches('/');
            let state = if c.answers.is_some() {
                State::Up
            } else {
                State::Warn
            };
            let (x, w) = cols[0];
            s.add(SceneBox::new(x, y(i), w, h, &c.name, host, state))
        })
        .collect();
    let users: Vec<usize> = p
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let (x, w) = cols[2];
            s.add(SceneBox::new(x, y(i), w, h, &u.name, &u.auth, State::Plain))
        })
        .collect();
    let left_gap = (cols[0].0 + cols[0].1, cols[1].0);
    let right_gap = (cols[1].0 + cols[1].1, cols[2].0);
    for (i, c) in p.contexts.iter().enumerate() {
        let detail = c
            .namespace
            .as_deref()
            .map(|n| format!("ns: {n}"))
            .unwrap_or_default();
        let state = if c.current { State::Star } else { State::Plain };
        let (x, w) = cols[1];
        let b = s.add(SceneBox::new(x, y(i), w, h, &c.name, &detail, state));
        let lane = 2 + (i as i32 % 6) * 2;
        let cl = p.clusters.iter().position(|x| x.name == c.cluster);
        let us = p.users.iter().position(|x| x.name == c.user);
        // Context's left side → its lane in the left gap → the cluster's row → its right side.
        let (to, points, broken) = match cl {
            Some(j) => (
                clusters[j],
                vec![
                    (left_gap.1, mid(i)),
                    (left_gap.0 + lane, mid(i)),
                    (left_gap.0 + lane, mid(j)),
                    (left_gap.0, mid(j)),
                ],
                false,
            ),
            None => (
                b,
                vec![(left_gap.1, mid(i)), (left_gap.0 + lane, mid(i))],
                true,
            ),
        };
        s.links.push(Link {
            from: b,
            to,
            points,
            broken,
            arrow: !broken,
        });
        let (to, points, broken) = match us {
            Some(j) => (
                users[j],
                vec![
                    (right_gap.0, mid(i)),
                    (right_gap.1 - lane, mid(i)),
                    (right_gap.1 - lane, mid(j)),
                    (right_gap.1, mid(j)),
                ],
                false,
            ),
            None => (
                b,
                vec![(right_gap.0, mid(i)), (right_gap.1 - lane, mid(i))],
                true,
            ),
        };
        s.links.push(Link {
            from: b,
            to,
            points,
            broken,
            arrow: !broken,
        });
    }
    let rows = p
        .clusters
        .len()
        .max(p.users.len())
        .max(p.contexts.len())
        .max(1);
    s.height = y(rows) + 2;
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets::Preset;
    use crate::sim::World;

    fn term(preset: Preset) -> Terminal {
        Terminal::new(World::new(1, preset))
    }

    fn pic(t: &Terminal, info: &str) -> Picture {
        Spec::parse(info).unwrap().picture(t)
    }

    #[test]
    fn specs_parse_with_options_and_errors_say_what_is_accepted() {
        let s = Spec::parse("cluster namespace=kube-system cluster=kind-kind").unwrap();
        assert_eq!(s.kind, Kind::Cluster);
        assert_eq!(s.namespace.as_deref(), Some("kube-system"));
        assert_eq!(s.cluster.as_deref(), Some("kind-kind"));
        assert_eq!(Spec::parse("").unwrap().kind, Kind::Cluster);
        assert_eq!(
            Spec::parse("kubeconfig path=~/broken.yaml")
                .unwrap()
                .path
                .as_deref(),
            Some("~/broken.yaml")
        );
        let e = Spec::parse("pods").unwrap_err();
        assert!(
            e.contains("unknown diagram \"pods\"") && e.contains("control-plane"),
            "{e}"
        );
        let e = Spec::parse("etcd namespace=x").unwrap_err();
        assert!(
            e.contains("unknown option \"namespace=x\"") && e.contains("cluster=…"),
            "{e}"
        );
        assert!(Spec::parse("clusters cluster=x")
            .unwrap_err()
            .contains("none"));
        assert!(Spec::parse("cluster namespace=").is_err());
    }

    #[test]
    fn cluster_shows_control_plane_workers_components_and_pods_live() {
        let mut t = term(Preset::Kind);
        t.world.step(60_000);
        let Picture::Cluster(c) = pic(&t, "cluster") else {
            panic!()
        };
        assert_eq!(c.cluster, "kind-kind");
        assert!(c.managed.is_none());
        let cps: Vec<&str> = c.control_planes().map(|n| n.name.as_str()).collect();
        let ws: Vec<&str> = c.workers().map(|n| n.name.as_str()).collect();
        assert_eq!(cps, ["kind-control-plane"]);
        assert_eq!(ws, ["kind-worker", "kind-worker2"]);
        let cp = &c.nodes[0];
        let names: Vec<&str> = cp.components.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "kube-apiserver",
                "etcd",
                "kube-scheduler",
                "kube-controller-manager",
                "kubelet",
                "kube-proxy",
                "containerd"
            ]
        );
        // System pods are counted, not named, by default; `namespace=*` names them.
        assert!(c.nodes.iter().all(|n| n.pods.is_empty()));
        assert!(cp.other_pods >= 4, "{cp:?}");
        let Picture::Cluster(all) = pic(&t, "cluster namespace=*") else {
            panic!()
        };
        assert!(all.nodes[0]
            .pods
            .iter()
            .any(|p| p.name.starts_with("etcd-")));
        assert_eq!(all.nodes[0].other_pods, 0);
        // A pod with no scheduler shows as waiting for a node; a stopped kubelet marks its
        // node, which goes NotReady later.
        t.run("kubectl create deployment web --image=nginx --replicas=2");
        t.world.step(10_000);
        t.world
            .clusters
            .get_mut("kind-kind")
            .unwrap()
            .stop("kube-scheduler");
        t.run("kubectl run lonely --image=nginx");
        t.run("ssh kind-worker");
        t.run("systemctl stop kubelet");
        t.run("exit");
        t.world.step(60_000);
        let Picture::Cluster(c) = pic(&t, "cluster") else {
            panic!()
        };
        assert_eq!(c.unscheduled.len(), 1, "{:?}", c.unscheduled);
        assert_eq!(c.unscheduled[0].tone, Tone::Pending);
        let placed: usize = c.nodes.iter().map(|n| n.pods.len()).sum();
        assert_eq!(placed, 2);
        let w = c.nodes.iter().find(|n| n.name == "kind-worker").unwrap();
        assert!(
            !w.components
                .iter()
                .find(|x| x.name == "kubelet")
                .unwrap()
                .up
        );
        assert_eq!(w.ready, Readiness::NotReady);
        let cp = &c.nodes[0];
        assert!(
            !cp.components
                .iter()
                .find(|x| x.name == "kube-scheduler")
                .unwrap()
                .up
        );
    }

    #[test]
    fn managed_clusters_show_a_provider_control_plane_and_load_balancers() {
        let mut t = term(Preset::Managed);
        let name = t.world.clusters.keys().next().unwrap().clone();
        let spec = format!("cluster cluster={name}");
        let Picture::Cluster(c) = pic(&t, &spec) else {
            panic!()
        };
        let managed: Vec<&str> = c
            .managed
            .as_ref()
            .unwrap()
            .iter()
            .map(|x| x.name.as_str())
            .collect();
        assert!(managed.contains(&"cloud-controller-manager"), "{managed:?}");
        assert!(c.control_planes().next().is_none());
        t.run("gcloud container clusters get-credentials course --region europe-west1");
        t.run("kubectl create deployment web --image=nginx");
        t.run("kubectl expose deployment web --port=80 --type=LoadBalancer");
        let Picture::Cluster(c) = pic(&t, "cluster") else {
            panic!()
        };
        assert_eq!(c.services.len(), 1, "{:?}", c.services);
        assert_eq!(c.services[0].external, Some(None), "pending at first");
        for _ in 0..120 {
            t.world.step(1000);
        }
        let Picture::Cluster(c) = pic(&t, "cluster") else {
            panic!()
        };
        assert!(
            matches!(&c.services[0].external, Some(Some(ip)) if !ip.is_empty()),
            "{:?}",
            c.services
        );
        assert!(!c.services[0].endpoints.is_empty());
        let Picture::ControlPlane(cp) = pic(&t, "control-plane") else {
            panic!()
        };
        assert!(cp.managed && cp.cloud_controller_manager == Some(true));
    }

    #[test]
    fn etcd_members_leader_and_quorum_follow_faults() {
        let mut t = term(Preset::Ha);
        let Picture::Etcd(e) = pic(&t, "etcd") else {
            panic!()
        };
        assert_eq!(e.members.len(), 3);
        assert_eq!((e.quorum, e.up, e.writable), (2, 3, true));
        assert!(e.members[0].leader);
        let c = t.world.clusters.get_mut("kubernetes").unwrap();
        c.stop("etcd/cp-1");
        t.world.step(2000);
        let Picture::Etcd(e) = pic(&t, "etcd") else {
            panic!()
        };
        assert!(!e.members[0].up && !e.members[0].leader);
        assert_eq!(
            e.members.iter().filter(|m| m.leader).count(),
            1,
            "a new leader"
        );
        assert!(e.writable);
        t.world
            .clusters
            .get_mut("kubernetes")
            .unwrap()
            .stop("etcd/cp-2");
        t.world.step(2000);
        let Picture::Etcd(e) = pic(&t, "etcd") else {
            panic!()
        };
        assert!(!e.writable && e.members.iter().all(|m| !m.leader));
        let Picture::ControlPlane(cp) = pic(&t, "control-plane") else {
            panic!()
        };
        assert_eq!((cp.etcd_up, cp.etcd_total, cp.etcd_quorum), (1, 3, false));
        assert_eq!(cp.kubelets.len(), 6);
    }

    #[test]
    fn kubeconfig_ties_contexts_to_clusters_and_users() {
        let mut t = term(Preset::Kind);
        t.run("minikube start");
        t.run("kubectl config set-context ghost --cluster=nowhere --user=kind-kind");
        t.run("kubectl config set-cluster broken --server=https://127.0.0.1:6444");
        let Picture::Kubeconfig(k) = pic(&t, "kubeconfig") else {
            panic!()
        };
        assert_eq!(k.files, ["~/.kube/config"]);
        assert_eq!(k.current_context.as_deref(), Some("minikube"));
        let names: Vec<&str> = k.contexts.iter().map(|c| c.name.as_str()).collect();
        assert!(
            names.contains(&"kind-kind") && names.contains(&"minikube"),
            "{names:?}"
        );
        assert!(
            k.contexts
                .iter()
                .find(|c| c.name == "minikube")
                .unwrap()
                .current
        );
        let ghost = k.contexts.iter().find(|c| c.name == "ghost").unwrap();
        assert!(!ghost.cluster_ok && ghost.user_ok);
        let kind = k.clusters.iter().find(|c| c.name == "kind-kind").unwrap();
        assert_eq!(kind.answers.as_deref(), Some("kind-kind"));
        assert!(kind.ca);
        let broken = k.clusters.iter().find(|c| c.name == "broken").unwrap();
        assert_eq!(broken.answers, None);
        assert!(
            k.users.iter().all(|u| u.auth == "client-certificate"),
            "{:?}",
            k.users
        );
        // KUBECONFIG merging lists both files; a bad file is kubectl's error.
        t.fs.write("/home/student/team.yaml", "apiVersion: v1\nkind: Config\ncontexts:\n- name: team\n  context: {cluster: kind-kind, user: kind-kind, namespace: team}\n");
        t.run("export KUBECONFIG=~/.kube/config:~/team.yaml");
        let Picture::Kubeconfig(k) = pic(&t, "kubeconfig") else {
            panic!()
        };
        assert_eq!(k.files, ["~/.kube/config", "~/team.yaml"]);
        assert_eq!(
            k.contexts
                .iter()
                .find(|c| c.name == "team")
                .unwrap()
                .namespace
                .as_deref(),
            Some("team")
        );
        t.run("cp ~/.kube/config ~/copy.yaml");
        let Picture::Kubeconfig(k) = pic(&t, "kubeconfig path=~/copy.yaml") else {
            panic!()
        };
        assert_eq!(k.files, ["~/copy.yaml"]);
        t.fs.write("/home/student/bad.yaml", "clusters: 3\n");
        assert!(
            matches!(pic(&t, "kubeconfig path=~/bad.yaml"), Picture::Missing(Missing::Kubeconfig(e)) if e.contains("bad.yaml"))
        );
    }

    #[test]
    fn clusters_and_missing_clusters() {
        let mut t = term(Preset::Bare);
        assert!(pic(&t, "clusters") == Picture::Clusters(Vec::new()));
        assert_eq!(pic(&t, "cluster"), Picture::Missing(Missing::NoCluster));
        assert_eq!(
            pic(&t, "cluster cluster=kubernetes"),
            Picture::Missing(Missing::UnknownCluster("kubernetes".into()))
        );
        t.run("minikube start");
        t.run("kind create cluster");
        let Picture::Clusters(cs) = pic(&t, "clusters") else {
            panic!()
        };
        let names: Vec<(&str, bool)> = cs.iter().map(|c| (c.name.as_str(), c.current)).collect();
        assert_eq!(names, [("kind-kind", true), ("minikube", false)]);
        assert_eq!(cs[0].contexts, ["kind-kind"]);
        assert_eq!(cs[1].nodes, 1);
    }

    /// Does the segment cross the box's inside (its border shrunk by 2 units)?
    fn crosses(a: (i32, i32), b: (i32, i32), r: &SceneBox) -> bool {
        let (x0, y0, x1, y1) = (r.x + 2, r.y + 2, r.x + r.w - 2, r.y + r.h - 2);
        // Sample the segment finely: integer scenes are small.
        (0..=200).any(|i| {
            let x = a.0 + (b.0 - a.0) * i / 200;
            let y = a.1 + (b.1 - a.1) * i / 200;
            x > x0 && x < x1 && y > y0 && y < y1
        })
    }

    fn assert_well_laid_out(s: &Scene, what: &str) {
        for (i, b) in s.boxes.iter().enumerate() {
            assert!(
                b.x >= 0 && b.x + b.w <= s.width,
                "{what}: box {i} {b:?} outside"
            );
            assert!(
                b.y >= 0 && b.y + b.h <= s.height,
                "{what}: box {i} {b:?} below"
            );
            for c in &s.boxes[i + 1..] {
                let apart =
                    b.x + b.w <= c.x || c.x + c.w <= b.x || b.y + b.h <= c.y || c.y + c.h <= b.y;
                assert!(apart, "{what}: {b:?} overlaps {c:?}");
            }
        }
        for l in &s.links {
            for seg in l.points.windows(2) {
                for (i, b) in s.boxes.iter().enumerate() {
                    if i == l.from || i == l.to {
                        continue;
                    }
                    assert!(
                        !crosses(seg[0], seg[1], b),
                        "{what}: link {l:?} crosses {b:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn scenes_fit_their_width_and_no_link_crosses_a_box() {
        let mut t = term(Preset::Kind);
        t.run("minikube start");
        t.run("kubectl config set-context staging --cluster=kind-kind --user=kind-kind --namespace=staging");
        t.run("kubectl config set-context ghost --cluster=nowhere --user=nobody");
        for (preset, info) in [
            (Preset::Kind, "control-plane"),
            (Preset::Ha, "control-plane"),
            (Preset::Managed, "control-plane"),
            (Preset::Minikube, "control-plane"),
            (Preset::Ha, "etcd"),
            (Preset::Kind, "etcd"),
        ] {
            let t = term(preset);
            let spec = format!("{info} cluster={}", t.world.clusters.keys().next().unwrap());
            let s = pic(&t, &spec).scene().unwrap_or_else(|| panic!("{spec}"));
            assert_well_laid_out(&s, &format!("{preset:?} {spec}"));
        }
        let s = pic(&t, "kubeconfig").scene().unwrap();
        assert_well_laid_out(&s, "kubeconfig");
        // Two links per context; the ghost's are broken stubs.
        assert_eq!(s.links.len(), 2 * 4);
        assert_eq!(s.links.iter().filter(|l| l.broken).count(), 2);
        // Five etcd members (not a preset): the pentagon still keeps lines off the boxes.
        let five = EtcdPic {
            cluster: "x".into(),
            members: (1..=5)
                .map(|i| MemberPic {
                    name: format!("cp-{i}"),
                    node: format!("cp-{i}"),
                    up: i != 2,
                    leader: i == 1,
                })
                .collect(),
            quorum: 3,
            up: 4,
            writable: true,
            term: 2,
            revision: 9,
        };
        let s = Picture::Etcd(five).scene().unwrap();
        assert_well_laid_out(&s, "etcd ×5");
        assert_eq!(s.links.iter().filter(|l| l.broken).count(), 4);
        assert_eq!(s.boxes[0].state, State::Star);
        assert_eq!(s.boxes[1].state, State::Down);
    }

    #[test]
    fn control_plane_scene_marks_stopped_components_and_broken_links() {
        let mut t = term(Preset::Kind);
        t.world
            .clusters
            .get_mut("kind-kind")
            .unwrap()
            .stop("kube-scheduler");
        let s = pic(&t, "control-plane").scene().unwrap();
        let sched = s
            .boxes
            .iter()
            .position(|b| b.label == "kube-scheduler")
            .unwrap();
        assert_eq!(s.boxes[sched].state, State::Down);
        let link = s.links.iter().find(|l| l.from == sched).unwrap();
        assert!(link.broken);
        let cm = s
            .boxes
            .iter()
            .position(|b| b.label == "kube-controller-manager")
            .unwrap();
        assert!(!s.links.iter().find(|l| l.from == cm).unwrap().broken);
        assert_eq!(s.groups[0].key, "dg_control_plane");
        assert_eq!(s.boxes.iter().filter(|b| b.label == "kubelet").count(), 3);
        assert!(s
            .boxes
            .iter()
            .all(|b| b.label != "cloud-controller-manager"));
    }

    #[test]
    fn labels_fit_their_boxes() {
        assert_eq!(fit("kind-kind", 12), "kind-kind");
        assert_eq!(
            fit("gke_course-project_europe-west1_course", 12),
            "gke_course-…"
        );
        // The longest component names fit the control-plane scene's boxes.
        assert_eq!(chars_in(104, LABEL_PX), 14);
        assert_eq!(chars_in(168, LABEL_PX), 24);
        let b = SceneBox::new(
            0,
            0,
            92,
            38,
            "gke_course-project_europe-west1_course",
            "x",
            State::Plain,
        );
        assert!(b.label.chars().count() as i32 * LABEL_PX * 6 / 10 <= 92 - 8);
        assert!(b
            .title
            .starts_with("gke_course-project_europe-west1_course"));
    }

    #[test]
    fn pictures_cover_every_diagram_of_a_lesson() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
        let lesson = super::super::load::load_lesson_dir(&dir, "06-etcd").unwrap();
        let term = super::super::session::LessonRun::terminal(&lesson);
        let pics = pictures(&lesson, &term);
        assert!(pics.contains_key("etcd"), "{:?}", pics.keys());
        assert!(pics.values().all(|p| !matches!(p, Picture::Missing(_))));
    }

    #[test]
    fn tones_follow_kubectl_statuses() {
        for (s, t) in [
            ("Running", Tone::Running),
            ("Pending", Tone::Pending),
            ("ContainerCreating", Tone::Creating),
            ("Init:0/1", Tone::Creating),
            ("Init:CrashLoopBackOff", Tone::Failed),
            ("CrashLoopBackOff", Tone::Crash),
            ("Terminating", Tone::Terminating),
            ("Completed", Tone::Done),
            ("ImagePullBackOff", Tone::Failed),
        ] {
            assert_eq!(Tone::of(s), t, "{s}");
        }
    }
}
