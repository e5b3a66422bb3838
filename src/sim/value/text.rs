//! [`Str`]: the string of [`super::Value::Str`], stored inline up to [`INLINE_MAX`] bytes.
//!
//! Almost every string of a Kubernetes object is short (`default`, `TCP`, `nginx:1.27`,
//! `10.244.1.7`, `2026-01-05T09:00:00Z`), and a `String` is 24 bytes *plus* a heap copy.
//! `Str` is the same 24 bytes holding the text itself when it fits (22 bytes; 10 of 12 in
//! wasm32); longer text is reference-counted and shared: clones share it, and text equal to
//! one made recently shares that copy ([`shared_text`]): the image, image ID and mount path
//! every pod of a Deployment repeats, timestamps of objects written in the same step (in
//! wasm32, where only 10 bytes fit inline, most names and timestamps too).
//! It reads as a `&str` (`Deref`), compares with `&str`/`String`, and converts both ways.
//!
//! ```
//! use kubesim::sim::value::Str;
//! let s = Str::from("nginx:1.27");
//! assert!(s.starts_with("nginx") && s == "nginx:1.27");
//! assert_eq!(String::from(s), "nginx:1.27");
//! ```

use std::fmt;
use std::sync::Arc;

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
    Heap(Arc<str>),
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
    /// Bytes this string holds on the heap: 0 when inline or when its shared copy is in
    /// `seen` already (its address goes there; see `Map::heap_bytes`).
    pub fn heap_bytes(&self, seen: &mut std::collections::HashSet<usize>) -> usize {
        match &self.0 {
            Repr::Heap(s) if seen.insert(Arc::as_ptr(s) as *const u8 as usize) => {
                2 * std::mem::size_of::<usize>() + s.len()
            }
            _ => 0,
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
            Str(Repr::Heap(shared_text(s)))
        }
    }
}

impl From<String> for Str {
    fn from(s: String) -> Str {
        Str::from(s.as_str())
    }
}

/// How many recent long texts [`shared_text`] remembers (a direct-mapped table by hash).
const RECENT_TEXTS: usize = 256;

/// `s` as a shared text: the copy made by an earlier call for equal text if it is still in
/// this thread's table of recent texts, else a new one (which takes its slot). Bounded: the
/// table keeps at most [`RECENT_TEXTS`] texts alive. Equal text either way, so this changes
/// memory, never behaviour.
fn shared_text(s: &str) -> Arc<str> {
    thread_local! {
        static RECENT: std::cell::RefCell<[Option<Arc<str>>; RECENT_TEXTS]> =
            const { std::cell::RefCell::new([const { None }; RECENT_TEXTS]) };
    }
    // FNV-1a: cheap and spreads the similar texts (timestamps, ids) over the slots.
    let hash = s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    // The high bits: FNV's low byte depends on the texts' low bits only (the image and the
    // image ID of a container collided there).
    let slot = ((hash >> 40) % RECENT_TEXTS as u64) as usize;
    RECENT.with(|recent| {
        let mut recent = recent.borrow_mut();
        match recent.get_mut(slot) {
            Some(Some(same)) if **same == *s => Arc::clone(same),
            Some(entry) => Arc::clone(entry.insert(Arc::from(s))),
            None => Arc::from(s),
        }
    })
}

impl From<&String> for Str {
    fn from(s: &String) -> Str {
        Str::from(s.as_str())
    }
}

impl From<Str> for String {
    fn from(s: Str) -> String {
        match s.0 {
            Repr::Heap(b) => b.to_string(),
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
        // Equal long texts made one after the other share one copy; others do not.
        let (a, b) = (Str::from(long), Str::from(long.to_string()));
        let other = Str::from("/var/run/secrets/kubernetes.io/serviceaccount2");
        let ptr = |s: &Str| match &s.0 {
            Repr::Heap(h) => Some(Arc::as_ptr(h) as *const u8),
            Repr::Inline { .. } => None,
        };
        assert!(ptr(&a).is_some() && ptr(&a) == ptr(&b) && ptr(&a) != ptr(&other));
        assert!(a == b && b != other);
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
