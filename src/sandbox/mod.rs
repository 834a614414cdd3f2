//! A local Talon.One-compatible server (axum) for rehearsals, the demo, tests and benchmarks: strict where
//! Talon.One is strict, with seeded faults for rehearsing bad days. Shares only the API types in
//! [`crate::talon`] with the rest of the crate.
