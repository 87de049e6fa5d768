//! `snapshot --include` against the emulator: every analysis section to the cent against
//! sums the test makes itself from the seeded line items, for several windows and filters;
//! a member account's refusals and an unenrolled Cost Optimization Hub are notes, not
//! failures; AWS's drivers are asked only about complete months.

mod support;

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{Datelike, Duration};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use awsdash::model::filter::Attributes;
use awsdash::model::window::{month_to_date, previous_month_same_days};
use awsdash::model::{Filter, FilterSet, Window};
use awsdash::source::demo::LineItem;
use support::Emulator;
use support::fixture::{demo_items, fetch_range, fixture, last_days, today};
use support::home::{Home, window_args};

const ALL: &str = "tags,accounts,changes,credits,savings";

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("string amount: {v}"))).expect("decimal")
}

fn recommendation(id: &str, resource: &str, action: &str, savings: f64) -> Value {
    json!({
        "recommendationId": id, "accountId": "493817265012", "region": "us-east-1",
        "resourceId": resource, "currentResourceType": "Ec2Instance", "actionType": action,
        "estimatedMonthlySavings": savings, "estimatedMonthlyCost": 300.0,
        "source": "ComputeOptimizer",
    })
}

/// The demo account's items, with the analysis APIs' fixture: two activated keys, three
/// recommendations for two resources, an active and an exhausted credit.
fn seed(emu: &Emulator, items: &[LineItem], extra: Value) {
    let mut f = fixture(items, 500);
    let expires = (today() + Duration::days(200))
        .and_hms_opt(0, 0, 0)
        .expect("time")
        .and_utc()
        .timestamp();
    let started = (today() - Duration::days(100))
        .and_hms_opt(0, 0, 0)
        .expect("time")
        .and_utc()
        .timestamp();
    let amount = |a: &str| json!({"currencyCode": "USD", "currencyAmount": a});
    let credit = |id: &str, description: &str, remaining: &str| {
        json!({
            "creditId": id, "accountId": support::TEST_ACCOUNT_ID, "creditType": "Promotion",
            "initialAmount": amount("1000"), "remainingAmount": amount(remaining),
            "description": description, "startDate": started, "endDate": expires,
            "creditStatus": "ENABLED", "applicationType": "AfterDiscounts",
        })
    };
    f["cost_allocation_tags"] = json!([
        {"TagKey": "team", "Type": "UserDefined", "Status": "Active"},
        {"TagKey": "project", "Type": "UserDefined", "Status": "Active"},
    ]);
    f["coh"] = json!({"enrolled": true, "recommendations": [
        recommendation("r1", "i-aaa", "Rightsize", 12.5),
        recommendation("r2", "i-aaa", "Stop", 40.1),
        recommendation("r3", "vol-bbb", "Delete", 8.0),
    ]});
    f["credits"] = json!([
        credit("c1", "AWS Activate", "600.25"),
        credit("c2", "Free Tier (used up)", "0"),
    ]);
    for (k, v) in extra.as_object().into_iter().flatten() {
        f[k] = v.clone();
    }
    emu.seed(&f);
}

fn sums(
    items: &[LineItem],
    window: &Window,
    set: &FilterSet,
    key: impl Fn(&LineItem) -> String,
) -> BTreeMap<String, Decimal> {
    let mut out = BTreeMap::new();
    for i in items
        .iter()
        .filter(|i| window.contains(i.date) && set.matches(*i))
    {
        *out.entry(key(i)).or_default() += i.amount.amount();
    }
    out
}

#[test]
fn every_section_matches_the_fixture_to_the_cent_for_windows_and_filters() {
    let emu = Emulator::start();
    let widest = last_days(60);
    let items = demo_items(fetch_range(widest), None);
    seed(&emu, &items, json!({}));
    let day = today();
    for (window, filters) in [
        (last_days(30), &[][..]),
        (last_days(7), &["account=786154390127"][..]),
        (last_days(14), &["region=us-east-1"][..]),
        (last_days(30), &["tag:team=web"][..]),
    ] {
        let what = format!("{window} {filters:?}");
        let set = FilterSet::new(filters.iter().map(|f| f.parse::<Filter>().expect("filter")));
        let home = Home::new();
        let mut args: Vec<String> = window_args(window);
        args.extend([
            "--include".into(),
            ALL.into(),
            "--tag-key".into(),
            "team".into(),
        ]);
        for f in filters {
            args.extend(["--filter".into(), f.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let v = home.snapshot(&emu, &args);
        let total = dec(&v["total"]);

        // Tags: every value, the untagged one too, summing to the total.
        let want = sums(&items, &window, &set, |i| {
            i.tag("team").unwrap_or("").to_string()
        });
        let got: BTreeMap<String, Decimal> = v["tags"]["values"]
            .as_array()
            .expect("values")
            .iter()
            .map(|x| {
                (
                    x["value"].as_str().expect("value").to_string(),
                    dec(&x["cost"]),
                )
            })
            .collect();
        assert_eq!(got, want, "{what}: tag values");
        assert_eq!(
            got.values().sum::<Decimal>(),
            total,
            "{what}: tags sum to total"
        );
        let untagged = want.get("").copied().unwrap_or_default();
        assert_eq!(dec(&v["tags"]["untagged"]["cost"]), untagged, "{what}");
        assert_eq!(
            v["tags"]["active_keys"],
            json!(["project", "team"]),
            "{what}"
        );

        // Accounts: window, month to date, the same days of last month; names from CE.
        let by = |w: &Window| sums(&items, w, &set, |i| i.account.to_string());
        let (cost, mtd, before) = (
            by(&window),
            by(&month_to_date(day)),
            by(&previous_month_same_days(day)),
        );
        for a in v["accounts"].as_array().expect("accounts") {
            let id = a["id"].as_str().expect("id");
            let get = |m: &BTreeMap<String, Decimal>| m.get(id).copied().unwrap_or_default();
            assert_eq!(dec(&a["cost"]), get(&cost), "{what}: {id} cost");
            assert_eq!(dec(&a["month_to_date"]), get(&mtd), "{what}: {id} mtd");
            assert_eq!(
                dec(&a["previous_month_same_days"]),
                get(&before),
                "{what}: {id} last month"
            );
            assert!(a["name"].is_string(), "{what}: {id} is named");
        }
        let accounts_total: Decimal = v["accounts"]
            .as_array()
            .expect("accounts")
            .iter()
            .map(|a| dec(&a["cost"]))
            .sum();
        assert_eq!(accounts_total, total, "{what}: accounts sum to total");

        // Changes: account movers against the previous period, largest |delta| first.
        let previous = by(&window.previous());
        let movers = v["changes"]["movers"].as_array().expect("movers");
        for m in movers.iter().filter(|m| m["dimension"] == "account") {
            let id = m["name"].as_str().expect("name");
            let was = previous.get(id).copied().unwrap_or_default();
            assert_eq!(dec(&m["previous"]), was, "{what}: {id} previous");
            assert_eq!(
                dec(&m["delta"]),
                dec(&m["cost"]) - was,
                "{what}: {id} delta"
            );
        }
        let deltas: Vec<Decimal> = movers.iter().map(|m| dec(&m["delta"]).abs()).collect();
        assert!(deltas.windows(2).all(|w| w[0] >= w[1]), "{what}: sorted");
        assert!(
            v["changes"]["drivers"].is_array(),
            "{what}: {}",
            v["changes"]
        );

        // Credits: gross, credits, refunds, net per month by record type.
        let (this, last) = awsdash::analysis::credits::months(day);
        for (month, key) in [(this, "this_month"), (last, "last_month")] {
            let by_type = sums(&items, &month, &set, |i| i.record_type.to_string());
            let credits = by_type.get("Credit").copied().unwrap_or_default();
            let refunds = by_type.get("Refund").copied().unwrap_or_default();
            let net: Decimal = by_type.values().sum();
            let c = &v["credits"][key];
            assert_eq!(dec(&c["credits"]), credits, "{what}: {key} credits");
            assert_eq!(dec(&c["refunds"]), refunds, "{what}: {key} refunds");
            assert_eq!(dec(&c["net"]), net, "{what}: {key} net");
            assert_eq!(
                dec(&c["gross"]),
                net - credits - refunds,
                "{what}: {key} gross"
            );
        }
        let balances = v["credits"]["balances"].as_array().expect("balances");
        assert_eq!(dec(&balances[0]["remaining"]), Decimal::new(60025, 2));

        // Savings: one item per resource, its largest saving; the total is their sum.
        let s = &v["savings"];
        let got: Vec<(&str, &str)> = s["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| {
                (
                    i["resource_id"].as_str().expect("id"),
                    i["action"].as_str().expect("a"),
                )
            })
            .collect();
        assert_eq!(got, [("i-aaa", "Stop"), ("vol-bbb", "Delete")], "{what}");
        assert_eq!(dec(&s["total_monthly"]), Decimal::new(481, 1), "{what}");
    }
}

#[test]
fn a_member_accounts_refusals_and_no_enrolment_are_notes_not_failures() {
    let emu = Emulator::start();
    let window = last_days(30);
    let items = demo_items(fetch_range(window), None);
    seed(
        &emu,
        &items,
        json!({"linked_account": true, "coh": {"enrolled": false}}),
    );
    emu.fault(
        json!({"service": "organizations", "operation": "ListAccounts",
                     "kind": "access_denied", "count": -1}),
    );
    let home = Home::new();
    let mut args = window_args(window);
    args.extend(["--include".into(), ALL.into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let v = home.snapshot(&emu, &args);
    assert!(v["tags"]["active_keys"].is_null());
    assert_eq!(
        v["tags"]["note"],
        "activation status is visible only from the payer account"
    );
    assert!(v["accounts"].as_array().is_some_and(|a| !a.is_empty()));
    assert!(v["credits"]["balances"].is_null());
    assert!(
        v["credits"]["note"]
            .as_str()
            .is_some_and(|n| n.contains("root user")),
        "{}",
        v["credits"]
    );
    assert!(v["credits"]["this_month"]["net"].is_string());
    let why = v["savings"]["unavailable"].as_str().expect("unavailable");
    assert!(why.contains("opt in"), "{why}");
    assert!(v["savings"].get("items").is_none());
}

#[test]
fn drivers_are_asked_only_about_the_last_two_complete_months() {
    let emu = Emulator::start();
    let window = last_days(7);
    seed(&emu, &demo_items(fetch_range(window), None), json!({}));
    let home = Home::new();
    let mut args = window_args(window);
    args.extend(["--include".into(), "changes".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let v = home.snapshot(&emu, &args);
    assert!(v["changes"]["drivers"].is_array(), "{}", v["changes"]);
    let first = today().with_day(1).expect("first");
    let asked: Vec<Value> = emu
        .journal()
        .into_iter()
        .filter(|e| e["operation"] == "GetCostComparisonDrivers")
        .collect();
    assert!(!asked.is_empty());
    for e in asked {
        for period in ["BaselineTimePeriod", "ComparisonTimePeriod"] {
            let p = &e["request"][period];
            let start: chrono::NaiveDate = p["Start"].as_str().expect("start").parse().expect("d");
            let end: chrono::NaiveDate = p["End"].as_str().expect("end").parse().expect("d");
            assert_eq!(start.day(), 1, "{p}");
            assert_eq!(end.day(), 1, "{p}");
            assert!(end <= first, "never the month in progress: {p}");
        }
    }
}
