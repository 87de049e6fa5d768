//! Where snapshots come from: the built-in demo account, or AWS (see the AWS data issue).

pub mod aws;
pub mod demo;
pub mod demo_analysis;
pub mod demo_edit;
