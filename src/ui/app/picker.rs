//! The filter picker's state: the `f` dialog lists the dimensions, then the values AWS
//! returned for the chosen one, both narrowed by typing.

use super::{App, Overlay};
use crate::model::{Dimension, Filter, FilterValues};
use crate::poller::Command;

/// What the filter picker is asking for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickerStage {
    Dimension,
    Value(Dimension),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    Dimension(Dimension),
    Value(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub label: String,
    pub pick: Pick,
}

/// The `f` dialog: choose a dimension, then a value, typing to narrow either list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterPicker {
    pub stage: PickerStage,
    pub search: String,
    pub selected: usize,
    pub choices: Vec<Choice>,
    /// Indices into `choices` that match `search`, in order.
    pub matches: Vec<usize>,
}

impl FilterPicker {
    pub(super) fn new(stage: PickerStage, choices: Vec<Choice>) -> Self {
        let mut picker = FilterPicker {
            stage,
            search: String::new(),
            selected: 0,
            matches: Vec::new(),
            choices,
        };
        picker.rematch();
        picker
    }

    pub(super) fn rematch(&mut self) {
        let needle = self.search.to_lowercase();
        self.matches = self
            .choices
            .iter()
            .enumerate()
            .filter(|(_, c)| c.label.to_lowercase().contains(&needle))
            .map(|(i, _)| i)
            .collect();
        self.selected = self.selected.min(self.matches.len().saturating_sub(1));
    }

    pub fn current(&self) -> Option<&Choice> {
        self.matches.get(self.selected).map(|&i| &self.choices[i])
    }
}

/// The dimensions to filter by: region, service, account, then the tag keys — those named in
/// `[view] tag_keys` first, in that order.
pub fn dimension_choices(fv: &FilterValues, tag_keys: &[String]) -> Vec<Choice> {
    let mut choices = vec![
        Choice {
            label: "Region".into(),
            pick: Pick::Dimension(Dimension::Region),
        },
        Choice {
            label: "Service".into(),
            pick: Pick::Dimension(Dimension::Service),
        },
        Choice {
            label: "Account".into(),
            pick: Pick::Dimension(Dimension::Account),
        },
    ];
    let mut keys: Vec<&String> = tag_keys
        .iter()
        .filter(|k| fv.tags.contains_key(*k))
        .collect();
    keys.extend(fv.tags.keys().filter(|k| !tag_keys.contains(k)));
    choices.extend(keys.into_iter().map(|k| Choice {
        label: format!("Tag: {k}"),
        pick: Pick::Dimension(Dimension::Tag(k.clone())),
    }));
    choices
}

/// The values of `dimension`; a tag offers "(untagged)" too.
pub fn value_choices(fv: &FilterValues, dimension: &Dimension) -> Vec<Choice> {
    let plain = |values: &[String]| {
        values
            .iter()
            .map(|v| Choice {
                label: v.clone(),
                pick: Pick::Value(v.clone()),
            })
            .collect::<Vec<_>>()
    };
    match dimension {
        Dimension::Region => plain(&fv.regions),
        Dimension::Service => plain(&fv.services),
        Dimension::Account => fv
            .accounts
            .iter()
            .map(|(id, name)| Choice {
                label: format!("{id}  {name}"),
                pick: Pick::Value(id.clone()),
            })
            .collect(),
        Dimension::Tag(key) => {
            let mut choices = plain(fv.tags.get(key).map(Vec::as_slice).unwrap_or(&[]));
            choices.push(Choice {
                label: "(untagged)".into(),
                pick: Pick::Value(String::new()),
            });
            choices
        }
    }
}

/// The dashboard's side of the picker: opening it on the dimensions, and what `Enter` picks.
impl App {
    /// `f`: the picker on the dimensions the newest snapshot knows values of.
    pub(super) fn open_picker(&mut self) {
        let Some(snapshot) = &self.latest else {
            return;
        };
        let choices = dimension_choices(&snapshot.filter_values, &self.options.tag_keys);
        self.overlay = Overlay::Filter(FilterPicker::new(PickerStage::Dimension, choices));
    }

    fn value_choices(&self, dimension: &Dimension) -> Vec<Choice> {
        match &self.latest {
            Some(snapshot) => value_choices(&snapshot.filter_values, dimension),
            None => Vec::new(),
        }
    }

    /// `Enter` on `choice` at `stage`: a dimension opens its values, a value adds the filter.
    pub(super) fn pick(&mut self, stage: PickerStage, choice: Option<Choice>) -> Option<Command> {
        match (stage, choice) {
            (_, None) => None,
            (
                _,
                Some(Choice {
                    pick: Pick::Dimension(d),
                    ..
                }),
            ) => {
                let choices = self.value_choices(&d);
                self.overlay = Overlay::Filter(FilterPicker::new(PickerStage::Value(d), choices));
                None
            }
            (
                PickerStage::Value(d),
                Some(Choice {
                    pick: Pick::Value(v),
                    ..
                }),
            ) => {
                self.overlay = Overlay::None;
                self.add_filter(Filter::new(d, v))
            }
            (PickerStage::Dimension, Some(_)) => None,
        }
    }
}
