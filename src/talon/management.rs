//! The Management API: custom attributes (`GET /v1/attributes`, all pages).
