//! A strict parser of the Prometheus text exposition format (version 0.0.4), so tests read
//! `/metrics` the way Prometheus does and fail on anything it would refuse: a bad name, a
//! label value with an unknown escape, a sample before its TYPE, a family split in two, the
//! same series twice, a missing final newline.

use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Family {
    pub help: Option<String>,
    pub kind: Option<String>,
    pub samples: Vec<Sample>,
}

/// Families by name (the name in `# TYPE`).
#[derive(Debug, Default)]
pub struct Exposition {
    pub families: BTreeMap<String, Family>,
}

impl Exposition {
    pub fn family(&self, name: &str) -> &Family {
        self.families
            .get(name)
            .unwrap_or_else(|| panic!("no metric family {name} in {:?}", self.families.keys()))
    }

    /// The samples of `name` whose labels include `labels`.
    pub fn find(&self, name: &str, labels: &[(&str, &str)]) -> Vec<&Sample> {
        self.family(name)
            .samples
            .iter()
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .collect()
    }

    /// The one sample of `name` with `labels`.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let found = self.find(name, labels);
        assert_eq!(found.len(), 1, "{name}{labels:?}: {found:?}");
        found[0].value
    }
}

fn is_name(text: &str, colons: bool) -> bool {
    let mut chars = text.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colons && c == ':'));
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colons && c == ':'))
}

fn value(text: &str) -> Result<f64, String> {
    match text {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => text.parse().map_err(|_| format!("bad value {text:?}")),
    }
}

/// Reads `{k="v",…}` from the start of `rest`; returns the labels and what follows the `}`.
fn labels(rest: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut out = BTreeMap::new();
    let mut rest = rest.strip_prefix('{').ok_or("expected {")?;
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((out, after));
        }
        let (name, after) = rest.split_once("=\"").ok_or("expected name=\"")?;
        if !is_name(name, false) {
            return Err(format!("bad label name {name:?}"));
        }
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err("unterminated label value".into()),
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => return Err(format!("bad escape {other:?} in a label value")),
                },
                Some((_, '\n')) => return Err("raw newline in a label value".into()),
                Some((_, c)) => value.push(c),
            }
        };
        if out.insert(name.to_string(), value).is_some() {
            return Err(format!("label {name} twice"));
        }
        rest = &after[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

fn unescape_help(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                other => return Err(format!("bad escape {other:?} in HELP")),
            },
            c => out.push(c),
        }
    }
    Ok(out)
}

/// The family a sample belongs to: its own name, or the histogram/summary it is part of.
fn family_of<'a>(name: &'a str, families: &BTreeMap<String, Family>) -> &'a str {
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = name.strip_suffix(suffix)
            && families
                .get(base)
                .is_some_and(|f| matches!(f.kind.as_deref(), Some("histogram" | "summary")))
        {
            return base;
        }
    }
    name
}

pub fn parse(text: &str) -> Result<Exposition, String> {
    if !text.is_empty() && !text.ends_with('\n') {
        return Err("the last line has no newline".into());
    }
    let mut exposition = Exposition::default();
    let mut series = BTreeSet::new();
    let mut finished = BTreeSet::new();
    let mut current: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let fail = |why: String| format!("line {}: {why}: {line:?}", n + 1);
        if line.trim().is_empty() {
            continue;
        }
        let family = if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
            let f = exposition.families.entry(name.to_string()).or_default();
            if f.help.is_some() {
                return Err(fail("a second HELP".into()));
            }
            f.help = Some(unescape_help(help).map_err(fail)?);
            name.to_string()
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').ok_or_else(|| fail("no type".into()))?;
            if !matches!(
                kind,
                "counter" | "gauge" | "histogram" | "summary" | "untyped"
            ) {
                return Err(fail(format!("unknown type {kind}")));
            }
            let f = exposition.families.entry(name.to_string()).or_default();
            if f.kind.is_some() || !f.samples.is_empty() {
                return Err(fail("TYPE twice, or after its samples".into()));
            }
            f.kind = Some(kind.to_string());
            name.to_string()
        } else if line.starts_with('#') {
            continue;
        } else {
            let end = line
                .find(['{', ' '])
                .ok_or_else(|| fail("no value".into()))?;
            let name = &line[..end];
            if !is_name(name, true) {
                return Err(fail(format!("bad metric name {name:?}")));
            }
            let (labels, rest) = match line[end..].starts_with('{') {
                true => labels(&line[end..]).map_err(fail)?,
                false => (BTreeMap::new(), &line[end..]),
            };
            let mut fields = rest.split_whitespace();
            let value =
                value(fields.next().ok_or_else(|| fail("no value".into()))?).map_err(fail)?;
            if let Some(ts) = fields.next() {
                ts.parse::<i64>()
                    .map_err(|_| fail("bad timestamp".into()))?;
            }
            if fields.next().is_some() {
                return Err(fail("text after the value".into()));
            }
            if !series.insert(format!("{name}{labels:?}")) {
                return Err(fail("the same series twice".into()));
            }
            let family = family_of(name, &exposition.families).to_string();
            exposition
                .families
                .entry(family.clone())
                .or_default()
                .samples
                .push(Sample {
                    name: name.to_string(),
                    labels,
                    value,
                });
            family
        };
        if current.as_deref() != Some(family.as_str()) {
            if finished.contains(&family) {
                return Err(fail(format!("family {family} split in two")));
            }
            if let Some(done) = current.replace(family.clone()) {
                finished.insert(done);
            }
        }
    }
    Ok(exposition)
}
