//! [`SimRng`]: the World's one source of randomness (ChaCha8, identical on every platform).
//!
//! Never use `usize` draws or `SmallRng`: both differ between x86_64 and wasm32.
//!
//! ```
//! use kubesim::sim::rng::SimRng;
//! let (mut a, mut b) = (SimRng::new(7), SimRng::new(7));
//! assert_eq!(a.suffix(5), b.suffix(5));
//! ```

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// The alphabet Kubernetes uses for generated name suffixes (no vowels, no confusable digits).
pub const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

#[derive(Clone, Debug)]
pub struct SimRng {
    inner: ChaCha8Rng,
}

impl SimRng {
    pub fn new(seed: u64) -> Self {
        SimRng {
            inner: ChaCha8Rng::seed_from_u64(seed),
        }
    }
    /// The generator `seed` gives after `word_pos` 32-bit words were drawn (for import).
    pub fn at(seed: u64, word_pos: u128) -> Self {
        let mut rng = SimRng::new(seed);
        rng.inner.set_word_pos(word_pos);
        rng
    }
    /// How many 32-bit words were drawn so far (saved by `World::export`).
    pub fn word_pos(&self) -> u128 {
        self.inner.get_word_pos()
    }
    pub fn next_u32(&mut self) -> u32 {
        self.inner.next_u32()
    }
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }
    /// A uniform draw in `0..n` (returns 0 when `n == 0`).
    pub fn below(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        // Lemire's multiply-shift; the tiny bias is irrelevant for a simulation.
        ((u64::from(self.next_u32()) * u64::from(n)) >> 32) as u32
    }
    /// `len` characters from [`NAME_ALPHABET`], like `generateName` suffixes (`x2kqp`).
    pub fn suffix(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| NAME_ALPHABET[self.below(NAME_ALPHABET.len() as u32) as usize] as char)
            .collect()
    }
    /// A random UUID v4 string, for `metadata.uid`.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        let hi = (a & 0xffff_ffff_ffff_0fff) | 0x4000;
        let lo = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xffff,
            hi & 0xffff,
            lo >> 48,
            lo & 0xffff_ffff_ffff
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_draws_and_known_values() {
        let mut a = SimRng::new(1);
        let mut b = SimRng::new(1);
        let xs: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(SimRng::new(2).next_u64(), xs[0]);
    }

    #[test]
    fn suffix_and_uuid_shapes() {
        let mut r = SimRng::new(3);
        let s = r.suffix(5);
        assert_eq!(s.len(), 5);
        assert!(s.bytes().all(|c| NAME_ALPHABET.contains(&c)));
        let u = r.uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(r.below(0) == 0 && r.below(1) == 0);
    }
}
