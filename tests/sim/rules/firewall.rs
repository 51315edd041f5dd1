//! B4: ufw / iptables firewall decisions. A firewall is written as ufw-like lines (a
//! `default …` line, then the rules in the model's own notation, top to bottom), a packet as
//! "10.0.1.100 tcp/22" (a new connection) or "… established", and a verdict as
//! "Allow by Rule(0)" (`Decider::Rule` holds the 0-based index).

use std::net::Ipv4Addr;

use stacksim::sim::firewall::{self, ConnState, Decider, Decision, Packet};
use stacksim::sim::presets;
use stacksim::sim::topology::{Cidr, Firewall, NodeKind, Proto, Rule, Verdict};
use wasm_bindgen_test::wasm_bindgen_test;

/// `"none"` is no firewall; otherwise a `default allow|deny|reject` line, then one rule a line
/// such as `allow tcp/22 from 10.0.0.0/8` or `deny any from 10.0.0.31`.
fn parse_firewall(text: &str) -> Option<Firewall> {
    let mut lines = text.lines().map(str::trim).filter(|line| !line.is_empty());
    let first = lines.next().expect("a default line or `none`");
    if first == "none" {
        return None;
    }
    let default = first.strip_prefix("default ").expect("`default <action>`");
    let rules = lines
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let [action, proto_port, "from", from] = words[..] else {
                panic!("not a rule: {line}");
            };
            let (proto, port) = match proto_port.split_once('/') {
                Some((proto, port)) => (proto, Some(port.parse().expect("port"))),
                None => (proto_port, None),
            };
            let rule = Rule {
                action: parse_action(action),
                proto: parse_proto(proto),
                from: from.parse::<Cidr>().expect("cidr"),
                port,
                comment: String::new(),
            };
            assert_eq!(rule.to_string(), line, "the notation is the model's own");
            rule
        })
        .collect();
    Some(Firewall {
        default_incoming: parse_action(default),
        rules,
    })
}

fn parse_action(text: &str) -> Verdict {
    match text {
        "allow" => Verdict::Allow,
        "deny" => Verdict::Deny,
        "reject" => Verdict::Reject,
        _ => panic!("not an action: {text}"),
    }
}

fn parse_proto(text: &str) -> Proto {
    match text {
        "tcp" => Proto::Tcp,
        "udp" => Proto::Udp,
        "any" => Proto::Any,
        _ => panic!("not a protocol: {text}"),
    }
}

/// "10.0.1.100 tcp/22" or "10.0.0.31 tcp/51234 established".
fn parse_packet(text: &str) -> Packet {
    let words: Vec<&str> = text.split_whitespace().collect();
    let (src, proto_port, state) = match words[..] {
        [src, proto_port] => (src, proto_port, ConnState::New),
        [src, proto_port, "established"] => (src, proto_port, ConnState::Established),
        _ => panic!("not a packet: {text}"),
    };
    let (proto, port) = proto_port.split_once('/').expect("proto/port");
    Packet {
        src: src.parse().expect("source address"),
        proto: parse_proto(proto),
        dst_port: port.parse().expect("port"),
        state,
    }
}

#[track_caller]
fn check(firewall: &str, packet: &str, expected: &str) {
    let firewall = parse_firewall(firewall);
    let decision = firewall::evaluate(firewall.as_ref(), &parse_packet(packet));
    let actual = format!("{:?} by {:?}", decision.verdict, decision.by);
    assert_eq!(actual, expected, "packet {packet}");
    assert_eq!(decision.passes(), decision.verdict == Verdict::Allow);
}

#[track_caller]
fn check_explain(firewall: &str, host_name: &str, packet: &str, expected: &str) {
    let firewall = parse_firewall(firewall);
    let packet = parse_packet(packet);
    let decision = firewall::evaluate(firewall.as_ref(), &packet);
    assert_eq!(
        decision.explain(host_name, firewall.as_ref(), &packet),
        expected
    );
}

// B4.1
#[wasm_bindgen_test(unsupported = test)]
fn first_match_wins_allow_22_before_deny_lets_10_0_1_100_in() {
    check(
        "default deny
         allow tcp/22 from 10.0.0.0/8
         deny tcp/22 from 10.0.1.100",
        "10.0.1.100 tcp/22",
        "Allow by Rule(0)",
    );
}

// B4.1
#[wasm_bindgen_test(unsupported = test)]
fn deny_inserted_above_the_allow_shuts_out_10_0_1_100_only() {
    let firewall = "default deny
                    deny tcp/22 from 10.0.1.100
                    allow tcp/22 from 10.0.0.0/8";
    check(firewall, "10.0.1.100 tcp/22", "Deny by Rule(0)");
    check(firewall, "10.0.1.101 tcp/22", "Allow by Rule(1)");
}

// B4.1, B4.7: a packet that doesn't match moves on to the next rule
#[wasm_bindgen_test(unsupported = test)]
fn non_matching_rules_are_skipped_until_one_matches() {
    let firewall = "default deny
                    reject udp/22 from any
                    reject tcp/23 from any
                    reject tcp/22 from 192.168.0.0/16
                    allow tcp/22 from any";
    check(firewall, "10.0.0.5 tcp/22", "Allow by Rule(3)");
    check(firewall, "10.0.0.5 udp/22", "Reject by Rule(0)");
    check(firewall, "192.168.1.1 tcp/22", "Reject by Rule(2)");
}

// B4.1 (the model: proto `any` matches tcp and udp)
#[wasm_bindgen_test(unsupported = test)]
fn proto_any_matches_tcp_and_udp() {
    let firewall = "default deny
                    allow any/53 from any";
    check(firewall, "198.51.100.1 tcp/53", "Allow by Rule(0)");
    check(firewall, "198.51.100.1 udp/53", "Allow by Rule(0)");
    check(firewall, "198.51.100.1 udp/54", "Deny by Default");
}

// B4.1 (the model: a rule without a port matches every port)
#[wasm_bindgen_test(unsupported = test)]
fn rule_without_port_matches_every_port() {
    let firewall = "default deny
                    allow tcp from 10.0.0.3";
    check(firewall, "10.0.0.3 tcp/1", "Allow by Rule(0)");
    check(firewall, "10.0.0.3 tcp/65535", "Allow by Rule(0)");
    check(firewall, "10.0.0.3 udp/112", "Deny by Default");
    check(firewall, "10.0.0.4 tcp/80", "Deny by Default");
}

// B4.1 (the model: `from` is a CIDR that must contain the source)
#[wasm_bindgen_test(unsupported = test)]
fn from_network_covers_its_whole_range_and_nothing_else() {
    let firewall = "default deny
                    allow tcp/80 from 10.0.0.0/8";
    check(firewall, "10.0.0.0 tcp/80", "Allow by Rule(0)");
    check(firewall, "10.255.255.255 tcp/80", "Allow by Rule(0)");
    check(firewall, "9.255.255.255 tcp/80", "Deny by Default");
    check(firewall, "11.0.0.0 tcp/80", "Deny by Default");
}

// B4.2 (inbound half: the model has no outgoing rules, ufw's `outgoing allow` is implied)
#[wasm_bindgen_test(unsupported = test)]
fn no_rules_default_deny_drops_inbound_80() {
    check("default deny", "203.0.113.7 tcp/80", "Deny by Default");
}

// B4.2
#[wasm_bindgen_test(unsupported = test)]
fn default_applies_only_when_no_rule_matches() {
    let firewall = "default allow
                    deny tcp/3306 from any";
    check(firewall, "203.0.113.7 tcp/3306", "Deny by Rule(0)");
    check(firewall, "203.0.113.7 tcp/80", "Allow by Default");
}

// B4.2, B4.5
#[wasm_bindgen_test(unsupported = test)]
fn default_reject_refuses_unmatched_packets() {
    check("default reject", "203.0.113.7 udp/161", "Reject by Default");
}

// B4.3: default deny with only `allow 443/tcp`; the server's replies to clients pass
#[wasm_bindgen_test(unsupported = test)]
fn replies_to_allowed_connections_pass() {
    let firewall = "default deny
                    allow tcp/443 from any";
    check(firewall, "203.0.113.7 tcp/443", "Allow by Rule(0)");
    check(
        firewall,
        "203.0.113.7 tcp/51234 established",
        "Allow by Established",
    );
}

// B4.3: the app server's connection to MySQL gets its replies though no rule allows the DB
#[wasm_bindgen_test(unsupported = test)]
fn app_server_gets_mysql_replies_without_an_inbound_rule_for_the_db() {
    let app_firewall = "default deny
                        allow tcp/9000 from 10.0.0.11";
    check(
        app_firewall,
        "10.0.0.31 tcp/40100 established",
        "Allow by Established",
    );
}

// B4.3
#[wasm_bindgen_test(unsupported = test)]
fn unsolicited_packet_from_db_is_dropped() {
    let app_firewall = "default deny
                        allow tcp/9000 from 10.0.0.11";
    check(app_firewall, "10.0.0.31 tcp/40100", "Deny by Default");
    check(app_firewall, "10.0.0.31 tcp/9000", "Deny by Default");
}

// B4.3: before.rules accept ESTABLISHED ahead of every user rule
#[wasm_bindgen_test(unsupported = test)]
fn established_passes_before_any_user_rule() {
    let firewall = "default deny
                    deny any from any";
    check(
        firewall,
        "10.0.0.31 tcp/40100 established",
        "Allow by Established",
    );
    check(firewall, "10.0.0.31 tcp/40100", "Deny by Rule(0)");
}

// B4.4
#[wasm_bindgen_test(unsupported = test)]
fn loopback_always_allowed() {
    let firewall = "default reject
                    reject any from any";
    check(firewall, "127.0.0.1 tcp/3306", "Allow by Loopback");
    check(firewall, "127.0.0.1 udp/53", "Allow by Loopback");
}

// B4.4 (the model: loopback is the source network 127.0.0.0/8, there are no interfaces)
#[wasm_bindgen_test(unsupported = test)]
fn loopback_is_all_of_127_0_0_0_8() {
    check(
        "default deny",
        "127.255.255.254 tcp/80",
        "Allow by Loopback",
    );
    check("default deny", "126.255.255.255 tcp/80", "Deny by Default");
    check("default deny", "128.0.0.1 tcp/80", "Deny by Default");
}

// B4.5: the Verdict tells the engine whether the client times out or is refused at once
#[wasm_bindgen_test(unsupported = test)]
fn deny_is_silent_drop_reject_is_immediate() {
    let firewall = parse_firewall(
        "default deny
         deny tcp/22 from any
         reject tcp/23 from any",
    );
    let decision = |port| {
        let packet = parse_packet(&format!("203.0.113.7 tcp/{port}"));
        firewall::evaluate(firewall.as_ref(), &packet)
    };
    assert_eq!(
        decision(22),
        Decision {
            verdict: Verdict::Deny,
            by: Decider::Rule(0)
        }
    );
    assert_eq!(
        decision(23),
        Decision {
            verdict: Verdict::Reject,
            by: Decider::Rule(1)
        }
    );
    assert!(!decision(22).passes());
    assert!(!decision(23).passes());
}

// B4 (the model: `Host.firewall == None` means every port is open)
#[wasm_bindgen_test(unsupported = test)]
fn no_firewall_every_port_is_open() {
    check("none", "203.0.113.7 tcp/3306", "Allow by NoFirewall");
    check("none", "203.0.113.7 udp/9", "Allow by NoFirewall");
}

// B4.3 + B4.1 on the presets: the load balancers that end TLS admit TCP 443, and 80 for
// HAProxy's redirect to HTTPS (as real sites do); nothing else from the internet.
#[wasm_bindgen_test(unsupported = test)]
fn tls_load_balancers_admit_https_and_http_for_the_redirect_only() {
    for (stage, lb) in [(2, "lb-01"), (3, "lb-01"), (3, "lb-02")] {
        let fw = preset_firewall(stage, lb);
        let decision = |text| firewall::evaluate(fw.as_ref(), &parse_packet(text));
        assert!(
            decision("203.0.113.7 tcp/443").passes(),
            "stage {stage} {lb}"
        );
        assert!(
            decision("203.0.113.7 tcp/80").passes(),
            "stage {stage} {lb}"
        );
        for closed in [
            "203.0.113.7 tcp/22",
            "203.0.113.7 tcp/8080",
            "203.0.113.7 udp/80",
        ] {
            assert_eq!(
                decision(closed).verdict,
                Verdict::Deny,
                "stage {stage} {lb} {closed}"
            );
        }
    }
}

// B4.1 on the presets: stage 2's servers accept port 80 only from the load balancer
#[wasm_bindgen_test(unsupported = test)]
fn stage_2_servers_admit_http_only_from_the_lb() {
    let topology = presets::topology(2).expect("stage 2");
    let lb_ip = match topology.node("lb-01").map(|node| &node.kind) {
        Some(NodeKind::Host(host)) => host.ip,
        _ => panic!("lb-01 is a host"),
    };
    for server in ["server-01", "server-02"] {
        let fw = preset_firewall(2, server);
        let from_lb = packet_from(lb_ip, 80);
        let from_outside = packet_from(Ipv4Addr::new(203, 0, 113, 7), 80);
        assert!(
            firewall::evaluate(fw.as_ref(), &from_lb).passes(),
            "{server}"
        );
        assert!(
            !firewall::evaluate(fw.as_ref(), &from_outside).passes(),
            "{server}"
        );
    }
}

fn preset_firewall(stage: u8, host_id: &str) -> Option<Firewall> {
    let topology = presets::topology(stage).expect("stage");
    match topology.node(host_id).map(|node| &node.kind) {
        Some(NodeKind::Host(host)) => host.firewall.clone(),
        _ => panic!("{host_id} is a host"),
    }
}

fn packet_from(src: Ipv4Addr, dst_port: u16) -> Packet {
    Packet {
        src,
        proto: Proto::Tcp,
        dst_port,
        state: ConnState::New,
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn explain_numbers_rules_from_1_like_ufw_status_numbered() {
    let firewall = "default deny
                    allow tcp/443 from any
                    reject tcp/80 from any";
    check_explain(
        firewall,
        "lb-01",
        "203.0.113.7 tcp/443",
        "fw-lb-01 rule 1 allow tcp/443 from any",
    );
    check_explain(
        firewall,
        "lb-01",
        "203.0.113.7 tcp/80",
        "fw-lb-01 rule 2 reject tcp/80 from any",
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn explain_default_names_the_packet_that_matched_nothing() {
    check_explain(
        "default deny
         allow tcp/80 from 10.0.0.2",
        "server-01",
        "203.0.113.7 tcp/80",
        "fw-server-01 default deny: 203.0.113.7 tcp/80 matches no rule",
    );
    check_explain(
        "default reject",
        "server-01",
        "203.0.113.7 udp/53",
        "fw-server-01 default reject: 203.0.113.7 udp/53 matches no rule",
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn explain_established_no_firewall_and_loopback() {
    check_explain(
        "default deny",
        "server-01",
        "10.0.0.31 tcp/40100 established",
        "fw-server-01 reply to an allowed connection (established)",
    );
    check_explain(
        "none",
        "server-01",
        "203.0.113.7 tcp/22",
        "no firewall on server-01: every port is open",
    );
    check_explain(
        "default deny",
        "server-01",
        "127.0.0.1 tcp/3306",
        "loopback is always allowed",
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn explain_of_a_verdict_from_another_firewall_does_not_panic() {
    let packet = parse_packet("203.0.113.7 tcp/80");
    let decision = Decision {
        verdict: Verdict::Deny,
        by: Decider::Rule(7),
    };
    let firewall = parse_firewall("default deny");
    assert_eq!(
        decision.explain("web-01", firewall.as_ref(), &packet),
        "fw-web-01 rule 8 deny: 203.0.113.7 tcp/80 (the rule is gone)"
    );
    let decision = Decision {
        verdict: Verdict::Deny,
        by: Decider::Rule(usize::MAX),
    };
    assert!(decision.explain("web-01", None, &packet).contains("rule"));
}
