//! Shared integration-test support. Use from a test crate with `mod support;`.
//! Different test binaries use different subsets, hence the allows.
#![allow(dead_code, unused_imports)]

pub mod emulator;
pub mod fixture;
pub mod home;
pub mod process;
pub mod prometheus;
pub mod receiver;
pub mod sns;

pub use emulator::{
    Emulator, INSTALL_HINT, PYTHON_ENV, TEST_ACCESS_KEY, TEST_ACCOUNT_ID, TEST_SECRET_KEY,
    emulator_script, free_port, resolve_python, unavailable_message,
};
