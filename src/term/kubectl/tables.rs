//! The default and `-o wide` tables of each kind, with the columns and cell formats of
//! kubectl's printers (`pkg/printers/internalversion/printers.go`): pod STATUS computed like
//! `printPod`, `2 (5s ago)` restarts, `80:31234/TCP` ports, `<none>`, `<pending>`...
//!
//! Start with [`table`].
//!
//! ```
//! use kubesim::term::kubectl::tables::{table, Opts};
//! use kubesim::sim::{api, SimTime, Value};
//! let mut cm = Value::map();
//! cm.path_mut_or_insert(&["metadata"]).set("name", "cfg");
//! cm.path_mut_or_insert(&["data"]).set("a", "1");
//! let t = table(api::resource_for("cm").unwrap(), &[cm], SimTime::ZERO, &Opts::default());
//! assert_eq!(t.render(), "NAME   DATA   AGE\ncfg    1      <unknown>\n");
//! ```

use super::printers::{human_duration, Table};
use super::select::{labels_of, scalar_string, string_map};
use crate::sim::api::{self, Resource};
use crate::sim::clock::SimTime;
use crate::sim::value::Value;
use crate::sort::SortSmall;

/// How a table is printed.
#[derive(Debug, Clone, Default)]
pub struct Opts {
    pub wide: bool,
    pub with_namespace: bool,
    pub show_labels: bool,
    pub no_headers: bool,
    /// `-L a,b`: one column per label key.
    pub label_columns: Vec<String>,
    /// Names printed as `pod/web` (several types in one `get`).
    pub kind_prefix: bool,
}

fn s(v: Option<&Value>) -> String {
    v.map(scalar_string).unwrap_or_default()
}
fn i(v: Option<&Value>) -> i64 {
    v.and_then(Value::as_i64).unwrap_or(0)
}
fn seq(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_seq).map_or(&[], |s| &s[..])
}
fn or_none(x: String) -> String {
    if x.is_empty() {
        "<none>".into()
    } else {
        x
    }
}

/// Seconds since an RFC 3339 timestamp, as kubectl's `translateTimestampSince`.
pub fn since(ts: Option<&str>, now: SimTime) -> String {
    match ts.and_then(SimTime::parse_rfc3339) {
        Some(t) => human_duration((now.since_ms(t) / 1000) as i64),
        None => "<unknown>".to_string(),
    }
}

/// AGE of an object.
pub fn age(obj: &Value, now: SimTime) -> String {
    since(api::meta_str(obj, "creationTimestamp"), now)
}

/// `kind.group/name` as `-o name` and multi-type tables print it.
pub fn kind_name(res: &Resource, name: &str) -> String {
    match res.group() {
        "" => format!("{}/{name}", res.kind.to_ascii_lowercase()),
        g => format!("{}.{g}/{name}", res.kind.to_ascii_lowercase()),
    }
}

/// A label selector (`matchLabels` + `matchExpressions`) as `app=web,tier in (a,b)`.
pub fn selector_string(sel: Option<&Value>) -> String {
    let Some(sel) = sel else {
        return String::new();
    };
    let mut parts: Vec<String> = string_map(sel.get("matchLabels"))
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for e in seq(sel.get("matchExpressions")) {
        let key = s(e.get("key"));
        let vals: Vec<String> = seq(e.get("values")).iter().map(scalar_string).collect();
        let part = match s(e.get("operator")).as_str() {
            "In" => format!("{key} in ({})", vals.join(",")),
            "NotIn" => format!("{key} notin ({})", vals.join(",")),
            "Exists" => key,
            "DoesNotExist" => format!("!{key}"),
            _ => continue,
        };
        parts.push(part);
    }
    parts.sort_small();
    parts.join(",")
}

fn map_selector(m: Option<&Value>) -> String {
    string_map(m)
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn containers_images(template_spec: Option<&Value>) -> (String, String) {
    let cs = seq(template_spec.and_then(|s| s.get("containers")));
    let names: Vec<String> = cs.iter().map(|c| s(c.get("name"))).collect();
    let images: Vec<String> = cs.iter().map(|c| s(c.get("image"))).collect();
    (names.join(","), images.join(","))
}

/// Columns (without NAMESPACE) and the row function of a kind.
fn columns(kind: &str, wide: bool) -> Vec<&'static str> {
    let (base, extra): (&[&str], &[&str]) = match kind {
        "Pod" => (
            &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
            &["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
        ),
        "Deployment" => (
            &["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
            &["CONTAINERS", "IMAGES", "SELECTOR"],
        ),
        "ReplicaSet" => (
            &["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
            &["CONTAINERS", "IMAGES", "SELECTOR"],
        ),
        "DaemonSet" => (
            &[
                "NAME",
                "DESIRED",
                "CURRENT",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "NODE SELECTOR",
                "AGE",
            ],
            &["CONTAINERS", "IMAGES", "SELECTOR"],
        ),
        "StatefulSet" => (&["NAME", "READY", "AGE"], &["CONTAINERS", "IMAGES"]),
        "Job" => (
            &["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"],
            &["CONTAINERS", "IMAGES", "SELECTOR"],
        ),
        "Service" => (
            &[
                "NAME",
                "TYPE",
                "CLUSTER-IP",
                "EXTERNAL-IP",
                "PORT(S)",
                "AGE",
            ],
            &["SELECTOR"],
        ),
        "Endpoints" => (&["NAME", "ENDPOINTS", "AGE"], &[]),
        "EndpointSlice" => (&["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"], &[]),
        "Node" => (
            &["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
            &[
                "INTERNAL-IP",
                "EXTERNAL-IP",
                "OS-IMAGE",
                "KERNEL-VERSION",
                "CONTAINER-RUNTIME",
            ],
        ),
        "Namespace" => (&["NAME", "STATUS", "AGE"], &[]),
        "ConfigMap" => (&["NAME", "DATA", "AGE"], &[]),
        "Secret" => (&["NAME", "TYPE", "DATA", "AGE"], &[]),
        "ServiceAccount" => (&["NAME", "SECRETS", "AGE"], &[]),
        "Event" if wide => (
            &[
                "LAST SEEN",
                "TYPE",
                "REASON",
                "OBJECT",
                "SUBOBJECT",
                "SOURCE",
                "MESSAGE",
                "FIRST SEEN",
                "COUNT",
                "NAME",
            ],
            &[],
        ),
        "Event" => (&["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], &[]),
        "PersistentVolume" => (
            &[
                "NAME",
                "CAPACITY",
                "ACCESS MODES",
                "RECLAIM POLICY",
                "STATUS",
                "CLAIM",
                "STORAGECLASS",
                "VOLUMEATTRIBUTESCLASS",
                "REASON",
                "AGE",
            ],
            &["VOLUMEMODE"],
        ),
        "PersistentVolumeClaim" => (
            &[
                "NAME",
                "STATUS",
                "VOLUME",
                "CAPACITY",
                "ACCESS MODES",
                "STORAGECLASS",
                "VOLUMEATTRIBUTESCLASS",
                "AGE",
            ],
            &["VOLUMEMODE"],
        ),
        "StorageClass" => (
            &[
                "NAME",
                "PROVISIONER",
                "RECLAIMPOLICY",
                "VOLUMEBINDINGMODE",
                "ALLOWVOLUMEEXPANSION",
                "AGE",
            ],
            &[],
        ),
        "Lease" => (&["NAME", "HOLDER", "AGE"], &[]),
        "ControllerRevision" => (&["NAME", "CONTROLLER", "REVISION", "AGE"], &[]),
        "Role" | "ClusterRole" => (&["NAME", "CREATED AT"], &[]),
        "RoleBinding" | "ClusterRoleBinding" => (
            &["NAME", "ROLE", "AGE"],
            &["USERS", "GROUPS", "SERVICEACCOUNTS"],
        ),
        "ComponentStatus" => (&["NAME", "STATUS", "MESSAGE", "ERROR"], &[]),
        _ => (&["NAME", "AGE"], &[]),
    };
    let mut cols = base.to_vec();
    if wide {
        cols.extend_from_slice(extra);
    }
    cols
}

/// The table of `objects` (all of type `res`).
pub fn table<V: std::borrow::Borrow<Value>>(
    res: &Resource,
    objects: &[V],
    now: SimTime,
    o: &Opts,
) -> Table {
    let mut headers: Vec<String> = Vec::new();
    if o.with_namespace && res.namespaced {
        headers.push("NAMESPACE".into());
    }
    headers.extend(columns(res.kind, o.wide).iter().map(|h| h.to_string()));
    for l in &o.label_columns {
        headers.push(l.rsplit('/').next().unwrap_or(l).to_ascii_uppercase());
    }
    if o.show_labels {
        headers.push("LABELS".into());
    }
    let hdr: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = Table::new(&hdr);
    for obj in objects {
        let obj: &Value = obj.borrow();
        let mut cells = Vec::new();
        if o.with_namespace && res.namespaced {
            cells.push(api::namespace_of(obj).unwrap_or("").to_string());
        }
        let mut r = row(res.kind, obj, now, o.wide);
        if o.kind_prefix {
            if let Some(first) = r.first_mut() {
                *first = kind_name(res, first);
            }
        }
        cells.extend(r);
        let labels = if o.show_labels || !o.label_columns.is_empty() {
            labels_of(obj)
        } else {
            Default::default()
        };
        for l in &o.label_columns {
            cells.push(labels.get(l).cloned().unwrap_or_default());
        }
        if o.show_labels {
            cells.push(or_none(
                labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(","),
            ));
        }
        t.row(cells);
    }
    if o.no_headers {
        t.without_headers()
    } else {
        t
    }
}

/// The cells of one object (NAME first).
pub fn row(kind: &str, obj: &Value, now: SimTime, wide: bool) -> Vec<String> {
    let name = api::name_of(obj).to_string();
    let spec = obj.get("spec");
    let status = obj.get("status");
    let sp = |k: &str| spec.and_then(|x| x.get(k));
    let st = |k: &str| status.and_then(|x| x.get(k));
    let tspec = spec.and_then(|x| x.path(&["template", "spec"]));
    let mut r = match kind {
        "Pod" => return pod_row(obj, now, wide),
        "Deployment" => {
            let mut r = vec![
                name,
                format!(
                    "{}/{}",
                    i(st("readyReplicas")),
                    sp("replicas").and_then(Value::as_i64).unwrap_or(1)
                ),
                i(st("updatedReplicas")).to_string(),
                i(st("availableReplicas")).to_string(),
                age(obj, now),
            ];
            if wide {
                let (c, im) = containers_images(tspec);
                r.extend([c, im, or_none(selector_string(sp("selector")))]);
            }
            r
        }
        "ReplicaSet" => {
            let mut r = vec![
                name,
                sp("replicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(1)
                    .to_string(),
                i(st("replicas")).to_string(),
                i(st("readyReplicas")).to_string(),
                age(obj, now),
            ];
            if wide {
                let (c, im) = containers_images(tspec);
                r.extend([c, im, or_none(selector_string(sp("selector")))]);
            }
            r
        }
        "DaemonSet" => {
            let mut r = vec![
                name,
                i(st("desiredNumberScheduled")).to_string(),
                i(st("currentNumberScheduled")).to_string(),
                i(st("numberReady")).to_string(),
                i(st("updatedNumberScheduled")).to_string(),
                i(st("numberAvailable")).to_string(),
                or_none(map_selector(tspec.and_then(|t| t.get("nodeSelector")))),
                age(obj, now),
            ];
            if wide {
                let (c, im) = containers_images(tspec);
                r.extend([c, im, or_none(selector_string(sp("selector")))]);
            }
            r
        }
        "StatefulSet" => {
            let mut r = vec![
                name,
                format!(
                    "{}/{}",
                    i(st("readyReplicas")),
                    sp("replicas").and_then(Value::as_i64).unwrap_or(1)
                ),
                age(obj, now),
            ];
            if wide {
                let (c, im) = containers_images(tspec);
                r.extend([c, im]);
            }
            r
        }
        "Job" => {
            let succeeded = i(st("succeeded"));
            let completions = match (
                sp("completions").and_then(Value::as_i64),
                sp("parallelism").and_then(Value::as_i64),
            ) {
                (Some(c), _) => format!("{succeeded}/{c}"),
                (None, Some(p)) if p > 1 => format!("{succeeded}/1 of {p}"),
                _ => format!("{succeeded}/1"),
            };
            let start = st("startTime")
                .and_then(Value::as_str)
                .and_then(SimTime::parse_rfc3339);
            let end = st("completionTime")
                .and_then(Value::as_str)
                .and_then(SimTime::parse_rfc3339);
            let duration = match (start, end) {
                (Some(a), Some(b)) => human_duration((b.since_ms(a) / 1000) as i64),
                (Some(a), None) => human_duration((now.since_ms(a) / 1000) as i64),
                _ => String::new(),
            };
            let mut r = vec![name, job_status(obj), completions, duration, age(obj, now)];
            if wide {
                let (c, im) = containers_images(tspec);
                r.extend([c, im, or_none(selector_string(sp("selector")))]);
            }
            r
        }
        "Service" => {
            let ty = sp("type")
                .and_then(Value::as_str)
                .unwrap_or("ClusterIP")
                .to_string();
            let cluster_ip = or_none(s(sp("clusterIP")));
            let ext_ips: Vec<String> = seq(sp("externalIPs")).iter().map(scalar_string).collect();
            let external = match ty.as_str() {
                "ClusterIP" | "NodePort" => or_none(ext_ips.join(",")),
                "LoadBalancer" => {
                    let mut ips: Vec<String> =
                        seq(status.and_then(|x| x.path(&["loadBalancer", "ingress"])))
                            .iter()
                            .map(|ing| {
                                let ip = s(ing.get("ip"));
                                if ip.is_empty() {
                                    s(ing.get("hostname"))
                                } else {
                                    ip
                                }
                            })
                            .collect();
                    ips.extend(ext_ips);
                    if ips.is_empty() {
                        "<pending>".into()
                    } else {
                        ips.join(",")
                    }
                }
                "ExternalName" => s(sp("externalName")),
                _ => "<unknown>".into(),
            };
            let ports: Vec<String> = seq(sp("ports"))
                .iter()
                .map(|p| {
                    let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
                    match p.get("nodePort").and_then(Value::as_i64) {
                        Some(np) if np != 0 => format!("{}:{np}/{proto}", i(p.get("port"))),
                        _ => format!("{}/{proto}", i(p.get("port"))),
                    }
                })
                .collect();
            let mut r = vec![
                name,
                ty,
                cluster_ip,
                external,
                or_none(ports.join(",")),
                age(obj, now),
            ];
            if wide {
                r.push(or_none(map_selector(sp("selector"))));
            }
            r
        }
        "Endpoints" => vec![name, endpoints_string(obj), age(obj, now)],
        "EndpointSlice" => {
            let ports: Vec<String> = seq(obj.get("ports"))
                .iter()
                .map(|p| i(p.get("port")).to_string())
                .collect();
            let addrs: Vec<String> = seq(obj.get("endpoints"))
                .iter()
                .flat_map(|e| {
                    seq(e.get("addresses"))
                        .iter()
                        .map(scalar_string)
                        .collect::<Vec<_>>()
                })
                .collect();
            vec![
                name,
                s(obj.get("addressType")),
                if ports.is_empty() {
                    "<unset>".into()
                } else {
                    ports.join(",")
                },
                if addrs.is_empty() {
                    "<unset>".into()
                } else {
                    more(&addrs, 3)
                },
                age(obj, now),
            ]
        }
        "Node" => {
            let mut r = node_row(obj, now);
            if wide {
                let addr = |t: &str| {
                    seq(status.and_then(|x| x.get("addresses")))
                        .iter()
                        .find(|a| a.get("type").and_then(Value::as_str) == Some(t))
                        .map(|a| s(a.get("address")))
                        .unwrap_or_else(|| "<none>".into())
                };
                let info = |k: &str| s(status.and_then(|x| x.path(&["nodeInfo", k])));
                r.extend([
                    addr("InternalIP"),
                    addr("ExternalIP"),
                    info("osImage"),
                    info("kernelVersion"),
                    info("containerRuntimeVersion"),
                ]);
            }
            r
        }
        "Namespace" => vec![
            name,
            st("phase")
                .and_then(Value::as_str)
                .unwrap_or("Active")
                .to_string(),
            age(obj, now),
        ],
        "ConfigMap" => {
            let n = obj
                .get("data")
                .and_then(Value::as_map)
                .map_or(0, |m| m.len())
                + obj
                    .get("binaryData")
                    .and_then(Value::as_map)
                    .map_or(0, |m| m.len());
            vec![name, n.to_string(), age(obj, now)]
        }
        "Secret" => {
            let n = obj
                .get("data")
                .and_then(Value::as_map)
                .map_or(0, |m| m.len());
            vec![name, s(obj.get("type")), n.to_string(), age(obj, now)]
        }
        "ServiceAccount" => vec![
            name,
            seq(obj.get("secrets")).len().to_string(),
            age(obj, now),
        ],
        "Event" => {
            let first = since(obj.get("firstTimestamp").and_then(Value::as_str), now);
            let last = match obj.get("lastTimestamp").and_then(Value::as_str) {
                Some(t) => since(Some(t), now),
                None => first.clone(),
            };
            let io = obj.get("involvedObject");
            let kind = s(io.and_then(|x| x.get("kind"))).to_ascii_lowercase();
            let oname = s(io.and_then(|x| x.get("name")));
            let target = if oname.is_empty() {
                kind
            } else {
                format!("{kind}/{oname}")
            };
            let msg = s(obj.get("message")).trim().to_string();
            if wide {
                let src = obj.get("source");
                let comp = s(src.and_then(|x| x.get("component")));
                let host = s(src.and_then(|x| x.get("host")));
                let source = if host.is_empty() {
                    comp
                } else {
                    format!("{comp}, {host}")
                };
                vec![
                    last,
                    s(obj.get("type")),
                    s(obj.get("reason")),
                    target,
                    s(io.and_then(|x| x.get("fieldPath"))),
                    source,
                    msg,
                    first,
                    obj.get("count")
                        .and_then(Value::as_i64)
                        .unwrap_or(1)
                        .to_string(),
                    name,
                ]
            } else {
                vec![last, s(obj.get("type")), s(obj.get("reason")), target, msg]
            }
        }
        "PersistentVolume" => {
            let claim = sp("claimRef")
                .map(|c| format!("{}/{}", s(c.get("namespace")), s(c.get("name"))))
                .unwrap_or_default();
            let mut r = vec![
                name,
                s(spec.and_then(|x| x.path(&["capacity", "storage"]))),
                access_modes(sp("accessModes")),
                sp("persistentVolumeReclaimPolicy")
                    .map(scalar_string)
                    .unwrap_or_else(|| "Retain".into()),
                s(st("phase")),
                claim,
                s(sp("storageClassName")),
                or_unset(s(sp("volumeAttributesClassName"))),
                s(st("reason")),
                age(obj, now),
            ];
            if wide {
                r.push(
                    sp("volumeMode")
                        .map(scalar_string)
                        .unwrap_or_else(|| "Filesystem".into()),
                );
            }
            r
        }
        "PersistentVolumeClaim" => {
            let bound = s(st("phase")) == "Bound";
            let mut r = vec![
                name,
                s(st("phase")),
                s(sp("volumeName")),
                if bound {
                    s(status.and_then(|x| x.path(&["capacity", "storage"])))
                } else {
                    String::new()
                },
                if bound {
                    access_modes(st("accessModes"))
                } else {
                    String::new()
                },
                s(sp("storageClassName")),
                or_unset(s(sp("volumeAttributesClassName"))),
                age(obj, now),
            ];
            if wide {
                r.push(
                    sp("volumeMode")
                        .map(scalar_string)
                        .unwrap_or_else(|| "Filesystem".into()),
                );
            }
            r
        }
        "StorageClass" => {
            let default = obj
                .path(&[
                    "metadata",
                    "annotations",
                    "storageclass.kubernetes.io/is-default-class",
                ])
                .and_then(Value::as_str)
                == Some("true");
            vec![
                if default {
                    format!("{name} (default)")
                } else {
                    name
                },
                s(obj.get("provisioner")),
                obj.get("reclaimPolicy")
                    .map(scalar_string)
                    .unwrap_or_else(|| "Delete".into()),
                obj.get("volumeBindingMode")
                    .map(scalar_string)
                    .unwrap_or_else(|| "Immediate".into()),
                (obj.get("allowVolumeExpansion") == Some(&Value::Bool(true))).to_string(),
                age(obj, now),
            ]
        }
        "Lease" => vec![name, s(sp("holderIdentity")), age(obj, now)],
        // printControllerRevision: the controller as `<kind>.<group>/<name>` (lower-case).
        "ControllerRevision" => {
            let controller = crate::sim::meta::controller_ref(obj)
                .map(|o| {
                    let group = o
                        .api_version
                        .rsplit_once('/')
                        .map(|(g, _)| format!(".{g}"))
                        .unwrap_or_default();
                    format!("{}{group}/{}", o.kind.to_ascii_lowercase(), o.name)
                })
                .unwrap_or_else(|| "<none>".into());
            vec![
                name,
                controller,
                i(obj.get("revision")).to_string(),
                age(obj, now),
            ]
        }
        "Role" | "ClusterRole" => vec![
            name,
            api::meta_str(obj, "creationTimestamp")
                .unwrap_or("")
                .to_string(),
        ],
        "RoleBinding" | "ClusterRoleBinding" => {
            let role = obj
                .get("roleRef")
                .map(|r| format!("{}/{}", s(r.get("kind")), s(r.get("name"))))
                .unwrap_or_default();
            let mut r = vec![name, role, age(obj, now)];
            if wide {
                let subj = |k: &str| -> String {
                    seq(obj.get("subjects"))
                        .iter()
                        .filter(|x| x.get("kind").and_then(Value::as_str) == Some(k))
                        .map(|x| {
                            let n = s(x.get("name"));
                            match (k, x.get("namespace").and_then(Value::as_str)) {
                                ("ServiceAccount", Some(ns)) => format!("{ns}/{n}"),
                                _ => n,
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                r.extend([subj("User"), subj("Group"), subj("ServiceAccount")]);
            }
            r
        }
        "ComponentStatus" => {
            let c = seq(obj.get("conditions"))
                .first()
                .cloned()
                .unwrap_or(Value::Null);
            let healthy = s(c.get("status")) == "True";
            vec![
                name,
                if healthy {
                    "Healthy".into()
                } else {
                    "Unhealthy".into()
                },
                s(c.get("message")),
                s(c.get("error")),
            ]
        }
        _ => vec![name, age(obj, now)],
    };
    r.shrink_to_fit();
    r
}

fn or_unset(x: String) -> String {
    if x.is_empty() {
        "<unset>".into()
    } else {
        x
    }
}

fn more(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(",")
    } else {
        format!("{} + {} more...", items[..max].join(","), items.len() - max)
    }
}

/// `10.244.1.3:80,10.244.2.4:80 + 1 more...`
pub fn endpoints_string(ep: &Value) -> String {
    let mut list = Vec::new();
    for subset in seq(ep.get("subsets")) {
        let ports = seq(subset.get("ports"));
        for a in seq(subset.get("addresses")) {
            let ip = s(a.get("ip"));
            if ports.is_empty() {
                list.push(ip.clone());
            }
            for p in ports {
                list.push(format!("{ip}:{}", i(p.get("port"))));
            }
        }
    }
    if list.is_empty() {
        "<none>".into()
    } else {
        more(&list, 3)
    }
}

fn access_modes(v: Option<&Value>) -> String {
    let mut modes: Vec<&str> = seq(v)
        .iter()
        .filter_map(Value::as_str)
        .map(|m| match m {
            "ReadWriteOnce" => "RWO",
            "ReadOnlyMany" => "ROX",
            "ReadWriteMany" => "RWX",
            "ReadWriteOncePod" => "RWOP",
            other => other,
        })
        .collect();
    modes.dedup();
    modes.join(",")
}

/// Job STATUS in kubectl 1.34: Complete, Failed, Suspended, FailureTarget,
/// SuccessCriteriaMet or Running.
pub fn job_status(job: &Value) -> String {
    let conds = seq(job.path(&["status", "conditions"]));
    let has = |t: &str| {
        conds.iter().any(|c| {
            c.get("type").and_then(Value::as_str) == Some(t)
                && c.get("status").and_then(Value::as_str) == Some("True")
        })
    };
    for t in [
        "Complete",
        "Failed",
        "Suspended",
        "FailureTarget",
        "SuccessCriteriaMet",
    ] {
        if has(t) {
            return t.to_string();
        }
    }
    "Running".to_string()
}

fn node_row(obj: &Value, now: SimTime) -> Vec<String> {
    let conds = seq(obj.path(&["status", "conditions"]));
    let ready = conds
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some("Ready"))
        .and_then(|c| c.get("status").and_then(Value::as_str));
    // kubectl's printNode: Ready=True ⇒ Ready, any other status (False, Unknown) ⇒ NotReady;
    // `Unknown` only when the node has no Ready condition at all.
    let mut status = match ready {
        Some("True") => "Ready",
        Some(_) => "NotReady",
        None => "Unknown",
    }
    .to_string();
    if obj.path(&["spec", "unschedulable"]) == Some(&Value::Bool(true)) {
        status.push_str(",SchedulingDisabled");
    }
    let mut roles: Vec<String> = labels_of(obj)
        .into_iter()
        .filter_map(|(k, v)| {
            if let Some(r) = k.strip_prefix("node-role.kubernetes.io/") {
                (!r.is_empty()).then(|| r.to_string())
            } else if k == "kubernetes.io/role" && !v.is_empty() {
                Some(v)
            } else {
                None
            }
        })
        .collect();
    roles.sort_small();
    roles.dedup();
    vec![
        api::name_of(obj).to_string(),
        status,
        or_none(roles.join(",")),
        age(obj, now),
        s(obj.path(&["status", "nodeInfo", "kubeletVersion"])),
    ]
}

/// The READY/STATUS/RESTARTS cells of a pod, as `printPod` computes them.
pub struct PodSummary {
    pub ready: usize,
    pub total: usize,
    pub reason: String,
    pub restarts: i64,
    pub last_restart: Option<SimTime>,
}

fn terminated_at(cs: &Value) -> Option<SimTime> {
    cs.path(&["lastState", "terminated", "finishedAt"])
        .and_then(Value::as_str)
        .and_then(SimTime::parse_rfc3339)
}

pub fn pod_summary(pod: &Value) -> PodSummary {
    let spec = pod.get("spec");
    let status = pod.get("status");
    let total = seq(spec.and_then(|x| x.get("containers"))).len();
    let init_specs = seq(spec.and_then(|x| x.get("initContainers")));
    let mut reason = s(status.and_then(|x| x.get("phase")));
    let status_reason = s(status.and_then(|x| x.get("reason")));
    if !status_reason.is_empty() {
        reason = status_reason.clone();
    }
    let conds = seq(status.and_then(|x| x.get("conditions")));
    let cond_true = |t: &str| {
        conds.iter().any(|c| {
            c.get("type").and_then(Value::as_str) == Some(t)
                && c.get("status").and_then(Value::as_str) == Some("True")
        })
    };
    if conds.iter().any(|c| {
        c.get("type").and_then(Value::as_str) == Some("PodScheduled")
            && c.get("reason").and_then(Value::as_str) == Some("SchedulingGated")
    }) {
        reason = "SchedulingGated".into();
    }
    let mut restarts = 0i64;
    let mut last_restart: Option<SimTime> = None;
    let mut sidecar_restarts = 0i64;
    let mut sidecar_last: Option<SimTime> = None;
    let mut initializing = false;
    let mut ready = 0usize;
    let init_statuses = seq(status.and_then(|x| x.get("initContainerStatuses")));
    for (idx, c) in init_statuses.iter().enumerate() {
        restarts += i(c.get("restartCount"));
        if let Some(t) = terminated_at(c) {
            last_restart = last_restart.max(Some(t));
        }
        let cname = s(c.get("name"));
        let sidecar = init_specs.iter().any(|x| {
            s(x.get("name")) == cname
                && x.get("restartPolicy").and_then(Value::as_str) == Some("Always")
        });
        if sidecar {
            sidecar_restarts += i(c.get("restartCount"));
            if let Some(t) = terminated_at(c) {
                sidecar_last = sidecar_last.max(Some(t));
            }
        }
        let term = c.path(&["state", "terminated"]);
        let waiting_reason = s(c.path(&["state", "waiting", "reason"]));
        if term.is_some_and(|t| i(t.get("exitCode")) == 0) {
            continue;
        }
        if sidecar && c.get("started").is_some_and(|b| *b == Value::Bool(true)) {
            if c.get("ready").is_some_and(|b| *b == Value::Bool(true)) {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = term {
            let r = s(t.get("reason"));
            reason = if r.is_empty() {
                let sig = i(t.get("signal"));
                if sig != 0 {
                    format!("Init:Signal:{sig}")
                } else {
                    format!("Init:ExitCode:{}", i(t.get("exitCode")))
                }
            } else {
                format!("Init:{r}")
            };
        } else if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" {
            reason = format!("Init:{waiting_reason}");
        } else {
            reason = format!("Init:{idx}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }
    if !initializing || cond_true("Initialized") {
        restarts = sidecar_restarts;
        last_restart = sidecar_last;
        let mut has_running = false;
        for c in seq(status.and_then(|x| x.get("containerStatuses")))
            .iter()
            .rev()
        {
            restarts += i(c.get("restartCount"));
            if let Some(t) = terminated_at(c) {
                last_restart = last_restart.max(Some(t));
            }
            let wr = s(c.path(&["state", "waiting", "reason"]));
            let term = c.path(&["state", "terminated"]);
            let tr = term.map(|t| s(t.get("reason"))).unwrap_or_default();
            if !wr.is_empty() {
                reason = wr;
            } else if term.is_some() && !tr.is_empty() {
                reason = tr;
            } else if let Some(t) = term {
                let sig = i(t.get("signal"));
                reason = if sig != 0 {
                    format!("Signal:{sig}")
                } else {
                    format!("ExitCode:{}", i(t.get("exitCode")))
                };
            } else if c.get("ready").is_some_and(|b| *b == Value::Bool(true))
                && c.path(&["state", "running"]).is_some()
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if cond_true("Ready") {
                "Running".into()
            } else {
                "NotReady".into()
            };
        }
    }
    let phase = s(status.and_then(|x| x.get("phase")));
    if pod.path(&["metadata", "deletionTimestamp"]).is_some() {
        if status_reason == "NodeLost" {
            reason = "Unknown".into();
        } else if phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating".into();
        }
    }
    PodSummary {
        ready,
        total,
        reason,
        restarts,
        last_restart,
    }
}

fn pod_row(pod: &Value, now: SimTime, wide: bool) -> Vec<String> {
    let p = pod_summary(pod);
    let restarts = match p.last_restart {
        Some(t) if p.restarts != 0 => format!(
            "{} ({} ago)",
            p.restarts,
            human_duration((now.since_ms(t) / 1000) as i64)
        ),
        _ => p.restarts.to_string(),
    };
    let mut r = vec![
        api::name_of(pod).to_string(),
        format!("{}/{}", p.ready, p.total),
        p.reason,
        restarts,
        age(pod, now),
    ];
    if wide {
        let ips = seq(pod.path(&["status", "podIPs"]));
        let ip = ips
            .first()
            .map(|x| s(x.get("ip")))
            .filter(|x| !x.is_empty())
            .or_else(|| pod.path(&["status", "podIP"]).map(scalar_string))
            .unwrap_or_default();
        let gates = seq(pod.path(&["spec", "readinessGates"]));
        let gates = if gates.is_empty() {
            "<none>".to_string()
        } else {
            let conds = seq(pod.path(&["status", "conditions"]));
            let ok = gates
                .iter()
                .filter(|g| {
                    let t = s(g.get("conditionType"));
                    conds.iter().any(|c| {
                        s(c.get("type")) == t
                            && c.get("status").and_then(Value::as_str) == Some("True")
                    })
                })
                .count();
            format!("{ok}/{}", gates.len())
        };
        r.extend([
            or_none(ip),
            or_none(s(pod.path(&["spec", "nodeName"]))),
            or_none(s(pod.path(&["status", "nominatedNodeName"]))),
            gates,
        ]);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(status: &str) -> Value {
        let text = status;
        let mut p = Value::map();
        p.path_mut_or_insert(&["metadata"]).set("name", "web");
        p.path_mut_or_insert(&["metadata"])
            .set("creationTimestamp", "2026-01-05T09:00:00Z");
        let mut c = Value::map();
        c.set("name", "app");
        p.path_mut_or_insert(&["spec"])
            .set("containers", Value::Seq(vec![c].into()));
        p.path_mut_or_insert(&["status"]).set("phase", text);
        p
    }

    fn cs(state: &str, reason: &str, ready: bool, restarts: i64) -> Value {
        let mut c = Value::map();
        c.set("name", "app");
        c.set("ready", ready);
        c.set("restartCount", restarts);
        let mut st = Value::map();
        if !reason.is_empty() {
            st.set("reason", reason);
        }
        st.set("exitCode", 1i64);
        c.path_mut_or_insert(&["state"]).set(state, st);
        c
    }

    #[test]
    fn pod_status_like_print_pod() {
        let now = SimTime::from_ms(300_000);
        let mut p = pod("Pending");
        assert_eq!(
            pod_row(&p, now, false),
            ["web", "0/1", "Pending", "0", "5m"]
        );
        p.path_mut_or_insert(&["status"]).set(
            "containerStatuses",
            Value::Seq(vec![cs("waiting", "ContainerCreating", false, 0)].into()),
        );
        assert_eq!(pod_row(&p, now, false)[2], "ContainerCreating");
        let mut c = cs("waiting", "CrashLoopBackOff", false, 2);
        c.path_mut_or_insert(&["lastState", "terminated"])
            .set("finishedAt", "2026-01-05T09:04:55Z");
        p.path_mut_or_insert(&["status"])
            .set("containerStatuses", Value::Seq(vec![c].into()));
        assert_eq!(
            pod_row(&p, now, false)[2..4],
            ["CrashLoopBackOff", "2 (5s ago)"]
        );
        let mut p = pod("Running");
        p.path_mut_or_insert(&["status"]).set(
            "containerStatuses",
            Value::Seq(vec![cs("running", "", true, 0)].into()),
        );
        assert_eq!(pod_row(&p, now, false)[1..3], ["1/1", "Running"]);
        p.path_mut_or_insert(&["metadata"])
            .set("deletionTimestamp", "2026-01-05T09:04:00Z");
        assert_eq!(pod_row(&p, now, false)[2], "Terminating");
        let mut p = pod("Succeeded");
        p.path_mut_or_insert(&["status"]).set(
            "containerStatuses",
            Value::Seq(vec![cs("terminated", "Completed", false, 0)].into()),
        );
        assert_eq!(pod_row(&p, now, false)[2], "Completed");
        let mut p = pod("Pending");
        let mut ic = Value::map();
        ic.set("name", "init");
        p.path_mut_or_insert(&["spec"])
            .set("initContainers", Value::Seq(vec![ic].into()));
        let mut ics = cs("waiting", "PodInitializing", false, 0);
        ics.set("name", "init");
        p.path_mut_or_insert(&["status"])
            .set("initContainerStatuses", Value::Seq(vec![ics].into()));
        assert_eq!(pod_row(&p, now, false)[2], "Init:0/1");
        assert_eq!(
            pod_row(&p, now, true)[5..],
            ["<none>", "<none>", "<none>", "<none>"]
        );
    }

    #[test]
    fn service_cells() {
        let mut svc = Value::map();
        svc.path_mut_or_insert(&["metadata"]).set("name", "web");
        let spec = svc.path_mut_or_insert(&["spec"]);
        spec.set("type", "LoadBalancer");
        spec.set("clusterIP", "10.96.0.10");
        let mut port = Value::map();
        port.set("port", 80i64);
        port.set("nodePort", 31234i64);
        port.set("protocol", "TCP");
        spec.set("ports", Value::Seq(vec![port].into()));
        let r = row("Service", &svc, SimTime::ZERO, true);
        assert_eq!(
            r,
            [
                "web",
                "LoadBalancer",
                "10.96.0.10",
                "<pending>",
                "80:31234/TCP",
                "<unknown>",
                "<none>"
            ]
        );
    }
}
