//! B6: DNS resolution through a caching recursive resolver. A lookup is written as
//! "8.8.8.8 (ttl 300 s) in 102 ms: resolver 2 ms, root 20 ms, .com TLD 30 ms, ns1.foobar.com 50 ms":
//! the answer (or NXDOMAIN), the TTL the client may keep it (with "cached" on a cache hit), the
//! total latency and every hop with its round trip. Default latencies unless a test says
//! otherwise.

use stacksim::sim::dns::{DnsHopKind, DnsLatency, Resolution, Resolver};
use stacksim::sim::engine::{Config, Input, Simulation};
use stacksim::sim::presets;
use stacksim::sim::time::{SimDuration, SimTime};
use stacksim::sim::topology::{DnsRecord, DnsZone};
use stacksim::sim::trace::{HopKind, Outcome, RequestKind, RequestSpec};
use wasm_bindgen_test::wasm_bindgen_test;

const FULL_MISS: &str = "resolver 2 ms, root 20 ms, .com TLD 30 ms, ns1.foobar.com 50 ms";

/// A zone from `(name, address, ttl)` records.
fn zone(domain: &str, records: &[(&str, &str, u32)]) -> DnsZone {
    DnsZone {
        domain: domain.to_owned(),
        records: records
            .iter()
            .map(|&(name, address, ttl)| DnsRecord {
                name: name.to_owned(),
                address: address.parse().expect("address"),
                ttl,
            })
            .collect(),
    }
}

/// foobar.com with `www` → 8.8.8.8 (TTL 300 s), as on every stage.
fn foobar() -> DnsZone {
    zone("foobar.com", &[("www", "8.8.8.8", 300)])
}

fn secs(s: u64) -> SimTime {
    SimTime::from_secs(s)
}

fn render(resolution: &Resolution) -> String {
    let answer = match resolution.address {
        Some(address) => address.to_string(),
        None => "NXDOMAIN".to_owned(),
    };
    let ttl = match (resolution.ttl_left, resolution.cached) {
        (Some(ttl), true) => format!(" (ttl {ttl}, cached)"),
        (Some(ttl), false) => format!(" (ttl {ttl})"),
        (None, _) => String::new(),
    };
    let hops: Vec<String> = resolution
        .hops
        .iter()
        .map(|hop| format!("{} {}", hop.server, hop.took))
        .collect();
    format!(
        "{answer}{ttl} in {}: {}",
        resolution.latency,
        hops.join(", ")
    )
}

#[track_caller]
fn check(resolver: &mut Resolver, zone: &DnsZone, name: &str, at: SimTime, expected: &str) {
    let resolution = resolver.resolve(zone, name, at);
    let sum = resolution
        .hops
        .iter()
        .fold(SimDuration::ZERO, |sum, hop| sum + hop.took);
    assert_eq!(resolution.latency, sum, "latency is the sum of the hops");
    assert_eq!(render(&resolution), expected, "{name} at {at}");
}

#[track_caller]
fn check_details(resolver: &mut Resolver, zone: &DnsZone, name: &str, at: SimTime, expected: &str) {
    let resolution = resolver.resolve(zone, name, at);
    let details: Vec<String> = resolution
        .hops
        .iter()
        .map(|hop| format!("{}: {}", hop.server, hop.detail))
        .collect();
    assert_eq!(details.join("\n"), expected, "{name} at {at}");
}

// B6.1
#[wasm_bindgen_test(unsupported = test)]
fn cold_resolver_asks_root_then_tld_then_authoritative() {
    let resolution = Resolver::default().resolve(&foobar(), "www.foobar.com", secs(0));
    let kinds: Vec<DnsHopKind> = resolution.hops.iter().map(|hop| hop.kind).collect();
    assert_eq!(
        kinds,
        [
            DnsHopKind::ResolverCacheMiss,
            DnsHopKind::Root,
            DnsHopKind::Tld,
            DnsHopKind::Authoritative
        ]
    );
    assert!(!resolution.cached);
}

// B6.1
#[wasm_bindgen_test(unsupported = test)]
fn hop_details_explain_a_full_miss() {
    check_details(
        &mut Resolver::default(),
        &foobar(),
        "www.foobar.com",
        secs(0),
        "resolver: cache miss for www.foobar.com
root: referral to .com name servers
.com TLD: referral to foobar.com name servers
ns1.foobar.com: www.foobar.com A 8.8.8.8, TTL 300 s",
    );
}

// B6.2 and the latency table: a full miss takes 100–400 ms
#[wasm_bindgen_test(unsupported = test)]
fn full_miss_with_default_latencies_takes_100_to_400_ms() {
    let resolution = Resolver::default().resolve(&foobar(), "www.foobar.com", secs(0));
    let ms = resolution.latency.as_millis_f64();
    assert!((100.0..=400.0).contains(&ms), "{ms} ms");
}

// B6.2
#[wasm_bindgen_test(unsupported = test)]
fn ttl_300_miss_then_hit_at_100s_then_miss_at_301s() {
    let (zone, mut resolver) = (foobar(), Resolver::default());
    let full = format!("8.8.8.8 (ttl 300 s) in 102 ms: {FULL_MISS}");
    check(&mut resolver, &zone, "www.foobar.com", secs(0), &full);
    check(
        &mut resolver,
        &zone,
        "www.foobar.com",
        secs(100),
        "8.8.8.8 (ttl 200 s, cached) in 2 ms: resolver 2 ms",
    );
    // The referrals are still cached (B6.3), so only the authoritative server is asked.
    check(
        &mut resolver,
        &zone,
        "www.foobar.com",
        secs(301),
        "8.8.8.8 (ttl 300 s) in 52 ms: resolver 2 ms, ns1.foobar.com 50 ms",
    );
}

// B6.2: a hit costs the client ↔ resolver round trip and nothing upstream
#[wasm_bindgen_test(unsupported = test)]
fn hit_costs_one_client_resolver_round_trip() {
    let mut resolver = Resolver::new(DnsLatency {
        client_resolver: SimDuration::from_millis(7),
        root: SimDuration::from_millis(11),
        tld: SimDuration::from_millis(13),
        authoritative: SimDuration::from_millis(17),
    });
    let zone = foobar();
    check(
        &mut resolver,
        &zone,
        "www.foobar.com",
        secs(0),
        "8.8.8.8 (ttl 300 s) in 48 ms: \
         resolver 7 ms, root 11 ms, .com TLD 13 ms, ns1.foobar.com 17 ms",
    );
    check(
        &mut resolver,
        &zone,
        "www.foobar.com",
        secs(1),
        "8.8.8.8 (ttl 299 s, cached) in 7 ms: resolver 7 ms",
    );
}

// B6.2, RFC 1035 §3.2.1: the answer may be cached for TTL seconds, and no longer
#[wasm_bindgen_test(unsupported = test)]
fn cached_answer_expires_exactly_ttl_after_it_was_fetched() {
    let (zone, mut resolver) = (foobar(), Resolver::default());
    resolver.resolve(&zone, "www.foobar.com", secs(10));
    let last_hit = resolver.resolve(&zone, "www.foobar.com", SimTime::from_micros(309_999_999));
    assert!(last_hit.cached);
    assert_eq!(last_hit.ttl_left, Some(SimDuration::from_micros(1)));
    assert!(!resolver.resolve(&zone, "www.foobar.com", secs(310)).cached);
}

// B6.2, RFC 1035 §3.2.1
#[wasm_bindgen_test(unsupported = test)]
fn ttl_0_is_never_cached() {
    let zone = zone("foobar.com", &[("www", "8.8.8.8", 0)]);
    let mut resolver = Resolver::default();
    check(
        &mut resolver,
        &zone,
        "www.foobar.com",
        secs(0),
        &format!("8.8.8.8 (ttl 0 µs) in 102 ms: {FULL_MISS}"),
    );
    // A query while that lookup is in flight shares its answer (B6.6); it is not cached.
    check(
        &mut resolver,
        &zone,
        "www.foobar.com",
        secs(0),
        "8.8.8.8 (ttl 0 µs) in 102 ms: resolver 102 ms",
    );
    check_details(
        &mut resolver,
        &zone,
        "www.foobar.com",
        secs(1),
        "resolver: cache miss for www.foobar.com
ns1.foobar.com: www.foobar.com A 8.8.8.8, TTL 0 s (not cached)",
    );
}

// B6.3: the referrals are cached, so another name in the domain costs one authoritative trip
#[wasm_bindgen_test(unsupported = test)]
fn second_name_in_same_domain_goes_straight_to_authoritative_in_30_to_80_ms() {
    let zone = zone(
        "foobar.com",
        &[("www", "8.8.8.8", 300), ("api", "8.8.4.4", 300)],
    );
    let mut resolver = Resolver::default();
    resolver.resolve(&zone, "www.foobar.com", secs(0));
    check(
        &mut resolver,
        &zone,
        "api.foobar.com",
        secs(5),
        "8.8.4.4 (ttl 300 s) in 52 ms: resolver 2 ms, ns1.foobar.com 50 ms",
    );
    let ms = resolver
        .resolve(&zone, "api.foobar.com", secs(400))
        .latency
        .as_millis_f64();
    assert!((30.0..=80.0).contains(&ms), "{ms} ms");
}

// B6.3: the root's referral to .com is kept 2 days, so another .com domain skips the root
#[wasm_bindgen_test(unsupported = test)]
fn second_name_in_same_tld_skips_root() {
    let example = zone("example.com", &[("www", "93.184.216.34", 3600)]);
    let mut resolver = Resolver::default();
    resolver.resolve(&foobar(), "www.foobar.com", secs(0));
    check(
        &mut resolver,
        &example,
        "www.example.com",
        secs(60),
        "93.184.216.34 (ttl 3600 s) in 82 ms: \
         resolver 2 ms, .com TLD 30 ms, ns1.example.com 50 ms",
    );
}

// B6.3: referrals expire too: the domain's after 1 day [est], the TLD's after 2 days
#[wasm_bindgen_test(unsupported = test)]
fn referrals_expire_after_1_day_for_the_domain_and_2_days_for_the_tld() {
    let (zone, mut resolver) = (foobar(), Resolver::default());
    resolver.resolve(&zone, "www.foobar.com", secs(0));
    check(
        &mut resolver,
        &zone,
        "www.foobar.com",
        secs(86_400),
        "8.8.8.8 (ttl 300 s) in 82 ms: resolver 2 ms, .com TLD 30 ms, ns1.foobar.com 50 ms",
    );
    check(
        &mut resolver,
        &zone,
        "www.foobar.com",
        secs(2 * 86_400),
        &format!("8.8.8.8 (ttl 300 s) in 102 ms: {FULL_MISS}"),
    );
}

// B6.4: the old address is served until t_cache + TTL
#[wasm_bindgen_test(unsupported = test)]
fn changed_record_reaches_client_only_after_ttl() {
    let mut resolver = Resolver::default();
    resolver.resolve(&foobar(), "www.foobar.com", secs(0));
    let moved = zone("foobar.com", &[("www", "8.8.4.4", 300)]);
    check(
        &mut resolver,
        &moved,
        "www.foobar.com",
        secs(299),
        "8.8.8.8 (ttl 1 s, cached) in 2 ms: resolver 2 ms",
    );
    check(
        &mut resolver,
        &moved,
        "www.foobar.com",
        secs(300),
        "8.8.4.4 (ttl 300 s) in 52 ms: resolver 2 ms, ns1.foobar.com 50 ms",
    );
}

// B6.4
#[wasm_bindgen_test(unsupported = test)]
fn removed_record_is_still_served_until_ttl() {
    let mut resolver = Resolver::default();
    resolver.resolve(&foobar(), "www.foobar.com", secs(0));
    let empty = zone("foobar.com", &[]);
    check(
        &mut resolver,
        &empty,
        "www.foobar.com",
        secs(200),
        "8.8.8.8 (ttl 100 s, cached) in 2 ms: resolver 2 ms",
    );
    check(
        &mut resolver,
        &empty,
        "www.foobar.com",
        secs(300),
        "NXDOMAIN in 52 ms: resolver 2 ms, ns1.foobar.com 50 ms",
    );
}

// B6.1: the authoritative server answers NXDOMAIN for a name it doesn't hold
#[wasm_bindgen_test(unsupported = test)]
fn unknown_name_is_nxdomain_from_the_authoritative_server() {
    let mut resolver = Resolver::default();
    check(
        &mut resolver,
        &foobar(),
        "shop.foobar.com",
        secs(0),
        &format!("NXDOMAIN in 102 ms: {FULL_MISS}"),
    );
    check_details(
        &mut resolver,
        &foobar(),
        "shop.foobar.com",
        secs(1),
        "resolver: cache miss for shop.foobar.com
ns1.foobar.com: NXDOMAIN: foobar.com has no record named shop",
    );
}

// The model: NXDOMAIN is not cached (no SOA, so no RFC 2308 negative caching)
#[wasm_bindgen_test(unsupported = test)]
fn nxdomain_is_not_cached_so_a_new_record_shows_at_once() {
    let mut resolver = Resolver::default();
    resolver.resolve(&foobar(), "shop.foobar.com", secs(0));
    let added = zone(
        "foobar.com",
        &[("www", "8.8.8.8", 300), ("shop", "8.8.4.4", 300)],
    );
    check(
        &mut resolver,
        &added,
        "shop.foobar.com",
        secs(1),
        "8.8.4.4 (ttl 300 s) in 52 ms: resolver 2 ms, ns1.foobar.com 50 ms",
    );
}

// The model: the design's zone is the only domain there is
#[wasm_bindgen_test(unsupported = test)]
fn name_outside_the_zone_is_nxdomain_with_a_reason() {
    let mut resolver = Resolver::default();
    check(
        &mut resolver,
        &foobar(),
        "www.example.org",
        secs(0),
        "NXDOMAIN in 2 ms: resolver 2 ms",
    );
    check_details(
        &mut resolver,
        &foobar(),
        "notfoobar.com",
        secs(0),
        "resolver: cache miss for notfoobar.com; it is outside foobar.com, the only zone in this \
         design: NXDOMAIN",
    );
}

// RFC 1034 §3.1: names compare case-insensitively; an absolute name ends with a dot
#[wasm_bindgen_test(unsupported = test)]
fn names_are_case_insensitive_and_a_trailing_dot_is_tolerated() {
    let mut resolver = Resolver::default();
    let zone = zone("FooBar.com.", &[("WWW", "8.8.8.8", 300)]);
    check(
        &mut resolver,
        &zone,
        "Www.FOOBAR.com.",
        secs(0),
        &format!("8.8.8.8 (ttl 300 s) in 102 ms: {FULL_MISS}"),
    );
    check(
        &mut resolver,
        &zone,
        "www.foobar.com",
        secs(1),
        "8.8.8.8 (ttl 299 s, cached) in 2 ms: resolver 2 ms",
    );
}

// The model: the apex record is named `@` (or left empty), as in a zone file
#[wasm_bindgen_test(unsupported = test)]
fn apex_record_answers_the_bare_domain() {
    let zone = zone(
        "foobar.com",
        &[("@", "8.8.4.4", 60), ("www", "8.8.8.8", 300)],
    );
    let mut resolver = Resolver::default();
    assert_eq!(
        resolver.resolve(&zone, "foobar.com", secs(0)).address,
        Some("8.8.4.4".parse().expect("ip"))
    );
    let empty_name = self::zone("foobar.com", &[("", "8.8.4.4", 60)]);
    assert!(
        Resolver::default()
            .resolve(&empty_name, "foobar.com.", secs(0))
            .address
            .is_some()
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn invalid_names_are_refused_without_panicking() {
    let mut resolver = Resolver::default();
    for name in ["", ".", "..", "www..foobar.com", ".foobar.com"] {
        check(
            &mut resolver,
            &foobar(),
            name,
            secs(0),
            "NXDOMAIN in 2 ms: resolver 2 ms",
        );
    }
    check_details(
        &mut resolver,
        &foobar(),
        "www..foobar.com",
        secs(0),
        "resolver: 'www..foobar.com' is not a valid domain name",
    );
    for name in ["ü.foobar.com", "www.foobar.com..", "xn--.foobar.com"] {
        assert_eq!(
            resolver.resolve(&foobar(), name, secs(0)).address,
            None,
            "{name}"
        );
    }
    let odd_zone = zone("", &[("", "8.8.8.8", 1)]);
    assert_eq!(resolver.resolve(&odd_zone, "com", secs(0)).address, None);
}

#[wasm_bindgen_test(unsupported = test)]
fn largest_ttl_at_the_end_of_time_does_not_overflow() {
    let zone = zone("foobar.com", &[("www", "8.8.8.8", u32::MAX)]);
    let mut resolver = Resolver::default();
    let late = SimTime::from_micros(u64::MAX - 1);
    assert!(!resolver.resolve(&zone, "www.foobar.com", late).cached);
    assert!(resolver.resolve(&zone, "www.foobar.com", late).cached);
}

#[wasm_bindgen_test(unsupported = test)]
fn flush_forgets_answers_and_referrals() {
    let (zone, mut resolver) = (foobar(), Resolver::default());
    resolver.resolve(&zone, "www.foobar.com", secs(0));
    resolver.flush();
    check(
        &mut resolver,
        &zone,
        "www.foobar.com",
        secs(1),
        &format!("8.8.8.8 (ttl 300 s) in 102 ms: {FULL_MISS}"),
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn hit_detail_shows_the_cached_address_and_ttl_left() {
    let (zone, mut resolver) = (foobar(), Resolver::default());
    resolver.resolve(&zone, "www.foobar.com", secs(0));
    check_details(
        &mut resolver,
        &zone,
        "www.foobar.com",
        SimTime::from_millis(88_500),
        "resolver: cache hit: www.foobar.com A 8.8.8.8 (ttl 211.5 s left)",
    );
}

// The latency table: cached 1–5 ms; TLD cached, authoritative miss 30–80 ms; full miss
// 100–400 ms with root 5–30, TLD 10–50 and authoritative 10–100 ms
#[wasm_bindgen_test(unsupported = test)]
fn default_latencies_sit_inside_the_table_ranges() {
    let latency = DnsLatency::default();
    let ms = |d: SimDuration| d.as_millis_f64();
    let within = |value: f64, low: f64, high: f64| (low..=high).contains(&value);
    assert!(within(ms(latency.client_resolver), 1.0, 5.0));
    assert!(within(ms(latency.root), 5.0, 30.0));
    assert!(within(ms(latency.tld), 10.0, 50.0));
    assert!(within(ms(latency.authoritative), 10.0, 100.0));
    let authoritative_miss = latency.client_resolver + latency.authoritative;
    assert!(within(ms(authoritative_miss), 30.0, 80.0));
    let full = authoritative_miss + latency.root + latency.tld;
    assert!(within(ms(full), 100.0, 400.0));
}

// B6.6: an answer is cached when it arrives; a query for a name in flight waits for it.

fn ms(ms: u64) -> SimTime {
    SimTime::from_millis(ms)
}

/// Query time (ms) → when the client has the answer (ms) and the resolver's hops, for a cold
/// resolver queried at 0 ms and then at each time in turn. The first lookup's answer reaches
/// the client at 102 ms; until then (a hit would reach the client by 102 ms, so queries up to
/// 100 ms) queries join it and get it at 102 ms; from 100 ms on they are cache hits (2 ms).
const IN_FLIGHT_TIMELINE: &[(u64, u64, &str)] = &[
    (0, 102, FULL_MISS),
    (1, 102, "resolver 101 ms"),
    (10, 102, "resolver 92 ms"),
    (50, 102, "resolver 52 ms"),
    (99, 102, "resolver 3 ms"),
    (100, 102, "resolver 2 ms"),
    (101, 103, "resolver 2 ms"),
    (200, 202, "resolver 2 ms"),
];

#[wasm_bindgen_test(unsupported = test)]
fn query_for_a_name_in_flight_gets_the_answer_when_it_arrives() {
    let (zone, mut resolver) = (foobar(), Resolver::default());
    for &(at, answered, hops) in IN_FLIGHT_TIMELINE {
        let resolution = resolver.resolve(&zone, "www.foobar.com", ms(at));
        assert_eq!(
            resolution.address,
            Some("8.8.8.8".parse().expect("address"))
        );
        assert_eq!(
            ms(at) + resolution.latency,
            ms(answered),
            "query at {at} ms"
        );
        let rendered = render(&resolution);
        assert!(rendered.ends_with(hops), "query at {at} ms: {rendered}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn no_query_gets_the_answer_before_the_first_lookup_does() {
    let (zone, mut resolver) = (foobar(), Resolver::default());
    let first = resolver.resolve(&zone, "www.foobar.com", ms(0)).latency;
    for at in (1..=300).step_by(7) {
        let resolution = resolver.resolve(&zone, "www.foobar.com", ms(at));
        assert!(
            ms(at) + resolution.latency >= ms(0) + first,
            "query at {at} ms"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn waiting_query_says_which_lookup_it_waits_for() {
    let (zone, mut resolver) = (foobar(), Resolver::default());
    resolver.resolve(&zone, "www.foobar.com", ms(0));
    let resolution = resolver.resolve(&zone, "www.foobar.com", ms(10));
    assert!(!resolution.cached, "not a cache hit");
    assert_eq!(resolution.ttl_left, Some(SimDuration::from_millis(299_990)));
    let kinds: Vec<DnsHopKind> = resolution.hops.iter().map(|hop| hop.kind).collect();
    assert_eq!(kinds, [DnsHopKind::ResolverInFlight]);
    check_details(
        &mut resolver,
        &zone,
        "www.foobar.com",
        ms(20),
        "resolver: waiting for the lookup of www.foobar.com already in flight (answer at 102 ms)",
    );
}

/// Query time (ms) of a second name in the same domain, after a cold lookup of www at 0 ms →
/// its render. The referrals arrive at the resolver 20 ms (root) and 50 ms (TLD) into the
/// first lookup; a query made earlier asks for them again.
const REFERRALS_IN_FLIGHT: &[(u64, &str)] = &[
    (
        5,
        "8.8.4.4 (ttl 300 s) in 102 ms: resolver 2 ms, root 20 ms, .com TLD 30 ms, \
         ns1.foobar.com 50 ms",
    ),
    (
        20,
        "8.8.4.4 (ttl 300 s) in 82 ms: resolver 2 ms, .com TLD 30 ms, ns1.foobar.com 50 ms",
    ),
    (
        50,
        "8.8.4.4 (ttl 300 s) in 52 ms: resolver 2 ms, ns1.foobar.com 50 ms",
    ),
];

#[wasm_bindgen_test(unsupported = test)]
fn referrals_are_cached_when_they_arrive() {
    for &(at, expected) in REFERRALS_IN_FLIGHT {
        let zone = zone(
            "foobar.com",
            &[("www", "8.8.8.8", 300), ("api", "8.8.4.4", 300)],
        );
        let mut resolver = Resolver::default();
        resolver.resolve(&zone, "www.foobar.com", ms(0));
        check(&mut resolver, &zone, "api.foobar.com", ms(at), expected);
    }
}

/// Requests sent (ms) to stage 1 with a cold resolver: request 0 at 0 ms, requests 1–9 every
/// 10 ms, all traced.
const BURST_SENT_AT: &[u64] = &[0, 10, 20, 30, 40, 50, 60, 70, 80, 90];

#[wasm_bindgen_test(unsupported = test)]
fn burst_during_the_first_lookup_reaches_the_lb_in_order() {
    let topology = presets::topology(1).expect("stage 1");
    let mut sim = Simulation::new(&topology, Config::default()).expect("stage 1 simulates");
    let mut ids = Vec::new();
    for &at in BURST_SENT_AT {
        let spec = RequestSpec::new(RequestKind::Static, false);
        let id = sim
            .handle(ms(at), Input::Send(spec))
            .expect("send is accepted")
            .expect("send returns an id");
        ids.push(id);
    }
    sim.run_until_quiet(SimTime::from_secs(120));
    let mut at_lb = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let trace = sim.trace(*id).expect("traced");
        let answered = trace
            .hops
            .iter()
            .filter(|hop| hop.kind == HopKind::Dns)
            .map(|hop| hop.at)
            .max()
            .expect("a DNS hop");
        assert_eq!(answered, ms(102), "request {n} has the answer at 102 ms");
        if n > 0 {
            assert!(
                trace.hops.iter().any(|hop| hop.reason.contains(
                    "waiting for the lookup of www.foobar.com already in flight (answer at 102 ms)"
                )),
                "request {n} says it waits"
            );
        }
        let lb = trace
            .hops
            .iter()
            .find(|hop| hop.place == "lb-01.haproxy")
            .expect("reaches the load balancer");
        at_lb.push(lb.at);
        // Equal weights: the LB alternates, so the server tells the order requests reached it
        // in, even where their times are equal. Request 0 is first and lands on server-01.
        let expected = if n % 2 == 0 {
            "server-01.nginx"
        } else {
            "server-02.nginx"
        };
        match &trace.outcome {
            Some(Outcome::Served { backend, .. }) => {
                assert_eq!(backend.as_deref(), Some(expected), "request {n}");
            }
            other => panic!("request {n} not served: {other:?}"),
        }
    }
    assert!(
        at_lb.windows(2).all(|w| w[0] <= w[1]),
        "sending order kept at the LB: {at_lb:?}"
    );
}

// An RRset: a name with two A records, as an active-active load-balancer pair publishes it.
fn two_addresses(ttl_a: u32, ttl_b: u32) -> DnsZone {
    zone(
        "foobar.com",
        &[("www", "8.8.8.8", ttl_a), ("www", "8.8.8.9", ttl_b)],
    )
}

/// Every answer carries the whole RRset; the resolver hands the addresses out in turn, so each
/// answer (miss, hit or joined lookup) starts one address further, and the browser uses the
/// first: successive visitors alternate between the two.
#[wasm_bindgen_test(unsupported = test)]
fn an_rrset_is_answered_whole_and_rotated_for_each_answer() {
    let zone = two_addresses(300, 300);
    let mut resolver = Resolver::default();
    let cases: [(SimTime, &str, bool); 5] = [
        (secs(0), "8.8.8.8, 8.8.8.9", false),
        // joins the lookup in flight: the same set, its own turn
        (ms(50), "8.8.8.9, 8.8.8.8", false),
        (secs(1), "8.8.8.8, 8.8.8.9", true),
        (secs(2), "8.8.8.9, 8.8.8.8", true),
        // expired: asked again, still in turn
        (secs(301), "8.8.8.8, 8.8.8.9", false),
    ];
    for (at, order, cached) in cases {
        let resolution = resolver.resolve(&zone, "www.foobar.com", at);
        let got: Vec<String> = resolution.addresses.iter().map(|a| a.to_string()).collect();
        assert_eq!(got.join(", "), order, "answer at {at}");
        assert_eq!(resolution.address, resolution.addresses.first().copied());
        assert_eq!(resolution.cached, cached, "answer at {at}");
    }
}

/// RFC 2181 §5.2: the records of an RRset share one TTL; where a zone gives them different
/// TTLs, the set is cached for the lowest.
#[wasm_bindgen_test(unsupported = test)]
fn an_rrset_with_unequal_ttls_is_cached_for_the_lowest() {
    let zone = two_addresses(300, 60);
    let mut resolver = Resolver::default();
    let first = resolver.resolve(&zone, "www.foobar.com", secs(0));
    assert_eq!(first.ttl_left, Some(SimDuration::from_secs(60)));
    assert!(resolver.resolve(&zone, "www.foobar.com", secs(59)).cached);
    assert!(!resolver.resolve(&zone, "www.foobar.com", secs(60)).cached);
}

#[wasm_bindgen_test(unsupported = test)]
fn the_authoritative_answer_lists_the_set_and_who_goes_first() {
    let mut resolver = Resolver::default();
    let resolution = resolver.resolve(&two_addresses(300, 300), "www.foobar.com", secs(0));
    let last = resolution.hops.last().map(|hop| hop.detail.as_str());
    assert_eq!(
        last,
        Some(
            "www.foobar.com A 8.8.8.8, 8.8.8.9, TTL 300 s; the resolver hands the addresses \
             out in turn, this answer starts with 8.8.8.8"
        )
    );
}
