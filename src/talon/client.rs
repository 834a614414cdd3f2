//! The Integration API client: auth, timeouts, error bodies, dry runs.
