//! Talon.One's API: the types both the client and the sandbox speak, and (engine issue) the HTTP client.
//!
//! Only API shapes live here; no scheduling, no files. The sandbox shares these types and nothing else.

pub mod attributes;
