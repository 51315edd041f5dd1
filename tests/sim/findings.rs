//! What `findings::analyze` finds in a design and what `reach::matrix` says about its firewalls:
//! the four stages (exact lists), hand-built designs (redundant pairs, a second load balancer
//! nobody points at, missing DNS, empty and odd designs), and the proofs run in the engine.
//! They run natively and, through `wasm_bindgen_test(unsupported = test)`, in the browsers.

use std::net::Ipv4Addr;

use stacksim::sim::findings::{
    self, Category, Finding, Proof, Severity, Symptom, Target, analyze, prove,
};
use stacksim::sim::presets;
use stacksim::sim::reach::{self, ReachCell};
use stacksim::sim::topology::{
    Cidr, FORMAT_VERSION, Host, Link, Node, NodeKind, Proto, Rule, ServiceKind, Topology, Verdict,
    Vip, VrrpMember,
};
use stacksim::sim::trace::RequestKind;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::fixtures::{host_mut, stage};

// ----- helpers -------------------------------------------------------------------------------

/// A copy of host `from` as `to` at `ip`, its services renamed `<to>.<suffix>`.
fn clone_host(topology: &Topology, from: &str, to: &str, ip: Ipv4Addr) -> Node {
    let mut node = topology.node(from).expect("host to copy").clone();
    node.id = to.to_owned();
    node.name = to.to_owned();
    if let NodeKind::Host(host) = &mut node.kind {
        host.ip = ip;
        host.public_ip = None;
        for service in &mut host.services {
            let suffix = service.id.rsplit('.').next().unwrap_or_default().to_owned();
            service.id = format!("{to}.{suffix}");
        }
    }
    node
}

fn allow(port: Option<u16>, from: &str) -> Rule {
    Rule {
        action: Verdict::Allow,
        proto: Proto::Tcp,
        from: from.parse::<Cidr>().expect("cidr"),
        port,
        comment: String::new(),
    }
}

/// The rules of `host`'s firewall (it must have one).
fn rules_mut<'a>(topology: &'a mut Topology, host: &str) -> &'a mut Vec<Rule> {
    &mut host_mut(topology, host)
        .firewall
        .as_mut()
        .expect("host has a firewall")
        .rules
}

fn add_rule(topology: &mut Topology, host: &str, rule: Rule) {
    rules_mut(topology, host).push(rule);
}

fn ids(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.id.as_str()).collect()
}

fn find<'a>(findings: &'a [Finding], id: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no finding {id}: {:?}", ids(findings)))
}

/// The design's findings are exactly `expected` (in sorted order: errors first, then by id).
#[track_caller]
fn check_findings(topology: &Topology, load: Option<f64>, expected: &[&str]) -> Vec<Finding> {
    let found = analyze(topology, load);
    assert_eq!(ids(&found), expected, "{found:#?}");
    found
}

/// Finding `id` has this severity and category and names these nodes.
#[track_caller]
fn check_finding(
    findings: &[Finding],
    id: &str,
    severity: Severity,
    category: Category,
    nodes: &[&str],
) {
    let finding = find(findings, id);
    assert_eq!(finding.severity, severity, "{finding:#?}");
    assert_eq!(finding.category, category, "{finding:#?}");
    assert_eq!(finding.nodes, nodes, "{finding:#?}");
    assert!(!finding.title.is_empty() && !finding.why.is_empty() && !finding.fix.is_empty());
}

/// Running finding `id`'s proof in the engine shows the weakness; returns the summary.
#[track_caller]
fn check_proof(topology: &Topology, findings: &[Finding], id: &str) -> String {
    let finding = find(findings, id);
    let proof = finding.proof.as_ref().expect("finding has a proof");
    let result = prove(topology, proof);
    assert!(result.shown, "{id}: {proof:?} did not show it: {result:#?}");
    assert!(!result.summary.is_empty());
    result.summary
}

/// The matrix has this cell, decided this way.
#[track_caller]
fn check_reach(cells: &[ReachCell], from: &str, to: &str, port: u16, allowed: bool, rule: &str) {
    let cell = cells
        .iter()
        .find(|c| c.from == from && c.to == to && c.port == port)
        .unwrap_or_else(|| panic!("no cell {from} → {to}:{port}"));
    assert_eq!(cell.allowed, allowed, "{cell:#?}");
    assert_eq!(cell.rule, rule, "{cell:#?}");
}

// ----- the stages ----------------------------------------------------------------------------

#[wasm_bindgen_test(unsupported = test)]
fn stage_0_single_server_is_a_spof() {
    let found = check_findings(
        &stage(0),
        None,
        &[
            "no-firewall:server-01",
            "no-https",
            "spof:server-01",
            "all-in-one:server-01",
            "no-agent:server-01",
            "no-collector",
        ],
    );
    check_finding(
        &found,
        "spof:server-01",
        Severity::Error,
        Category::Availability,
        &[
            "server-01",
            "server-01.nginx",
            "server-01.app",
            "server-01.mysql",
        ],
    );
    check_finding(
        &found,
        "no-firewall:server-01",
        Severity::Error,
        Category::Security,
        &["server-01"],
    );
    check_finding(
        &found,
        "all-in-one:server-01",
        Severity::Warning,
        Category::Availability,
        &[
            "server-01",
            "server-01.nginx",
            "server-01.app",
            "server-01.mysql",
        ],
    );
    assert_eq!(
        find(&found, "spof:server-01").title,
        "server-01 is a single point of failure"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn stage_1_load_balancer_and_the_primary_for_writes_are_spofs() {
    let found = check_findings(
        &stage(1),
        None,
        &[
            "no-firewall:lb-01",
            "no-https",
            "spof:lb-01",
            "spof:server-01.mysql",
            "all-in-one:server-01",
            "all-in-one:server-02",
            "no-agent:lb-01",
            "no-agent:server-01",
            "no-agent:server-02",
            "no-collector",
            "no-firewall:server-01",
            "no-firewall:server-02",
        ],
    );
    check_finding(
        &found,
        "spof:lb-01",
        Severity::Error,
        Category::Availability,
        &["lb-01", "lb-01.haproxy"],
    );
    check_finding(
        &found,
        "spof:server-01.mysql",
        Severity::Error,
        Category::Availability,
        &["server-01.mysql", "server-01"],
    );
    assert_eq!(
        find(&found, "spof:server-01.mysql").title,
        "server-01.mysql is a single point of failure for writes"
    );
    // The load balancer has a public address; the servers sit on the private network.
    check_finding(
        &found,
        "no-firewall:server-01",
        Severity::Warning,
        Category::Security,
        &["server-01"],
    );
    check_finding(
        &found,
        "no-agent:lb-01",
        Severity::Warning,
        Category::Monitoring,
        &["lb-01"],
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn stage_2_keeps_the_spofs_and_adds_plaintext_after_tls() {
    let found = check_findings(
        &stage(2),
        None,
        &[
            "spof:lb-01",
            "spof:server-01.mysql",
            "all-in-one:server-01",
            "all-in-one:server-02",
            "plaintext-after-tls",
        ],
    );
    check_finding(
        &found,
        "plaintext-after-tls",
        Severity::Info,
        Category::Security,
        &["lb-01.haproxy", "server-01.nginx", "server-02.nginx"],
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn stage_3_active_passive_lbs_are_not_a_spof() {
    let found = check_findings(
        &stage(3),
        None,
        &["spof:app-01", "spof:db-01", "plaintext-after-tls"],
    );
    check_finding(
        &found,
        "spof:app-01",
        Severity::Error,
        Category::Availability,
        &["app-01", "app-01.app"],
    );
    check_finding(
        &found,
        "spof:db-01",
        Severity::Error,
        Category::Availability,
        &["db-01", "db-01.mysql"],
    );
    // Static files still come from the two web servers without app-01.
    assert_eq!(
        find(&found, "spof:app-01").title,
        "app-01 is a single point of failure for pages and writes"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn findings_are_sorted_by_severity_then_id_and_repeatable() {
    for n in 0..4 {
        let found = analyze(&stage(n), Some(500.0));
        let mut sorted = found.clone();
        sorted.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
        assert_eq!(found, sorted, "stage {n}");
        assert_eq!(found, analyze(&stage(n), Some(500.0)), "stage {n}");
        assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Error);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn stepping_from_stage_2_to_3_clears_the_lb_and_writes_spofs() {
    let diff = findings::diff(&analyze(&stage(2), None), &analyze(&stage(3), None));
    assert_eq!(
        ids(&diff.cleared),
        [
            "spof:lb-01",
            "spof:server-01.mysql",
            "all-in-one:server-01",
            "all-in-one:server-02"
        ]
    );
    assert_eq!(ids(&diff.added), ["spof:app-01", "spof:db-01"]);
    assert_eq!(ids(&diff.kept), ["plaintext-after-tls"]);
}

// ----- hand-built designs --------------------------------------------------------------------

/// Stage 2 with a second load balancer, lb-02, linked to both servers and let in by their
/// firewalls, but DNS still points at lb-01 only.
fn two_lbs_without_vip() -> Topology {
    let mut topology = stage(2);
    let mut lb2 = clone_host(&topology, "lb-01", "lb-02", Ipv4Addr::new(10, 0, 0, 3));
    if let NodeKind::Host(host) = &mut lb2.kind {
        host.public_ip = Some(Ipv4Addr::new(8, 8, 4, 4));
    }
    topology.nodes.insert(3, lb2);
    for server in ["server-01", "server-02"] {
        add_rule(&mut topology, server, allow(Some(80), "10.0.0.3"));
        topology
            .links
            .push(Link::new("lb-02.haproxy", &format!("{server}.nginx")));
    }
    topology
}

#[wasm_bindgen_test(unsupported = test)]
fn a_second_lb_that_dns_does_not_point_at_leaves_the_first_a_spof() {
    let topology = two_lbs_without_vip();
    let found = check_findings(
        &topology,
        None,
        &[
            "open-ports:lb-02",
            "spof:lb-01",
            "spof:server-01.mysql",
            "all-in-one:server-01",
            "all-in-one:server-02",
            "plaintext-after-tls",
            "unused:lb-02",
        ],
    );
    // Its firewall admits HTTPS from anywhere, though nothing sends visitors there.
    check_finding(
        &found,
        "open-ports:lb-02",
        Severity::Error,
        Category::Security,
        &["lb-02"],
    );
    check_finding(
        &found,
        "unused:lb-02",
        Severity::Info,
        Category::Availability,
        &["lb-02"],
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn putting_both_lbs_behind_a_vip_clears_the_lb_spof() {
    let mut topology = two_lbs_without_vip();
    topology.nodes.insert(
        2,
        Node {
            id: "vip".to_owned(),
            name: "Virtual IP".to_owned(),
            kind: NodeKind::Vip(Vip {
                ip: Ipv4Addr::new(8, 8, 8, 8),
                advert_int_s: 1,
                preempt: true,
                members: vec![
                    VrrpMember {
                        host: "lb-01".to_owned(),
                        priority: 150,
                    },
                    VrrpMember {
                        host: "lb-02".to_owned(),
                        priority: 100,
                    },
                ],
            }),
        },
    );
    for lb in ["lb-01", "lb-02"] {
        host_mut(&mut topology, lb).public_ip = None;
    }
    check_findings(
        &topology,
        None,
        &[
            "spof:server-01.mysql",
            "all-in-one:server-01",
            "all-in-one:server-02",
            "plaintext-after-tls",
        ],
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_vip_with_a_single_member_is_still_a_spof() {
    let mut topology = stage(3);
    if let Some(NodeKind::Vip(vip)) = topology
        .nodes
        .iter_mut()
        .find(|n| n.id == "vip")
        .map(|n| &mut n.kind)
    {
        vip.members.truncate(1);
    }
    check_findings(
        &topology,
        None,
        &[
            "spof:app-01",
            "spof:db-01",
            "spof:lb-01",
            "open-ports:lb-02",
            "plaintext-after-tls",
            "unused:lb-02",
        ],
    );
}

/// Stage 3 with app-02 next to app-01: both web servers link to it, it links to db-01.
fn two_app_servers(db_lets_it_in: bool) -> Topology {
    let mut topology = stage(3);
    let app2 = clone_host(&topology, "app-01", "app-02", Ipv4Addr::new(10, 0, 0, 22));
    topology.nodes.insert(8, app2);
    for web in ["web-01", "web-02"] {
        topology
            .links
            .push(Link::new(&format!("{web}.nginx"), "app-02.app"));
    }
    topology.links.push(Link::new("app-02.app", "db-01.mysql"));
    if db_lets_it_in {
        add_rule(&mut topology, "db-01", allow(Some(3306), "10.0.0.22"));
    }
    topology
}

#[wasm_bindgen_test(unsupported = test)]
fn a_redundant_app_pair_is_not_a_spof() {
    check_findings(
        &two_app_servers(true),
        None,
        &["spof:db-01", "plaintext-after-tls"],
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_second_app_server_the_database_firewall_blocks_adds_no_redundancy() {
    check_findings(
        &two_app_servers(false),
        None,
        &["spof:app-01", "spof:db-01", "plaintext-after-tls"],
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_design_without_dns_cannot_be_reached_and_has_no_spofs() {
    let mut topology = stage(1);
    topology
        .nodes
        .retain(|n| !matches!(n.kind, NodeKind::Dns(_)));
    let found = check_findings(
        &topology,
        None,
        &[
            "no-dns",
            "no-firewall:lb-01",
            "all-in-one:server-01",
            "all-in-one:server-02",
            "no-agent:lb-01",
            "no-agent:server-01",
            "no-agent:server-02",
            "no-collector",
            "no-firewall:server-01",
            "no-firewall:server-02",
        ],
    );
    check_proof(&topology, &found, "no-dns");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_record_pointing_at_nothing_is_a_dead_address() {
    let mut topology = stage(3);
    if let Some(NodeKind::Dns(zone)) = topology
        .nodes
        .iter_mut()
        .map(|n| &mut n.kind)
        .find(|k| matches!(k, NodeKind::Dns(_)))
    {
        zone.records[0].address = Ipv4Addr::new(192, 0, 2, 1);
    }
    let found = analyze(&topology, None);
    assert_eq!(ids(&found)[0], "dead-address", "{found:#?}");
    assert!(!ids(&found).iter().any(|id| id.starts_with("spof:")));
    check_proof(&topology, &found, "dead-address");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_firewall_that_shuts_out_visitors_makes_the_site_unreachable() {
    let mut topology = stage(2);
    rules_mut(&mut topology, "lb-01").clear();
    let found = analyze(&topology, None);
    let unreachable = find(&found, "unreachable");
    assert!(
        unreachable.why.contains(
            "port 443 is closed (fw-lb-01 default deny: 203.0.113.7 tcp/443 matches no rule)"
        ),
        "{unreachable:#?}"
    );
    check_proof(&topology, &found, "unreachable");
}

#[wasm_bindgen_test(unsupported = test)]
fn an_empty_design_has_one_info_finding() {
    let topology = Topology {
        version: FORMAT_VERSION,
        name: "Empty".to_owned(),
        nodes: Vec::new(),
        links: Vec::new(),
    };
    check_findings(&topology, Some(100.0), &["empty"]);
    assert!(reach::matrix(&topology).is_empty());
}

#[wasm_bindgen_test(unsupported = test)]
fn an_invalid_design_is_one_error() {
    let mut topology = stage(1);
    topology
        .links
        .push(Link::new("lb-01.haproxy", "nobody.nginx"));
    let found = check_findings(&topology, None, &["invalid"]);
    assert!(found[0].why.contains("nobody.nginx"), "{found:#?}");
}

#[wasm_bindgen_test(unsupported = test)]
fn hosts_without_services_and_load_balancer_cycles_do_not_break_the_analysis() {
    let mut topology = two_lbs_without_vip();
    topology.nodes.push(Node {
        id: "bastion".to_owned(),
        name: "bastion".to_owned(),
        kind: NodeKind::Host(Host {
            ip: Ipv4Addr::new(10, 0, 0, 99),
            public_ip: None,
            services: Vec::new(),
            firewall: None,
            agent: None,
        }),
    });
    topology
        .links
        .push(Link::new("lb-01.haproxy", "lb-02.haproxy"));
    topology
        .links
        .push(Link::new("lb-02.haproxy", "lb-01.haproxy"));
    let found = analyze(&topology, Some(100.0));
    let ids = ids(&found);
    for id in [
        "spof:lb-01",
        "no-firewall:bastion",
        "no-agent:bastion",
        "lb-loop:lb-01.haproxy",
    ] {
        assert!(ids.contains(&id), "{id} missing: {ids:?}");
    }
    let finding = find(&found, "lb-loop:lb-01.haproxy");
    assert!(
        finding
            .why
            .starts_with("lb-01.haproxy → lb-02.haproxy → lb-01.haproxy: "),
        "{finding:#?}"
    );
    assert!(!ids.contains(&"unused:bastion"), "{ids:?}");
    assert!(!reach::matrix(&topology).iter().any(|c| c.to == "bastion"));
}

// ----- security ------------------------------------------------------------------------------

#[wasm_bindgen_test(unsupported = test)]
fn ssh_open_to_the_internet_on_the_lb_is_an_error() {
    let mut topology = stage(2);
    add_rule(&mut topology, "lb-01", allow(Some(22), "any"));
    let found = analyze(&topology, None);
    check_finding(
        &found,
        "open-ports:lb-01",
        Severity::Error,
        Category::Security,
        &["lb-01"],
    );
    let finding = find(&found, "open-ports:lb-01");
    assert_eq!(finding.title, "lb-01 accepts port 22 from the internet");
    assert!(
        finding
            .why
            .contains("22 (nothing listens yet): fw-lb-01 rule 3 allow tcp/22 from any"),
        "{finding:#?}"
    );
    let summary = check_proof(&topology, &found, "open-ports:lb-01");
    assert_eq!(
        summary,
        "203.0.113.7 → lb-01:22 (new TCP connection): let in"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_database_reachable_from_the_load_balancer_is_flagged() {
    let mut topology = stage(2);
    add_rule(&mut topology, "server-01", allow(Some(3306), "10.0.0.0/24"));
    let found = analyze(&topology, None);
    check_finding(
        &found,
        "db-reachable:server-01.mysql",
        Severity::Warning,
        Category::Security,
        &["server-01.mysql", "server-01", "lb-01"],
    );
    check_proof(&topology, &found, "db-reachable:server-01.mysql");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_database_open_to_the_internet_is_an_error() {
    let mut topology = stage(3);
    add_rule(&mut topology, "db-01", allow(None, "any"));
    let found = analyze(&topology, None);
    let finding = find(&found, "db-reachable:db-01.mysql");
    assert_eq!(finding.severity, Severity::Error);
    assert_eq!(
        finding.title,
        "db-01.mysql is reachable from internet, lb-01, lb-02, web-01 and web-02"
    );
    assert_eq!(
        finding.proof,
        Some(Proof::Probe {
            from_ip: reach::INTERNET_IP,
            to_host: "db-01".to_owned(),
            port: 3306,
        })
    );
    // Rule 2 opens every other port too, SSH among them.
    assert!(
        ids(&found).contains(&"open-ports:db-01"),
        "{:?}",
        ids(&found)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn plain_http_served_next_to_https_is_flagged() {
    let mut topology = stage(2);
    add_rule(&mut topology, "lb-01", allow(Some(80), "any"));
    for service in &mut host_mut(&mut topology, "lb-01").services {
        if let ServiceKind::LoadBalancer(lb) = &mut service.kind {
            lb.redirect_to_https = false;
        }
    }
    let found = analyze(&topology, None);
    check_finding(
        &found,
        "http-not-redirected",
        Severity::Warning,
        Category::Security,
        &["lb-01"],
    );
    let summary = check_proof(&topology, &found, "http-not-redirected");
    // The request is named with the site's own name, not "http://www/…".
    assert!(
        summary.starts_with("GET http://www.foobar.com/"),
        "{summary}"
    );
}

// ----- capacity ------------------------------------------------------------------------------

#[wasm_bindgen_test(unsupported = test)]
fn capacity_names_the_app_tier_and_errors_above_it() {
    let under = analyze(&stage(3), Some(100.0));
    check_finding(
        &under,
        "capacity:app",
        Severity::Info,
        Category::Capacity,
        &["app-01.app"],
    );
    assert_eq!(
        find(&under, "capacity:app").title,
        "The application servers limit the site to about 400 req/s"
    );
    let over = analyze(&stage(3), Some(1000.0));
    let finding = find(&over, "capacity:app");
    assert_eq!(finding.severity, Severity::Error);
    assert_eq!(
        finding.title,
        "1000 req/s is more than the application servers can take (about 400 req/s)"
    );
    assert!(
        finding
            .why
            .contains("app-01.app: 8 workers / 20 ms = 400 req/s")
    );
    check_proof(&stage(3), &over, "capacity:app");
    // Stage 1 has two application servers.
    assert_eq!(
        find(&analyze(&stage(1), Some(100.0)), "capacity:app").title,
        "The application servers limit the site to about 800 req/s"
    );
    assert!(!ids(&analyze(&stage(3), None)).contains(&"capacity:app"));
}

// ----- proofs --------------------------------------------------------------------------------

#[wasm_bindgen_test(unsupported = test)]
fn every_proof_of_every_stage_shows_its_finding_in_the_engine() {
    for n in 0..4 {
        let topology = stage(n);
        let found = analyze(&topology, None);
        for finding in found.iter().filter(|f| f.proof.is_some()) {
            check_proof(&topology, &found, &finding.id);
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn taking_the_stage_1_lb_down_stops_every_request() {
    let found = analyze(&stage(1), None);
    assert_eq!(
        find(&found, "spof:lb-01").proof,
        Some(Proof::TakeDown {
            target: Target::Host("lb-01".to_owned()),
            request: RequestKind::Read,
            https: false,
        })
    );
    assert_eq!(
        check_proof(&stage(1), &found, "spof:lb-01"),
        "before: 4 of 4 read requests (HTTP) served; lb-01 went down; 30 s later: 0 of 4 served"
    );
    assert_eq!(
        check_proof(&stage(1), &found, "spof:server-01.mysql"),
        "before: 4 of 4 write requests (HTTP) served; server-01.mysql stopped; 30 s later: 0 of \
         4 served"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn taking_an_active_lb_down_is_survived_so_the_proof_does_not_show() {
    let proof = Proof::TakeDown {
        target: Target::Host("lb-01".to_owned()),
        request: RequestKind::Read,
        https: true,
    };
    let result = prove(&stage(3), &proof);
    assert!(!result.shown, "{result:#?}");
    assert!(
        result
            .details
            .iter()
            .any(|d| d.contains("vip is now held by lb-02")),
        "{result:#?}"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn plaintext_after_tls_is_shown_on_the_hop_after_haproxy() {
    let result = prove(
        &stage(2),
        &Proof::Request {
            request: RequestKind::Read,
            https: true,
            shows: Symptom::PlaintextHop,
        },
    );
    assert!(result.shown, "{result:#?}");
    assert!(
        result.details[0].starts_with("plaintext: TLS ended at lb-01.haproxy"),
        "{result:#?}"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn proofs_naming_what_does_not_exist_are_not_shown() {
    let topology = stage(1);
    for proof in [
        Proof::TakeDown {
            target: Target::Host("nobody".to_owned()),
            request: RequestKind::Read,
            https: false,
        },
        Proof::Probe {
            from_ip: reach::INTERNET_IP,
            to_host: "nobody".to_owned(),
            port: 22,
        },
        Proof::Metrics {
            host: "nobody".to_owned(),
        },
        Proof::Load {
            rps: f64::NAN,
            https: false,
        },
    ] {
        let result = prove(&topology, &proof);
        assert!(!result.shown, "{result:#?}");
        assert!(result.summary.contains("nobody") || result.summary.contains("NaN"));
    }
}

// ----- reachability --------------------------------------------------------------------------

#[wasm_bindgen_test(unsupported = test)]
fn stage_2_reachability_matches_the_rules() {
    let cells = reach::matrix(&stage(2));
    check_reach(
        &cells,
        "internet",
        "lb-01",
        443,
        true,
        "fw-lb-01 rule 1 allow tcp/443 from any",
    );
    check_reach(
        &cells,
        "internet",
        "lb-01",
        80,
        true,
        "fw-lb-01 rule 2 allow tcp/80 from any",
    );

    check_reach(
        &cells,
        "lb-01",
        "server-01",
        80,
        true,
        "fw-server-01 rule 1 allow tcp/80 from 10.0.0.2",
    );
    check_reach(
        &cells,
        "internet",
        "server-01",
        80,
        false,
        "fw-server-01 default deny: 203.0.113.7 tcp/80 matches no rule",
    );
    check_reach(
        &cells,
        "server-02",
        "server-01",
        3306,
        true,
        "fw-server-01 rule 2 allow tcp/3306 from 10.0.0.12",
    );
    check_reach(
        &cells,
        "lb-01",
        "server-01",
        3306,
        false,
        "fw-server-01 default deny: 10.0.0.2 tcp/3306 matches no rule",
    );
    check_reach(
        &cells,
        "server-01",
        "server-01",
        3306,
        true,
        "loopback is always allowed",
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn stage_0_without_firewall_is_open_on_every_port() {
    let cells = reach::matrix(&stage(0));
    check_reach(
        &cells,
        "internet",
        "server-01",
        3306,
        true,
        "no firewall on server-01: every port is open",
    );
    let ports: Vec<u16> = cells.iter().map(|c| c.port).collect();
    assert_eq!(ports, [80, 3306, 9000, 80, 3306, 9000]);
    for cell in &cells {
        assert!(cell.allowed, "{cell:?}");
        assert_eq!(
            cell.rule, "no firewall on server-01: every port is open",
            "{cell:?}"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn the_matrix_has_one_cell_per_source_host_and_listening_port_in_order() {
    let cells = reach::matrix(&stage(3));
    // Sources: the internet, then every host; columns: every host's listening ports (both LBs
    // 80 and 443, each web server 80, the app 9000, the database 3306), hosts in design order.
    let hosts = ["lb-01", "lb-02", "web-01", "web-02", "app-01", "db-01"];
    let columns = [
        ("lb-01", 80),
        ("lb-01", 443),
        ("lb-02", 80),
        ("lb-02", 443),
        ("web-01", 80),
        ("web-02", 80),
        ("app-01", 9000),
        ("db-01", 3306),
    ];
    let expected: Vec<(&str, &str, u16)> = std::iter::once("internet")
        .chain(hosts)
        .flat_map(|from| columns.map(|(to, port)| (from, to, port)))
        .collect();
    let order: Vec<(&str, &str, u16)> = cells
        .iter()
        .map(|c| (c.from.as_str(), c.to.as_str(), c.port))
        .collect();
    assert_eq!(order, expected);
    assert_eq!(cells[0].service.as_deref(), Some("lb-01.haproxy"));
    check_reach(
        &cells,
        "lb-02",
        "lb-01",
        80,
        true,
        "fw-lb-01 rule 2 allow any from 10.0.0.3",
    );
    check_reach(
        &cells,
        "web-01",
        "db-01",
        3306,
        false,
        "fw-db-01 default deny: 10.0.0.11 tcp/3306 matches no rule",
    );
    check_reach(
        &cells,
        "app-01",
        "db-01",
        3306,
        true,
        "fw-db-01 rule 1 allow tcp/3306 from 10.0.0.21",
    );
    assert_eq!(cells, reach::matrix(&stage(3)));
}

// ----- designs people build themselves (issue 14, item 9) ------------------------------------

fn dns_mut(topology: &mut Topology) -> &mut Vec<stacksim::sim::topology::DnsRecord> {
    topology
        .nodes
        .iter_mut()
        .find_map(|node| match &mut node.kind {
            NodeKind::Dns(zone) => Some(&mut zone.records),
            _ => None,
        })
        .expect("a zone")
}

/// Stage 1 whose `www` record points at the load balancer's private address, as a design
/// drawn from an empty canvas does until the balancer gets a public one.
fn private_www() -> Topology {
    let mut topology = stage(1);
    dns_mut(&mut topology)[0].address = Ipv4Addr::new(10, 0, 0, 2);
    topology
}

/// Stage 1 whose zone is named `domain`: a domain the resolver cannot put `www` under (empty,
/// or with an empty label) resolves nothing, whatever records the zone holds.
fn stage_1_domain(domain: &str) -> Topology {
    let mut topology = stage(1);
    for node in &mut topology.nodes {
        if let NodeKind::Dns(zone) = &mut node.kind {
            zone.domain = domain.to_owned();
        }
    }
    topology
}

#[wasm_bindgen_test(unsupported = test)]
fn a_domain_www_cannot_resolve_under_leaves_the_site_unreachable() {
    for domain in ["", "shop..example"] {
        let found = analyze(&stage_1_domain(domain), None);
        assert!(
            ids(&found).contains(&"bad-domain"),
            "domain {domain:?}: {:?}",
            ids(&found)
        );
        assert!(!ids(&found).iter().any(|id| id.starts_with("spof:")));
        let summary = check_proof(&stage_1_domain(domain), &found, "bad-domain");
        assert!(summary.contains("NXDOMAIN"), "{summary}");
    }
    // A trailing dot and capitals are the same domain.
    let found = analyze(&stage_1_domain("FooBar.com."), None);
    assert!(!ids(&found).contains(&"bad-domain"), "{:?}", ids(&found));
    assert!(!ids(&found).contains(&"unreachable"), "{:?}", ids(&found));
}

#[wasm_bindgen_test(unsupported = test)]
fn www_at_a_private_address_is_unreachable_from_the_internet() {
    let topology = private_www();
    let found = analyze(&topology, None);
    check_finding(
        &found,
        "private-address",
        Severity::Error,
        Category::Availability,
        &["dns", "lb-01"],
    );
    let finding = find(&found, "private-address");
    assert_eq!(
        finding.title,
        "www.foobar.com points at 10.0.0.2, a private address the internet cannot reach"
    );
    assert!(finding.why.contains("RFC 1918"), "{finding:#?}");
    assert!(!ids(&found).contains(&"unreachable"), "{:?}", ids(&found));
    let summary = check_proof(&topology, &found, "private-address");
    assert!(summary.contains("Timed out at client"), "{summary}");
    assert!(summary.contains("private address"), "{summary}");
    // A public address is fine, and so is a private one for a browser on the same network.
    assert!(!ids(&analyze(&stage(1), None)).contains(&"private-address"));
    let mut inside = private_www();
    for node in &mut inside.nodes {
        if let NodeKind::Client { ip } = &mut node.kind {
            *ip = Ipv4Addr::new(10, 0, 0, 99);
        }
    }
    assert!(!ids(&analyze(&inside, None)).contains(&"private-address"));
}

/// Stage 1 where server-02's application links only to its own replica: writes that land on
/// server-02 have no primary.
fn replica_only_on_server_02() -> Topology {
    let mut topology = stage(1);
    topology
        .links
        .retain(|l| !(l.from == "server-02.app" && l.to == "server-01.mysql"));
    topology
}

#[wasm_bindgen_test(unsupported = test)]
fn writes_through_an_app_server_with_only_a_replica_fail_there() {
    let topology = replica_only_on_server_02();
    let found = analyze(&topology, None);
    check_finding(
        &found,
        "fails-at:server-02.app",
        Severity::Error,
        Category::Availability,
        &["server-02.app", "server-02"],
    );
    let finding = find(&found, "fails-at:server-02.app");
    assert_eq!(finding.title, "Writes that reach server-02.app fail");
    assert!(
        finding.why.contains(
            "server-02.app links to no primary database, only to server-02.mysql (a replica is \
             read-only), so it fails with 500"
        ),
        "{finding:#?}"
    );
    assert_eq!(
        finding.fix,
        "Link server-02.app to the primary (server-01.mysql)."
    );
    let summary = check_proof(&topology, &found, "fails-at:server-02.app");
    assert!(summary.contains("failed"), "{summary}");

    // Both application servers with a replica only: no write anywhere, said where.
    let mut topology = replica_only_on_server_02();
    topology.links.retain(|l| l.to != "server-01.mysql");
    topology
        .links
        .push(Link::new("server-01.app", "server-02.mysql"));
    let found = analyze(&topology, None);
    let finding = find(&found, "no-writes");
    assert!(
        finding
            .why
            .contains("server-01.app links to no primary database"),
        "{finding:#?}"
    );
    assert!(!ids(&found).iter().any(|id| id.starts_with("fails-at:")));
    check_proof(&topology, &found, "no-writes");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_server_line_the_load_balancer_cannot_connect_to_is_flagged() {
    // Stage 2, server-02's firewall no longer admits the load balancer.
    let mut topology = stage(2);
    rules_mut(&mut topology, "server-02").clear();
    let found = analyze(&topology, None);
    let id = "lb-cannot-reach:lb-01.haproxy:server-02.nginx";
    check_finding(
        &found,
        id,
        Severity::Warning,
        Category::Availability,
        &["lb-01.haproxy", "server-02.nginx", "server-02"],
    );
    let finding = find(&found, id);
    assert!(
        finding
            .why
            .contains("fw-server-02 default deny: 10.0.0.2 tcp/80 matches no rule"),
        "{finding:#?}"
    );
    assert!(finding.why.contains("marks it DOWN"), "{finding:#?}");
    assert_eq!(
        finding.fix,
        "Let server-02's firewall admit tcp/80 from 10.0.0.2, or remove the server line."
    );
    // Without `check` HAProxy keeps sending it requests: redispatched late (a warning), or,
    // without `option redispatch`, 503 (an error, proven by a load run).
    for link in &mut topology.links {
        if link.to == "server-02.nginx" {
            link.check = false;
        }
    }
    let found = analyze(&topology, None);
    assert_eq!(find(&found, id).severity, Severity::Warning);
    assert!(find(&found, id).why.contains("redispatched"));
    for service in &mut host_mut(&mut topology, "lb-01").services {
        if let ServiceKind::LoadBalancer(lb) = &mut service.kind {
            lb.redispatch = false;
        }
    }
    let found = analyze(&topology, None);
    assert_eq!(find(&found, id).severity, Severity::Error);
    check_proof(&topology, &found, id);
}

#[wasm_bindgen_test(unsupported = test)]
fn https_without_port_80_leaves_plain_http_unanswered() {
    // Stage 2 as it was before port 80 was opened for the redirect.
    let mut topology = stage(2);
    rules_mut(&mut topology, "lb-01").retain(|rule| rule.port != Some(80));
    let found = analyze(&topology, None);
    check_finding(
        &found,
        "http-fails",
        Severity::Warning,
        Category::Availability,
        &["lb-01"],
    );
    let finding = find(&found, "http-fails");
    assert!(
        finding.why.contains(
            "port 80 on lb-01 is closed (fw-lb-01 default deny: 203.0.113.7 tcp/80 matches no \
             rule)"
        ),
        "{finding:#?}"
    );
    let summary = check_proof(&topology, &found, "http-fails");
    assert!(summary.contains("Dropped at lb-01"), "{summary}");
    // The presets answer plain HTTP with the redirect.
    for n in [2, 3] {
        assert!(!ids(&analyze(&stage(n), None)).contains(&"http-fails"));
    }
}

/// A virtual IP in front of two Nginx hosts (no HAProxy): keepalived tracks HAProxy only, so
/// a stopped Nginx keeps the address where it is.
fn vip_over_nginx() -> Topology {
    let mut topology = stage(0);
    topology.nodes.retain(|n| n.id != "server-01");
    topology.links.clear();
    for (n, id) in ["web-a", "web-b"].into_iter().enumerate() {
        let ip = Ipv4Addr::new(10, 0, 0, 11 + n as u8);
        topology.nodes.push(Node {
            id: id.to_owned(),
            name: id.to_owned(),
            kind: NodeKind::Host(Host {
                ip,
                public_ip: None,
                services: vec![presets::nginx(&format!("{id}.nginx"))],
                firewall: None,
                agent: None,
            }),
        });
    }
    topology.nodes.push(Node {
        id: "vip".to_owned(),
        name: "vip".to_owned(),
        kind: NodeKind::Vip(Vip {
            ip: Ipv4Addr::new(8, 8, 8, 8),
            advert_int_s: 1,
            preempt: true,
            members: vec![
                VrrpMember {
                    host: "web-a".to_owned(),
                    priority: 150,
                },
                VrrpMember {
                    host: "web-b".to_owned(),
                    priority: 100,
                },
            ],
        }),
    });
    topology
}

#[wasm_bindgen_test(unsupported = test)]
fn nginx_behind_a_vip_is_not_tracked_so_its_stop_is_a_spof() {
    let found = analyze(&vip_over_nginx(), None);
    // Losing the host moves the VIP; stopping Nginx does not.
    assert!(!ids(&found).contains(&"spof:web-a"), "{:?}", ids(&found));
    check_finding(
        &found,
        "spof:web-a.nginx",
        Severity::Error,
        Category::Availability,
        &["web-a.nginx", "web-a"],
    );
    check_proof(&vip_over_nginx(), &found, "spof:web-a.nginx");
}

/// A second application server both web servers link to after app-01: Nginx uses it only
/// when app-01 stops, so it is a standby, not an unused host.
#[wasm_bindgen_test(unsupported = test)]
fn a_standby_app_server_is_not_unused() {
    let found = analyze(&two_app_servers(true), None);
    assert!(!ids(&found).contains(&"unused:app-02"), "{:?}", ids(&found));
}

// ----- the findings' walk and the engine agree ---------------------------------------------

/// The services a trace passes, in order of first appearance.
fn trace_path(topology: &Topology, trace: &stacksim::sim::trace::Trace) -> Vec<String> {
    let services: Vec<String> = topology
        .hosts()
        .flat_map(|(_, host)| host.services.iter().map(|s| s.id.clone()))
        .collect();
    let mut path: Vec<String> = Vec::new();
    for hop in &trace.hops {
        if services.contains(&hop.place) && !path.contains(&hop.place) {
            path.push(hop.place.clone());
        }
    }
    path
}

/// A table of designs with hosts and services taken down: after health checks and VRRP have
/// settled, the request's path through the engine, who holds the VIP and whether the page is
/// served are what `findings::predict` says (the same choice functions decide both).
#[wasm_bindgen_test(unsupported = test)]
fn findings_predict_the_engines_path() {
    use stacksim::sim::engine::{Config, Input, Simulation};
    use stacksim::sim::time::{SimDuration, SimTime};
    use stacksim::sim::trace::RequestSpec;

    let mut app_blocked = two_app_servers(true);
    // app-01 no longer admits web-01, which still passes to it first (it runs).
    rules_mut(&mut app_blocked, "app-01")
        .retain(|rule| rule.from != "10.0.0.11/32".parse::<Cidr>().expect("cidr"));
    let read = RequestSpec::new(RequestKind::Read, false);
    let write = RequestSpec::new(RequestKind::Write, false);
    let https_read = RequestSpec::new(RequestKind::Read, true);
    /// (what, design, request, taken down, the path, served)
    type Case<'a> = (
        &'a str,
        Topology,
        RequestSpec,
        Vec<&'a str>,
        Vec<&'a str>,
        bool,
    );
    let cases: Vec<Case> = vec![
        (
            "stage 0",
            stage(0),
            read,
            vec![],
            vec!["server-01.nginx", "server-01.app", "server-01.mysql"],
            true,
        ),
        (
            "stage 1, server-01 down: the write finds its primary gone",
            stage(1),
            write,
            vec!["server-01"],
            vec!["lb-01.haproxy", "server-02.nginx", "server-02.app"],
            false,
        ),
        (
            "stage 1, server-01.nginx and the replica stopped: the read goes to the primary",
            stage(1),
            read,
            vec!["server-01.nginx", "server-02.mysql"],
            vec![
                "lb-01.haproxy",
                "server-02.nginx",
                "server-02.app",
                "server-01.mysql",
            ],
            true,
        ),
        (
            "stage 1, replica only on server-02",
            replica_only_on_server_02(),
            write,
            vec!["server-01.nginx"],
            vec!["lb-01.haproxy", "server-02.nginx", "server-02.app"],
            false,
        ),
        (
            "stage 3, HAProxy on lb-01 stopped: lb-02 holds the VIP",
            stage(3),
            https_read,
            vec!["lb-01.haproxy"],
            vec!["lb-02.haproxy", "web-01.nginx", "app-01.app", "db-01.mysql"],
            true,
        ),
        (
            "stage 3, app-01 stopped: Nginx turns to the standby app-02",
            two_app_servers(true),
            https_read,
            vec!["app-01.app"],
            vec!["lb-01.haproxy", "web-01.nginx", "app-02.app", "db-01.mysql"],
            true,
        ),
        (
            "stage 3, app-01 runs but refuses web-01: Nginx still picks it",
            app_blocked,
            https_read,
            vec![],
            vec!["lb-01.haproxy", "web-01.nginx"],
            false,
        ),
        (
            "a VIP over Nginx: a stopped Nginx keeps the VIP and refuses",
            vip_over_nginx(),
            RequestSpec::new(RequestKind::Static, false),
            vec!["web-a.nginx"],
            vec!["web-a.nginx"],
            false,
        ),
        (
            "a VIP over Nginx: a dead host moves it",
            vip_over_nginx(),
            RequestSpec::new(RequestKind::Static, false),
            vec!["web-a"],
            vec!["web-b.nginx"],
            true,
        ),
        (
            "www at a private address",
            private_www(),
            read,
            vec![],
            vec![],
            false,
        ),
        (
            "a zone with an empty domain: www does not resolve",
            stage_1_domain(""),
            read,
            vec![],
            vec![],
            false,
        ),
        (
            "a domain with an empty label: www does not resolve",
            stage_1_domain("shop..example"),
            read,
            vec![],
            vec![],
            false,
        ),
        (
            "a domain with a trailing dot and capitals resolves",
            stage_1_domain("FooBar.com."),
            read,
            vec![],
            vec![
                "lb-01.haproxy",
                "server-01.nginx",
                "server-01.app",
                "server-01.mysql",
            ],
            true,
        ),
    ];
    for (label, topology, spec, down, path, served) in cases {
        let predicted = findings::predict(&topology, spec, &down).expect("valid design");
        assert_eq!(predicted.path, path, "{label}: findings");
        assert_eq!(predicted.served, served, "{label}: findings");

        let mut sim = Simulation::new(&topology, Config::default()).expect("simulates");
        for id in &down {
            let input = if topology.node(id).is_some() {
                Input::HostDown((*id).to_owned())
            } else {
                Input::ServiceDown((*id).to_owned())
            };
            sim.handle(SimTime::ZERO, input).expect("input accepted");
        }
        let at = SimTime::ZERO + SimDuration::from_secs(30);
        sim.advance_to(at);
        let request = sim
            .handle(at, Input::Send(spec))
            .expect("accepted")
            .expect("an id");
        sim.run_until_quiet(at + SimDuration::from_secs(300));
        let trace = sim.trace(request).expect("traced");
        assert_eq!(
            trace_path(&topology, trace),
            path,
            "{label}: engine {trace:#?}"
        );
        let page = matches!(
            trace.outcome,
            Some(stacksim::sim::trace::Outcome::Served { status: 200, .. })
        );
        assert_eq!(page, served, "{label}: engine {:?}", trace.outcome);
        if let Some(vip) = topology
            .nodes
            .iter()
            .find(|n| matches!(n.kind, NodeKind::Vip(_)))
        {
            assert_eq!(
                sim.vip_holder(&vip.id),
                predicted.vip_holder,
                "{label}: VIP holder"
            );
        }
    }
}

/// The findings name each pair's variant and the capacity it gives: stage 3's active-passive
/// load balancers have one HAProxy's, the active-active copy both; the pool behind them two web
/// servers' either way, one once web-02 is a backup.
#[wasm_bindgen_test(unsupported = test)]
fn pairs_are_named_with_their_variant_and_capacity() {
    use stacksim::sim::findings::pairs;
    use stacksim::sim::redundancy::{Sharing, switch};
    let stage3 = stage(3);
    let active = switch(&stage3, "vrrp:vip", Sharing::ActiveActive).expect("switches");
    let backup = switch(&stage3, "pool:lb-01.haproxy", Sharing::ActivePassive).expect("switches");
    let capacity = |why: &str| -> String {
        why.split(" Capacity as ")
            .nth(1)
            .and_then(|rest| rest.split(" req/s").next())
            .unwrap_or_default()
            .to_owned()
    };
    let cases: [(&Topology, &str, &str, &[&str], &str); 4] = [
        (
            &stage3,
            "pair:vrrp:vip",
            "lb-01 and lb-02 are active-passive",
            &["lb-01", "lb-02"],
            "active-passive: about 24691",
        ),
        (
            &active,
            "pair:vrrp:vip",
            "lb-01 and lb-02 are active-active",
            &["lb-01", "lb-02"],
            "active-active: about 49383",
        ),
        (
            &stage3,
            "pair:pool:lb-01.haproxy",
            "web-01 and web-02 are active-active",
            &["web-01", "web-02"],
            "active-active: about 80000",
        ),
        (
            &backup,
            "pair:pool:lb-01.haproxy",
            "web-01 active, web-02 passive (HAProxy backup)",
            &["web-01", "web-02"],
            "active-passive: about 40000",
        ),
    ];
    for (topology, id, title, nodes, rate) in cases {
        let notes = pairs(topology);
        let note = find(&notes, id);
        assert_eq!(note.title, title);
        assert_eq!(note.nodes, nodes);
        assert_eq!(note.severity, Severity::Info);
        assert_eq!(capacity(&note.why), rate, "{}", note.why);
    }
    // Not weaknesses: the analysis lists the same findings either way.
    assert_eq!(ids(&analyze(&stage3, None)), ids(&analyze(&active, None)));
}

/// A monitoring proof says what the collector received in words a newcomer reads (issue 15,
/// item 8): never "0 reports from no host".
#[wasm_bindgen_test(unsupported = test)]
fn the_monitoring_proof_names_what_the_collector_received() {
    // Stage 1 has no collector and no agent: nothing arrives at all.
    let found = analyze(&stage(1), None);
    assert_eq!(
        check_proof(&stage(1), &found, "no-agent:lb-01"),
        "in 60 s no report reached any collector: no host sends one, so nothing from lb-01 either"
    );
    // On stage 3 agents do report: the summary counts them and names who sent them.
    let found = analyze(&stage(3), None);
    for finding in found.iter().filter(|f| f.id.starts_with("no-agent:")) {
        let summary = check_proof(&stage(3), &found, &finding.id);
        assert!(!summary.contains("no host"), "{summary}");
    }
}

/// "Prove it" gives the diagram the request's way before and after the failure (issue 15,
/// item 9): served through the load balancer before, stopped where the failure is after.
#[wasm_bindgen_test(unsupported = test)]
fn a_take_down_proof_carries_the_way_before_and_after() {
    let found = analyze(&stage(1), None);
    let proof = find(&found, "spof:lb-01").proof.clone().expect("a proof");
    let result = prove(&stage(1), &proof);
    let before = result.before.expect("a request before");
    assert!(before.served, "{before:?}");
    assert_eq!(before.stop, None);
    assert_eq!(before.places.first().map(String::as_str), Some("dns"));
    assert!(
        before.places.iter().any(|p| p == "lb-01.haproxy"),
        "{before:?}"
    );
    let after = result.after.expect("a request after");
    assert!(!after.served, "{after:?}");
    assert_eq!(after.stop.as_deref(), Some("lb-01"), "{after:?}");
    // One request proofs carry their one request.
    let found = analyze(&stage(0), None);
    for finding in found
        .iter()
        .filter(|f| matches!(f.proof, Some(Proof::Request { .. })))
    {
        let result = prove(&stage(0), finding.proof.as_ref().expect("a proof"));
        assert!(
            result.before.is_none() && result.after.is_some(),
            "{}",
            finding.id
        );
    }
}
