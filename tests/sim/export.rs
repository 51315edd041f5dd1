//! Export (issue 8): the configuration files generated for each preset and for edited designs,
//! and the proof that the real tools accept them.
//!
//! Three kinds of test:
//! - pure tests read the generated text: paths per stage, the lines that carry the design's
//!   values, edits showing up, hostile names staying on their line;
//! - real-tool tests write the files to a scratch directory and run `haproxy -c`, `nginx -t`,
//!   `keepalived --config-test`, `nft -c`, `named-checkzone`, `ufw --dry-run` and
//!   `php-fpm8.2 -t` on them. A
//!   missing tool fails the test with the Debian package to install; nothing is skipped;
//! - the loopback tests run real HAProxy with the exported stage 1 configuration (addresses
//!   rewritten to 127.0.0.1) in front of two tiny HTTP backends, send 400 requests and
//!   compare the per-backend counts with what the simulator predicts; and, with a minimal
//!   `balance roundrobin` configuration, compare the order of picks for weights 3:1 and 5:1:1
//!   with the simulator's balancer (B1.6); with stage 2's configuration, that plain HTTP gets
//!   the same 301 and Location as in the simulator; and with `retries 3` and one server failing
//!   (refusing on a closed port, or dead: its SYNs dropped by an nftables rule on a dedicated
//!   127.0.0.0/8 address, in a table the test creates and deletes), compare each request's
//!   status and timing with the simulator's, `option redispatch` on and off (B1.19).
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use stacksim::sim::balancer::{Balancer, ServerSpec};
use stacksim::sim::engine::{Config, Input, Load, Mix, Simulation};
use stacksim::sim::export::{ExportFile, FileKind, NS1_PLACEHOLDER, export};
use stacksim::sim::time::{SimDuration, SimTime};
use stacksim::sim::topology::{
    AppServer, Balance, Certificate, Cidr, DbRole, DnsRecord, Host, Link, Mysql, Nginx, Node,
    NodeKind, Proto, Rule, Service, ServiceKind, Topology, Verdict,
};
use stacksim::sim::trace::{Outcome, RequestKind, RequestSpec};

use crate::fixtures::{host_mut, retry_design, stage};

// ---------------------------------------------------------------------------------------------
// Helpers

#[track_caller]
fn file<'a>(files: &'a [ExportFile], path: &str) -> &'a ExportFile {
    files.iter().find(|f| f.path == path).unwrap_or_else(|| {
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        panic!("no file {path}; the export has {paths:?}")
    })
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).collect()
}

/// The index of the first line equal to `wanted` (after trimming), failing with the file.
#[track_caller]
fn line_index(text: &str, wanted: &str) -> usize {
    lines(text)
        .iter()
        .position(|line| *line == wanted)
        .unwrap_or_else(|| panic!("no line `{wanted}` in:\n{text}"))
}

#[track_caller]
fn has_line(text: &str, wanted: &str) {
    line_index(text, wanted);
}

fn link_mut<'a>(topology: &'a mut Topology, from: &str, to: &str) -> &'a mut Link {
    topology
        .links
        .iter_mut()
        .find(|link| link.from == from && link.to == to)
        .expect("link exists")
}

fn set_balance(topology: &mut Topology, lb: &str, balance: Balance) {
    let host = lb.split('.').next().expect("host part");
    for service in &mut host_mut(topology, host).services {
        if let ServiceKind::LoadBalancer(haproxy) = &mut service.kind
            && service.id == lb
        {
            haproxy.balance = balance;
        }
    }
}

fn tcp_rule(action: Verdict, port: u16, from: &str, comment: &str) -> Rule {
    Rule {
        action,
        proto: Proto::Tcp,
        from: from.parse().expect("cidr"),
        port: Some(port),
        comment: comment.to_owned(),
    }
}

/// Stage 1 with server-01 weighted 3 and server-02 weighted 1.
fn stage1_weighted(balance: Balance) -> Topology {
    let mut t = stage(1);
    link_mut(&mut t, "lb-01.haproxy", "server-01.nginx").weight = 3;
    set_balance(&mut t, "lb-01.haproxy", balance);
    t
}

/// Stage 3 as a user might edit it: static-rr 3:1 with a third, unchecked backup web server,
/// a deny rule above the allow rules, a rejecting default, a UDP and an any-protocol rule,
/// `nopreempt`, TLS on a web server, a second application server spoken to over HTTP, and a
/// replica database.
fn edited() -> Topology {
    let mut t = stage(3);
    set_balance(&mut t, "lb-01.haproxy", Balance::StaticRr);
    link_mut(&mut t, "lb-01.haproxy", "web-01.nginx").weight = 3;
    let web03 = Node {
        id: "web-03".to_owned(),
        name: "web-03 (spare)".to_owned(),
        kind: NodeKind::Host(Host {
            ip: Ipv4Addr::new(10, 0, 0, 13),
            public_ip: None,
            services: vec![Service {
                id: "web-03.nginx".to_owned(),
                kind: ServiceKind::WebServer(Nginx {
                    listen: 8080,
                    static_paths: vec!["/assets/".to_owned()],
                    certificate: None,
                }),
            }],
            firewall: None,
            agent: None,
        }),
    };
    let app02 = Node {
        id: "app-02".to_owned(),
        name: "app-02".to_owned(),
        kind: NodeKind::Host(Host {
            ip: Ipv4Addr::new(10, 0, 0, 22),
            public_ip: None,
            services: vec![Service {
                id: "app-02.app".to_owned(),
                kind: ServiceKind::AppServer(AppServer {
                    runtime: "Node.js".to_owned(),
                    port: 3000,
                    workers: 4,
                    service_time_us: 5_000,
                    reads_to_replica: true,
                }),
            }],
            firewall: None,
            agent: None,
        }),
    };
    let db02 = Node {
        id: "db-02".to_owned(),
        name: "db-02".to_owned(),
        kind: NodeKind::Host(Host {
            ip: Ipv4Addr::new(10, 0, 0, 32),
            public_ip: None,
            services: vec![Service {
                id: "db-02.mysql".to_owned(),
                kind: ServiceKind::Database(Mysql {
                    port: 3306,
                    server_id: 2,
                    role: DbRole::Replica {
                        source: "db-01.mysql".to_owned(),
                        lag_ms: 250,
                        lag_jitter_ms: 50,
                    },
                }),
            }],
            firewall: None,
            agent: None,
        }),
    };
    t.nodes.extend([web03, app02, db02]);
    t.links.push(Link {
        backup: true,
        check: false,
        ..Link::new("lb-01.haproxy", "web-03.nginx")
    });
    t.links.push(Link::new("web-03.nginx", "app-02.app"));
    let web01 = host_mut(&mut t, "web-01");
    let firewall = web01
        .firewall
        .as_mut()
        .expect("stage 3 web-01 has a firewall");
    firewall.rules.insert(
        0,
        tcp_rule(Verdict::Deny, 80, "10.0.0.0/24", "no HTTP from the LAN"),
    );
    firewall.rules.push(Rule {
        action: Verdict::Reject,
        proto: Proto::Udp,
        from: Cidr::ANY,
        port: Some(53),
        comment: String::new(),
    });
    firewall.rules.push(Rule {
        action: Verdict::Allow,
        proto: Proto::Any,
        from: "192.168.0.0/16".parse().expect("cidr"),
        port: Some(9100),
        comment: "node exporter".to_owned(),
    });
    firewall.default_incoming = Verdict::Reject;
    for service in &mut web01.services {
        if let ServiceKind::WebServer(nginx) = &mut service.kind {
            nginx.certificate = Some(Certificate {
                common_name: "www.foobar.com".to_owned(),
                issuer: "Let's Encrypt".to_owned(),
            });
        }
    }
    for node in &mut t.nodes {
        if let NodeKind::Vip(vip) = &mut node.kind {
            vip.preempt = false;
        }
        if let NodeKind::Dns(zone) = &mut node.kind {
            zone.records.push(DnsRecord {
                name: "api".to_owned(),
                address: Ipv4Addr::new(8, 8, 4, 4),
                ttl: 0,
            });
        }
    }
    t
}

/// Renames a node or service everywhere the design names it.
fn rename(topology: &mut Topology, from: &str, to: &str) {
    let swap = |id: &mut String| {
        if id == from {
            *id = to.to_owned();
        }
    };
    for node in &mut topology.nodes {
        swap(&mut node.id);
        match &mut node.kind {
            NodeKind::Vip(vip) => vip.members.iter_mut().for_each(|m| swap(&mut m.host)),
            NodeKind::Host(host) => {
                for service in &mut host.services {
                    swap(&mut service.id);
                    if let ServiceKind::Database(Mysql {
                        role: DbRole::Replica { source, .. },
                        ..
                    }) = &mut service.kind
                    {
                        swap(source);
                    }
                }
            }
            _ => {}
        }
    }
    for link in &mut topology.links {
        swap(&mut link.from);
        swap(&mut link.to);
    }
}

/// Stage 3 with hostile names everywhere a user can type: ids, names, the domain, record
/// names, rule comments, the certificate's name, static and code paths. Ids that collide once
/// sanitised (two web servers) must still give distinct names and paths.
fn hostile() -> Topology {
    let mut t = stage(3);
    rename(&mut t, "lb-01", "lb-01\nINJECT 1 {");
    rename(&mut t, "web-01.nginx", "web.nginx }\nINJECT");
    rename(&mut t, "web-02.nginx", "web.nginx {\nINJECT");
    rename(&mut t, "web-02", "../..");
    rename(&mut t, "db-01.mysql", "db;\r\nINJECT drop");
    rename(&mut t, "vip", "vip }\nINJECT {");
    t.name = "evil\"\nglobal\n    daemon\n# ".to_owned();
    for node in &mut t.nodes {
        node.name = format!("{}\r\nINJECT name", node.name);
        match &mut node.kind {
            NodeKind::Dns(zone) => {
                zone.domain = "foobar.com.\nINJECT IN A 1.2.3.4\n".to_owned();
                zone.records.push(DnsRecord {
                    name: "x\nINJECT 300 IN A 6.6.6.6".to_owned(),
                    address: Ipv4Addr::new(8, 8, 8, 8),
                    ttl: u32::MAX,
                });
                zone.records.push(DnsRecord {
                    name: ";\n".to_owned(),
                    address: Ipv4Addr::new(8, 8, 8, 8),
                    ttl: 60,
                });
            }
            NodeKind::Host(host) => {
                if let Some(firewall) = &mut host.firewall {
                    for rule in &mut firewall.rules {
                        rule.comment = "x\" accept\nINJECT '; rm -rf / #`$(id)`\\".to_owned();
                    }
                }
                for service in &mut host.services {
                    match &mut service.kind {
                        ServiceKind::LoadBalancer(lb) => {
                            if let Some(cert) = &mut lb.certificate {
                                cert.common_name = "../../etc/shadow\nINJECT".to_owned();
                            }
                        }
                        ServiceKind::WebServer(web) => {
                            web.static_paths
                                .push("/x/ { return 200; }\nINJECT {".to_owned());
                            web.static_paths.push("static/".to_owned());
                        }
                        ServiceKind::AppServer(app) => {
                            app.runtime = "PHP-FPM\nINJECT".to_owned();
                        }
                        ServiceKind::AppFiles { path } => {
                            *path = "/var/www;\nINJECT /".to_owned();
                        }
                        ServiceKind::Database(_) => {}
                    }
                }
            }
            _ => {}
        }
    }
    t
}

// ---------------------------------------------------------------------------------------------
// Pure tests

fn paths(topology: &Topology) -> Vec<String> {
    export(topology).into_iter().map(|f| f.path).collect()
}

#[test]
fn every_preset_exports_the_files_its_hosts_need() {
    let expect = |list: &[&str]| list.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        paths(&stage(0)),
        expect(&[
            "dns/db.foobar.com",
            "server-01/nginx.conf",
            "server-01/php-fpm.conf",
            "server-01/mysql.cnf"
        ])
    );
    assert_eq!(
        paths(&stage(1)),
        expect(&[
            "dns/db.foobar.com",
            "lb-01/haproxy.cfg",
            "server-01/nginx.conf",
            "server-01/php-fpm.conf",
            "server-01/mysql.cnf",
            "server-02/nginx.conf",
            "server-02/php-fpm.conf",
            "server-02/mysql.cnf",
        ])
    );
    assert_eq!(
        paths(&stage(2)),
        expect(&[
            "dns/db.foobar.com",
            "lb-01/haproxy.cfg",
            "lb-01/nftables.conf",
            "lb-01/ufw.sh",
            "server-01/nginx.conf",
            "server-01/php-fpm.conf",
            "server-01/mysql.cnf",
            "server-01/nftables.conf",
            "server-01/ufw.sh",
            "server-02/nginx.conf",
            "server-02/php-fpm.conf",
            "server-02/mysql.cnf",
            "server-02/nftables.conf",
            "server-02/ufw.sh",
        ])
    );
    assert_eq!(
        paths(&stage(3)),
        expect(&[
            "dns/db.foobar.com",
            "lb-01/haproxy.cfg",
            "lb-01/keepalived.conf",
            "lb-01/nftables.conf",
            "lb-01/ufw.sh",
            "lb-02/haproxy.cfg",
            "lb-02/keepalived.conf",
            "lb-02/nftables.conf",
            "lb-02/ufw.sh",
            "web-01/nginx.conf",
            "web-01/nftables.conf",
            "web-01/ufw.sh",
            "web-02/nginx.conf",
            "web-02/nftables.conf",
            "web-02/ufw.sh",
            "app-01/php-fpm.conf",
            "app-01/nftables.conf",
            "app-01/ufw.sh",
            "db-01/mysql.cnf",
            "db-01/nftables.conf",
            "db-01/ufw.sh",
        ])
    );
    let files = export(&stage(3));
    let zone = file(&files, "dns/db.foobar.com");
    assert_eq!((zone.host.as_deref(), zone.kind), (None, FileKind::DnsZone));
    let lb = file(&files, "lb-02/keepalived.conf");
    assert_eq!(
        (lb.host.as_deref(), lb.kind),
        (Some("lb-02"), FileKind::Keepalived)
    );
    let kinds: Vec<FileKind> = files.iter().map(|f| f.kind).collect();
    for kind in [
        FileKind::Haproxy,
        FileKind::Keepalived,
        FileKind::Nginx,
        FileKind::Nftables,
        FileKind::Ufw,
        FileKind::DnsZone,
        FileKind::Mysql,
        FileKind::PhpFpm,
    ] {
        assert!(kinds.contains(&kind), "stage 3 has a {} file", kind.label());
    }
}

#[test]
fn every_file_says_where_it_comes_from_and_what_stacksim_simplifies() {
    for topology in [stage(0), stage(1), stage(2), stage(3), edited()] {
        for f in export(&topology) {
            assert!(
                f.contents.contains("Generated by Stacksim from the design")
                    && f.contents.contains("Stacksim simplifies")
                    && f.contents.ends_with('\n'),
                "{} lacks its header:\n{}",
                f.path,
                f.contents
            );
        }
    }
}

#[test]
fn stage_3_haproxy_terminates_tls_on_the_vip_and_checks_both_servers() {
    let files = export(&stage(3));
    for lb in ["lb-01", "lb-02"] {
        let cfg = &file(&files, &format!("{lb}/haproxy.cfg")).contents;
        for wanted in [
            "mode http",
            "option forwardfor",
            "option redispatch",
            "retries 3",
            "timeout connect 5s",
            "timeout client 30s",
            "timeout server 30s",
            "bind 8.8.8.8:80",
            "bind 8.8.8.8:443 ssl crt /etc/haproxy/certs/www.foobar.com.pem",
            "http-request redirect scheme https code 301 unless { ssl_fc }",
            "http-request set-header X-Forwarded-Proto https if { ssl_fc }",
            "default_backend servers",
            "balance roundrobin",
            "default-server inter 2000 rise 2 fall 3",
        ] {
            has_line(cfg, wanted);
        }
        let first = line_index(cfg, "server web-01.nginx 10.0.0.11:80 weight 1 check");
        let second = line_index(cfg, "server web-02.nginx 10.0.0.12:80 weight 1 check");
        assert!(first < second, "server lines in link order");
        assert!(cfg.contains("net.ipv4.ip_nonlocal_bind"), "{cfg}");
    }
}

#[test]
fn stage_1_haproxy_binds_the_public_address_in_plain_http() {
    let cfg = export(&stage(1))
        .into_iter()
        .find(|f| f.kind == FileKind::Haproxy)
        .expect("stage 1 has HAProxy")
        .contents;
    has_line(&cfg, "bind 8.8.8.8:80");
    has_line(&cfg, "server server-01.nginx 10.0.0.11:80 weight 1 check");
    has_line(&cfg, "server server-02.nginx 10.0.0.12:80 weight 1 check");
    assert!(!cfg.contains("ssl"), "no TLS without a certificate:\n{cfg}");
    assert!(!cfg.contains("redirect"), "{cfg}");
    assert!(!cfg.contains("ip_nonlocal_bind"), "{cfg}");
}

#[test]
fn stage_3_keepalived_pair_holds_the_vip_with_priorities_150_and_100() {
    let files = export(&stage(3));
    let active = &file(&files, "lb-01/keepalived.conf").contents;
    let passive = &file(&files, "lb-02/keepalived.conf").contents;
    for (cfg, state, priority, me, peer) in [
        (active, "MASTER", 150, "10.0.0.2", "10.0.0.3"),
        (passive, "BACKUP", 100, "10.0.0.3", "10.0.0.2"),
    ] {
        has_line(cfg, &format!("state {state}"));
        has_line(cfg, &format!("priority {priority}"));
        has_line(cfg, "advert_int 1");
        has_line(cfg, "virtual_router_id 51");
        has_line(cfg, "interface eth0");
        has_line(cfg, "8.8.8.8/32 dev eth0");
        has_line(cfg, "vrrp_script chk_haproxy {");
        // Not pidof: keepalived runs the resolved path, and Debian's pidof is killall5.
        has_line(cfg, "script \"/usr/bin/pgrep -x haproxy\"");
        has_line(cfg, "track_script {");
        has_line(cfg, &format!("unicast_src_ip {me}"));
        has_line(cfg, peer);
        assert!(!cfg.contains("nopreempt"), "preemption is on:\n{cfg}");
    }
}

#[test]
fn stage_2_firewalls_admit_http_from_the_load_balancer_only() {
    let files = export(&stage(2));
    let nft = &file(&files, "server-01/nftables.conf").contents;
    let policy = line_index(nft, "type filter hook input priority filter; policy drop;");
    let established = line_index(nft, "ct state established,related accept");
    let loopback = line_index(nft, "iif lo accept");
    let http = lines(nft)
        .iter()
        .position(|l| {
            *l == "ip saddr 10.0.0.2 tcp dport 80 accept comment \"HTTP from the load balancer\""
        })
        .unwrap_or_else(|| panic!("no HTTP rule in:\n{nft}"));
    let mysql = lines(nft)
        .iter()
        .position(|l| l.starts_with("ip saddr 10.0.0.12 tcp dport 3306 accept"))
        .unwrap_or_else(|| panic!("no MySQL rule in:\n{nft}"));
    assert!(policy < loopback && loopback < established && established < http && http < mysql);
    assert!(!nft.contains("reject"), "deny drops silently:\n{nft}");
    let lb = &file(&files, "lb-01/nftables.conf").contents;
    has_line(lb, "tcp dport 443 accept comment \"HTTPS from anywhere\"");
    // Port 80 is open for HAProxy's redirect to HTTPS, as in the simulator.
    has_line(
        lb,
        "tcp dport 80 accept comment \"HTTP from anywhere, redirected to HTTPS\"",
    );

    let ufw = &file(&files, "server-01/ufw.sh").contents;
    let default = line_index(ufw, "ufw default deny incoming");
    let allow = line_index(
        ufw,
        "ufw allow proto tcp from 10.0.0.2 to any port 80 comment 'HTTP from the load balancer'",
    );
    let enable = line_index(ufw, "ufw --force enable");
    assert!(default < allow && allow < enable, "{ufw}");
    has_line(
        &file(&files, "lb-01/ufw.sh").contents,
        "ufw allow proto tcp from any to any port 443 comment 'HTTPS from anywhere'",
    );
    has_line(
        &file(&files, "lb-01/ufw.sh").contents,
        "ufw allow proto tcp from any to any port 80 comment 'HTTP from anywhere, redirected to HTTPS'",
    );
}

#[test]
fn stage_3_lets_vrrp_adverts_in_from_the_peer_whatever_the_protocol() {
    let files = export(&stage(3));
    let nft = &file(&files, "lb-01/nftables.conf").contents;
    has_line(
        nft,
        "ip saddr 10.0.0.3 accept comment \"VRRP adverts from the peer load balancer\"",
    );
    has_line(
        &file(&files, "lb-01/ufw.sh").contents,
        "ufw allow from 10.0.0.3 to any comment 'VRRP adverts from the peer load balancer'",
    );
}

#[test]
fn the_zone_points_www_at_the_entry_address() {
    for n in 0..4 {
        let files = export(&stage(n));
        let zone = &file(&files, "dns/db.foobar.com").contents;
        has_line(zone, "$ORIGIN foobar.com.");
        has_line(zone, "@ IN SOA ns1.foobar.com. hostmaster.foobar.com. (");
        has_line(zone, "@ IN NS ns1.foobar.com.");
        has_line(zone, "www 300 IN A 8.8.8.8");
    }
}

/// The design holds no name server (its DNS zone node stands for the authoritative servers),
/// so `ns1` is a documentation address, said so in the zone, and never the address of a host
/// or virtual IP of the design (the load balancer admits no DNS queries); a design's own
/// `ns1` record is kept instead.
#[test]
fn the_zone_name_server_is_outside_the_design() {
    for n in 0..4 {
        let topology = stage(n);
        let files = export(&topology);
        let zone = &file(&files, "dns/db.foobar.com").contents;
        has_line(zone, &format!("ns1 IN A {NS1_PLACEHOLDER}"));
        assert_eq!(NS1_PLACEHOLDER, Ipv4Addr::new(192, 0, 2, 53));
        assert!(
            zone.contains("; The name server is not part of the design"),
            "{zone}"
        );
        let design_addresses: Vec<Ipv4Addr> = topology
            .nodes
            .iter()
            .flat_map(|node| match &node.kind {
                NodeKind::Host(host) => host.public_ip.into_iter().chain([host.ip]).collect(),
                NodeKind::Vip(vip) => vec![vip.ip],
                _ => Vec::new(),
            })
            .collect();
        assert!(!design_addresses.contains(&NS1_PLACEHOLDER), "stage {n}");
    }
    let mut own = stage(1);
    for node in &mut own.nodes {
        if let NodeKind::Dns(zone) = &mut node.kind {
            zone.records.push(DnsRecord {
                name: "ns1".to_owned(),
                address: Ipv4Addr::new(198, 51, 100, 53),
                ttl: 3600,
            });
        }
    }
    let files = export(&own);
    let zone = &file(&files, "dns/db.foobar.com").contents;
    has_line(zone, "ns1 3600 IN A 198.51.100.53");
    assert!(!zone.contains(&NS1_PLACEHOLDER.to_string()), "{zone}");
}

#[test]
fn nginx_serves_static_paths_and_passes_the_rest_to_php_fpm() {
    let files = export(&stage(3));
    let web = &file(&files, "web-01/nginx.conf").contents;
    for wanted in [
        "listen 80;",
        "server_name www.foobar.com;",
        // The application's files (app-01.code), as SCRIPT_FILENAME names them.
        "root /var/www/foobar;",
        "location /static/ {",
        "location /favicon.ico {",
        "location / {",
        "fastcgi_pass 10.0.0.21:9000;",
        "fastcgi_param SCRIPT_FILENAME /var/www/foobar/index.php;",
        "fastcgi_param REQUEST_METHOD $request_method;",
        "set_real_ip_from 10.0.0.2;",
        "set_real_ip_from 10.0.0.3;",
    ] {
        has_line(web, wanted);
    }
    assert!(!web.contains("include"), "needs no other file:\n{web}");
    assert!(!web.contains("ssl"), "no certificate on web-01:\n{web}");
    // Stage 0: PHP-FPM runs on the same machine.
    let files = export(&stage(0));
    has_line(
        &file(&files, "server-01/nginx.conf").contents,
        "fastcgi_pass 127.0.0.1:9000;",
    );
}

/// Nginx's `root` is where the design keeps the application's files: the code on the web
/// server's host, else the code of the application server it passes to; `SCRIPT_FILENAME`
/// names the same directory.
#[test]
fn nginx_root_is_the_application_files_path() {
    let cases = [
        (0, "server-01/nginx.conf"),
        (1, "server-02/nginx.conf"),
        (2, "server-01/nginx.conf"),
        (3, "web-01/nginx.conf"),
        (3, "web-02/nginx.conf"),
    ];
    for (n, path) in cases {
        let files = export(&stage(n));
        let web = &file(&files, path).contents;
        has_line(web, "root /var/www/foobar;");
        has_line(
            web,
            "fastcgi_param SCRIPT_FILENAME /var/www/foobar/index.php;",
        );
    }
    // The code moved: both follow it.
    let mut t = stage(3);
    for service in &mut host_mut(&mut t, "app-01").services {
        if let ServiceKind::AppFiles { path } = &mut service.kind {
            *path = "/srv/shop/current/".to_owned();
        }
    }
    let files = export(&t);
    let web = &file(&files, "web-02/nginx.conf").contents;
    has_line(web, "root /srv/shop/current;");
    has_line(
        web,
        "fastcgi_param SCRIPT_FILENAME /srv/shop/current/index.php;",
    );
    has_line(
        &file(&files, "app-01/php-fpm.conf").contents,
        "chdir = /srv/shop/current",
    );
}

/// Each PHP application server gets its pool: a TCP listener on its port for exactly the web
/// servers linked to it, with the design's workers.
#[test]
fn php_fpm_pools_listen_for_the_linked_web_servers() {
    let files = export(&stage(3));
    let pool = &file(&files, "app-01/php-fpm.conf");
    assert_eq!(
        (pool.host.as_deref(), pool.kind),
        (Some("app-01"), FileKind::PhpFpm)
    );
    for wanted in [
        "[app-01.app]",
        "user = www-data",
        "listen = 10.0.0.21:9000",
        "listen.allowed_clients = 10.0.0.11,10.0.0.12",
        "pm = static",
        "pm.max_children = 8",
        "chdir = /var/www/foobar",
    ] {
        has_line(&pool.contents, wanted);
    }
    // Stages 0–2: Nginx on the same host connects over loopback.
    let files = export(&stage(1));
    let pool = &file(&files, "server-02/php-fpm.conf").contents;
    has_line(pool, "listen = 127.0.0.1:9000");
    has_line(pool, "listen.allowed_clients = 127.0.0.1");
    // A local and a remote web server: every address, both allowed.
    let mut t = stage(1);
    t.links.push(Link::new("server-01.nginx", "server-02.app"));
    let files = export(&t);
    let pool = &file(&files, "server-02/php-fpm.conf").contents;
    has_line(pool, "listen = 9000");
    has_line(pool, "listen.allowed_clients = 127.0.0.1,10.0.0.11");
    // The workers come from the design; a runtime that does not speak FastCGI gets no pool.
    let mut t = stage(3);
    for service in &mut host_mut(&mut t, "app-01").services {
        if let ServiceKind::AppServer(app) = &mut service.kind {
            app.workers = 32;
        }
    }
    has_line(
        &file(&export(&t), "app-01/php-fpm.conf").contents,
        "pm.max_children = 32",
    );
    for service in &mut host_mut(&mut t, "app-01").services {
        if let ServiceKind::AppServer(app) = &mut service.kind {
            app.runtime = "gunicorn".to_owned();
        }
    }
    assert!(!paths(&t).contains(&"app-01/php-fpm.conf".to_owned()));
}

/// Stage 3 with a second PHP application server, app-02, that both web servers link to after
/// app-01.
fn two_app_servers() -> Topology {
    let mut t = stage(3);
    let mut app2 = t.node("app-01").expect("app-01").clone();
    app2.id = "app-02".to_owned();
    app2.name = "app-02".to_owned();
    if let NodeKind::Host(host) = &mut app2.kind {
        host.ip = Ipv4Addr::new(10, 0, 0, 22);
        for service in &mut host.services {
            service.id = service.id.replace("app-01", "app-02");
        }
    }
    t.nodes.push(app2);
    for web in ["web-01.nginx", "web-02.nginx"] {
        t.links.push(Link::new(web, "app-02.app"));
    }
    t.links.push(Link::new("app-02.app", "db-01.mysql"));
    t
}

/// Nginx passes to the first application server that runs, as the simulator does: the others
/// are `backup` servers of the upstream, used only while it is unavailable.
#[test]
fn nginx_uses_further_application_servers_as_backups() {
    let files = export(&two_app_servers());
    let web = &file(&files, "web-01/nginx.conf").contents;
    let first = line_index(web, "server 10.0.0.21:9000;");
    let backup = line_index(web, "server 10.0.0.22:9000 backup;");
    assert!(first < backup, "{web}");
    has_line(web, "fastcgi_pass app;");
    has_line(
        &file(&files, "app-02/php-fpm.conf").contents,
        "listen.allowed_clients = 10.0.0.11,10.0.0.12",
    );
}

#[test]
fn real_tools_accept_two_application_servers() {
    real_tools_accept("two-apps", &two_app_servers());
}

#[test]
fn mysql_settings_make_a_primary_and_a_read_only_replica() {
    let files = export(&stage(1));
    let primary = &file(&files, "server-01/mysql.cnf").contents;
    for wanted in [
        "[mysqld]",
        "server-id = 1",
        "bind-address = 10.0.0.11",
        "log_bin = mysql-bin",
        "binlog_format = ROW",
        "#   CREATE USER 'repl'@'10.0.0.12' IDENTIFIED BY '<password>';",
    ] {
        has_line(primary, wanted);
    }
    assert!(!primary.contains("read_only"), "{primary}");
    let replica = &file(&files, "server-02/mysql.cnf").contents;
    for wanted in [
        "server-id = 2",
        "read_only = ON",
        "super_read_only = ON",
        "relay_log = relay-bin",
        "#   CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.11', SOURCE_PORT=3306,",
        "#   START REPLICA;",
    ] {
        has_line(replica, wanted);
    }
    assert!(replica.contains("300 ms"), "the modelled lag:\n{replica}");
    // Stage 0: every client is local.
    let files = export(&stage(0));
    has_line(
        &file(&files, "server-01/mysql.cnf").contents,
        "bind-address = 127.0.0.1",
    );
}

#[test]
fn mysql_settings_are_well_formed_option_files() {
    for topology in [stage(0), stage(1), stage(2), stage(3), edited(), hostile()] {
        for f in export(&topology)
            .iter()
            .filter(|f| f.kind == FileKind::Mysql)
        {
            let mut section = None;
            for line in lines(&f.contents) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                if line.starts_with('[') && line.ends_with(']') {
                    section = Some(line);
                    continue;
                }
                let (key, value) = line
                    .split_once(" = ")
                    .unwrap_or_else(|| panic!("{}: `{line}` is not key = value", f.path));
                assert!(
                    key.chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-')
                        && !value.is_empty(),
                    "{}: `{line}`",
                    f.path
                );
                assert_eq!(section, Some("[mysqld]"), "{}: `{line}`", f.path);
            }
        }
    }
}

#[test]
fn edits_show_in_the_output() {
    let files = export(&edited());
    let cfg = &file(&files, "lb-01/haproxy.cfg").contents;
    has_line(cfg, "balance static-rr");
    let a = line_index(cfg, "server web-01.nginx 10.0.0.11:80 weight 3 check");
    let b = line_index(cfg, "server web-02.nginx 10.0.0.12:80 weight 1 check");
    let c = line_index(cfg, "server web-03.nginx 10.0.0.13:8080 weight 1 backup");
    assert!(a < b && b < c, "server lines in link order:\n{cfg}");
    // lb-02 was not edited.
    has_line(
        &file(&files, "lb-02/haproxy.cfg").contents,
        "balance roundrobin",
    );

    let nft = &file(&files, "web-01/nftables.conf").contents;
    let deny = line_index(
        nft,
        "ip saddr 10.0.0.0/24 tcp dport 80 drop comment \"no HTTP from the LAN\"",
    );
    let allow = line_index(
        nft,
        "ip saddr 10.0.0.2 tcp dport 80 accept comment \"HTTP from lb-01\"",
    );
    let udp = line_index(nft, "udp dport 53 reject");
    let any = line_index(
        nft,
        "ip saddr 192.168.0.0/16 meta l4proto { tcp, udp } th dport 9100 accept comment \"node exporter\"",
    );
    let default = line_index(nft, "meta l4proto tcp reject with tcp reset");
    assert!(
        deny < allow && allow < udp && udp < any && any < default,
        "{nft}"
    );
    has_line(nft, "type filter hook input priority filter; policy drop;");
    let ufw = &file(&files, "web-01/ufw.sh").contents;
    has_line(ufw, "ufw default reject incoming");
    let deny = line_index(
        ufw,
        "ufw deny proto tcp from 10.0.0.0/24 to any port 80 comment 'no HTTP from the LAN'",
    );
    let allow = line_index(
        ufw,
        "ufw allow proto tcp from 10.0.0.2 to any port 80 comment 'HTTP from lb-01'",
    );
    assert!(deny < allow, "{ufw}");
    has_line(ufw, "ufw reject proto udp from any to any port 53");
    has_line(
        ufw,
        "ufw allow from 192.168.0.0/16 to any port 9100 comment 'node exporter'",
    );

    for lb in ["lb-01", "lb-02"] {
        let cfg = &file(&files, &format!("{lb}/keepalived.conf")).contents;
        has_line(cfg, "nopreempt");
        has_line(cfg, "state BACKUP");
    }
    let web01 = &file(&files, "web-01/nginx.conf").contents;
    has_line(web01, "listen 443 ssl;");
    has_line(web01, "ssl_certificate /etc/ssl/certs/www.foobar.com.crt;");
    has_line(web01, "server_name api.foobar.com www.foobar.com;");
    let web03 = &file(&files, "web-03/nginx.conf").contents;
    has_line(web03, "listen 8080;");
    has_line(web03, "location /assets/ {");
    has_line(web03, "proxy_pass http://10.0.0.22:3000;");
    let replica = &file(&files, "db-02/mysql.cnf").contents;
    has_line(
        replica,
        "#   CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.31', SOURCE_PORT=3306,",
    );
    has_line(
        &file(&files, "dns/db.foobar.com").contents,
        "api 0 IN A 8.8.4.4",
    );
}

#[test]
fn health_check_and_retry_settings_come_from_the_design() {
    let mut t = stage(1);
    for service in &mut host_mut(&mut t, "lb-01").services {
        if let ServiceKind::LoadBalancer(lb) = &mut service.kind {
            lb.health_check.inter_ms = 500;
            lb.health_check.rise = 4;
            lb.health_check.fall = 5;
            lb.retries = 7;
            lb.redispatch = false;
            lb.balance = Balance::LeastConn;
        }
    }
    let files = export(&t);
    let cfg = &file(&files, "lb-01/haproxy.cfg").contents;
    has_line(cfg, "default-server inter 500 rise 4 fall 5");
    has_line(cfg, "retries 7");
    has_line(cfg, "balance leastconn");
    assert!(!cfg.contains("option redispatch"), "{cfg}");
}

#[test]
fn hostile_names_cannot_break_out_of_their_line() {
    let files = export(&hostile());
    let mut seen = BTreeSet::new();
    for f in &files {
        for component in f.path.split('/') {
            assert!(
                !component.is_empty()
                    && !component.starts_with('.')
                    && component
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
                "unsafe path {:?}",
                f.path
            );
        }
        assert!(seen.insert(f.path.as_str()), "duplicate path {}", f.path);
        for line in f.contents.lines() {
            let line = line.trim();
            let comment = line.starts_with('#') || line.starts_with(';');
            assert!(
                comment || !line.to_ascii_uppercase().starts_with("INJECT"),
                "{}: injected line `{line}` in:\n{}",
                f.path,
                f.contents
            );
            // Quoted user text (nft and ufw comments) holds no quote of its own.
            let quotes = match f.kind {
                FileKind::Nftables => line.matches('"').count(),
                FileKind::Ufw => line.matches('\'').count(),
                _ => 0,
            };
            assert!(
                comment || quotes == 0 || quotes == 2,
                "{}: `{line}`",
                f.path
            );
            assert!(!line.contains('\r'), "{}: carriage return", f.path);
        }
    }
    // The web servers whose ids collide once sanitised still get distinct server names.
    let cfg = &file(&files, "lb-01_INJECT_1__/haproxy.cfg").contents;
    has_line(cfg, "server web.nginx___INJECT 10.0.0.11:80 weight 1 check");
    has_line(
        cfg,
        "server web.nginx___INJECT-2 10.0.0.12:80 weight 1 check",
    );
    assert!(
        files.iter().any(|f| f.path == "_.._../nginx.conf"),
        "{:?}",
        paths(&hostile())
    );
    has_line(
        &file(&files, "dns/db.foobar.com.inject-in-a-1.2.3.4").contents,
        "x-inject-300-in-a-6.6.6.6 2147483647 IN A 8.8.8.8",
    );
}

#[test]
fn odd_designs_export_without_panicking() {
    let empty = Topology {
        version: 1,
        name: String::new(),
        nodes: Vec::new(),
        links: Vec::new(),
    };
    assert!(export(&empty).is_empty());

    let mut odd = stage(3);
    odd.links.clear(); // load balancers without servers, Nginx without application
    odd.links.push(Link::new("lb-01.haproxy", "app-01.code")); // files take no requests
    odd.links.push(Link::new("lb-01.haproxy", "nowhere"));
    odd.links.push(Link {
        weight: u16::MAX,
        ..Link::new("lb-02.haproxy", "web-01.nginx")
    });
    for node in &mut odd.nodes {
        match &mut node.kind {
            NodeKind::Dns(zone) => {
                zone.domain = String::new();
                zone.records.clear();
            }
            NodeKind::Vip(vip) => {
                vip.advert_int_s = 0;
                vip.members.push(stacksim::sim::topology::VrrpMember {
                    host: "nobody".to_owned(),
                    priority: 0,
                });
            }
            NodeKind::Host(host) => {
                host.ip = Ipv4Addr::UNSPECIFIED;
                for service in &mut host.services {
                    match &mut service.kind {
                        ServiceKind::LoadBalancer(lb) => {
                            lb.http_port = 443;
                            lb.health_check.inter_ms = 0;
                            lb.health_check.rise = 0;
                            lb.health_check.fall = 0;
                        }
                        ServiceKind::WebServer(web) => {
                            web.static_paths = vec!["/".to_owned(), String::new(), "//".to_owned()];
                        }
                        ServiceKind::Database(db) => {
                            db.role = DbRole::Replica {
                                source: "nowhere".to_owned(),
                                lag_ms: 0,
                                lag_jitter_ms: 0,
                            };
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    // Two load balancers on one host and two zones take distinct paths.
    let files = export(&odd);
    assert!(!files.is_empty());
    let mut twice = odd.clone();
    let extra_dns = twice
        .nodes
        .iter()
        .find(|n| matches!(n.kind, NodeKind::Dns(_)))
        .cloned()
        .expect("a zone");
    twice.nodes.push(Node {
        id: "dns-2".to_owned(),
        ..extra_dns
    });
    let lb = host_mut(&mut twice, "lb-01");
    let mut second = lb.services[0].clone();
    second.id = "lb-01.haproxy-2".to_owned();
    lb.services.push(second);
    let paths: Vec<String> = export(&twice).into_iter().map(|f| f.path).collect();
    for path in [
        "dns/db.example.com",
        "dns/db.example-2.com",
        "lb-01/haproxy.cfg",
        "lb-01/haproxy-2.cfg",
    ] {
        assert!(paths.iter().any(|p| p == path), "{path} in {paths:?}");
    }
    let cfg = &file(&files, "lb-01/haproxy.cfg").contents;
    has_line(cfg, "default-server inter 1 rise 1 fall 1");
    assert!(cfg.contains("# skipped"), "{cfg}");
    has_line(
        &file(&files, "lb-02/haproxy.cfg").contents,
        "server web-01.nginx 0.0.0.0:80 weight 256 check",
    );
    let nginx = &file(&files, "web-01/nginx.conf").contents;
    assert_eq!(nginx.matches("location / {").count(), 1, "{nginx}");
}

#[test]
fn export_is_deterministic() {
    for topology in [stage(3), edited(), hostile()] {
        assert_eq!(export(&topology), export(&topology));
    }
}

// ---------------------------------------------------------------------------------------------
// Real tools

/// A directory under the system temp dir, unique to this process and call, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(label: &str) -> Scratch {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("stacksim-export-{}-{label}-{n}", std::process::id());
        let dir = std::env::temp_dir().join(name);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create a scratch directory");
        Scratch(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A program a test runs, and the Debian package that installs it.
#[derive(Clone, Copy)]
struct Tool {
    program: &'static str,
    package: &'static str,
}

const HAPROXY: Tool = Tool {
    program: "haproxy",
    package: "haproxy",
};
const NGINX: Tool = Tool {
    program: "nginx",
    package: "nginx",
};
const KEEPALIVED: Tool = Tool {
    program: "keepalived",
    package: "keepalived",
};
const NFT: Tool = Tool {
    program: "nft",
    package: "nftables",
};
const NAMED_CHECKZONE: Tool = Tool {
    program: "named-checkzone",
    package: "bind9-utils",
};
const UFW: Tool = Tool {
    program: "ufw",
    package: "ufw",
};
const OPENSSL: Tool = Tool {
    program: "openssl",
    package: "openssl",
};
const PHP_FPM: Tool = Tool {
    program: "php-fpm8.2",
    package: "php8.2-fpm",
};
const SH: Tool = Tool {
    program: "sh",
    package: "dash",
};

/// Where `tool` is installed: on `PATH`, or in the sbin directories a non-login shell may
/// leave out. A missing tool fails the test with the package to install; it is never skipped.
fn locate(tool: Tool) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from));
    dirs.iter()
        .map(|dir| dir.join(tool.program))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{}` is not installed: install the Debian package `{}` \
                 (apt-get install -y {}); the export tests run the real tools and never skip one",
                tool.program, tool.package, tool.package
            )
        })
}

/// Runs `tool` with `args` for at most `limit` (polled every 20 ms), output to files in
/// `scratch`; returns whether it exited 0 and what it printed (stdout then stderr).
fn run(scratch: &Path, tool: Tool, args: &[&str], limit: Duration) -> (bool, String) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let out_path = scratch.join(format!("{}-{n}.out", tool.program));
    let err_path = scratch.join(format!("{}-{n}.err", tool.program));
    let out = fs::File::create(&out_path).expect("create output file");
    let err = fs::File::create(&err_path).expect("create error file");
    let child = Command::new(locate(tool))
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", tool.program));
    let mut child = ChildGuard(child);
    let step = Duration::from_millis(20);
    let polls = limit.as_millis() / step.as_millis() + 1;
    let mut status = None;
    for _ in 0..polls {
        if let Some(done) = child.0.try_wait().expect("poll child") {
            status = Some(done);
            break;
        }
        thread::sleep(step);
    }
    drop(child); // kills it if it is still running
    let printed = format!(
        "{}{}",
        fs::read_to_string(&out_path).unwrap_or_default(),
        fs::read_to_string(&err_path).unwrap_or_default()
    );
    match status {
        Some(status) => (status.success(), printed),
        None => (false, format!("{printed}\n(killed after {limit:?})")),
    }
}

/// A child process that is killed and reaped when the guard goes, on every path.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A self-signed certificate for www.foobar.com made in `dir`: (cert, key, cert+key).
fn self_signed(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let both = dir.join("both.pem");
    let (ok, printed) = run(
        dir,
        OPENSSL,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=www.foobar.com",
            "-days",
            "2",
            "-keyout",
            &key.to_string_lossy(),
            "-out",
            &cert.to_string_lossy(),
        ],
        Duration::from_secs(60),
    );
    assert!(ok, "openssl could not make a test certificate:\n{printed}");
    let pem = format!(
        "{}{}",
        fs::read_to_string(&cert).expect("cert"),
        fs::read_to_string(&key).expect("key")
    );
    fs::write(&both, pem).expect("write cert+key");
    (cert, key, both)
}

/// A network interface keepalived accepts here: `eth0` when it exists, else the first that
/// is not loopback.
fn vrrp_interface() -> String {
    let names: Vec<String> = fs::read_dir("/sys/class/net")
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    if names.iter().any(|n| n == "eth0") {
        return "eth0".to_owned();
    }
    let mut others: Vec<String> = names.into_iter().filter(|n| n != "lo").collect();
    others.sort();
    others
        .into_iter()
        .next()
        .expect("keepalived needs a network interface other than lo")
}

/// Replaces the last word of every line whose first word is `directive` (ending in `;` when
/// `semicolon`), keeping the indentation.
fn replace_argument(text: &str, directive: &str, value: &str) -> String {
    text.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if trimmed.split_whitespace().next() == Some(directive) {
                let indent = &line[..line.len() - trimmed.len()];
                format!("{indent}{directive} {value};")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Copies a directory tree (files and directories only).
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create directory");
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("directory entry");
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Runs the real tool for `f` in `dir` and returns what went wrong, if anything. Only what a
/// test machine cannot have is rewritten first: TLS files (made in the test), the log and pid
/// paths (into `dir`), the VRRP interface (one that exists here).
fn check_with_real_tool(
    dir: &Path,
    f: &ExportFile,
    tls: &(PathBuf, PathBuf, PathBuf),
) -> Option<String> {
    let name = f.path.replace('/', "__");
    let path = dir.join(&name);
    let path_text = path.to_string_lossy().into_owned();
    let (ok, printed, command) = match f.kind {
        FileKind::Haproxy => {
            let crt = format!("crt {}", tls.2.display());
            let text: Vec<String> = f
                .contents
                .lines()
                .map(|line| match line.find("crt /") {
                    Some(at) => format!("{}{crt}", &line[..at]),
                    None => line.to_owned(),
                })
                .collect();
            fs::write(&path, text.join("\n") + "\n").expect("write");
            // -dW: any warning fails the check too.
            let args = ["-c", "-dW", "-f", &path_text];
            let (ok, printed) = run(dir, HAPROXY, &args, Duration::from_secs(30));
            (ok, printed, format!("haproxy {}", args.join(" ")))
        }
        FileKind::Nginx => {
            let prefix = dir.join(format!("{name}.prefix"));
            fs::create_dir_all(prefix.join("logs")).expect("nginx prefix");
            let logs = prefix.join("logs");
            let mut text = f
                .contents
                .replace("/var/log/nginx/", &format!("{}/", logs.display()));
            text = replace_argument(&text, "pid", &prefix.join("nginx.pid").to_string_lossy());
            text = replace_argument(&text, "ssl_certificate", &tls.0.to_string_lossy());
            text = replace_argument(&text, "ssl_certificate_key", &tls.1.to_string_lossy());
            fs::write(&path, text).expect("write");
            let prefix_text = format!("{}/", prefix.display());
            let args = ["-t", "-p", &prefix_text, "-e", "stderr", "-c", &path_text];
            let (ok, printed) = run(dir, NGINX, &args, Duration::from_secs(30));
            let clean = !printed.contains("[warn]") && !printed.contains("[emerg]");
            (ok && clean, printed, format!("nginx {}", args.join(" ")))
        }
        FileKind::Keepalived => {
            let interface = vrrp_interface();
            let text: Vec<String> = f
                .contents
                .lines()
                .map(|line| {
                    if line.trim_start().starts_with('#') {
                        line.to_owned()
                    } else {
                        line.replace("interface eth0", &format!("interface {interface}"))
                            .replace("dev eth0", &format!("dev {interface}"))
                    }
                })
                .collect();
            fs::write(&path, text.join("\n") + "\n").expect("write");
            let args = ["--config-test", "-f", &path_text];
            let (ok, printed) = run(dir, KEEPALIVED, &args, Duration::from_secs(30));
            // keepalived exits 0 even for a missing file, but then it says so: a clean check
            // prints nothing at all.
            (
                ok && printed.trim().is_empty(),
                printed,
                format!("keepalived {}", args.join(" ")),
            )
        }
        FileKind::Nftables => {
            fs::write(&path, &f.contents).expect("write");
            let args = ["-c", "-f", &path_text];
            let (ok, printed) = run(dir, NFT, &args, Duration::from_secs(30));
            (
                ok && printed.trim().is_empty(),
                printed,
                format!("nft {}", args.join(" ")),
            )
        }
        FileKind::DnsZone => {
            fs::write(&path, &f.contents).expect("write");
            let origin = f.path.trim_start_matches("dns/db.").to_owned();
            let args = ["-k", "fail", &origin, &path_text];
            let (ok, printed) = run(dir, NAMED_CHECKZONE, &args, Duration::from_secs(30));
            let clean = printed.trim_end().ends_with("OK") && !printed.contains("warning");
            (
                ok && clean,
                printed,
                format!("named-checkzone {}", args.join(" ")),
            )
        }
        FileKind::Ufw => {
            // ufw --dry-run still writes a few files (reset's backups, enable's ufw.conf), so
            // it runs on a copy of /etc/ufw and /etc/default/ufw (--datadir), never on the
            // machine's own configuration.
            let data = dir.join(format!("{name}.ufw"));
            let etc_ufw = Path::new("/etc/ufw");
            let defaults = Path::new("/etc/default/ufw");
            assert!(
                etc_ufw.is_dir() && defaults.is_file(),
                "/etc/ufw is missing: install the Debian package `ufw` (apt-get install -y ufw)"
            );
            locate(UFW);
            copy_tree(etc_ufw, &data.join("etc/ufw"));
            fs::create_dir_all(data.join("etc/default")).expect("mkdir");
            fs::copy(defaults, data.join("etc/default/ufw")).expect("copy defaults");
            fs::create_dir_all(data.join("lib/ufw")).expect("mkdir");
            let wrapper = format!(
                "ufw() {{ {} --dry-run --datadir={} \"$@\"; }}\n",
                locate(UFW).display(),
                data.display()
            );
            fs::write(&path, format!("{wrapper}{}", f.contents)).expect("write");
            let (ok, printed) = run(dir, SH, &[&path_text], Duration::from_secs(120));
            let bad: Vec<&str> = printed
                .lines()
                .filter(|l| l.contains("ERROR") || l.contains("WARN"))
                .filter(|l| !l.ends_with("is world writable!"))
                .collect();
            let rules = f.contents.lines().filter(|l| l.starts_with("ufw ")).count();
            let applied =
                printed.matches("Rules updated").count() + printed.matches("Default ").count();
            let complete = applied + 2 >= rules; // reset and enable print neither
            (
                ok && bad.is_empty() && complete,
                printed,
                format!("ufw --dry-run (sh {path_text})"),
            )
        }
        FileKind::PhpFpm => {
            // The pool as exported, with `chdir` (the application's files) made here, inside
            // a minimal global configuration whose pid and log live in the scratch directory.
            let code = dir.join(format!("{name}.code"));
            fs::create_dir_all(&code).expect("code directory");
            let pool: Vec<String> = f
                .contents
                .lines()
                .map(|line| {
                    if line.starts_with("chdir = ") {
                        format!("chdir = {}", code.display())
                    } else {
                        line.to_owned()
                    }
                })
                .collect();
            fs::write(&path, pool.join("\n") + "\n").expect("write");
            let global = dir.join(format!("{name}.global"));
            fs::write(
                &global,
                format!(
                    "[global]\npid = {dir}/{name}.pid\nerror_log = {dir}/{name}.log\ninclude = {path_text}\n",
                    dir = dir.display()
                ),
            )
            .expect("write");
            let global_text = global.to_string_lossy().into_owned();
            let args = ["-t", "-y", &global_text];
            let (ok, printed) = run(dir, PHP_FPM, &args, Duration::from_secs(30));
            let clean = printed.contains("test is successful")
                && !printed.contains("WARNING")
                && !printed.contains("ERROR");
            (
                ok && clean,
                printed,
                format!("php-fpm8.2 {}", args.join(" ")),
            )
        }
        FileKind::Mysql => return None, // no MySQL server in Debian: checked as text above
    };
    (!ok).then(|| {
        format!(
            "{command} failed on {}:\n{printed}\n--- file ---\n{}",
            f.path, f.contents
        )
    })
}

/// Writes `topology`'s export and runs every real tool on it; fails with every complaint.
fn real_tools_accept(label: &str, topology: &Topology) {
    let scratch = Scratch::new(label);
    let tls = self_signed(scratch.path());
    let files = export(topology);
    assert!(!files.is_empty(), "{label} exports something");
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| check_with_real_tool(scratch.path(), f, &tls))
        .collect();
    assert!(
        failures.is_empty(),
        "{label}: the real tools refused {} file(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn real_tools_accept_stage_0() {
    real_tools_accept("stage0", &stage(0));
}

#[test]
fn real_tools_accept_stage_1() {
    real_tools_accept("stage1", &stage(1));
}

#[test]
fn real_tools_accept_stage_2() {
    real_tools_accept("stage2", &stage(2));
}

#[test]
fn real_tools_accept_stage_3() {
    real_tools_accept("stage3", &stage(3));
}

#[test]
fn real_tools_accept_an_edited_design() {
    real_tools_accept("edited", &edited());
}

#[test]
fn real_tools_accept_hostile_names() {
    real_tools_accept("hostile", &hostile());
}

#[test]
fn real_tools_accept_a_load_balancer_without_servers() {
    let mut t = stage(2);
    t.links.retain(|link| link.from != "lb-01.haproxy");
    real_tools_accept("no-servers", &t);
}

/// The checks above are not vacuous: each real tool refuses a file with one bad line.
#[test]
fn real_tools_refuse_a_broken_file_of_every_kind() {
    let scratch = Scratch::new("broken");
    let tls = self_signed(scratch.path());
    let mut kinds = BTreeSet::new();
    for mut f in export(&stage(3)) {
        if f.kind == FileKind::Mysql || !kinds.insert(f.kind) {
            continue;
        }
        f.contents = match f.kind {
            FileKind::Haproxy => f.contents + "    no-such-keyword 1\n",
            FileKind::Nginx => f
                .contents
                .replace("    server {", "    no_such_directive on;\n    server {"),
            FileKind::Keepalived => f.contents + "no_such_keyword 1\n",
            FileKind::Nftables => f.contents + "no such ruleset\n",
            FileKind::DnsZone => f.contents + "www 300 IN CNAME elsewhere\n",
            FileKind::Ufw => f.contents.replace(
                "ufw --force enable",
                "ufw allow proto tcp from any to any port 99999\nufw --force enable",
            ),
            FileKind::PhpFpm => f.contents + "pm.max_childrn = 3\n",
            FileKind::Mysql => continue,
        };
        assert!(
            check_with_real_tool(scratch.path(), &f, &tls).is_some(),
            "the real tool accepted a broken {}:\n{}",
            f.path,
            f.contents
        );
    }
    assert_eq!(
        kinds.len(),
        7,
        "every checked kind was broken once: {kinds:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Loopback: real HAProxy in front of two local backends, against the simulator

/// A tiny HTTP server on 127.0.0.1 that answers every request with 200 and counts them.
/// Health-check connections (opened and closed without a request) are not counted.
struct Backend {
    port: u16,
    served: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// How long a backend thread lives at most, in accept polls of 1 ms.
const BACKEND_MAX_POLLS: u32 = 120_000;

impl Backend {
    fn start() -> Backend {
        Backend::start_logging(None)
    }

    /// A backend that appends `index` to the shared `log` for every request it serves.
    fn start_logging(log: Option<(usize, Arc<Mutex<Vec<usize>>>)>) -> Backend {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a backend");
        listener.set_nonblocking(true).expect("non-blocking accept");
        let port = listener.local_addr().expect("backend address").port();
        let served = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (served, stop) = (Arc::clone(&served), Arc::clone(&stop));
            thread::spawn(move || {
                for _ in 0..BACKEND_MAX_POLLS {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    match listener.accept() {
                        Ok((stream, _)) => answer(stream, &served, log.as_ref()),
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {
                            thread::sleep(Duration::from_millis(1));
                        }
                        Err(_) => thread::sleep(Duration::from_millis(1)),
                    }
                }
            })
        };
        Backend {
            port,
            served,
            stop,
            thread: Some(thread),
        }
    }

    fn served(&self) -> u64 {
        self.served.load(Ordering::SeqCst)
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request (headers only, at most 16 KiB, 2 s per read) and answers it.
fn answer(
    mut stream: TcpStream,
    served: &AtomicU64,
    log: Option<&(usize, Arc<Mutex<Vec<usize>>>)>,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let mut request = Vec::new();
    let mut buf = [0u8; 2048];
    for _ in 0..8 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
        if request.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    if !request.starts_with(b"GET ") {
        return; // a health check's bare connection
    }
    served.fetch_add(1, Ordering::SeqCst);
    if let Some((index, log)) = log {
        log.lock().expect("order log").push(*index);
    }
    let body = "ok\n";
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.shutdown(Shutdown::Both);
}

/// A free port on 127.0.0.1 (bound, read and released).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The exported haproxy.cfg with its frontend on 127.0.0.1:`front` and its servers, in order,
/// on 127.0.0.1:`backends[i]`; TLS binds and the redirect dropped. Balance, weights, checks
/// and everything else stay as exported. Returns the config and the server names in order.
fn loopback_cfg(exported: &str, front: u16, backends: &[u16]) -> (String, Vec<String>) {
    let mut out = Vec::new();
    let mut servers = Vec::new();
    let mut bound = false;
    for line in exported.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("bind ") {
            if !bound {
                out.push(format!("    bind 127.0.0.1:{front}"));
                bound = true;
            }
        } else if trimmed.starts_with("http-request redirect") {
            continue;
        } else if trimmed.starts_with("server ") {
            let mut words: Vec<String> = trimmed.split_whitespace().map(str::to_owned).collect();
            let port = backends
                .get(servers.len())
                .unwrap_or_else(|| panic!("more server lines than backends:\n{exported}"));
            servers.push(words[1].clone());
            words[2] = format!("127.0.0.1:{port}");
            out.push(format!("    {}", words.join(" ")));
        } else {
            out.push(line.to_owned());
        }
    }
    assert_eq!(
        servers.len(),
        backends.len(),
        "one server line per backend:\n{exported}"
    );
    (out.join("\n") + "\n", servers)
}

/// One `GET /` over a fresh connection; whether the answer was 200.
fn get(port: u16) -> Result<(), String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .and_then(|()| stream.set_write_timeout(Some(Duration::from_secs(5))))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: www.foobar.com\r\nConnection: close\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream
        .take(64 * 1024)
        .read_to_end(&mut response)
        .map_err(|e| e.to_string())?;
    if response.starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&response).into_owned())
    }
}

/// Requests each web server serves when the simulator runs `count` static requests through
/// `topology`, by service id.
fn predicted(topology: &Topology, count: u64) -> Vec<(String, u64)> {
    let mut sim = Simulation::new(topology, Config::default()).expect("the design simulates");
    sim.start_load(Load {
        mix: Mix {
            static_pct: 100,
            read_pct: 0,
            write_pct: 0,
        },
        ..Load::new(100.0, count)
    });
    sim.run_until_quiet(SimTime::from_secs(3600));
    let outcomes = sim.stats().outcomes();
    assert_eq!(outcomes.served, count, "the simulator serves every request");
    sim.served_by()
}

/// Starts real HAProxy in the foreground with `cfg` (written into `scratch`) and waits until
/// it accepts on 127.0.0.1:`front`: at most 100 tries, 50 ms apart. Returns the process
/// (killed when dropped) and the path of its log.
fn start_haproxy(scratch: &Scratch, cfg: &str, front: u16) -> (ChildGuard, PathBuf) {
    let cfg_path = scratch.path().join("haproxy.cfg");
    fs::write(&cfg_path, cfg).expect("write haproxy.cfg");
    let log_path = scratch.path().join("haproxy.log");
    let log = fs::File::create(&log_path).expect("haproxy log");
    let err = log.try_clone().expect("haproxy log");
    let haproxy = Command::new(locate(HAPROXY))
        .arg("-f")
        .arg(&cfg_path)
        .arg("-db")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err)
        .spawn()
        .expect("start haproxy");
    let mut haproxy = ChildGuard(haproxy);
    let log_text = || fs::read_to_string(&log_path).unwrap_or_default();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, front));
    let mut ready = false;
    for _ in 0..100 {
        if let Some(status) = haproxy.0.try_wait().expect("poll haproxy") {
            panic!(
                "haproxy exited with {status}:\n{}\n--- config ---\n{cfg}",
                log_text()
            );
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            ready = true;
            break;
        }
        thread::sleep(Duration::from_millis(50));
    }
    assert!(ready, "haproxy never accepted on {addr}:\n{}", log_text());
    (haproxy, log_path)
}

/// Real HAProxy with stage 2's exported configuration (binds moved to loopback, the test
/// certificate) answers plain HTTP as the simulator does: 301 to the same URL over HTTPS.
#[test]
fn loopback_real_haproxy_redirects_plain_http_as_the_simulator_says() {
    let scratch = Scratch::new("redirect");
    let tls = self_signed(scratch.path());
    let exported = file(&export(&stage(2)), "lb-01/haproxy.cfg")
        .contents
        .clone();
    let (http, https) = (free_port(), free_port());
    let cfg: Vec<String> = exported
        .lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if trimmed == "bind 8.8.8.8:80" {
                format!("    bind 127.0.0.1:{http}")
            } else if trimmed.starts_with("bind 8.8.8.8:443 ssl") {
                format!("    bind 127.0.0.1:{https} ssl crt {}", tls.2.display())
            } else if trimmed.starts_with("server ") {
                let words: Vec<&str> = trimmed.split_whitespace().collect();
                format!("    server {} 127.0.0.1:9", words[1])
            } else {
                line.to_owned()
            }
        })
        .collect();
    let cfg = cfg.join("\n") + "\n";
    assert!(
        cfg.contains(&format!("bind 127.0.0.1:{https} ssl")),
        "{cfg}"
    );
    let (_haproxy, _log) = start_haproxy(&scratch, &cfg, http);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, http));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    stream
        .write_all(
            b"GET /products/42 HTTP/1.1\r\nHost: www.foobar.com\r\nConnection: close\r\n\r\n",
        )
        .expect("send");
    let mut response = Vec::new();
    stream
        .take(64 * 1024)
        .read_to_end(&mut response)
        .expect("read");
    let response = String::from_utf8_lossy(&response).into_owned();
    assert!(response.starts_with("HTTP/1.1 301"), "{response}");
    let location = response
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("location")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no Location in {response}"));
    assert_eq!(location, "https://www.foobar.com/products/42");

    // The simulator: the same status and address.
    let mut sim = Simulation::new(&stage(2), Config::default()).expect("simulates");
    let id = sim
        .handle(
            SimTime::ZERO,
            stacksim::sim::engine::Input::Send(stacksim::sim::trace::RequestSpec::new(
                stacksim::sim::trace::RequestKind::Read,
                false,
            )),
        )
        .expect("accepted")
        .expect("an id");
    sim.run_until_quiet(SimTime::from_micros(60_000_000));
    let trace = sim.trace(id).expect("traced");
    assert!(
        matches!(
            trace.outcome,
            Some(stacksim::sim::trace::Outcome::Served { status: 301, .. })
        ),
        "{:?}",
        trace.outcome
    );
    assert!(
        trace
            .hops
            .iter()
            .any(|h| h.reason.ends_with(&format!("redirected to {location}"))),
        "{:#?}",
        trace.hops
    );
}

const LOOPBACK_REQUESTS: u64 = 400;

/// Runs real HAProxy with stage 1's exported configuration (weights 3:1, `balance`) in
/// front of two local backends and compares what each served with the simulator.
fn loopback(balance: Balance) {
    let topology = stage1_weighted(balance);
    let files = export(&topology);
    let exported = &file(&files, "lb-01/haproxy.cfg").contents;
    let backends = [Backend::start(), Backend::start()];
    let front = free_port();
    let ports: Vec<u16> = backends.iter().map(|b| b.port).collect();
    let (cfg, servers) = loopback_cfg(exported, front, &ports);
    let scratch = Scratch::new("loopback");
    let (haproxy, log_path) = start_haproxy(&scratch, &cfg, front);
    let log_text = || fs::read_to_string(&log_path).unwrap_or_default();

    let mut failures = Vec::new();
    for n in 0..LOOPBACK_REQUESTS {
        if let Err(e) = get(front) {
            failures.push(format!("request {n}: {e}"));
            if failures.len() >= 5 {
                break;
            }
        }
    }
    drop(haproxy);
    let real: Vec<(String, u64)> = servers
        .iter()
        .cloned()
        .zip(backends.iter().map(Backend::served))
        .collect();
    drop(backends);
    assert!(failures.is_empty(), "{failures:?}\n{}", log_text());

    let expected = predicted(&topology, LOOPBACK_REQUESTS);
    assert_eq!(
        real,
        expected,
        "{}: real HAProxy served {real:?}, the simulator predicts {expected:?}",
        balance.keyword()
    );
    assert_eq!(
        expected,
        vec![
            ("server-01.nginx".to_owned(), 300),
            ("server-02.nginx".to_owned(), 100)
        ],
        "weights 3:1 over 400 requests (B1.1)"
    );
}

#[test]
fn loopback_real_haproxy_roundrobin_3_to_1_matches_the_simulator() {
    loopback(Balance::RoundRobin);
}

#[test]
fn loopback_real_haproxy_static_rr_3_to_1_matches_the_simulator() {
    loopback(Balance::StaticRr);
}

/// `balance roundrobin` weights → one cycle of picks from a fresh start: the orders measured
/// on HAProxy 2.6.12 (domain rule B1.6), which the simulator's fwrr gives too.
const LOOPBACK_ORDERS: &[(&[u16], &str)] = &[(&[3, 1], "AAAB"), (&[5, 1, 1], "AAABAAC")];

/// How many cycles the order test sends.
const LOOPBACK_ORDER_CYCLES: usize = 4;

/// Runs real HAProxy with a minimal `balance roundrobin` backend of these weights in front of
/// local backends, sends whole cycles of requests one after the other and compares the order
/// the backends saw with the simulator's balancer and with the measured cycle.
fn loopback_order(weights: &[u16], cycle: &str) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let backends: Vec<Backend> = (0..weights.len())
        .map(|i| Backend::start_logging(Some((i, Arc::clone(&log)))))
        .collect();
    let front = free_port();
    let mut cfg = format!(
        "global\n    maxconn 100\n\ndefaults\n    mode http\n    timeout connect 5s\n    \
         timeout client 5s\n    timeout server 5s\n\nfrontend fe\n    bind 127.0.0.1:{front}\n    \
         default_backend be\n\nbackend be\n    balance roundrobin\n"
    );
    for (i, (backend, weight)) in backends.iter().zip(weights).enumerate() {
        cfg.push_str(&format!(
            "    server s{i} 127.0.0.1:{} weight {weight}\n",
            backend.port
        ));
    }
    let scratch = Scratch::new("loopback-order");
    let (haproxy, log_path) = start_haproxy(&scratch, &cfg, front);
    let count = cycle.len() * LOOPBACK_ORDER_CYCLES;
    let mut failures = Vec::new();
    for n in 0..count {
        if let Err(e) = get(front) {
            failures.push(format!("request {n}: {e}"));
            break;
        }
    }
    drop(haproxy);
    drop(backends);
    let log_text = fs::read_to_string(&log_path).unwrap_or_default();
    assert!(failures.is_empty(), "{failures:?}\n{log_text}");
    let letter = |i: usize| char::from(b'A' + u8::try_from(i).expect("few servers"));
    let real: String = log
        .lock()
        .expect("order log")
        .iter()
        .map(|&i| letter(i))
        .collect();

    let specs: Vec<ServerSpec> = weights.iter().map(|&w| ServerSpec::active(w)).collect();
    let mut balancer = Balancer::new(Balance::RoundRobin, &specs);
    let up = vec![true; weights.len()];
    let simulated: String = (0..count)
        .map(|_| letter(balancer.pick(&up).expect("a server").server))
        .collect();
    assert_eq!(
        real, simulated,
        "weights {weights:?}: real HAProxy picked {real}, the simulator {simulated}"
    );
    assert_eq!(
        simulated,
        cycle.repeat(LOOPBACK_ORDER_CYCLES),
        "measured (B1.6)"
    );
}

#[test]
fn loopback_real_haproxy_roundrobin_orders_match_the_simulator() {
    for &(weights, cycle) in LOOPBACK_ORDERS {
        loopback_order(weights, cycle);
    }
}

// ---------------------------------------------------------------------------------------------
// Loopback: HAProxy's retries and redispatch against a failing server (B1.19)

/// How the failing server of the retry test fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Broken {
    /// Nothing listens on its port on 127.0.0.1: the SYN gets a reset at once.
    Refuses,
    /// Its SYNs are dropped (an nftables rule): the connect times out.
    Dead,
}

/// A dedicated loopback address for this test process's dead server: 127.128–191.x.y from the
/// process id (below 2²², Linux's largest), so two test runs on one machine never share it.
fn dead_address() -> Ipv4Addr {
    let pid = std::process::id();
    Ipv4Addr::new(
        127,
        128 + ((pid >> 16) & 63) as u8,
        (pid >> 8) as u8,
        pid as u8,
    )
}

/// An nftables table of this process that drops every TCP packet to `address:port` on the
/// output hook (loopback traffic passes there), so a connect to it times out like one to a
/// dead host. The table is deleted when the guard goes, on every path; tables left by a test
/// process that no longer exists (killed before its guard ran) are deleted first.
struct DropSyns {
    table: String,
    scratch: Scratch,
}

const DROP_TABLE_PREFIX: &str = "stacksim_test_drop_";

impl DropSyns {
    fn new(address: Ipv4Addr, port: u16) -> DropSyns {
        assert!(
            address.is_loopback(),
            "only 127.0.0.0/8 addresses: {address}"
        );
        let scratch = Scratch::new("nft-drop");
        let limit = Duration::from_secs(10);
        let (ok, listed) = run(scratch.path(), NFT, &["list", "tables"], limit);
        assert!(ok, "nft list tables (the test runs as root):\n{listed}");
        for line in listed.lines() {
            let Some(name) = line.trim().strip_prefix("table inet ") else {
                continue;
            };
            let Some(pid) = name.strip_prefix(DROP_TABLE_PREFIX) else {
                continue;
            };
            if !Path::new("/proc").join(pid).exists() {
                let _ = run(
                    scratch.path(),
                    NFT,
                    &["delete", "table", "inet", name],
                    limit,
                );
            }
        }
        let table = format!("{DROP_TABLE_PREFIX}{}", std::process::id());
        let ruleset = format!(
            "table inet {table} {{\n    chain output {{\n        type filter hook output \
             priority filter; policy accept;\n        ip daddr {address} tcp dport {port} drop\n    \
             }}\n}}\n"
        );
        let path = scratch.path().join("drop.nft");
        fs::write(&path, ruleset).expect("write the nft ruleset");
        let path = path.to_string_lossy().into_owned();
        let (ok, printed) = run(scratch.path(), NFT, &["-f", &path], limit);
        assert!(ok, "nft -f {path}:\n{printed}");
        let guard = DropSyns { table, scratch };
        // The rule works: a connect neither succeeds nor is refused, it times out.
        let addr = SocketAddr::from((address, port));
        match TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Err(e) if e.kind() == ErrorKind::TimedOut || e.kind() == ErrorKind::WouldBlock => {}
            other => panic!("the SYNs to {addr} are not dropped: {other:?}"),
        }
        guard
    }
}

impl Drop for DropSyns {
    fn drop(&mut self) {
        let _ = run(
            self.scratch.path(),
            NFT,
            &["delete", "table", "inet", &self.table],
            Duration::from_secs(10),
        );
    }
}

/// One `GET /` over a fresh connection: the status line's code (0 if none) and how long the
/// answer took.
fn timed_get(port: u16) -> (u16, Duration) {
    #[allow(
        clippy::disallowed_methods,
        reason = "the test times real HAProxy on this machine, natively"
    )]
    let started = std::time::Instant::now();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let status = (|| -> Option<u16> {
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(40)))
            .ok()?;
        stream
            .set_write_timeout(Some(Duration::from_secs(5)))
            .ok()?;
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: www.foobar.com\r\nConnection: close\r\n\r\n")
            .ok()?;
        let mut response = Vec::new();
        stream.take(64 * 1024).read_to_end(&mut response).ok()?;
        let text = String::from_utf8_lossy(&response);
        text.split_whitespace().nth(1)?.parse().ok()
    })();
    (status.unwrap_or(0), started.elapsed())
}

/// Requests sent one after the other in each retry case (the dead server without redispatch
/// costs 20 s for every other one).
const RETRY_REQUESTS: usize = 2;

/// Real HAProxy 2.6 with `retries 3`, `timeout connect 5s`, `balance roundrobin`, two servers
/// without `check`, the first failing as `broken` (at `dead` when its SYNs are dropped): the
/// status and duration of each of `RETRY_REQUESTS` requests.
fn real_retries(broken: Broken, redispatch: bool, dead: SocketAddr) -> Vec<(u16, Duration)> {
    let good = Backend::start();
    let failing = match broken {
        Broken::Refuses => SocketAddr::from((Ipv4Addr::LOCALHOST, free_port())),
        Broken::Dead => dead,
    };
    let front = free_port();
    let cfg = format!(
        "global\n    maxconn 100\n\ndefaults\n    mode http\n    retries 3\n{}    timeout connect \
         5s\n    timeout client 60s\n    timeout server 60s\n\nfrontend fe\n    bind \
         127.0.0.1:{front}\n    default_backend be\n\nbackend be\n    balance roundrobin\n    \
         server s0 {failing}\n    server s1 127.0.0.1:{}\n",
        if redispatch {
            "    option redispatch\n"
        } else {
            ""
        },
        good.port
    );
    let scratch = Scratch::new("loopback-retries");
    let (haproxy, _log) = start_haproxy(&scratch, &cfg, front);
    let results = (0..RETRY_REQUESTS).map(|_| timed_get(front)).collect();
    drop(haproxy);
    results
}

/// The simulator's answer to the same requests: the status of each and the time the failing
/// server added to it (its latency minus the same request's when nothing fails).
fn simulated_retries(broken: Option<Broken>, redispatch: bool) -> Vec<(u16, Duration)> {
    let run = |broken: Option<Broken>| {
        let mut sim = Simulation::new(&retry_design(redispatch), Config::default())
            .expect("the design simulates");
        let failure = match broken {
            Some(Broken::Refuses) => Some(Input::ServiceDown("server-01.nginx".into())),
            Some(Broken::Dead) => Some(Input::HostDown("server-01".into())),
            None => None,
        };
        if let Some(failure) = failure {
            sim.handle(SimTime::ZERO, failure).expect("known");
        }
        let mut out = Vec::new();
        for _ in 0..RETRY_REQUESTS {
            let at = sim.now() + SimDuration::from_secs(1);
            let id = sim
                .handle(
                    at,
                    Input::Send(RequestSpec::new(RequestKind::Static, false)),
                )
                .expect("accepted")
                .expect("an id");
            sim.run_until_quiet(at + SimDuration::from_secs(600));
            let trace = sim.trace(id).expect("traced");
            let status = match trace.outcome.as_ref().expect("finished") {
                Outcome::Served { status, .. } => *status,
                Outcome::Failed { status, .. } => *status,
                Outcome::NoServer { .. } => 503,
                _ => 0,
            };
            let latency = trace.latency().expect("finished");
            out.push((status, Duration::from_micros(latency.as_micros())));
        }
        out
    };
    let normal = run(None);
    run(broken)
        .into_iter()
        .zip(normal)
        .map(|((status, latency), (_, usual))| (status, latency.saturating_sub(usual)))
        .collect()
}

/// How far real HAProxy's timings may be from the simulator's: loopback hops, HAProxy's
/// millisecond timers and a busy test machine.
const RETRY_TIMING_SLACK: Duration = Duration::from_millis(150);

#[test]
fn loopback_real_haproxy_retries_and_redispatch_match_the_simulator() {
    let dead = SocketAddr::from((dead_address(), free_port()));
    let dropping = DropSyns::new(dead.ip().to_string().parse().expect("v4"), dead.port());
    let cases = [
        (Broken::Refuses, true),
        (Broken::Refuses, false),
        (Broken::Dead, true),
        (Broken::Dead, false),
    ];
    // The four cases at once: the slowest (a dead server, no redispatch) takes about 20 s.
    let real: Vec<Vec<(u16, Duration)>> = thread::scope(|scope| {
        let runs: Vec<_> = cases
            .iter()
            .map(|&(broken, redispatch)| {
                scope.spawn(move || real_retries(broken, redispatch, dead))
            })
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("the case ran"))
            .collect()
    });
    drop(dropping);
    let mut report = Vec::new();
    let mut wrong = Vec::new();
    for (&(broken, redispatch), real) in cases.iter().zip(&real) {
        let simulated = simulated_retries(Some(broken), redispatch);
        for (n, (&(real_status, real_time), &(sim_status, sim_extra))) in
            real.iter().zip(&simulated).enumerate()
        {
            let line = format!(
                "{broken:?}, redispatch {redispatch}, request {n}: real {real_status} after \
                 {real_time:?}, simulated {sim_status} with {sim_extra:?} added"
            );
            let close = real_time.abs_diff(sim_extra) <= RETRY_TIMING_SLACK;
            if real_status != sim_status || !close {
                wrong.push(line.clone());
            }
            report.push(line);
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(
        wrong.is_empty(),
        "{}\n\nall:\n{}",
        wrong.join("\n"),
        report.join("\n")
    );
    // The measured figures (B1.19): the first request meets the failing server first.
    let first = |i: usize| real[i][0];
    let secs = |d: Duration| d.as_secs_f64();
    assert_eq!(first(0).0, 200, "refused, redispatch on: served");
    assert!(secs(first(0).1) < 0.1, "at once: {:?}", first(0).1);
    assert_eq!(first(1).0, 503, "refused, redispatch off: 503");
    assert!((2.9..3.2).contains(&secs(first(1).1)), "{:?}", first(1).1);
    assert_eq!(first(2).0, 200, "dead, redispatch on: served");
    assert!((4.9..5.2).contains(&secs(first(2).1)), "{:?}", first(2).1);
    assert_eq!(first(3).0, 503, "dead, redispatch off: 503");
    assert!((19.9..20.3).contains(&secs(first(3).1)), "{:?}", first(3).1);
}

/// Stage 1 switched to active-passive (server-02 a `backup` server): real HAProxy with the
/// exported configuration sends every request to server-01 and none to the backup, then, once
/// its health checks mark server-01 DOWN, every request to the backup, as the simulator says.
#[test]
fn loopback_real_haproxy_keeps_a_backup_server_idle_until_the_active_one_is_down() {
    use stacksim::sim::redundancy::{Sharing, switch};
    let topology = switch(&stage(1), "pool:lb-01.haproxy", Sharing::ActivePassive)
        .expect("stage 1's pool switches");
    let files = export(&topology);
    let exported = &file(&files, "lb-01/haproxy.cfg").contents;
    assert!(
        exported.contains(" backup"),
        "the backup server is marked:\n{exported}"
    );
    let (active, standby) = (Backend::start(), Backend::start());
    let front = free_port();
    let (cfg, servers) = loopback_cfg(exported, front, &[active.port, standby.port]);
    assert_eq!(servers, ["server-01.nginx", "server-02.nginx"]);
    let scratch = Scratch::new("loopback-backup");
    let (haproxy, log_path) = start_haproxy(&scratch, &cfg, front);
    let log_text = || fs::read_to_string(&log_path).unwrap_or_default();
    for n in 0..100 {
        get(front).unwrap_or_else(|e| panic!("request {n}: {e}\n{}", log_text()));
    }
    assert_eq!(
        (active.served(), standby.served()),
        (100, 0),
        "real HAProxy"
    );
    assert_eq!(
        predicted(&topology, 100),
        [("server-01.nginx".to_owned(), 100)],
        "the simulator"
    );

    // server-01 stops; HAProxy's checks (inter 2 s, fall 3) mark it DOWN within about 6 s.
    drop(active);
    let mut down = false;
    for _ in 0..300 {
        if log_text().contains("is DOWN") {
            down = true;
            break;
        }
        thread::sleep(Duration::from_millis(50));
    }
    assert!(down, "HAProxy never marked server-01 DOWN:\n{}", log_text());
    for n in 0..100 {
        get(front).unwrap_or_else(|e| panic!("request {n} after DOWN: {e}\n{}", log_text()));
    }
    assert_eq!(standby.served(), 100, "the backup takes over");
    drop(haproxy);

    let mut sim = Simulation::new(&topology, Config::default()).expect("simulates");
    sim.handle(SimTime::ZERO, Input::HostDown("server-01".into()))
        .expect("known host");
    sim.advance_to(SimTime::from_secs(20));
    sim.start_load(Load {
        mix: Mix {
            static_pct: 100,
            read_pct: 0,
            write_pct: 0,
        },
        ..Load::new(100.0, 100)
    });
    sim.run_until_quiet(SimTime::from_secs(3600));
    assert_eq!(
        sim.served_by(),
        [("server-02.nginx".to_owned(), 100)],
        "the simulator: the backup serves once server-01 is DOWN"
    );
}

/// Stage 3 switched to active-active: each load balancer's keepalived.conf has both VRRP
/// instances with mirrored priorities (MASTER of one, BACKUP of the other), each HAProxy binds
/// both addresses, and the zone answers www with both.
#[test]
fn active_active_exports_two_instances_with_mirrored_priorities_and_two_a_records() {
    use stacksim::sim::redundancy::{Sharing, switch};
    let topology =
        switch(&stage(3), "vrrp:vip", Sharing::ActiveActive).expect("stage 3's pair switches");
    let files = export(&topology);
    let instances = |host: &str| -> Vec<String> {
        let conf = &file(&files, &format!("{host}/keepalived.conf")).contents;
        let mut found = Vec::new();
        let mut current = String::new();
        for line in conf.lines().map(str::trim) {
            if let Some(name) = line.strip_prefix("vrrp_instance ") {
                current = name.trim_end_matches(" {").to_owned();
            } else if let Some(state) = line.strip_prefix("state ") {
                current.push_str(&format!(" {state}"));
            } else if let Some(id) = line.strip_prefix("virtual_router_id ") {
                current.push_str(&format!(" id {id}"));
            } else if let Some(priority) = line.strip_prefix("priority ") {
                current.push_str(&format!(" priority {priority}"));
            } else if line.ends_with("dev eth0") {
                current.push_str(&format!(" {}", line.trim_end_matches(" dev eth0")));
                found.push(current.clone());
            }
        }
        found
    };
    assert_eq!(
        instances("lb-01"),
        [
            "VI_vip MASTER id 51 priority 150 8.8.8.8/32",
            "VI_vip-2 BACKUP id 52 priority 100 8.8.8.9/32"
        ]
    );
    assert_eq!(
        instances("lb-02"),
        [
            "VI_vip BACKUP id 51 priority 100 8.8.8.8/32",
            "VI_vip-2 MASTER id 52 priority 150 8.8.8.9/32"
        ]
    );
    for lb in ["lb-01", "lb-02"] {
        let cfg = &file(&files, &format!("{lb}/haproxy.cfg")).contents;
        for address in ["8.8.8.8", "8.8.8.9"] {
            assert!(
                cfg.contains(&format!("bind {address}:443 ssl")),
                "{lb} binds {address}:\n{cfg}"
            );
        }
    }
    let zone = &file(&files, "dns/db.foobar.com").contents;
    let www: Vec<&str> = zone
        .lines()
        .filter(|line| line.starts_with("www "))
        .collect();
    assert_eq!(www, ["www 300 IN A 8.8.8.8", "www 300 IN A 8.8.8.9"]);
}

#[test]
fn real_tools_accept_an_active_active_load_balancer_pair() {
    use stacksim::sim::redundancy::{Sharing, switch};
    let topology = switch(&stage(3), "vrrp:vip", Sharing::ActiveActive).expect("switches");
    real_tools_accept("active-active", &topology);
}

#[test]
fn real_tools_accept_pools_with_backup_servers() {
    use stacksim::sim::redundancy::{Sharing, switch};
    for n in [1, 3] {
        let topology =
            switch(&stage(n), "pool:lb-01.haproxy", Sharing::ActivePassive).expect("switches");
        real_tools_accept(&format!("backup-pool-{n}"), &topology);
    }
}
