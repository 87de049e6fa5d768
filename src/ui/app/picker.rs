//! The filter picker's state: the `f` dialog lists the dimensions, then the values AWS
//! returned for the chosen one, both narrowed by typing.

use crate::model::{Dimension, FilterValues};

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
