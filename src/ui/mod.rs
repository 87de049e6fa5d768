//! The interactive dashboard.

pub mod terminal;
