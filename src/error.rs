//! Errors that end a command, each with the exit code the README documents:
//! 2 usage or config, 3 AWS credentials or permissions, 4 AWS unavailable after retries.

use std::process::ExitCode;

use crate::config::ConfigError;
use crate::model::{FilterError, WindowError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Credentials missing or expired, or an action not allowed. The text says what to do.
    #[error("{0}")]
    Credentials(String),
    /// AWS could not be reached or kept failing after retries.
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Other(String),
    /// The command already told the user what went wrong (each failed section on its own
    /// line); only the exit code is left to give.
    #[error("")]
    Reported(u8),
    /// `--fail-on-alert` and alerts fire: exit code 5.
    #[error("{0} alert(s) fire (--fail-on-alert)")]
    AlertsFire(usize),
    /// The dashboard was ended by a signal, the terminal restored: `code` is 128 + its
    /// number, what a shell reports for a process the signal killed, so wrappers can tell.
    #[error("stopped by {name}")]
    Signal { name: &'static str, code: u8 },
}

impl AppError {
    pub fn code(&self) -> u8 {
        match self {
            AppError::Usage(_) | AppError::Config(_) => 2,
            AppError::Credentials(_) => 3,
            AppError::Unavailable(_) => 4,
            AppError::Other(_) => 1,
            AppError::Reported(code) => *code,
            AppError::AlertsFire(_) => 5,
            AppError::Signal { code, .. } => *code,
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code())
    }

    /// Whether `main` still has to print the message.
    pub fn needs_saying(&self) -> bool {
        !matches!(self, AppError::Reported(_))
    }
}

impl From<WindowError> for AppError {
    fn from(e: WindowError) -> Self {
        AppError::Usage(e.to_string())
    }
}

impl From<FilterError> for AppError {
    fn from(e: FilterError) -> Self {
        AppError::Usage(e.to_string())
    }
}
