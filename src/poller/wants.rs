//! Which analysis sections someone wants, and by which tag key: a section is fetched only
//! once a view asks for it (or `--include`, or `collect`), and from then on kept fresh.

use crate::model::Section;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wants {
    /// In the order first asked for.
    pub sections: Vec<Section>,
    /// The key the tags section allocates by; `None` means the first key AWS knows.
    pub tag_key: Option<String>,
}

impl Wants {
    /// Nothing wanted yet, tags by the first of `[view] tag_keys`.
    pub fn new(tag_keys: &[String]) -> Self {
        Wants {
            sections: Vec::new(),
            tag_key: tag_keys.first().cloned(),
        }
    }

    /// `sections` wanted from the start (`snapshot --include`, `collect`).
    pub fn with(mut self, sections: &[Section]) -> Self {
        for s in sections {
            self.want(*s);
        }
        self
    }

    /// Returns whether this is news.
    pub fn want(&mut self, section: Section) -> bool {
        let new = !self.sections.contains(&section);
        if new {
            self.sections.push(section);
        }
        new
    }

    pub fn wants(&self, section: Section) -> bool {
        self.sections.contains(&section)
    }
}
