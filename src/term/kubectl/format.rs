//! `-o` output formats other than tables: yaml, json, name, jsonpath, custom-columns, and the
//! `kind: List` wrapper kubectl puts around several objects.
//!
//! ```
//! use kubesim::term::kubectl::format::Format;
//! assert_eq!(Format::parse(Some("wide")).unwrap(), Format::Table { wide: true });
//! assert!(Format::parse(Some("xml")).unwrap_err().contains("unable to match a printer"));
//! ```

use super::printers::Table;
use super::{codec, jsonpath, tables};
use crate::sim::api::{self, Resource};
use crate::sim::value::Value;
use crate::sort::SortSmall;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    Table {
        wide: bool,
    },
    Yaml,
    Json,
    Name,
    JsonPath(String),
    /// `(HEADER, expression)` pairs.
    CustomColumns(Vec<(String, String)>),
}

const ALLOWED: &str = "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml";

impl Format {
    pub fn parse(o: Option<&str>) -> Result<Format, String> {
        let Some(o) = o.filter(|o| !o.is_empty()) else {
            return Ok(Format::Table { wide: false });
        };
        let (name, arg) = match o.split_once('=') {
            Some((n, a)) => (n, Some(a)),
            None => (o, None),
        };
        Ok(match (name, arg) {
            ("wide", None) => Format::Table { wide: true },
            ("yaml", None) => Format::Yaml,
            ("json", None) => Format::Json,
            ("name", None) => Format::Name,
            ("jsonpath" | "jsonpath-as-json", Some(t)) => Format::JsonPath(t.to_string()),
            ("jsonpath" | "jsonpath-as-json", None) => {
                return Err("template format specified but no template given".into())
            }
            ("custom-columns", Some(spec)) => {
                let mut cols = Vec::new();
                for part in spec.split(',') {
                    let Some((h, e)) = part.split_once(':') else {
                        return Err(format!(
                            "unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"
                        ));
                    };
                    cols.push((h.to_string(), e.to_string()));
                }
                Format::CustomColumns(cols)
            }
            ("custom-columns", None) => {
                return Err("custom-columns format specified but no custom columns given".into())
            }
            ("go-template" | "template" | "go-template-file" | "templatefile", _) => {
                return Err("go-template output is not modelled by this simulator; use -o jsonpath=... instead".into())
            }
            _ => {
                return Err(format!(
                    "unable to match a printer suitable for the output format \"{o}\", allowed formats are: {ALLOWED}"
                ))
            }
        })
    }
}

/// kubectl's `kind: List` around several objects.
pub fn list_of(items: Vec<Value>) -> Value {
    let mut l = Value::map();
    l.set("apiVersion", "v1");
    l.set("items", Value::Seq(items.into()));
    l.set("kind", "List");
    let mut meta = Value::map();
    meta.set("resourceVersion", "");
    l.set("metadata", meta);
    l
}

/// Prints objects (each with its resource) in a non-table format. `single` is true when the
/// user named exactly one object: it is printed bare instead of inside a List.
pub fn print(
    fmt: &Format,
    objs: &[(&'static Resource, Value)],
    single: bool,
    no_headers: bool,
) -> Result<String, String> {
    let root = || {
        if single && objs.len() == 1 {
            objs[0].1.clone()
        } else {
            list_of(objs.iter().map(|(_, o)| o.clone()).collect())
        }
    };
    Ok(match fmt {
        Format::Yaml => codec::to_yaml(&root()),
        Format::Json => codec::to_json(&root()),
        Format::Name => objs
            .iter()
            .map(|(r, o)| format!("{}\n", tables::kind_name(r, api::name_of(o))))
            .collect(),
        Format::JsonPath(t) => {
            jsonpath::render(t, &root()).map_err(|e| format!("error parsing jsonpath {t}, {e}"))?
        }
        Format::CustomColumns(cols) => {
            let hdr: Vec<&str> = cols.iter().map(|(h, _)| h.as_str()).collect();
            let mut t = if no_headers {
                Table::headless()
            } else {
                Table::new(&hdr)
            };
            for (_, o) in objs {
                let mut cells = Vec::new();
                for (_, e) in cols {
                    let vals =
                        jsonpath::eval(e, o).map_err(|e| format!("error parsing jsonpath, {e}"))?;
                    let text: Vec<String> = vals.iter().map(jsonpath::show).collect();
                    cells.push(if text.is_empty() {
                        "<none>".into()
                    } else {
                        text.join(",")
                    });
                }
                t.row(cells);
            }
            t.render()
        }
        Format::Table { .. } => String::new(),
    })
}

/// Sorts objects by a `--sort-by` JSONPath (numbers numerically, the rest as text).
pub fn sort_by(objs: &mut [(&'static Resource, Value)], expr: &str) -> Result<(), String> {
    let e = expr.trim();
    let e = if e.starts_with('{') {
        e.to_string()
    } else {
        format!("{{{e}}}")
    };
    let mut keyed = Vec::new();
    for (idx, (_, o)) in objs.iter().enumerate() {
        let v = jsonpath::eval(&e, o).map_err(|er| format!("couldn't parse sort-by: {er}"))?;
        keyed.push((idx, v.first().cloned()));
    }
    keyed.sort_small_by(|(ia, a), (ib, b)| {
        let ord = match (a, b) {
            (Some(Value::Int(x)), Some(Value::Int(y))) => x.cmp(y),
            (Some(x), Some(y)) => jsonpath::show(x).cmp(&jsonpath::show(y)),
            (None, Some(_)) => std::cmp::Ordering::Less,
            (Some(_), None) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        ord.then(ia.cmp(ib))
    });
    let order: Vec<usize> = keyed.into_iter().map(|(i, _)| i).collect();
    let old: Vec<(&'static Resource, Value)> = objs.to_vec();
    for (slot, idx) in objs.iter_mut().zip(order) {
        *slot = old[idx].clone();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str) -> (&'static Resource, Value) {
        let mut p = Value::map();
        p.set("kind", "Pod");
        p.path_mut_or_insert(&["metadata"]).set("name", name);
        (api::resource_for("pods").unwrap(), p)
    }

    #[test]
    fn names_lists_and_columns() {
        let objs = vec![pod("b"), pod("a")];
        assert_eq!(
            print(&Format::Name, &objs, false, false).unwrap(),
            "pod/b\npod/a\n"
        );
        let y = print(&Format::Yaml, &objs[..1], false, false).unwrap();
        assert!(
            y.starts_with("apiVersion: v1\nitems:\n- kind: Pod\n"),
            "{y}"
        );
        assert!(
            y.ends_with("kind: List\nmetadata:\n  resourceVersion: \"\"\n"),
            "{y}"
        );
        let cc = Format::parse(Some("custom-columns=NAME:.metadata.name,X:.spec.x")).unwrap();
        assert_eq!(
            print(&cc, &objs, false, false).unwrap(),
            "NAME   X\nb      <none>\na      <none>\n"
        );
        let mut objs = objs;
        sort_by(&mut objs, ".metadata.name").unwrap();
        assert_eq!(api::name_of(&objs[0].1), "a");
        assert_eq!(
            print(
                &Format::JsonPath("{.items[*].metadata.name}".into()),
                &objs,
                false,
                false
            )
            .unwrap(),
            "a b"
        );
    }
}
