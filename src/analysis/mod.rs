//! Analysis: pure functions over the cube and snapshot: anomalies, and what later analyses add
//! — no I/O, no clock (today is a parameter), so every answer can be pinned by a test.

pub mod anomaly;

pub use anomaly::{DetectOptions, detect};
