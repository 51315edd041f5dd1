//! The four stages of the classic web-infrastructure exercise, as real [`Topology`] values with
//! the words that explain them. Each stage builds on the one before it.

use std::net::Ipv4Addr;

use crate::topology::{
    Agent, AppServer, Balance, Certificate, Cidr, DbRole, DnsRecord, DnsZone, FORMAT_VERSION,
    Firewall, Haproxy, HealthCheck, Host, Link, Mysql, Nginx, Node, NodeKind, Proto, Rule, Service,
    ServiceKind, Topology, Verdict, Vip, VrrpMember,
};

/// A stage: its topology and the explanation shown beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stage {
    pub number: u8,
    pub title: &'static str,
    pub summary: &'static str,
    /// What happens to one request, in order.
    pub flow: &'static [&'static str],
    /// What is still wrong with this design.
    pub issues: &'static [&'static str],
}

/// All stages, in order.
pub const STAGES: [Stage; 4] = [
    Stage {
        number: 0,
        title: "Simple web stack",
        summary: "Everything on one machine: the name www.foobar.com resolves to 8.8.8.8, and the \
                  server behind that address runs the web server, the application, its code and \
                  the database.",
        flow: &[
            "The browser needs an address for www.foobar.com and asks its resolver.",
            "The resolver walks root → .com → the foobar.com name servers, which answer with the \
             A record 8.8.8.8, and caches it for the record's TTL.",
            "The browser opens a TCP connection to 8.8.8.8 port 80 and sends the HTTP request.",
            "Nginx answers static files itself and hands dynamic pages to PHP-FPM.",
            "The application runs its code and queries MySQL on the same machine.",
            "The page travels back through Nginx to the browser.",
        ],
        issues: &[
            "Single point of failure: if server-01 or any program on it stops, the site is gone.",
            "Every deployment or restart is downtime, because there is no second copy to serve \
             meanwhile.",
            "Web, application and database compete for one CPU and one disk, so heavy traffic \
             slows everything at once.",
            "Plain HTTP and no firewall: traffic can be read on the way, and every port is open.",
        ],
    },
    Stage {
        number: 1,
        title: "Distributed",
        summary: "A load balancer now owns 8.8.8.8. HAProxy spreads requests over two identical \
                  servers with round robin; MySQL on server-01 is the primary and MySQL on \
                  server-02 replicates from it.",
        flow: &[
            "DNS answers www.foobar.com with the load balancer's address, 8.8.8.8.",
            "HAProxy accepts the connection and picks the next healthy server in round-robin \
             order: server-01, server-02, server-01, …",
            "Nginx on the chosen server serves static files or passes the request to PHP-FPM.",
            "Writes go to the MySQL primary on server-01; reads may be answered by the replica \
             on server-02.",
            "The replica applies the primary's binary log a little later, so a read right after \
             a write can still see the old value.",
            "The response returns through HAProxy to the browser.",
        ],
        issues: &[
            "The load balancer is now the single point of failure: without it nothing reaches \
             either server.",
            "Only the primary accepts writes; if server-01 fails, writes stop until someone \
             promotes the replica.",
            "Still plain HTTP and still no firewall anywhere.",
            "Nobody watches the machines: a full disk or a dead process is noticed by users \
             first.",
        ],
    },
    Stage {
        number: 2,
        title: "Secured and monitored",
        summary: "Stage 1 with a firewall on every host, an SSL certificate on the load balancer \
                  so browsers speak HTTPS, and a monitoring agent on each host reporting to a \
                  collector.",
        flow: &[
            "DNS answers www.foobar.com with 8.8.8.8, the load balancer.",
            "The load balancer's firewall lets in TCP ports 443 and 80. HAProxy answers plain \
             HTTP on port 80 with a 301 redirect to https://www.foobar.com/…, so pages are \
             served over HTTPS only.",
            "HAProxy presents the certificate for www.foobar.com and ends TLS there.",
            "Round robin picks a server; from here on the request travels as plain HTTP on the \
             private network.",
            "Each server's firewall accepts port 80 only from the load balancer's private \
             address, and MySQL only from the other server.",
            "Nginx, PHP-FPM and MySQL answer as in stage 1.",
            "Agents on all three hosts send metrics to the collector every few seconds.",
        ],
        issues: &[
            "The single load balancer is still a single point of failure.",
            "TLS ends at the load balancer: traffic to the servers is plaintext.",
            "Only one MySQL primary accepts writes.",
            "Each server still runs web, application and database together, so they cannot be \
             scaled separately.",
        ],
    },
    Stage {
        number: 3,
        title: "Scaled and split",
        summary: "Two HAProxy in an active-passive pair share a virtual IP through VRRP. Web, \
                  application and database each get their own hosts, each host its own firewall \
                  and monitoring agent.",
        flow: &[
            "DNS answers www.foobar.com with the virtual IP 8.8.8.8, held by the active load \
             balancer.",
            "The firewall of each load balancer admits TCP ports 443 and 80; HAProxy answers \
             plain HTTP with a 301 redirect to HTTPS, and TLS ends at HAProxy.",
            "If the active load balancer dies, the passive one stops hearing VRRP adverts and \
             claims the virtual IP about 3.6 s later.",
            "If only HAProxy dies there, keepalived's chk_haproxy notices after two failed runs \
             (2 to 4 s, connections are refused meanwhile) and gives the virtual IP up with a \
             priority-0 advert, as a clean stop does: the passive one holds it 0.6 s later. \
             When the active one is back it takes the address again after its own \
             Master_Down_Interval (3.4 s), not at once.",
            "Round robin spreads requests over the two Nginx servers.",
            "Nginx serves static files and passes dynamic requests to the application server, \
             whose firewall only admits the web servers.",
            "The application queries the database server, whose firewall only admits the \
             application server.",
            "Every host's agent reports to the collector.",
        ],
        issues: &[
            "One application server and one database server remain single points of failure.",
            "Plaintext after the load balancer, as in stage 2.",
            "A failover is not free: for about 3.6 s nobody holds the virtual IP. Browsers \
             resend their unanswered SYN after 1 s, 2 s, 4 s …, so requests sent in that gap \
             are served late (1 to 7 s) by the passive load balancer; requests already inside \
             the dead one are lost.",
        ],
    },
];

/// The stage with this number.
pub fn stage(number: u8) -> Option<&'static Stage> {
    STAGES.get(usize::from(number))
}

/// The topology of a stage; `None` for a number that is not a stage.
pub fn topology(number: u8) -> Option<Topology> {
    match number {
        0 => Some(stage0()),
        1 => Some(stage1()),
        2 => Some(stage2()),
        3 => Some(stage3()),
        _ => None,
    }
}

const PUBLIC: Ipv4Addr = Ipv4Addr::new(8, 8, 8, 8);
const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 7);
const COLLECTOR_IP: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 20);
const DNS_TTL: u32 = 300;

pub fn node(id: &str, name: &str, kind: NodeKind) -> Node {
    Node {
        id: id.to_owned(),
        name: name.to_owned(),
        kind,
    }
}

pub fn client() -> Node {
    node("client", "Browser", NodeKind::Client { ip: CLIENT_IP })
}

pub fn dns() -> Node {
    node(
        "dns",
        "foobar.com zone",
        NodeKind::Dns(DnsZone {
            domain: "foobar.com".to_owned(),
            records: vec![DnsRecord {
                name: "www".to_owned(),
                address: PUBLIC,
                ttl: DNS_TTL,
            }],
        }),
    )
}

pub fn collector() -> Node {
    node(
        "collector",
        "Monitoring",
        NodeKind::Collector {
            ip: COLLECTOR_IP,
            product: "Sumo Logic".to_owned(),
        },
    )
}

pub fn certificate() -> Certificate {
    Certificate {
        common_name: "www.foobar.com".to_owned(),
        issuer: "Let's Encrypt".to_owned(),
    }
}

pub fn agent() -> Agent {
    Agent {
        product: "Sumo Logic collector".to_owned(),
        collector: "collector".to_owned(),
        interval_s: 10,
    }
}

pub fn service(id: &str, kind: ServiceKind) -> Service {
    Service {
        id: id.to_owned(),
        kind,
    }
}

pub fn haproxy(id: &str, certificate: Option<Certificate>) -> Service {
    let tls = certificate.is_some();
    service(
        id,
        ServiceKind::LoadBalancer(Haproxy {
            balance: Balance::RoundRobin,
            http_port: 80,
            certificate,
            redirect_to_https: tls,
            health_check: HealthCheck::default(),
            retries: 3,
            redispatch: true,
        }),
    )
}

pub fn nginx(id: &str) -> Service {
    service(
        id,
        ServiceKind::WebServer(Nginx {
            listen: 80,
            static_paths: vec!["/static/".to_owned(), "/favicon.ico".to_owned()],
            certificate: None,
        }),
    )
}

pub fn php(id: &str) -> Service {
    service(
        id,
        ServiceKind::AppServer(AppServer {
            runtime: "PHP-FPM".to_owned(),
            port: 9000,
            workers: 8,
            service_time_us: 20_000,
            reads_to_replica: true,
        }),
    )
}

pub fn code(id: &str) -> Service {
    service(
        id,
        ServiceKind::AppFiles {
            path: "/var/www/foobar".to_owned(),
        },
    )
}

pub fn mysql(id: &str, server_id: u32, role: DbRole) -> Service {
    service(
        id,
        ServiceKind::Database(Mysql {
            port: 3306,
            server_id,
            role,
        }),
    )
}

pub fn host(id: &str, name: &str, ip: Ipv4Addr, services: Vec<Service>) -> Node {
    node(
        id,
        name,
        NodeKind::Host(Host {
            ip,
            public_ip: None,
            services,
            firewall: None,
            agent: None,
        }),
    )
}

fn rule(action: Verdict, port: u16, from: Cidr, comment: &str) -> Rule {
    Rule {
        action,
        proto: Proto::Tcp,
        from,
        port: Some(port),
        comment: comment.to_owned(),
    }
}

fn allow_from(port: u16, ip: Ipv4Addr, comment: &str) -> Rule {
    rule(Verdict::Allow, port, Cidr::host(ip), comment)
}

/// The comment of the rule that lets plain HTTP reach a load balancer ending TLS: HAProxy
/// answers it with a redirect to HTTPS, as real sites keep port 80 open for.
const HTTP_REDIRECT_RULE: &str = "HTTP from anywhere, redirected to HTTPS";

fn firewall(rules: Vec<Rule>) -> Firewall {
    Firewall {
        default_incoming: Verdict::Deny,
        rules,
    }
}

fn secure(node: &mut Node, rules: Vec<Rule>) {
    if let NodeKind::Host(host) = &mut node.kind {
        host.firewall = Some(firewall(rules));
        host.agent = Some(agent());
    }
}

fn topology_of(name: &str, nodes: Vec<Node>, links: Vec<Link>) -> Topology {
    Topology {
        version: FORMAT_VERSION,
        name: name.to_owned(),
        nodes,
        links,
    }
}

/// A server carrying web, application, code and database, as in stages 0–2.
fn full_server(n: u8, ip: Ipv4Addr, role: DbRole) -> Node {
    let id = format!("server-0{n}");
    host(
        &id,
        &id,
        ip,
        vec![
            nginx(&format!("{id}.nginx")),
            php(&format!("{id}.app")),
            code(&format!("{id}.code")),
            mysql(&format!("{id}.mysql"), u32::from(n), role),
        ],
    )
}

fn server_links(n: u8, primary: &str) -> Vec<Link> {
    let id = format!("server-0{n}");
    let mut links = vec![
        Link::new(&format!("{id}.nginx"), &format!("{id}.app")),
        Link::new(&format!("{id}.app"), &format!("{id}.mysql")),
    ];
    if primary != format!("{id}.mysql") {
        links.push(Link::new(&format!("{id}.app"), primary));
    }
    links
}

fn stage0() -> Topology {
    topology_of(
        "Simple web stack",
        vec![client(), dns(), full_server(1, PUBLIC, DbRole::Primary)],
        server_links(1, "server-01.mysql"),
    )
}

const LB_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const SERVER1_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 11);
const SERVER2_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 12);
const REPLICA_LAG_MS: u32 = 300;

fn stage1_nodes(certificate: Option<Certificate>) -> Vec<Node> {
    let mut lb = host(
        "lb-01",
        "lb-01",
        LB_IP,
        vec![haproxy("lb-01.haproxy", certificate)],
    );
    if let NodeKind::Host(host) = &mut lb.kind {
        host.public_ip = Some(PUBLIC);
    }
    let replica = DbRole::Replica {
        source: "server-01.mysql".to_owned(),
        lag_ms: REPLICA_LAG_MS,
        lag_jitter_ms: 0,
    };
    vec![
        client(),
        dns(),
        lb,
        full_server(1, SERVER1_IP, DbRole::Primary),
        full_server(2, SERVER2_IP, replica),
    ]
}

fn stage1_links() -> Vec<Link> {
    let mut links = vec![
        Link::new("lb-01.haproxy", "server-01.nginx"),
        Link::new("lb-01.haproxy", "server-02.nginx"),
    ];
    links.extend(server_links(1, "server-01.mysql"));
    links.extend(server_links(2, "server-01.mysql"));
    links
}

fn stage1() -> Topology {
    topology_of("Distributed", stage1_nodes(None), stage1_links())
}

fn stage2() -> Topology {
    let mut nodes = stage1_nodes(Some(certificate()));
    for node in &mut nodes {
        let rules = match node.id.as_str() {
            "lb-01" => vec![
                rule(Verdict::Allow, 443, Cidr::ANY, "HTTPS from anywhere"),
                rule(Verdict::Allow, 80, Cidr::ANY, HTTP_REDIRECT_RULE),
            ],
            "server-01" => vec![
                allow_from(80, LB_IP, "HTTP from the load balancer"),
                allow_from(
                    3306,
                    SERVER2_IP,
                    "MySQL from server-02 (writes and replication)",
                ),
            ],
            "server-02" => vec![allow_from(80, LB_IP, "HTTP from the load balancer")],
            _ => continue,
        };
        secure(node, rules);
    }
    nodes.push(collector());
    topology_of("Secured and monitored", nodes, stage1_links())
}

const LB2_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 3);
const WEB1_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 11);
const WEB2_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 12);
const APP_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 21);
const DB_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 31);

fn stage3() -> Topology {
    let lb_rules = |peer: Ipv4Addr| {
        vec![
            rule(Verdict::Allow, 443, Cidr::ANY, "HTTPS from anywhere"),
            Rule {
                action: Verdict::Allow,
                proto: Proto::Any,
                from: Cidr::host(peer),
                port: None,
                comment: "VRRP adverts from the peer load balancer".to_owned(),
            },
            rule(Verdict::Allow, 80, Cidr::ANY, HTTP_REDIRECT_RULE),
        ]
    };
    let web_rules = || {
        vec![
            allow_from(80, LB_IP, "HTTP from lb-01"),
            allow_from(80, LB2_IP, "HTTP from lb-02"),
        ]
    };
    let mut nodes = vec![
        client(),
        dns(),
        node(
            "vip",
            "Virtual IP",
            NodeKind::Vip(Vip {
                ip: PUBLIC,
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
        ),
        host(
            "lb-01",
            "lb-01",
            LB_IP,
            vec![haproxy("lb-01.haproxy", Some(certificate()))],
        ),
        host(
            "lb-02",
            "lb-02",
            LB2_IP,
            vec![haproxy("lb-02.haproxy", Some(certificate()))],
        ),
        host("web-01", "web-01", WEB1_IP, vec![nginx("web-01.nginx")]),
        host("web-02", "web-02", WEB2_IP, vec![nginx("web-02.nginx")]),
        host(
            "app-01",
            "app-01",
            APP_IP,
            vec![php("app-01.app"), code("app-01.code")],
        ),
        host(
            "db-01",
            "db-01",
            DB_IP,
            vec![mysql("db-01.mysql", 1, DbRole::Primary)],
        ),
        collector(),
    ];
    for node in &mut nodes {
        let rules = match node.id.as_str() {
            "lb-01" => lb_rules(LB2_IP),
            "lb-02" => lb_rules(LB_IP),
            "web-01" | "web-02" => web_rules(),
            "app-01" => vec![
                allow_from(9000, WEB1_IP, "FastCGI from web-01"),
                allow_from(9000, WEB2_IP, "FastCGI from web-02"),
            ],
            "db-01" => vec![allow_from(3306, APP_IP, "MySQL from app-01")],
            _ => continue,
        };
        secure(node, rules);
    }
    let links = vec![
        Link::new("lb-01.haproxy", "web-01.nginx"),
        Link::new("lb-01.haproxy", "web-02.nginx"),
        Link::new("lb-02.haproxy", "web-01.nginx"),
        Link::new("lb-02.haproxy", "web-02.nginx"),
        Link::new("web-01.nginx", "app-01.app"),
        Link::new("web-02.nginx", "app-01.app"),
        Link::new("app-01.app", "db-01.mysql"),
    ];
    topology_of("Scaled and split", nodes, links)
}
