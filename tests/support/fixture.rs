//! Emulator fixtures made from the demo account's line items, so integration tests seed
//! realistic data (33 services, 11 regions, two accounts, tags, credits) with one call.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};

use awsdash::model::{FilterSet, Query, Window};
use awsdash::source::demo::{self, LineItem};

pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

pub fn last_days(n: i64) -> Window {
    Window::last_days(today(), n).expect("window")
}

/// The days awsdash fetches for `window` (previous period, this and last month included).
pub fn fetch_range(window: Window) -> Window {
    Query {
        window,
        filters: FilterSet::default(),
    }
    .fetch_range(today())
}

/// The demo account's line items over `range`, optionally only some services (smaller
/// fixtures keep the emulator quick on long windows).
pub fn demo_items(range: Window, services: Option<&[&str]>) -> Vec<LineItem> {
    demo::line_items(today(), range)
        .filter(|i| services.is_none_or(|s| s.contains(&i.service)))
        .collect()
}

/// The emulator fixture for `items`, answering `page_size` groups per page.
pub fn fixture(items: &[LineItem], page_size: usize) -> Value {
    let accounts: BTreeMap<&str, &str> = demo::ACCOUNTS.iter().copied().collect();
    json!({
        "estimated_days": 2,
        "page_size": page_size,
        "accounts": accounts,
        "items": items.iter().map(|i| json!({
            "date": i.date.to_string(),
            "service": i.service,
            "region": i.region,
            "account": i.account,
            "record_type": i.record_type,
            "tags": i.tags.iter().copied().collect::<BTreeMap<_, _>>(),
            "amount": i.amount.to_string(),
        })).collect::<Vec<_>>(),
    })
}
