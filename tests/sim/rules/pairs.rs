//! Active-active and active-passive pairs (the source material's second lesson): which pairs a
//! design has, and switching one into the other variant.

use stacksim::sim::engine::{Config, Input, Load, Mix, Simulation};
use stacksim::sim::format::validate;
use stacksim::sim::redundancy::{PairKind, Sharing, SwitchError, pairs, switch};
use stacksim::sim::time::SimTime;
use stacksim::sim::topology::{NodeKind, Topology};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::fixtures::stage;

/// One line per pair: "id sharing members".
fn summary(topology: &Topology) -> Vec<String> {
    pairs(topology)
        .iter()
        .map(|p| format!("{} {} {}", p.id, p.sharing, p.members().join(",")))
        .collect()
}

/// Each stage's pairs as the source material describes them: stage 1's two servers are
/// active-active behind the load balancer; stage 3 adds an active-passive load-balancer pair
/// whose two HAProxy share one pool.
#[wasm_bindgen_test(unsupported = test)]
fn each_stage_has_the_pairs_the_source_material_describes() {
    let cases: [(u8, &[&str]); 4] = [
        (0, &[]),
        (
            1,
            &["pool:lb-01.haproxy active-active server-01.nginx,server-02.nginx"],
        ),
        (
            2,
            &["pool:lb-01.haproxy active-active server-01.nginx,server-02.nginx"],
        ),
        (
            3,
            &[
                "pool:lb-01.haproxy active-active web-01.nginx,web-02.nginx",
                "vrrp:vip active-passive lb-01,lb-02",
            ],
        ),
    ];
    for (n, want) in cases {
        assert_eq!(summary(&stage(n)), want, "stage {n}");
    }
    let stage3 = pairs(&stage(3));
    assert!(matches!(
        &stage3[0].kind,
        PairKind::Pool { balancers, .. } if balancers == &["lb-01.haproxy", "lb-02.haproxy"]
    ));
}

/// A pool turned active-passive keeps the first server active and makes the others HAProxy
/// `backup` servers, on every balancer of the pool; back to active-active restores the design.
#[wasm_bindgen_test(unsupported = test)]
fn a_pool_switches_by_marking_servers_backup_on_every_balancer() {
    let original = stage(3);
    let passive =
        switch(&original, "pool:lb-01.haproxy", Sharing::ActivePassive).expect("the pool switches");
    let backups: Vec<String> = passive
        .links
        .iter()
        .filter(|link| link.backup)
        .map(|link| format!("{} → {}", link.from, link.to))
        .collect();
    assert_eq!(
        backups,
        [
            "lb-01.haproxy → web-02.nginx",
            "lb-02.haproxy → web-02.nginx"
        ]
    );
    assert_eq!(validate(&passive), Ok(()));
    assert_eq!(
        summary(&passive)[0],
        "pool:lb-01.haproxy active-passive web-01.nginx,web-02.nginx"
    );
    let back = switch(&passive, "pool:lb-01.haproxy", Sharing::ActiveActive).expect("back");
    assert_eq!(back, original);
}

/// The load-balancer pair turned active-active gets a second virtual IP on the next free
/// address with mirrored priorities (lb-02 is MASTER of it), and DNS answers www with both
/// addresses, same TTL. Back to active-passive restores the design exactly.
#[wasm_bindgen_test(unsupported = test)]
fn a_load_balancer_pair_switches_with_a_mirrored_second_virtual_ip_and_two_a_records() {
    let original = stage(3);
    let active = switch(&original, "vrrp:vip", Sharing::ActiveActive).expect("the pair switches");
    assert_eq!(validate(&active), Ok(()));
    let vips: Vec<String> = active
        .nodes
        .iter()
        .filter_map(|node| match &node.kind {
            NodeKind::Vip(vip) => Some(format!(
                "{} {} {}",
                node.id,
                vip.ip,
                vip.members
                    .iter()
                    .map(|m| format!("{}={}", m.host, m.priority))
                    .collect::<Vec<_>>()
                    .join(",")
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        vips,
        [
            "vip 8.8.8.8 lb-01=150,lb-02=100",
            "vip-2 8.8.8.9 lb-01=100,lb-02=150"
        ]
    );
    let records: Vec<String> = active
        .dns()
        .map(|(_, zone)| {
            zone.records
                .iter()
                .map(|r| format!("{} {} {}", r.name, r.address, r.ttl))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(records, ["www 8.8.8.8 300", "www 8.8.8.9 300"]);
    assert_eq!(summary(&active)[1], "vrrp:vip active-active lb-01,lb-02");
    let back = switch(&active, "vrrp:vip", Sharing::ActivePassive).expect("back");
    assert_eq!(back, original);
}

#[wasm_bindgen_test(unsupported = test)]
fn switching_refuses_what_it_cannot_do_with_a_reason() {
    let original = stage(3);
    assert_eq!(
        switch(&original, "vrrp:nothing", Sharing::ActiveActive),
        Err(SwitchError::NoSuchPair("vrrp:nothing".to_owned()))
    );
    let mut no_dns = original.clone();
    no_dns
        .nodes
        .retain(|node| !matches!(node.kind, NodeKind::Dns(_)));
    let refused = switch(&no_dns, "vrrp:vip", Sharing::ActiveActive);
    assert_eq!(
        refused.map_err(|e| e.to_string()),
        Err(
            "a load-balancer pair is switched to active-active through DNS, and this design \
             has no DNS record for 8.8.8.8"
                .to_owned()
        )
    );
    // Switching to what the pair already is changes nothing.
    assert_eq!(
        switch(&original, "vrrp:vip", Sharing::ActivePassive),
        Ok(original.clone())
    );
}

/// What one run of a variant did: requests per load balancer, resent SYNs, failures.
struct RunFigures {
    balanced: Vec<(String, u64)>,
    sent: u64,
    served: u64,
    syn_resent: u64,
    served_late: u64,
}

/// 200 requests/s for 20 s (static and reads over HTTPS) on `topology`; lb-01 crashes at 10 s
/// when `crash` is set.
fn run(topology: &Topology, rps: f64, crash: bool) -> RunFigures {
    let mut sim = Simulation::new(topology, Config::default()).expect("simulates");
    sim.start_load(Load {
        https: true,
        mix: Mix {
            static_pct: 50,
            read_pct: 50,
            write_pct: 0,
        },
        ..Load::new(rps, (rps * 20.0) as u64)
    });
    if crash {
        sim.schedule(SimTime::from_secs(10), Input::HostDown("lb-01".into()))
            .expect("known host");
    }
    sim.run_until_quiet(SimTime::from_secs(300));
    let stats = sim.stats();
    RunFigures {
        balanced: sim.balanced_by(),
        sent: stats.sent,
        served: stats.outcomes().served,
        syn_resent: stats.syn_resent,
        served_late: stats.served_after_resend,
    }
}

fn share(figures: &RunFigures, lb: &str) -> f64 {
    let total: u64 = figures.balanced.iter().map(|(_, n)| n).sum();
    let n = figures
        .balanced
        .iter()
        .find(|(id, _)| id == lb)
        .map_or(0, |(_, n)| *n);
    n as f64 / total.max(1) as f64
}

/// The same load and the same failure on stage 3 and on its active-active copy. Active-passive:
/// lb-01 takes every request until it dies, then lb-02 all; everyone who connects in the
/// 3.6 s VRRP gap resends SYNs. Active-active: DNS hands out the two addresses in turn, so each
/// load balancer takes half; when lb-01 dies only the visitors given its address (about half)
/// wait out the gap, then lb-02 holds both addresses.
#[wasm_bindgen_test(unsupported = test)]
fn the_same_load_and_crash_on_both_variants_differ_as_the_sharing_says() {
    let passive = stage(3);
    let active = switch(&passive, "vrrp:vip", Sharing::ActiveActive).expect("switches");

    let quiet_passive = run(&passive, 200.0, false);
    let quiet_active = run(&active, 200.0, false);
    assert_eq!(
        share(&quiet_passive, "lb-01.haproxy"),
        1.0,
        "{:?}",
        quiet_passive.balanced
    );
    assert_eq!(share(&quiet_passive, "lb-02.haproxy"), 0.0);
    let half = share(&quiet_active, "lb-01.haproxy");
    assert!((0.49..=0.51).contains(&half), "{:?}", quiet_active.balanced);
    for quiet in [&quiet_passive, &quiet_active] {
        assert_eq!(
            quiet.served, quiet.sent,
            "below capacity everything is served"
        );
        assert_eq!(quiet.syn_resent, 0);
    }

    let crash_passive = run(&passive, 200.0, true);
    let crash_active = run(&active, 200.0, true);
    // About 200/s × 3.6 s connect in the gap on the pair with one address, half of it on two.
    let (p, a) = (crash_passive.syn_resent, crash_active.syn_resent);
    assert!(
        (600..=800).contains(&p),
        "active-passive: {p} requests resent SYNs"
    );
    assert!(
        (300..=400).contains(&a),
        "active-active: {a} requests resent SYNs"
    );
    assert!(crash_passive.served_late > crash_active.served_late);
    // After the crash lb-02 serves alone in both.
    assert!(share(&crash_active, "lb-02.haproxy") > 0.7);
}

/// Each stage says what its pairs are and why, with the design's own timers.
#[wasm_bindgen_test(unsupported = test)]
fn each_variant_is_explained_with_the_designs_own_numbers() {
    use stacksim::sim::redundancy::explain;
    let stage1 = stage(1);
    let stage3 = stage(3);
    let passive_pool =
        switch(&stage1, "pool:lb-01.haproxy", Sharing::ActivePassive).expect("switches");
    let active_pair = switch(&stage3, "vrrp:vip", Sharing::ActiveActive).expect("switches");
    let cases: [(&Topology, usize, &str, &[&str]); 4] = [
        (
            &stage1,
            0,
            "server-01 and server-02 are active-active",
            &["so all 2 serve at once", "inter × fall = 6 s"],
        ),
        (
            &passive_pool,
            0,
            "server-01 active, server-02 passive (HAProxy backup)",
            &["nothing to server-02", "adds no capacity"],
        ),
        (
            &stage3,
            1,
            "lb-01 and lb-02 are active-passive",
            &[
                "lb-01 holds the virtual IP 8.8.8.8 and takes every request; lb-02 stands by",
                "lb-02 claims the address 3.609 s later",
                "one load balancer's capacity",
            ],
        ),
        (
            &active_pair,
            1,
            "lb-01 and lb-02 are active-active",
            &[
                "(8.8.8.8 by lb-01, 8.8.8.9 by lb-02)",
                "about 1/2 of the visitors",
                "about 3.609 s later",
            ],
        ),
    ];
    for (topology, index, headline, phrases) in cases {
        let pair = &pairs(topology)[index];
        let explanation = explain(topology, pair);
        assert_eq!(explanation.headline, headline);
        for phrase in phrases {
            assert!(
                explanation.body.contains(phrase),
                "{headline}: missing {phrase:?} in {:?}",
                explanation.body
            );
        }
    }
}
