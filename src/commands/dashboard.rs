//! `awsdash` with no subcommand: the interactive dashboard.

use std::io::IsTerminal;

use chrono::Utc;

use crate::error::AppError;
use crate::poller;
use crate::settings::Settings;
use crate::source::demo::DemoSource;
use crate::ui::app::{App, Options};
use crate::ui::event_loop;
use crate::ui::theme::Theme;

pub async fn run(settings: &Settings) -> Result<(), AppError> {
    if !std::io::stdout().is_terminal() {
        return Err(AppError::Usage(
            "the dashboard needs a terminal, and stdout is not one: for text, JSON or CSV use \
             `awsdash snapshot` (e.g. `awsdash snapshot --json`)"
                .into(),
        ));
    }
    let handle = if settings.demo {
        // Demo alerts are shown, never delivered.
        poller::spawn_demo(
            DemoSource {
                exclude_credits: settings.view.exclude_credits,
            },
            settings.query.clone(),
            settings.alerts.clone(),
            poller::Wants::new(&settings.view.tag_keys),
            crate::audit::AuditLog::for_settings(settings, None),
        )
    } else {
        let (poller, engine) = super::aws_poller(settings).await?;
        poller::spawn_aws(poller, engine)
    };
    let theme = Theme::new(&settings.ui, Theme::no_color_env(), Theme::dumb_term_env());
    let app = App::new(
        Options::from_settings(settings, theme),
        settings.query.clone(),
        Utc::now(),
    );
    let ended = event_loop::run(app, handle, settings.ui.mouse).await;
    crate::store::lease::give_back_on_exit().await;
    ended
}
