//! `awsdash doctor`: one line per check with ✓/✗ and, for each failure, the fix.

use crate::error::AppError;
use crate::settings::Settings;

/// The outcome of one check.
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

impl Check {
    pub fn line(&self) -> String {
        let mark = if self.ok { "✓" } else { "✗" };
        format!("{mark} {:<28} {}", self.name, self.detail)
    }
}

/// Local checks that need no AWS call: config, cache and log locations.
pub fn local_checks(settings: &Settings) -> Vec<Check> {
    let config = if settings.config_file.exists() {
        format!("{} (valid)", settings.config_file.display())
    } else {
        format!(
            "{} (not present; defaults in use — see config.example.toml)",
            settings.config_file.display()
        )
    };
    vec![
        Check {
            name: "config".into(),
            ok: true,
            detail: config,
        },
        writable("cache directory", &settings.cache_dir),
        writable("log directory", &settings.paths.data_dir),
    ]
}

fn writable(name: &str, dir: &std::path::Path) -> Check {
    let probe = dir.join(".awsdash-doctor");
    let result = std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::write(&probe, b"ok"))
        .and_then(|_| std::fs::remove_file(&probe));
    Check {
        name: name.into(),
        ok: result.is_ok(),
        detail: match result {
            Ok(()) => format!("{} (writable)", dir.display()),
            Err(e) => format!(
                "{}: {e} — fix the permissions or choose another [cache] dir",
                dir.display()
            ),
        },
    }
}

pub async fn run(settings: &Settings) -> Result<(), AppError> {
    let mut checks = local_checks(settings);
    if settings.demo {
        checks.push(Check {
            name: "data source".into(),
            ok: true,
            detail: "demo (no AWS calls are made)".into(),
        });
    }
    for check in &checks {
        println!("{}", check.line());
    }
    if checks.iter().all(|c| c.ok) {
        Ok(())
    } else {
        Err(AppError::Usage("some checks failed: see the fixes above".into()))
    }
}
