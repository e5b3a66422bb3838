//! The one door between kubectl and the YAML/JSON codec (`sim::value::{yaml, json}`), so the
//! printers and `apply -f` do not care where the codec lives.
//!
//! ```
//! use kubesim::term::kubectl::codec;
//! use kubesim::sim::Value;
//! let mut v = Value::map();
//! v.set("a", 1i64);
//! assert_eq!(codec::to_json(&v), "{\n    \"a\": 1\n}\n");
//! ```

use crate::sim::value::{json, yaml, Value};

/// `-o yaml` text of a value.
pub fn to_yaml(v: &Value) -> String {
    yaml::to_yaml(v)
}

/// `-o json` text (4-space indent, like kubectl's json.MarshalIndent), with a final newline.
pub fn to_json(v: &Value) -> String {
    json::to_json_pretty(v)
}

/// Compact JSON (jsonpath prints maps and lists this way).
pub fn to_json_compact(v: &Value) -> String {
    json::to_json_compact(v)
}

/// Parses a YAML or JSON stream of documents (`---` separated); empty documents are skipped.
/// The error reads like kubectl's (`error converting YAML to JSON: yaml: line 3: ...`).
pub fn parse_documents(text: &str) -> Result<Vec<Value>, String> {
    yaml::parse_documents(text).map_err(|e| format!("error converting YAML to JSON: {e}"))
}

/// Parses one JSON value (patches, `last-applied-configuration`).
pub fn parse_json(text: &str) -> Result<Value, String> {
    json::parse(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_json_and_errors() {
        let v = parse_json(r#"{"spec":{"replicas":2,"x":[1,"a\"b",true,null]}}"#).unwrap();
        assert_eq!(v.path(&["spec", "replicas"]), Some(&Value::Int(2)));
        for bad in ["{", "[1,", "tru", "{}x"] {
            assert!(parse_json(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_documents("a: 1\n---\nb: 2\n").unwrap().len(), 2);
        assert!(parse_documents("a: [1\n")
            .unwrap_err()
            .starts_with("error converting YAML to JSON: yaml: "));
        let mut m = Value::map();
        m.set("a", "80");
        assert_eq!(to_yaml(&m), "a: \"80\"\n");
        assert_eq!(to_json(&m), "{\n    \"a\": \"80\"\n}\n");
    }
}
