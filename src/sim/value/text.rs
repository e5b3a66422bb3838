//! [`Str`]: the string of [`super::Value::Str`], stored inline up to [`INLINE_MAX`] bytes.
//!
//! Almost every string of a Kubernetes object is short (`default`, `TCP`, `nginx:1.27`,
//! `10.244.1.7`, `2026-01-05T09:00:00Z`), and a `String` is 24 bytes *plus* a heap copy.
//! `Str` is the same 24 bytes holding the text itself when it fits (22 bytes; 10 of 12 in
//! wasm32); longer text is boxed.
//! It reads as a `&str` (`Deref`), compares with `&str`/`String`, and converts both ways.
//!
//! ```
//! use kubesim::sim::value::Str;
//! let s = Str::from("nginx:1.27");
//! assert!(s.starts_with("nginx") && s == "nginx:1.27");
//! assert_eq!(String::from(s), "nginx:1.27");
//! ```

use std::fmt;

/// Longest text kept inline: the size of a `String` (24 bytes natively, 12 in wasm32) minus
/// the length and the variant tag, so a `Str` is never bigger than the `String` it replaces.
pub const INLINE_MAX: usize = 3 * std::mem::size_of::<usize>() - 2;

#[derive(Clone)]
pub struct Str(Repr);

#[derive(Clone)]
enum Repr {
    /// Invariant: `buf[..len]` is valid UTF-8 (it is only ever copied from a `&str`).
    Inline {
        len: u8,
        buf: [u8; INLINE_MAX],
    },
    Heap(Box<str>),
}

impl Str {
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Safe code only: re-checking ≤ 22 bytes costs a few nanoseconds.
            Repr::Inline { len, buf } => {
                std::str::from_utf8(buf.get(..usize::from(*len)).unwrap_or_default())
                    .unwrap_or_default()
            }
            Repr::Heap(s) => s,
        }
    }
}

impl Str {
    /// Bytes this string holds on the heap (0 when inline); `seen` is for shared texts.
    pub fn heap_bytes(&self, _seen: &mut std::collections::HashSet<usize>) -> usize {
        match &self.0 {
            Repr::Inline { .. } => 0,
            Repr::Heap(s) => s.len(),
        }
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Str {
        if s.len() <= INLINE_MAX {
            let mut buf = [0u8; INLINE_MAX];
            buf[..s.len()].copy_from_slice(s.as_bytes());
            Str(Repr::Inline {
                len: s.len() as u8,
                buf,
            })
        } else {
            Str(Repr::Heap(s.into()))
        }
    }
}

impl From<String> for Str {
    fn from(s: String) -> Str {
        if s.len() <= INLINE_MAX {
            Str::from(s.as_str())
        } else {
            Str(Repr::Heap(s.into_boxed_str()))
        }
    }
}

impl From<&String> for Str {
    fn from(s: &String) -> Str {
        Str::from(s.as_str())
    }
}

impl From<Str> for String {
    fn from(s: Str) -> String {
        match s.0 {
            Repr::Heap(b) => b.into_string(),
            inline => Str(inline).as_str().to_string(),
        }
    }
}

impl Default for Str {
    fn default() -> Str {
        Str::from("")
    }
}

impl std::ops::Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Str {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Str {
    fn eq(&self, other: &Str) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for Str {}
impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}
impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}
impl PartialEq<String> for Str {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}
impl PartialOrd for Str {
    fn partial_cmp(&self, other: &Str) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Str {
    fn cmp(&self, other: &Str) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}
impl std::hash::Hash for Str {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h);
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}
impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_inline_long_text_boxed_both_read_back() {
        let longest = "x".repeat(INLINE_MAX);
        for text in ["", "TCP", "10.244.0.2", "é漢字", &longest] {
            let s = Str::from(text);
            assert!(matches!(s.0, Repr::Inline { .. }), "{text}");
            assert_eq!((s.as_str(), s.len()), (text, text.len()));
        }
        let long = "/var/run/secrets/kubernetes.io/serviceaccount";
        let s = Str::from(long.to_string());
        assert!(matches!(s.0, Repr::Heap(_)));
        assert_eq!(s, long);
        assert_eq!(String::from(s.clone()), long);
        assert_eq!(String::from(Str::from("x")), "x");
        assert!(Str::from("a") < Str::from("b") && Str::from("a") == Str::from("a".to_string()));
        assert_eq!(
            format!("{} {:?}", Str::from("a\"b"), Str::from("a\"b")),
            r#"a"b "a\"b""#
        );
        assert_eq!(std::mem::size_of::<Str>(), std::mem::size_of::<String>());
        assert!(matches!(
            Str::from("x".repeat(INLINE_MAX + 1)).0,
            Repr::Heap(_)
        ));
    }
}
