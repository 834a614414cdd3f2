//! Benchmark placeholder until its issue lands; see README "Performance".
fn main() {}
