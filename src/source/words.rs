//! Eight bytes at a time: the bit arithmetic the record splitter, the record checks and the column profile share
//! to look at a whole word of text per step instead of a byte per step.

/// 0x01 in every byte.
pub const ONES: u64 = 0x0101_0101_0101_0101;
/// The low seven bits of every byte.
pub const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
/// The high bit of every byte.
pub const TOP: u64 = 0x8080_8080_8080_8080;

/// `byte` in every byte of a word.
pub const fn splat(byte: u8) -> u64 {
    ONES * byte as u64
}

/// The high bit of every byte of `x` that is zero, and of no other byte (no sum carries into the next byte).
pub const fn zero_bytes(x: u64) -> u64 {
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// `b` as little-endian words: every full word, then the last few bytes padded with `pad` (a byte the caller's
/// test ignores) as one more word, which is all padding when `b` is a multiple of eight long.
pub fn padded(b: &[u8], pad: u8) -> impl Iterator<Item = u64> {
    let (words, rest) = b.as_chunks::<8>();
    let mut last = [pad; 8];
    last[..rest.len()].copy_from_slice(rest);
    words
        .iter()
        .map(|w| u64::from_le_bytes(*w))
        .chain(std::iter::once(u64::from_le_bytes(last)))
}
