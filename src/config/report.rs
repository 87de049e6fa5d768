//! `[[report]]`: a report sent on a schedule (daily, weekly on Mondays, monthly on the 1st, at
//! a UTC time) to sinks named in `[[alerts.sink]]`.
//!
//! The sink names are kept with where they stand in the file, so a name that matches no sink
//! is refused with its line — a typo there would otherwise be a report that never arrives.

use chrono::NaiveTime;
use serde::{Deserialize, Deserializer};
use toml::Spanned;

use super::SinkConfig;
use crate::report::Format;
use crate::schedule::{Every, Schedule, parse_at};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    pub name: String,
    pub every: Every,
    /// HH:MM, UTC.
    #[serde(default, deserialize_with = "at")]
    pub at: NaiveTime,
    #[serde(deserialize_with = "format")]
    pub format: Format,
    /// Sink names from `[[alerts.sink]]`.
    pub to: Vec<Spanned<String>>,
}

impl ReportConfig {
    pub fn schedule(&self) -> Schedule {
        Schedule {
            every: self.every,
            at: self.at,
        }
    }

    /// The sink names, without where they stand.
    pub fn sinks(&self) -> Vec<String> {
        self.to.iter().map(|s| s.get_ref().clone()).collect()
    }
}

/// Any format `awsdash report --format` takes, so the two never disagree.
fn format<'de, D: Deserializer<'de>>(d: D) -> Result<Format, D::Error> {
    use clap::ValueEnum as _;
    let text = String::deserialize(d)?;
    Format::from_str(&text, true).map_err(|_| {
        let known: Vec<&str> = Format::value_variants().iter().map(|f| f.name()).collect();
        serde::de::Error::custom(format!(
            "format = {text:?} is not one of {}",
            known.join(", ")
        ))
    })
}

fn at<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
    parse_at(&String::deserialize(d)?).map_err(serde::de::Error::custom)
}

/// Names unique and present, each report sent somewhere, every sink named one that exists.
/// `text` is the file, to turn a name's place into its line.
pub(super) fn check(
    reports: &[ReportConfig],
    sinks: &[SinkConfig],
    text: &str,
) -> Result<(), String> {
    let hint = "hint: see [[report]] in config.example.toml";
    let line = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let mut names: Vec<&str> = Vec::new();
    for report in reports {
        let who = format!("[[report]] {:?}", report.name);
        if report.name.trim().is_empty() {
            return Err(format!("[[report]] needs a name\n{hint}"));
        }
        if names.contains(&report.name.as_str()) {
            return Err(format!("{who}: another report has the same name\n{hint}"));
        }
        names.push(&report.name);
        if report.to.is_empty() {
            return Err(format!(
                "{who}: to = [] sends it nowhere: name sinks of [[alerts.sink]]\n{hint}"
            ));
        }
        let mut seen: Vec<&str> = Vec::new();
        for to in &report.to {
            let name = to.get_ref().as_str();
            let at = line(to.span().start);
            if seen.contains(&name) {
                return Err(format!(
                    "line {at}: {who}: sink {name:?} is named twice\n{hint}"
                ));
            }
            seen.push(name);
            if !sinks.iter().any(|s| s.name == name) {
                let known: Vec<String> = sinks.iter().map(|s| format!("{:?}", s.name)).collect();
                let known = match known.is_empty() {
                    true => "there is no [[alerts.sink]] at all".to_string(),
                    false => format!("the sinks are {}", known.join(", ")),
                };
                return Err(format!(
                    "line {at}: {who}: to names {name:?}, which is no [[alerts.sink]] ({known})\n{hint}"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, "t.toml".as_ref()).map_err(|e| e.to_string())
    }

    const SINKS: &str =
        "[[alerts.sink]]\nname = \"ops-slack\"\nkind = \"slack\"\nurl_env = \"U\"\n";

    #[test]
    fn the_documented_report_parses() {
        let c = parse(&format!(
            "{SINKS}[[report]]\nname = \"weekly summary\"\nevery = \"weekly\"\nat = \"08:00\"\nformat = \"md\"\nto = [\"ops-slack\"]\n"
        ))
        .expect("valid");
        let r = &c.report[0];
        assert_eq!(r.sinks(), ["ops-slack"]);
        assert_eq!(r.schedule().every, crate::schedule::Every::Weekly);
        assert_eq!(r.at.to_string(), "08:00:00");
        assert_eq!(r.format, crate::report::Format::Md);
        let c = parse(&format!(
            "{SINKS}[[report]]\nname = \"m\"\nevery = \"monthly\"\nformat = \"json\"\nto = [\"ops-slack\"]\n"
        ))
        .expect("at defaults to midnight");
        assert_eq!(c.report[0].at, chrono::NaiveTime::MIN);
    }

    #[test]
    fn mistakes_are_refused_with_their_line() {
        for (report, says, line) in [
            (
                "every = \"weekly\"\nformat = \"md\"\nto = [\"nope\"]\n",
                "to names \"nope\", which is no [[alerts.sink]]",
                9,
            ),
            (
                "every = \"weekly\"\nat = \"8am\"\nformat = \"md\"\nto = [\"ops-slack\"]\n",
                "HH:MM",
                8,
            ),
            (
                "every = \"weekly\"\nformat = \"docx\"\nto = [\"ops-slack\"]\n",
                "format = \"docx\" is not one of md",
                8,
            ),
            (
                "every = \"hourly\"\nformat = \"md\"\nto = [\"ops-slack\"]\n",
                "unknown variant `hourly`",
                7,
            ),
            (
                "every = \"daily\"\nformat = \"md\"\nto = [\"ops-slack\", \"ops-slack\"]\n",
                "named twice",
                9,
            ),
            (
                "every = \"daily\"\nformat = \"md\"\nto = []\n",
                "sends it nowhere",
                0,
            ),
            (
                "every = \"daily\"\nformat = \"md\"\nto = [\"ops-slack\"]\ncc = 1\n",
                "unknown field `cc`",
                10,
            ),
        ] {
            let text = format!("{SINKS}[[report]]\nname = \"r\"\n{report}");
            let err = parse(&text).expect_err(report);
            assert!(err.contains(says), "{report}: {err}");
            if line > 0 {
                assert!(err.contains(&format!("line {line}")), "{report}: {err}");
            }
        }
        let twice = format!(
            "{SINKS}[[report]]\nname = \"r\"\nevery = \"daily\"\nformat = \"md\"\nto = [\"ops-slack\"]\n[[report]]\nname = \"r\"\nevery = \"daily\"\nformat = \"md\"\nto = [\"ops-slack\"]\n"
        );
        assert!(parse(&twice).expect_err("twice").contains("same name"));
        let none = "[[report]]\nname = \"r\"\nevery = \"daily\"\nformat = \"md\"\nto = [\"x\"]\n";
        assert!(
            parse(none)
                .expect_err("no sinks")
                .contains("no [[alerts.sink]] at all")
        );
    }
}
