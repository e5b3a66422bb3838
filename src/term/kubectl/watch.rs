//! Long-running kubectl commands: `get -w`, `rollout status`, `logs -f`, `events -w`.
//!
//! Such a command prints its first output at once and leaves a [`Watch`] in
//! [`crate::term::Terminal::watch`] (its [`crate::term::Output::streaming`] is true). The UI
//! then calls [`crate::term::Terminal::poll_watch`] after each world step and prints what it
//! returns, until the watch ends by itself (rollout complete) or the user presses Ctrl+C
//! ([`crate::term::Terminal::cancel_watch`]). The native script mode polls while `sleep` lets
//! time pass.

use super::printers::Table;
use super::select::LabelSelector;
use super::tables::{self, Opts};
use crate::sim::api::{self, Resource};
use crate::sim::value::Value;
use crate::sim::World;
use crate::term::Output;
use std::collections::BTreeMap;

/// A running stream.
#[derive(Debug, Clone)]
pub enum Watch {
    /// `kubectl get -w`: one row per change.
    Get {
        cluster: String,
        res: &'static Resource,
        namespace: Option<String>,
        names: Vec<String>,
        label: LabelSelector,
        opts: Opts,
        /// `namespace/name` → resourceVersion last printed.
        seen: BTreeMap<String, String>,
    },
    /// `kubectl rollout status`: progress lines until the rollout completes.
    Rollout {
        cluster: String,
        res: &'static Resource,
        namespace: String,
        name: String,
        last: String,
    },
    /// `kubectl logs -f`: new log lines.
    Logs {
        cluster: String,
        namespace: String,
        pod: String,
        container: String,
        printed: usize,
    },
}

fn key(o: &Value) -> String {
    format!("{}/{}", api::namespace_of(o).unwrap_or(""), api::name_of(o))
}
fn rv(o: &Value) -> String {
    api::meta_str(o, "resourceVersion")
        .unwrap_or("")
        .to_string()
}

impl Watch {
    pub fn get(
        cluster: &str,
        res: &'static Resource,
        namespace: Option<String>,
        names: Vec<String>,
        label: LabelSelector,
        mut opts: Opts,
        initial: &[std::sync::Arc<Value>],
    ) -> Watch {
        opts.no_headers = true;
        opts.kind_prefix = false;
        Watch::Get {
            cluster: cluster.to_string(),
            res,
            namespace,
            names,
            label,
            opts,
            seen: initial.iter().map(|o| (key(o), rv(o))).collect(),
        }
    }

    /// New output since the last poll, and whether the stream has ended.
    pub fn poll(&mut self, world: &mut World) -> (Output, bool) {
        let now = world.now();
        match self {
            Watch::Get {
                cluster,
                res,
                namespace,
                names,
                label,
                opts,
                seen,
            } => {
                let Some(mut a) = world.api(cluster, "kubectl") else {
                    return (Output::default(), true);
                };
                let objs: Vec<Value> = a
                    .list(res, namespace.as_deref())
                    .into_iter()
                    .filter(|o| label.matches_obj(o))
                    .filter(|o| names.is_empty() || names.iter().any(|n| n == api::name_of(o)))
                    .collect();
                let mut out = String::new();
                let mut current = BTreeMap::new();
                for o in &objs {
                    let k = key(o);
                    let v = rv(o);
                    if seen.get(&k) != Some(&v) {
                        out.push_str(
                            &tables::table(res, std::slice::from_ref(o), now, opts).render(),
                        );
                    }
                    current.insert(k, v);
                }
                *seen = current;
                (Output::out(out), false)
            }
            Watch::Rollout {
                cluster,
                res,
                namespace,
                name,
                last,
            } => {
                let Some(mut a) = world.api(cluster, "kubectl") else {
                    return (Output::default(), true);
                };
                match a.get(res, Some(namespace), name) {
                    Ok(obj) => {
                        let (msg, done) = super::ops::rollout_status_message(res, &obj);
                        let text = if msg != *last {
                            msg.clone()
                        } else {
                            String::new()
                        };
                        *last = msg;
                        (Output::out(text), done)
                    }
                    Err(e) => (Output::error(e.kubectl_message(), 1), true),
                }
            }
            Watch::Logs {
                cluster,
                namespace,
                pod,
                container,
                printed,
            } => {
                let lines = super::ops::log_lines(world, cluster, namespace, pod, container, false);
                let new: String = lines
                    .iter()
                    .skip(*printed)
                    .map(|l| format!("{l}\n"))
                    .collect();
                *printed = lines.len();
                (Output::out(new), false)
            }
        }
    }
}

/// A one-row table without headers, aligned on its own (kubectl flushes each watch event).
pub fn single_row(cells: Vec<String>) -> String {
    let mut t = Table::headless();
    t.row(cells);
    t.render()
}
