//! One module per wizard step: each has `on_key` (part of the pure `update`) and `render` (draw only).

pub mod connect;
pub mod later;
pub mod mapping;
pub mod source;
