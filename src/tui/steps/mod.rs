//! One module per wizard step: each has `on_key` (part of the pure `update`) and `render` (draw only).

pub mod connect;
pub mod mapping;
pub mod preview;
pub mod run;
pub mod source;
pub mod summary;
pub mod validate;
