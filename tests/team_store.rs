//! The shared DynamoDB store against the emulator's DynamoDB (moto) over real HTTP: the lease
//! as fixed sequences with an injected clock, generations a reader sees whole, a large cube
//! exactly, five real processes paying for one cold set of Cost Explorer calls, one alert
//! delivered once by two processes, and the table commands.
//!
//! moto's conditional writes are not atomic under racing requests, so nothing here passes by
//! winning a race: the sequences are fixed, and the five-process run relies on the lease's
//! settle-and-read-back and on losers waiting for the holder's generation (see src/store).

mod support;

use std::collections::BTreeSet;
use std::process::{Output, Stdio};

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use awsdash::cache::CacheKey;
use awsdash::model::{CostCube, CubeBuilder, DataOrigin, Money, Window};
use awsdash::store::DynamoStore;
use awsdash::store::lease::Taken;
use support::Emulator;
use support::fixture::{demo_items, fetch_range, fixture, last_days};
use support::home::{Home, window_args};
use support::receiver::{Receiver, Reply};

const TABLE: &str = "awsdash-cache";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("runtime")
}

/// A fixed instant: lease expiry is compared with stored times only, never with today.
fn t0() -> DateTime<Utc> {
    "2026-11-25T12:00:00Z".parse().expect("time")
}

/// A DynamoDB client in the region the binary runs with in these tests (`Home` sets it).
fn client(emu: &Emulator, rt: &tokio::runtime::Runtime) -> aws_sdk_dynamodb::Client {
    let config = rt
        .block_on(emu.sdk_config())
        .into_builder()
        .region(aws_config::Region::new("eu-west-1"))
        .build();
    aws_sdk_dynamodb::Client::new(&config)
}

/// The store as `holder` on another machine would see it; `settle` zero for fixed sequences.
fn store(emu: &Emulator, rt: &tokio::runtime::Runtime, holder: &str) -> DynamoStore {
    DynamoStore::new(
        client(emu, rt),
        TABLE.into(),
        Duration::seconds(120),
        std::time::Duration::ZERO,
    )
    .as_holder(holder)
}

fn init(emu: &Emulator, rt: &tokio::runtime::Runtime) {
    rt.block_on(awsdash::store::table::init(&client(emu, rt), TABLE))
        .expect("table created");
}

fn holder(taken: &Taken) -> Option<&str> {
    match taken {
        Taken::Held { by, .. } => Some(by),
        Taken::Acquired(_) => None,
    }
}

#[test]
fn the_lease_is_taken_extended_released_and_taken_over_after_it_expires() {
    let emu = Emulator::start();
    let rt = rt();
    init(&emu, &rt);
    let a = store(&emu, &rt, "box-a:1");
    let b = store(&emu, &rt, "box-b:2");
    let pk = "q#ce-cube-123456789012-0000000000000001";

    let Taken::Acquired(mut lease_a) = rt.block_on(a.leases().acquire(pk, t0())).expect("acquire")
    else {
        panic!("a free lease is taken");
    };
    assert_eq!(lease_a.expires_at(), t0() + Duration::seconds(120));
    let seen = rt
        .block_on(b.leases().acquire(pk, t0() + Duration::seconds(1)))
        .expect("try");
    assert_eq!(holder(&seen), Some("box-a:1"), "held by the first");

    // Extended at 40 s, so still held at 130 s (past the first expiry).
    assert!(
        rt.block_on(lease_a.extend(t0() + Duration::seconds(40)))
            .expect("extend")
    );
    assert_eq!(lease_a.expires_at(), t0() + Duration::seconds(160));
    let seen = rt
        .block_on(b.leases().acquire(pk, t0() + Duration::seconds(130)))
        .expect("try");
    assert_eq!(holder(&seen), Some("box-a:1"), "the extension holds");
    assert_eq!(
        rt.block_on(b.leases().holder_of(pk, t0() + Duration::seconds(130)))
            .expect("read"),
        Some(("box-a:1".to_string(), t0() + Duration::seconds(160)))
    );

    // Released: B takes it at once, and A's old version can neither extend nor release it.
    assert!(rt.block_on(lease_a.release()).expect("release"));
    let Taken::Acquired(lease_b) = rt
        .block_on(b.leases().acquire(pk, t0() + Duration::seconds(131)))
        .expect("acquire")
    else {
        panic!("a released lease is free");
    };
    let Taken::Held { .. } = rt
        .block_on(a.leases().acquire(pk, t0() + Duration::seconds(132)))
        .expect("try")
    else {
        panic!("B holds it now");
    };

    // B vanishes (kill -9: never released, never extended). Until its expiry it holds…
    drop(lease_b);
    let until = t0() + Duration::seconds(131 + 120);
    let seen = rt
        .block_on(a.leases().acquire(pk, until - Duration::seconds(1)))
        .expect("try");
    assert_eq!(holder(&seen), Some("box-b:2"));
    // …then A takes over, judged by the stored expiry (TTL never ran: moto has none).
    let Taken::Acquired(mut lease_a) = rt
        .block_on(a.leases().acquire(pk, until + Duration::milliseconds(1)))
        .expect("acquire")
    else {
        panic!("an expired lease is taken over");
    };
    // A holder that was only slow finds it lost: its extension and release are refused.
    let c = store(&emu, &rt, "box-c:3");
    let Taken::Acquired(lease_c) = rt
        .block_on(c.leases().acquire(pk, until + Duration::seconds(121)))
        .expect("acquire")
    else {
        panic!("A's lease expired in turn");
    };
    assert!(
        !rt.block_on(lease_a.extend(until + Duration::seconds(122)))
            .expect("extend")
    );
    assert!(rt.block_on(lease_c.release()).expect("release"));
    assert_eq!(
        rt.block_on(a.leases().holder_of(pk, until + Duration::seconds(123)))
            .expect("read"),
        None
    );
}

#[test]
fn leases_still_held_at_exit_are_given_back_so_another_process_takes_over_at_once() {
    let emu = Emulator::start();
    let rt = rt();
    init(&emu, &rt);
    let leaver = store(&emu, &rt, "leaver:1");
    let next = store(&emu, &rt, "next:2");
    let pk = "q#exit-test";
    // A refresh abandoned mid-way: the lease is taken and never released by its fetch.
    let taken = rt
        .block_on(leaver.leases().acquire(pk, t0()))
        .expect("acquire");
    assert!(matches!(taken, Taken::Acquired(_)));
    std::mem::forget(taken);
    let held = rt
        .block_on(next.leases().acquire(pk, t0() + Duration::seconds(1)))
        .expect("acquire");
    assert_eq!(holder(&held), Some("leaver:1"));

    rt.block_on(awsdash::store::lease::release_held("leaver:1"));
    let taken = rt
        .block_on(next.leases().acquire(pk, t0() + Duration::seconds(2)))
        .expect("acquire");
    assert!(
        matches!(taken, Taken::Acquired(_)),
        "free long before the lease would have expired"
    );
}

fn cube_of(days: i64, services: usize, cents: i64) -> CostCube {
    let range = Window::new(
        "2025-10-01".parse().expect("date"),
        "2025-10-01".parse::<chrono::NaiveDate>().expect("date") + Duration::days(days),
    )
    .expect("window");
    let mut b = CubeBuilder::new(range);
    for (d, day) in range.iter_days().enumerate() {
        for s in 0..services {
            let amount = Money::from_units(cents + (d * 7 + s * 13) as i64 % 9_973, 2);
            b.add(day, &format!("Service {s:04}"), "us-east-1", amount);
        }
    }
    b.build()
}

#[test]
fn a_reader_during_a_refresh_sees_the_previous_generation_whole() {
    let emu = Emulator::start();
    let rt = rt();
    init(&emu, &rt);
    let writer = store(&emu, &rt, "box-a:1");
    let reader = store(&emu, &rt, "box-b:2");
    let key = CacheKey::new("ce-cube", "123456789012", &"query");
    let pk = awsdash::store::dynamo::partition(&key).expect("cacheable");
    let old = cube_of(60, 50, 100);
    let new = cube_of(60, 50, 200);
    assert_ne!(old, new);

    let gen1 = rt
        .block_on(writer.write_generation(&pk, "ce-cube", &old, t0(), None))
        .expect("chunks of gen 1");
    assert!(rt.block_on(writer.flip(&pk, &gen1, None)).expect("flip"));
    // Generation 2 is written, chunk by chunk, but meta not yet flipped: a reader starting
    // now gets generation 1, whole.
    let later = t0() + Duration::hours(6);
    let gen2 = rt
        .block_on(writer.write_generation(&pk, "ce-cube", &new, later, Some(&gen1)))
        .expect("chunks of gen 2");
    assert_eq!(gen2.generation, 2);
    let seen = rt
        .block_on(reader.get::<CostCube>(&key))
        .expect("an answer");
    assert_eq!(seen.value, old);
    assert_eq!(seen.fetched_at, t0());
    assert_eq!(
        seen.origin,
        DataOrigin::Shared {
            by: "box-a:1".into()
        }
    );
    // Another writer cannot flip over what it did not see; the flip of generation 2 lands.
    assert!(!rt.block_on(reader.flip(&pk, &gen2, None)).expect("refused"));
    assert!(
        rt.block_on(writer.flip(&pk, &gen2, Some(&gen1)))
            .expect("flip")
    );
    let seen = rt
        .block_on(reader.get::<CostCube>(&key))
        .expect("an answer");
    assert_eq!((seen.value, seen.fetched_at), (new, later));
    // Flipping again from generation 1 (a writer that lost the race) is refused.
    assert!(
        !rt.block_on(writer.flip(&pk, &gen1, Some(&gen1)))
            .expect("refused")
    );
}

#[test]
fn a_thousand_services_over_400_days_round_trip_exactly() {
    let emu = Emulator::start();
    let rt = rt();
    init(&emu, &rt);
    let a = store(&emu, &rt, "box-a:1");
    let b = store(&emu, &rt, "box-b:2");
    let cube = cube_of(400, 1_000, 1);
    let key = CacheKey::new("ce-cube", "123456789012", &"large");
    let pk = awsdash::store::dynamo::partition(&key).expect("cacheable");
    let meta = rt
        .block_on(a.write_generation(&pk, "ce-cube", &cube, t0(), None))
        .expect("written");
    assert!(rt.block_on(a.flip(&pk, &meta, None)).expect("flip"));
    eprintln!(
        "1,000 services x 400 days: {} bytes of JSON in {} chunks",
        meta.bytes, meta.chunks
    );
    assert!(meta.chunks > 1, "split into several items: {meta:?}");
    let back = rt.block_on(b.get::<CostCube>(&key)).expect("read back");
    // Exact to the cent: compare the values (decimals), cell by cell via PartialEq, and the
    // totals as decimals.
    assert_eq!(back.value, cube);
    let window = Window::new(
        "2025-10-01".parse().expect("date"),
        "2026-11-05".parse().expect("date"),
    )
    .expect("window");
    assert_eq!(back.value.total(&window), cube.total(&window));
    assert!(b.notes().take().is_empty());
}

/// A config naming the shared table (and a long lease: a test must not depend on expiry).
fn shared_config(home: &Home, extra: &str) -> String {
    home.config(&format!(
        "[store]\nkind = \"dynamodb\"\ntable = \"{TABLE}\"\nlease_secs = 120\n{extra}"
    ))
}

/// Starts `n` awsdash processes at once, each with a home of its own and a config naming the
/// shared table (plus `extra`), runs `args` in each and waits for all of them.
fn run_together(emu: &Emulator, n: usize, extra: &str, args: &[&str]) -> Vec<Output> {
    let homes: Vec<Home> = (0..n).map(|_| Home::new()).collect();
    let children: Vec<_> = homes
        .iter()
        .map(|home| {
            let config = shared_config(home, extra);
            let mut all = args.to_vec();
            all.extend(["--config", &config]);
            home.command(&emu.url(), &all)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("awsdash starts")
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().expect("awsdash ends"))
        .collect()
}

fn text(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The paid calls in the journal, by operation.
fn paid(emu: &Emulator) -> Vec<String> {
    let mut ops: Vec<String> = emu
        .journal()
        .iter()
        .filter(|e| e["service"] == "ce")
        .map(|e| e["operation"].as_str().unwrap_or("?").to_string())
        .collect();
    ops.sort();
    ops
}

#[test]
fn five_processes_started_together_pay_for_one_cold_set_of_calls_and_agree() {
    let emu = Emulator::start();
    let window = last_days(30);
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 400));
    let span = window_args(window);
    let mut args: Vec<&str> = vec!["snapshot", "--json"];
    args.extend(span.iter().map(String::as_str));

    // What one process alone pays for a cold start (on the disk store).
    let solo = Home::new();
    let out = solo.run(&emu, &args);
    assert!(out.status.success(), "{}", text(&out));
    let one_cold_set = paid(&emu);
    assert!(one_cold_set.len() >= 3, "{one_cold_set:?}");
    emu.clear_journal();

    let setup = Home::new();
    let config = shared_config(&setup, "");
    let out = setup.run(&emu, &["store", "init", "--config", &config]);
    assert!(out.status.success(), "{}", text(&out));

    let outputs = run_together(&emu, 5, "", &args);
    let mut totals = BTreeSet::new();
    let mut fetched = 0;
    for out in &outputs {
        assert!(out.status.success(), "{}", text(out));
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        totals.insert(format!(
            "{} {} {}",
            v["total"], v["month_to_date"], v["forecast"]
        ));
        match v["origin"]["cost_explorer"].as_str() {
            Some("fetched") => fetched += 1,
            Some("shared") => assert!(v["origin"]["fetched_by"].is_string(), "{v}"),
            other => panic!("unexpected origin {other:?}"),
        }
    }
    assert_eq!(
        paid(&emu),
        one_cold_set,
        "one cold set of Cost Explorer calls in all"
    );
    assert_eq!(
        totals.len(),
        1,
        "all five print the same numbers: {totals:?}"
    );
    assert_eq!(fetched, 1, "exactly one of them fetched");
}

#[test]
fn store_init_is_safe_twice_status_shows_age_generation_and_holder_and_doctor_checks() {
    let emu = Emulator::start();
    let window = last_days(7);
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 5_000));
    let home = Home::new();
    let config = shared_config(&home, "");

    // Before init, doctor names the missing table and the fix.
    let out = home.run(&emu, &["doctor", "--config", &config]);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.contains("✗ shared store (DynamoDB)"), "{said}");
    assert!(
        said.contains("does not exist") && said.contains("awsdash store init"),
        "{said}"
    );
    assert_ne!(out.status.code(), Some(0));

    let first = home.run(&emu, &["store", "init", "--config", &config]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(String::from_utf8_lossy(&first.stdout).contains("created table awsdash-cache"));
    let second = home.run(&emu, &["store", "init", "--config", &config]);
    assert!(second.status.success(), "{}", text(&second));
    let again = String::from_utf8_lossy(&second.stdout).into_owned();
    assert!(
        again.contains("exists with the right key") && again.contains("TTL is on"),
        "{again}"
    );

    let out = home.run(&emu, &["doctor", "--config", &config]);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.contains("✓ shared store (DynamoDB)"), "{said}");
    assert!(said.contains("conditional writes work"), "{said}");

    let span = window_args(window);
    let mut args: Vec<&str> = vec!["snapshot", "--json", "--config", &config];
    args.extend(span.iter().map(String::as_str));
    let v = home.snapshot(&emu, &args[2..]);
    assert_eq!(v["origin"]["cost_explorer"], "fetched");

    // Someone else holds the cube's lease now.
    let rt = rt();
    let other = store(&emu, &rt, "ci-box-2:4242");
    let status = home.run(&emu, &["store", "status", "--json", "--config", &config]);
    assert!(status.status.success(), "{}", text(&status));
    let s: Value = serde_json::from_slice(&status.stdout).expect("json");
    let cube = s["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["kind"] == "ce-cube")
        .cloned()
        .expect("the cube is listed");
    assert_eq!(cube["generation"], 1);
    assert_eq!(cube["account"], support::TEST_ACCOUNT_ID);
    assert!(
        cube["age_secs"]
            .as_i64()
            .is_some_and(|a| (0..600).contains(&a)),
        "{cube}"
    );
    assert!(
        cube["fetched_by"].as_str().is_some_and(|b| b.contains(':')),
        "{cube}"
    );
    assert!(cube["lease"].is_null());
    let pk = format!("q#{}", cube["key"].as_str().expect("key"));
    let Taken::Acquired(lease) = rt
        .block_on(other.leases().acquire(&pk, Utc::now()))
        .expect("lease")
    else {
        panic!("free");
    };
    let status = home.run(&emu, &["store", "status", "--config", &config]);
    let table = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(table.contains("refreshing — by ci-box-2:4242"), "{table}");
    assert!(
        table.contains("team paid Cost Explorer calls today (UTC): "),
        "{table}"
    );
    rt.block_on(lease.release()).expect("release");

    // Another machine reads the fresh answer without paying; --no-cache refreshes it at once
    // (under the lease) and publishes generation 2.
    emu.clear_journal();
    let elsewhere = Home::new();
    let config = shared_config(&elsewhere, "");
    let mut args: Vec<&str> = vec!["--config", &config];
    args.extend(span.iter().map(String::as_str));
    let v = elsewhere.snapshot(&emu, &args);
    assert_eq!(v["origin"]["cost_explorer"], "shared", "{}", v["origin"]);
    assert_eq!(emu.count("ce", None), 0);
    args.push("--no-cache");
    let v = elsewhere.snapshot(&emu, &args);
    assert_eq!(v["origin"]["cost_explorer"], "fetched", "{}", v["origin"]);
    assert!(emu.count("ce", Some("GetCostAndUsage")) >= 1);
    let status = home.run(&emu, &["store", "status", "--json", "--config", &config]);
    let s: Value = serde_json::from_slice(&status.stdout).expect("json");
    assert!(
        s["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["kind"] == "ce-cube" && e["generation"] == 2),
        "{s}"
    );
}

#[test]
fn one_alert_seen_by_two_processes_sharing_a_table_is_delivered_once() {
    let emu = Emulator::start();
    let window = last_days(30);
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 5_000));
    let hook = Receiver::start([], Reply::ok());
    let sink = format!(
        "[alerts]\nanomaly_min_impact = 50\n[[alerts.sink]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"{}\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n",
        hook.url("/hook")
    );
    let setup = Home::new();
    let config = shared_config(&setup, "");
    assert!(
        setup
            .run(&emu, &["store", "init", "--config", &config])
            .status
            .success()
    );

    let span = window_args(window);
    let mut args: Vec<&str> = vec!["alerts", "run"];
    args.extend(span.iter().map(String::as_str));
    let outputs = run_together(&emu, 2, &sink, &args);
    for out in &outputs {
        assert!(out.status.success(), "{}", text(out));
    }
    let announced: Vec<usize> = outputs
        .iter()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter(|l| l.starts_with("firing"))
                .count()
        })
        .collect();
    assert!(
        announced[0] >= 1 && announced[0] == announced[1],
        "{announced:?}"
    );
    let ids: Vec<String> = hook
        .requests()
        .iter()
        .map(|r| r.header("webhook-id").unwrap_or_default().to_string())
        .collect();
    let distinct: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(
        ids.len(),
        announced[0],
        "one delivery per alert in all: {ids:?}"
    );
    assert_eq!(distinct.len(), ids.len(), "no message twice: {ids:?}");
    let said: String = outputs.iter().map(text).collect();
    assert!(said.contains("already sent by another awsdash"), "{said}");
}

#[test]
fn the_daily_cap_counts_the_whole_team() {
    use awsdash::meter::{Meter, Refused};
    let emu = Emulator::start();
    let rt = rt();
    init(&emu, &rt);
    let a = Meter::new(None, 2).with_team(store(&emu, &rt, "box-a:1").counter(2));
    let b = Meter::new(None, 2).with_team(store(&emu, &rt, "box-b:2").counter(2));
    let first = rt.block_on(a.reserve_paid(t0())).expect("the team's first");
    let _second = rt
        .block_on(b.reserve_paid(t0()))
        .expect("the team's second");
    let refused = rt
        .block_on(a.reserve_paid(t0()))
        .expect_err("each machine made one, but the team made two");
    assert!(
        matches!(refused, Refused::TeamCap { cap: 2, .. }),
        "{refused}"
    );
    assert!(
        refused
            .to_string()
            .contains("the team sharing the table awsdash-cache")
    );
    assert_eq!(
        a.today(t0()).cost_explorer,
        1,
        "the local reservation was given back"
    );
    assert_eq!(a.paid_left(t0()), 0, "the team's count as last seen");
    // A refund (AWS answered with an error) gives the team its call back.
    rt.block_on(a.refund_paid(first));
    let _again = rt.block_on(b.reserve_paid(t0())).expect("after the refund");
    // The next UTC day starts from zero.
    let _tomorrow = rt
        .block_on(a.reserve_paid(t0() + Duration::days(1)))
        .expect("a new day");
}
