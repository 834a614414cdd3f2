//! talon-import: bring customers and their order history from CSV/Excel files into Talon.One.
//!
//! The library is the whole product; `main.rs` only parses arguments and dispatches. The modules follow the
//! data as it flows: [`source`] (files → rows) → [`mapping`] (columns → attributes, conversion, validation) →
//! [`payload`] (rows → exact Talon.One requests) → [`talon`] (HTTP client) and [`engine`] (scheduling, retries,
//! journal, results files). [`cli`] and [`tui`] are two front ends over the same library; [`sandbox`] is a local
//! Talon.One-compatible server beside them.
#![forbid(unsafe_code)]

pub mod cli;
pub mod engine;
pub mod exit;
pub mod logging;
pub mod mapping;
pub mod payload;
pub mod sandbox;
pub mod source;
pub mod talon;
pub mod text;
pub mod tui;
