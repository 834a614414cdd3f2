//! Wire types of the Integration API requests and responses, shared by the client and the sandbox.
