//! Talon.One's API as talon-import uses it: attribute definitions, the wire types of the requests and
//! responses, the Integration API client and the Management API (custom attributes).

pub mod api;
pub mod attributes;
pub mod client;
pub mod management;
