//! Analysis: pure functions over the cube, the snapshot and the cached grouped answers —
//! anomalies, movers, tag shares, account rollups, credits and savings — with no I/O and no
//! clock (today is a parameter), so every answer can be pinned by a test.

pub mod accounts;
pub mod anomaly;
pub mod credits;
pub mod movers;
pub mod savings;
pub mod tags;

pub use anomaly::{DetectOptions, detect};
