//! Hash maps keyed by row ids, type ids and the runtime's own SQL text, which
//! need no DoS-resistant hash.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A hasher for integer and `TypeId` keys: one multiply per key instead of
/// SipHash. The keys are row ids and type ids, not input an
/// attacker picks to collide.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    /// Eight bytes at a time (SQL text keys of the PostgreSQL statement cache).
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.write_u64(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u64(&mut self, value: u64) {
        // Fibonacci hashing; rotate so the well-mixed high bits reach the
        // low bits hashbrown uses for the bucket.
        self.0 = (self.0.rotate_left(5) ^ value)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(26);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn write_i64(&mut self, value: i64) {
        self.write_u64(value as u64);
    }

    fn write_u128(&mut self, value: u128) {
        self.write_u64(value as u64);
        self.write_u64((value >> 64) as u64);
    }
}

pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

pub(crate) type IdSet<K> = HashSet<K, BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_sequential_ids_over_the_low_bits() {
        let hash = |id: i64| {
            let mut h = IdHasher::default();
            h.write_i64(id);
            h.finish()
        };
        let mut buckets = [0u32; 64];
        for id in 1..=64_000 {
            buckets[(hash(id) & 63) as usize] += 1;
        }
        // 1,000 per bucket if perfectly even; SipHash-like spread is within 15 %.
        assert!(
            buckets.iter().all(|&n| (850..=1150).contains(&n)),
            "{buckets:?}"
        );
    }
}
