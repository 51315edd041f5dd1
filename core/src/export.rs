//! Export: the configuration files a team would deploy for a design, as text.
//!
//! This module owns the *generators*. For a [`Topology`] it writes `haproxy.cfg` for every
//! HAProxy service, `keepalived.conf` for every VRRP member, `nginx.conf` for every Nginx
//! service, a PHP-FPM pool for every PHP application server, MySQL settings for every database, a host firewall as an nftables ruleset plus the
//! equivalent `ufw` commands for every host with a firewall, and the DNS zone file. Every value
//! comes from the design; what the design does not carry (interface name, TLS file paths, the
//! replication user, SOA timers) is a documented placeholder, and each file's leading comment
//! says what Stacksim simplifies. It returns strings and never touches a file or a process:
//! writing the files and running the real tools (`haproxy -c`, `nginx -t`,
//! `keepalived --config-test`, `nft -c`, `named-checkzone`, `ufw --dry-run`, `php-fpm8.2 -t`)
//! is the job of `tests/sim/export.rs` and the command line.
//!
//! Names typed into a design (ids, names, comments, domains, paths) cannot break out of their
//! place in a file: identifiers keep only `[A-Za-z0-9._-]`, DNS labels only `[a-z0-9-]`, URL
//! and file paths only `[A-Za-z0-9._~/%-]`, quoted strings lose quotes, backslashes and shell
//! metacharacters, comments lose every control character (so every newline), and path
//! components never start with a dot (so never `..`). Names that collide once sanitised get a
//! numeric suffix.
//!
//! What it simplifies, besides what the simulator itself simplifies (ARCHITECTURE.md):
//! - one network interface per host, called [`INTERFACE`] in `keepalived.conf`;
//! - TLS material at fixed paths named after the certificate's common name
//!   (`/etc/haproxy/certs/<cn>.pem`, `/etc/ssl/certs/<cn>.crt`, `/etc/ssl/private/<cn>.key`);
//! - the application is one front controller (`index.php` for PHP-FPM) behind `location /`;
//! - MySQL replication uses GTIDs and a `repl` user whose password is left to the operator;
//! - the zone has one name server, `ns1.<domain>`, and serial 1; the name server is not in the
//!   design (the DNS zone node stands for its authoritative servers), so `ns1` gets the
//!   documentation address [`NS1_PLACEHOLDER`] unless the design has an `ns1` record;
//! - a PHP-FPM pool is static (`pm = static`, the design's workers) and runs as `www-data`.

use std::net::Ipv4Addr;

use crate::reach::HTTPS_PORT;
use crate::sort::SortedSet;
use crate::topology::{
    AppServer, Certificate, DbRole, DnsRecord, DnsZone, Firewall, Haproxy, Host, Mysql, Nginx,
    Node, NodeKind, Proto, Rule, Service, ServiceKind, Topology, Verdict, Vip,
};
use crate::vrrp::track_script;

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportFile {
    /// The id of the host the file belongs on; `None` for zone-wide files (the DNS zone).
    pub host: Option<String>,
    /// A relative path of sanitised components, e.g. `lb-01/haproxy.cfg` or
    /// `dns/db.foobar.com`. Unique within one export; no component is empty or starts with a
    /// dot.
    pub path: String,
    /// Which program reads it.
    pub kind: FileKind,
    /// The file's text, ending with a newline.
    pub contents: String,
}

/// The kinds of file an export holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    /// `haproxy.cfg`, checked with `haproxy -c -f`.
    Haproxy,
    /// `keepalived.conf`, checked with `keepalived --config-test -f`.
    Keepalived,
    /// A complete `nginx.conf`, checked with `nginx -t -c`.
    Nginx,
    /// An nftables ruleset for `/etc/nftables.conf`, checked with `nft -c -f`.
    Nftables,
    /// A shell script of `ufw` commands equivalent to the nftables ruleset.
    Ufw,
    /// A zone file in RFC 1035 master format, checked with `named-checkzone`.
    DnsZone,
    /// MySQL server settings (`[mysqld]`), with the replication statements as comments.
    Mysql,
    /// A PHP-FPM pool (`pool.d/*.conf`), checked with `php-fpm8.2 -t`.
    PhpFpm,
}

impl FileKind {
    /// A short human label, e.g. `HAProxy`.
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Haproxy => "HAProxy",
            FileKind::Keepalived => "keepalived",
            FileKind::Nginx => "Nginx",
            FileKind::Nftables => "nftables",
            FileKind::Ufw => "ufw",
            FileKind::DnsZone => "DNS zone",
            FileKind::Mysql => "MySQL",
            FileKind::PhpFpm => "PHP-FPM",
        }
    }
}

/// The placeholder network interface written into `keepalived.conf`.
pub const INTERFACE: &str = "eth0";

/// The `virtual_router_id` of a design's first virtual IP; the n-th (0-based) gets this plus
/// n, wrapping within 1–255.
pub const FIRST_VIRTUAL_ROUTER_ID: u8 = 51;

/// Every file a design needs, in a fixed order: the DNS zones first (in design order), then
/// for each host in design order its HAProxy, keepalived, Nginx, PHP-FPM and MySQL files
/// (services in declaration order), then its nftables ruleset and `ufw` script.
///
/// Never fails and never panics: a design without hosts gives only its zone, one without DNS
/// no zone file, a load balancer without links a backend without servers.
pub fn export(topology: &Topology) -> Vec<ExportFile> {
    let mut files = Files::default();
    for node in &topology.nodes {
        if let NodeKind::Dns(zone) = &node.kind {
            let origin = domain(&zone.domain);
            let text = zone_file(topology, node, zone, &origin);
            files.add(
                None,
                "dns",
                &format!("db.{origin}"),
                FileKind::DnsZone,
                text,
            );
        }
    }
    for (node, host) in topology.hosts() {
        let dir = path_component(&node.id);
        let id = Some(node.id.as_str());
        for service in &host.services {
            if let ServiceKind::LoadBalancer(lb) = &service.kind {
                let text = haproxy_cfg(topology, node, host, service, lb);
                files.add(id, &dir, "haproxy.cfg", FileKind::Haproxy, text);
            }
        }
        if let Some(text) = keepalived_conf(topology, node, host) {
            files.add(id, &dir, "keepalived.conf", FileKind::Keepalived, text);
        }
        for service in &host.services {
            if let ServiceKind::WebServer(web) = &service.kind {
                let text = nginx_conf(topology, node, host, service, web);
                files.add(id, &dir, "nginx.conf", FileKind::Nginx, text);
            }
        }
        let mut pools = SortedSet::new();
        for service in &host.services {
            if let ServiceKind::AppServer(app) = &service.kind
                && upstream_kind(&app.runtime) == Upstream::FastCgi
            {
                let text = php_fpm_pool(topology, node, host, service, app, &mut pools);
                files.add(id, &dir, "php-fpm.conf", FileKind::PhpFpm, text);
            }
        }
        for service in &host.services {
            if let ServiceKind::Database(db) = &service.kind {
                let text = mysql_cnf(topology, node, host, service, db);
                files.add(id, &dir, "mysql.cnf", FileKind::Mysql, text);
            }
        }
        if let Some(firewall) = &host.firewall {
            let text = nftables_conf(topology, node, host, firewall);
            files.add(id, &dir, "nftables.conf", FileKind::Nftables, text);
            let text = ufw_script(topology, node, host, firewall);
            files.add(id, &dir, "ufw.sh", FileKind::Ufw, text);
        }
    }
    files.files
}

/// The files so far, and the paths they took.
#[derive(Default)]
struct Files {
    paths: SortedSet<String>,
    files: Vec<ExportFile>,
}

impl Files {
    /// Adds a file at `dir/name`, or at `dir/stem-2.ext`, `-3`… when that path is taken.
    fn add(&mut self, host: Option<&str>, dir: &str, name: &str, kind: FileKind, text: Text) {
        let (stem, ext) = match name.rfind('.') {
            Some(dot) if dot > 0 => name.split_at(dot),
            _ => (name, ""),
        };
        let mut path = format!("{dir}/{name}");
        let mut n = 2u32;
        while self.paths.contains(&path) {
            path = format!("{dir}/{stem}-{n}{ext}");
            n = n.saturating_add(1);
        }
        self.paths.insert(path.clone());
        self.files.push(ExportFile {
            host: host.map(str::to_owned),
            path,
            kind,
            contents: text.0,
        });
    }
}

/// A file being written.
#[derive(Default)]
struct Text(String);

impl Text {
    /// Appends one line.
    fn line(&mut self, line: impl AsRef<str>) {
        self.0.push_str(line.as_ref());
        self.0.push('\n');
    }

    /// Appends fixed lines as they are (`block` ends with a newline).
    fn block(&mut self, block: &str) {
        self.0.push_str(block);
    }

    /// The leading comment every file has: where it comes from, what it is, where it goes.
    fn header(&mut self, mark: &str, topology: &Topology, what: &str, install: &str) {
        let design = comment(&topology.name);
        self.line(format!(
            "{mark} Generated by Stacksim from the design \"{design}\"."
        ));
        self.line(format!("{mark} {}", comment(what)));
        self.line(format!("{mark} {install}"));
    }
}

// ---------------------------------------------------------------------------------------------
// Sanitising

/// Text for a comment: every control character (newlines included) and Unicode line or
/// paragraph separator becomes a space; at most 160 characters.
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
                ' '
            } else {
                c
            }
        })
        .take(160)
        .collect()
}

/// Text for an nftables quoted string or a single-quoted shell word: printable ASCII without
/// quotes, backslashes, backticks or `$`; at most `max` characters (bytes), trimmed.
fn quoted(text: &str, max: usize) -> String {
    let kept: String = text
        .chars()
        .map(|c| {
            let plain = c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '\\' | '`' | '$');
            if plain { c } else { ' ' }
        })
        .take(max)
        .collect();
    kept.trim().to_owned()
}

/// A configuration identifier: `[A-Za-z0-9._-]`, anything else becomes `_`; never empty, at
/// most 64 characters.
fn ident(text: &str) -> String {
    let id: String = text
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if id.is_empty() { "_".to_owned() } else { id }
}

/// A path component: an [`ident`] that does not start with a dot (so never `.` or `..`).
fn path_component(text: &str) -> String {
    let id = ident(text);
    if id.starts_with('.') {
        format!("_{id}")
    } else {
        id
    }
}

/// One DNS label: `[a-z0-9-]` (lower case), no leading or trailing hyphen, at most 63.
fn dns_label(text: &str) -> String {
    let label: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(63)
        .collect();
    label.trim_matches('-').to_owned()
}

/// A domain of at most 8 [`dns_label`]s; `example.com` when nothing usable is left.
fn domain(text: &str) -> String {
    let labels: Vec<String> = text
        .split('.')
        .map(dns_label)
        .filter(|label| !label.is_empty())
        .take(8)
        .collect();
    if labels.is_empty() {
        "example.com".to_owned()
    } else {
        labels.join(".")
    }
}

/// A relative owner name: `@`, or at most 8 [`dns_label`]s of which the first may be `*`;
/// `None` when nothing usable is left.
fn owner_name(text: &str) -> Option<String> {
    let text = text.trim();
    if text == "@" {
        return Some("@".to_owned());
    }
    let labels: Vec<String> = text
        .split('.')
        .enumerate()
        .map(|(i, raw)| {
            if i == 0 && raw == "*" {
                "*".to_owned()
            } else {
                dns_label(raw)
            }
        })
        .filter(|label| !label.is_empty())
        .take(8)
        .collect();
    (!labels.is_empty()).then(|| labels.join("."))
}

/// A URL path prefix for an nginx `location`: `[A-Za-z0-9._~/%-]`, anything else dropped, with
/// a leading `/`.
fn url_path(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '~' | '%'))
        .take(200)
        .collect();
    if kept.starts_with('/') {
        kept
    } else {
        format!("/{kept}")
    }
}

/// An absolute directory: `[A-Za-z0-9._/-]`, anything else dropped, with a leading `/` and no
/// trailing one; `None` when only `/` is left.
fn dir_path(text: &str) -> Option<String> {
    let kept: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
        .take(200)
        .collect();
    let trimmed = kept.trim_matches('/');
    (!trimmed.is_empty()).then(|| format!("/{trimmed}"))
}

/// `name`, or `name-2`, `name-3`… when it is taken; records the name returned.
fn unique(taken: &mut SortedSet<String>, name: String) -> String {
    let mut candidate = name.clone();
    let mut n = 2u32;
    while taken.contains(&candidate) {
        candidate = format!("{name}-{n}");
        n = n.saturating_add(1);
    }
    taken.insert(candidate.clone());
    candidate
}

// ---------------------------------------------------------------------------------------------
// Look-ups

/// The service with this id, with its node and host.
fn service_host<'a>(topology: &'a Topology, id: &str) -> Option<(&'a Node, &'a Host, &'a Service)> {
    topology.hosts().find_map(|(node, host)| {
        host.services
            .iter()
            .find(|service| service.id == id)
            .map(|service| (node, host, service))
    })
}

/// The port a service takes the requests of a link on; `None` for application files.
fn service_port(service: &Service) -> Option<u16> {
    match &service.kind {
        ServiceKind::LoadBalancer(lb) => Some(lb.http_port),
        ServiceKind::WebServer(web) => Some(web.listen),
        ServiceKind::AppServer(app) => Some(app.port),
        ServiceKind::Database(db) => Some(db.port),
        ServiceKind::AppFiles { .. } => None,
    }
}

/// The virtual IPs `host_id` is a VRRP member of, each with its 0-based index among the
/// design's virtual IPs.
fn vips_of<'a>(topology: &'a Topology, host_id: &str) -> Vec<(usize, &'a Node, &'a Vip)> {
    topology
        .nodes
        .iter()
        .filter_map(|node| match &node.kind {
            NodeKind::Vip(vip) => Some((node, vip)),
            _ => None,
        })
        .enumerate()
        .filter(|(_, (_, vip))| vip.members.iter().any(|m| m.host == host_id))
        .map(|(index, (node, vip))| (index, node, vip))
        .collect()
}

/// The file name of a certificate's files: its common name as a path component.
fn cert_name(certificate: &Certificate) -> String {
    path_component(&certificate.common_name)
}

// ---------------------------------------------------------------------------------------------
// HAProxy

const HAPROXY_DEFAULTS: &str = "
defaults
    mode http
    log global
    option httplog
    option dontlognull
    option forwardfor
";

fn haproxy_cfg(
    topology: &Topology,
    node: &Node,
    host: &Host,
    service: &Service,
    lb: &Haproxy,
) -> Text {
    let mut t = Text::default();
    let what = format!("HAProxy {} on host {} ({}).", service.id, node.id, host.ip);
    t.header("#", topology, &what, "Install as /etc/haproxy/haproxy.cfg.");
    t.block(
        "# Stacksim simplifies: health checks are TCP connects (`check` without
# `option httpchk`); TLS ends here and the servers are reached in plain HTTP.
",
    );
    let vips = vips_of(topology, &node.id);
    let addresses: Vec<Ipv4Addr> = if vips.is_empty() {
        vec![host.public_ip.unwrap_or(host.ip)]
    } else {
        t.block(
            "# This host is a VRRP member: HAProxy binds the virtual IP even while the peer
# holds it, which needs `sysctl -w net.ipv4.ip_nonlocal_bind=1` (persist it in
# /etc/sysctl.d/).
",
        );
        vips.iter().map(|(_, _, vip)| vip.ip).collect()
    };
    let tls = lb.certificate.as_ref();
    t.block(
        "
global
    log /dev/log local0
    chroot /var/lib/haproxy
    user haproxy
    group haproxy
",
    );
    if tls.is_some() {
        t.line("    ssl-default-bind-options ssl-min-ver TLSv1.2");
    }
    t.block(HAPROXY_DEFAULTS);
    if lb.redispatch {
        t.line("    option redispatch");
    }
    t.line(format!("    retries {}", lb.retries));
    t.block(
        "    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend www
",
    );
    for address in &addresses {
        if tls.is_none() || lb.http_port != HTTPS_PORT {
            t.line(format!("    bind {address}:{}", lb.http_port));
        }
        if let Some(certificate) = tls {
            let pem = format!("/etc/haproxy/certs/{}.pem", cert_name(certificate));
            t.line(format!("    bind {address}:{HTTPS_PORT} ssl crt {pem}"));
        }
    }
    if tls.is_some() {
        if lb.redirect_to_https {
            // HAProxy's default code is 302; the simulator answers 301, as this says.
            t.line("    http-request redirect scheme https code 301 unless { ssl_fc }");
        }
        t.line("    http-request set-header X-Forwarded-Proto https if { ssl_fc }");
        t.line("    http-request set-header X-Forwarded-Proto http unless { ssl_fc }");
    } else {
        t.line("    http-request set-header X-Forwarded-Proto http");
    }
    t.line("    default_backend servers");
    t.line("");
    t.line("backend servers");
    t.line(format!("    balance {}", lb.balance.keyword()));
    let check = lb.health_check;
    t.line(format!(
        "    default-server inter {} rise {} fall {}",
        check.inter_ms.max(1),
        check.rise.max(1),
        check.fall.max(1)
    ));
    let mut names = SortedSet::new();
    for link in topology.links_from(&service.id) {
        let Some((_, target_host, target)) = service_host(topology, &link.to) else {
            t.line(format!("    # skipped: no service {}", comment(&link.to)));
            continue;
        };
        let Some(port) = service_port(target) else {
            t.line(format!(
                "    # skipped: {} takes no requests",
                comment(&target.id)
            ));
            continue;
        };
        let name = unique(&mut names, ident(&target.id));
        let weight = link.weight.min(256);
        let mut server = format!(
            "    server {name} {}:{port} weight {weight}",
            target_host.ip
        );
        if link.check {
            server.push_str(" check");
        }
        if link.backup {
            server.push_str(" backup");
        }
        t.line(server);
    }
    t
}

// ---------------------------------------------------------------------------------------------
// keepalived

fn keepalived_conf(topology: &Topology, node: &Node, host: &Host) -> Option<Text> {
    let vips = vips_of(topology, &node.id);
    if vips.is_empty() {
        return None;
    }
    // The track script Stacksim simulates for this host: one owner, so the file and the
    // simulation say the same.
    let tracked = track_script(host);
    let mut t = Text::default();
    let what = format!("keepalived on host {} ({}).", node.id, host.ip);
    t.header(
        "#",
        topology,
        &what,
        "Install as /etc/keepalived/keepalived.conf.",
    );
    t.block(
        "# Stacksim simplifies: one network interface, eth0 here (put the host's own);
# VRRPv2 over IPv4, adverts sent unicast to the peers.
",
    );
    if let Some(script) = tracked {
        t.line(format!(
            "# Stacksim simulates {}: when HAProxy dies, the MASTER keeps the virtual IP",
            script.name
        ));
        t.line(format!(
            "# until the script has failed {} times in a row (one run every {} s), then",
            script.fall, script.interval_s
        ));
        t.line("# enters FAULT and sends a priority-0 advert: the backup takes over after its");
        t.line(format!(
            "# skew time. After {} successes it is BACKUP again and preempts when its",
            script.rise
        ));
        t.line("# Master_Down_Timer expires.");
    }
    t.line("");
    t.line("global_defs {");
    t.line(format!("    router_id {}", ident(&node.id)));
    t.block(
        "    enable_script_security
    script_user root
}
",
    );
    if let Some(script) = tracked {
        t.line("");
        t.line(format!("vrrp_script {} {{", script.name));
        t.line(format!("    script \"{}\"", script.script));
        t.line(format!("    interval {}", script.interval_s));
        t.line(format!("    fall {}", script.fall));
        t.line(format!("    rise {}", script.rise));
        t.line("}");
    }
    for (index, vip_node, vip) in vips {
        let Some(me) = vip.members.iter().find(|m| m.host == node.id) else {
            continue;
        };
        let top = vip.members.iter().map(|m| m.priority.max(1)).max();
        let first_top = vip
            .members
            .iter()
            .find(|m| Some(m.priority.max(1)) == top)
            .is_some_and(|m| m.host == node.id);
        let state = if vip.preempt && first_top {
            "MASTER"
        } else {
            "BACKUP"
        };
        let router_id = (usize::from(FIRST_VIRTUAL_ROUTER_ID) - 1 + index) % 255 + 1;
        t.line("");
        let (id, name) = (comment(&vip_node.id), comment(&vip_node.name));
        t.line(format!("# Virtual IP {id} ({name})."));
        t.line(format!("vrrp_instance VI_{} {{", ident(&vip_node.id)));
        if !vip.preempt {
            t.line("    # nopreempt: every member starts as BACKUP, as keepalived requires.");
        }
        t.line(format!("    state {state}"));
        t.line(format!("    interface {INTERFACE}"));
        t.line("    # Unique per VRRP group on the network segment.");
        t.line(format!("    virtual_router_id {router_id}"));
        t.line(format!("    priority {}", me.priority.max(1)));
        t.line(format!("    advert_int {}", vip.advert_int_s.max(1)));
        if !vip.preempt {
            t.line("    nopreempt");
        }
        let peers: Vec<Ipv4Addr> = vip
            .members
            .iter()
            .filter(|m| m.host != node.id)
            .filter_map(|m| match topology.node(&m.host).map(|n| &n.kind) {
                Some(NodeKind::Host(peer)) => Some(peer.ip),
                _ => None,
            })
            .collect();
        if !peers.is_empty() {
            t.line(format!("    unicast_src_ip {}", host.ip));
            t.line("    unicast_peer {");
            for peer in peers {
                t.line(format!("        {peer}"));
            }
            t.line("    }");
        }
        t.line("    virtual_ipaddress {");
        t.line(format!("        {}/32 dev {INTERFACE}", vip.ip));
        t.line("    }");
        if let Some(script) = tracked {
            t.line("    track_script {");
            t.line(format!("        {}", script.name));
            t.line("    }");
        }
        t.line("}");
    }
    Some(t)
}

// ---------------------------------------------------------------------------------------------
// Nginx

/// How Nginx hands dynamic requests to an application server.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Upstream {
    FastCgi,
    Http,
}

/// PHP-FPM (or any runtime naming FastCGI) speaks FastCGI; others HTTP.
fn upstream_kind(runtime: &str) -> Upstream {
    let runtime = runtime.to_ascii_lowercase();
    if runtime.contains("php") || runtime.contains("fpm") || runtime.contains("fastcgi") {
        Upstream::FastCgi
    } else {
        Upstream::Http
    }
}

/// An application server Nginx passes to.
struct App {
    address: Ipv4Addr,
    port: u16,
    kind: Upstream,
    /// The code's directory on the application host, if the design says.
    code: Option<String>,
}

const NGINX_MAIN: &str = "
user www-data;
worker_processes auto;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log;

events {
    worker_connections 1024;
}

http {
    types {
        text/html html htm;
        text/css css;
        text/plain txt;
        application/javascript js;
        application/json json;
        image/png png;
        image/jpeg jpg jpeg;
        image/svg+xml svg;
        image/x-icon ico;
        font/woff2 woff2;
    }
    default_type application/octet-stream;
    access_log /var/log/nginx/access.log;
    sendfile on;
    keepalive_timeout 65;

    # The scheme the visitor used, as the load balancer reports it.
    map $http_x_forwarded_proto $forwarded_proto {
        default $http_x_forwarded_proto;
        \"\" $scheme;
    }
    map $forwarded_proto $forwarded_https {
        https on;
        default \"\";
    }
";

/// Debian's `fastcgi_params`, inline, less `SCRIPT_FILENAME`, `SCRIPT_NAME` and `HTTPS`.
const FASTCGI_PARAMS: &str = "            fastcgi_param QUERY_STRING $query_string;
            fastcgi_param REQUEST_METHOD $request_method;
            fastcgi_param CONTENT_TYPE $content_type;
            fastcgi_param CONTENT_LENGTH $content_length;
            fastcgi_param REQUEST_URI $request_uri;
            fastcgi_param DOCUMENT_URI $document_uri;
            fastcgi_param DOCUMENT_ROOT $document_root;
            fastcgi_param SERVER_PROTOCOL $server_protocol;
            fastcgi_param REQUEST_SCHEME $forwarded_proto;
            fastcgi_param GATEWAY_INTERFACE CGI/1.1;
            fastcgi_param SERVER_SOFTWARE nginx/$nginx_version;
            fastcgi_param REMOTE_ADDR $remote_addr;
            fastcgi_param REMOTE_PORT $remote_port;
            fastcgi_param SERVER_ADDR $server_addr;
            fastcgi_param SERVER_PORT $server_port;
            fastcgi_param SERVER_NAME $server_name;
            fastcgi_param REDIRECT_STATUS 200;
            fastcgi_param HTTPS $forwarded_https if_not_empty;
";

const PROXY_HEADERS: &str = "            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $forwarded_proto;
";

/// The names the zone gives the site: every A record's full name (wildcards left out), or
/// the apex; `_` without a zone.
fn server_names(topology: &Topology) -> String {
    let Some((_, zone)) = topology.dns() else {
        return "_".to_owned();
    };
    let origin = domain(&zone.domain);
    let mut names = SortedSet::new();
    for record in &zone.records {
        match owner_name(&record.name) {
            Some(name) if name == "@" => {
                names.insert(origin.clone());
            }
            Some(name) if !name.starts_with('*') => {
                names.insert(format!("{name}.{origin}"));
            }
            _ => {}
        }
    }
    if names.is_empty() {
        names.insert(origin);
    }
    names.into_iter().collect::<Vec<_>>().join(" ")
}

/// The application servers `service` links to, all of the first one's protocol, and the ids
/// of those left out for speaking another.
fn apps_of(topology: &Topology, node: &Node, service: &Service) -> (Vec<App>, Vec<String>) {
    let mut apps: Vec<App> = Vec::new();
    let mut skipped = Vec::new();
    for link in topology.links_from(&service.id) {
        let Some((app_node, app_host, app_service)) = service_host(topology, &link.to) else {
            continue;
        };
        let ServiceKind::AppServer(app) = &app_service.kind else {
            continue;
        };
        let kind = upstream_kind(&app.runtime);
        if apps.first().is_some_and(|first| first.kind != kind) {
            skipped.push(app_service.id.clone());
            continue;
        }
        let address = if app_node.id == node.id {
            Ipv4Addr::LOCALHOST
        } else {
            app_host.ip
        };
        let code = code_path(app_host);
        apps.push(App {
            address,
            port: app.port,
            kind,
            code,
        });
    }
    (apps, skipped)
}

/// The application's files as Nginx sees them: the code on this host, else the code of the
/// application server it passes to (the same release, deployed on both), else
/// `/var/www/<domain>`. Static files and `SCRIPT_FILENAME` then name the same directory.
fn web_root(topology: &Topology, host: &Host, apps: &[App]) -> String {
    code_path(host)
        .or_else(|| apps.iter().find_map(|app| app.code.clone()))
        .unwrap_or_else(|| {
            let site = topology.dns().map(|(_, zone)| domain(&zone.domain));
            format!("/var/www/{}", site.as_deref().unwrap_or("html"))
        })
}

/// The directory of the application files on `host`, if it has any.
fn code_path(host: &Host) -> Option<String> {
    host.services.iter().find_map(|s| match &s.kind {
        ServiceKind::AppFiles { path } => dir_path(path),
        _ => None,
    })
}

fn nginx_conf(
    topology: &Topology,
    node: &Node,
    host: &Host,
    service: &Service,
    web: &Nginx,
) -> Text {
    let mut t = Text::default();
    let what = format!("Nginx {} on host {} ({}).", service.id, node.id, host.ip);
    t.header("#", topology, &what, "Install as /etc/nginx/nginx.conf.");
    t.block(
        "# Stacksim simplifies: the static paths are served from disk, everything else is
# one dynamic location passed to the application server (one front controller);
# MIME types and fastcgi_params are inline, so this file needs no other.
",
    );
    let (apps, skipped) = apps_of(topology, node, service);
    let root = web_root(topology, host, &apps);
    // Every address once, in ascending order: a sorted list, as a set of addresses put its own
    // code into the WebAssembly.
    let mut balancers: Vec<Ipv4Addr> = topology
        .links
        .iter()
        .filter(|link| link.to == service.id)
        .filter_map(|link| service_host(topology, &link.from))
        .filter(|(_, _, s)| matches!(s.kind, ServiceKind::LoadBalancer(_)))
        .map(|(_, h, _)| h.ip)
        .collect();
    crate::sort::sort_unique(&mut balancers);

    t.block(NGINX_MAIN);
    if !balancers.is_empty() {
        t.line("");
        t.line("    # The visitor's address, from the load balancers' X-Forwarded-For.");
        for ip in &balancers {
            t.line(format!("    set_real_ip_from {ip};"));
        }
        t.line("    real_ip_header X-Forwarded-For;");
    }
    if apps.len() > 1 {
        t.line("");
        t.line("    # The first application server takes every request; the others are backups,");
        t.line("    # used only while it is unavailable (as Stacksim routes them).");
        t.line("    upstream app {");
        for (n, app) in apps.iter().enumerate() {
            let backup = if n > 0 { " backup" } else { "" };
            t.line(format!(
                "        server {}:{}{backup};",
                app.address, app.port
            ));
        }
        t.line("    }");
    }
    t.line("");
    t.line("    server {");
    let tls = web.certificate.as_ref();
    if tls.is_none() || web.listen != HTTPS_PORT {
        t.line(format!("        listen {};", web.listen));
    }
    if let Some(certificate) = tls {
        let cn = cert_name(certificate);
        t.line(format!("        listen {HTTPS_PORT} ssl;"));
        t.line(format!("        ssl_certificate /etc/ssl/certs/{cn}.crt;"));
        t.line(format!(
            "        ssl_certificate_key /etc/ssl/private/{cn}.key;"
        ));
    }
    t.line(format!("        server_name {};", server_names(topology)));
    t.line(format!("        root {root};"));
    let mut locations = SortedSet::new();
    for path in &web.static_paths {
        let location = url_path(path);
        if locations.insert(location.clone()) {
            t.line("");
            t.line(format!("        location {location} {{"));
            t.line("            try_files $uri =404;");
            t.line("        }");
        }
    }
    if !locations.contains("/") {
        t.line("");
        t.line("        location / {");
        for id in &skipped {
            t.line(format!(
                "            # left out {}: another protocol",
                comment(id)
            ));
        }
        let target = match apps.as_slice() {
            [] => None,
            [app] => Some((format!("{}:{}", app.address, app.port), app)),
            [app, ..] => Some(("app".to_owned(), app)),
        };
        match target {
            None => {
                t.line("            # No application server is linked: files only.");
                t.line("            try_files $uri $uri/ =404;");
            }
            Some((target, app)) if app.kind == Upstream::FastCgi => {
                let code = app.code.as_deref().unwrap_or(&root);
                t.line(format!("            fastcgi_pass {target};"));
                t.line(format!(
                    "            fastcgi_param SCRIPT_FILENAME {code}/index.php;"
                ));
                t.line("            fastcgi_param SCRIPT_NAME /index.php;");
                t.block(FASTCGI_PARAMS);
            }
            Some((target, _)) => {
                t.line(format!("            proxy_pass http://{target};"));
                t.block(PROXY_HEADERS);
            }
        }
        t.line("        }");
    }
    t.line("    }");
    t.line("}");
    t
}

// ---------------------------------------------------------------------------------------------
// PHP-FPM

/// The PHP-FPM pool of application server `service`: a TCP listener on its port, for the web
/// servers whose links lead to it (`listen.allowed_clients`), with the design's workers.
///
/// Nginx on the same host connects to 127.0.0.1 (see [`apps_of`]) and the others to the
/// host's address, so the pool listens on loopback when every client is local, on the host's
/// address when every client is remote, and on every address when both.
fn php_fpm_pool(
    topology: &Topology,
    node: &Node,
    host: &Host,
    service: &Service,
    app: &AppServer,
    pools: &mut SortedSet<String>,
) -> Text {
    let mut t = Text::default();
    let pool = {
        let name = ident(&service.id);
        // `[global]` is php-fpm's own section, never a pool.
        let name = if name.eq_ignore_ascii_case("global") {
            format!("{name}-pool")
        } else {
            name
        };
        unique(pools, name)
    };
    let what = format!(
        "PHP-FPM {} on host {} ({}): its pool.",
        service.id, node.id, host.ip
    );
    let install = format!(
        "Install as /etc/php/8.2/fpm/pool.d/{pool}.conf (Debian 12, php8.2-fpm); remove www.conf."
    );
    t.header(";", topology, &what, &install);
    t.block(
        "; Stacksim simplifies: a static pool of the design's workers (each serves one
; request at a time and waits for MySQL); only the web servers linked to it may
; connect; the application is one front controller, index.php.
",
    );
    let mut local = false;
    let mut remote: Vec<(String, Ipv4Addr)> = Vec::new();
    for link in topology.links.iter().filter(|link| link.to == service.id) {
        let Some((client_node, client_host, _)) = service_host(topology, &link.from) else {
            continue;
        };
        if client_node.id == node.id {
            local = true;
        } else if !remote.iter().any(|(_, ip)| *ip == client_host.ip) {
            remote.push((client_node.id.clone(), client_host.ip));
        }
    }
    let port = app.port;
    let (listen, clients_text) = match (local, remote.is_empty()) {
        (_, true) => (format!("127.0.0.1:{port}"), None),
        (false, false) => (format!("{}:{port}", host.ip), None),
        (true, false) => (port.to_string(), Some("127.0.0.1".to_owned())),
    };
    let mut allowed: Vec<String> = clients_text.into_iter().collect();
    allowed.extend(remote.iter().map(|(_, ip)| ip.to_string()));
    t.line("");
    t.line(format!("[{pool}]"));
    t.line("user = www-data");
    t.line("group = www-data");
    if local {
        t.line("; Nginx on this host connects over loopback.");
    }
    if remote.is_empty() && !local {
        t.line("; No web server is linked to it: it listens on loopback only.");
    }
    if !remote.is_empty() {
        let names: Vec<String> = remote
            .iter()
            .map(|(id, ip)| format!("{} ({ip})", comment(id)))
            .collect();
        t.line(format!(
            "; The web servers that pass it requests: {}.",
            names.join(", ")
        ));
    }
    t.line(format!("listen = {listen}"));
    if allowed.is_empty() {
        t.line("listen.allowed_clients = 127.0.0.1");
    } else {
        t.line(format!("listen.allowed_clients = {}", allowed.join(",")));
    }
    t.line("; The design's workers: requests served at once.");
    t.line("pm = static");
    t.line(format!("pm.max_children = {}", app.workers.max(1)));
    if let Some(code) = code_path(host) {
        t.line(format!("chdir = {code}"));
    }
    t
}

// ---------------------------------------------------------------------------------------------
// Firewalls

/// ICMP that ufw's `before.rules` and `before6.rules` accept.
const NFT_ICMP: &str =
    "        ip protocol icmp icmp type { destination-unreachable, time-exceeded, \
parameter-problem, echo-request } accept
        ip6 nexthdr icmpv6 icmpv6 type { destination-unreachable, packet-too-big, \
time-exceeded, parameter-problem, echo-request, nd-router-advert, nd-neighbor-solicit, \
nd-neighbor-advert } accept
";

const NFT_OTHER_CHAINS: &str = "    }

    chain forward {
        type filter hook forward priority filter; policy drop;
    }

    chain output {
        type filter hook output priority filter; policy accept;
    }
}
";

/// One design rule as an nftables rule.
fn nft_rule(rule: &Rule) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !rule.from.is_any() {
        parts.push(format!("ip saddr {}", rule.from));
    }
    match (rule.proto, rule.port) {
        (Proto::Tcp, Some(port)) => parts.push(format!("tcp dport {port}")),
        (Proto::Udp, Some(port)) => parts.push(format!("udp dport {port}")),
        (Proto::Any, Some(port)) => {
            parts.push(format!("meta l4proto {{ tcp, udp }} th dport {port}"))
        }
        (Proto::Tcp, None) => parts.push("meta l4proto tcp".to_owned()),
        (Proto::Udp, None) => parts.push("meta l4proto udp".to_owned()),
        (Proto::Any, None) => {}
    }
    let verdict = match (rule.action, rule.proto) {
        (Verdict::Allow, _) => "accept",
        (Verdict::Deny, _) => "drop",
        (Verdict::Reject, Proto::Tcp) => "reject with tcp reset",
        (Verdict::Reject, _) => "reject",
    };
    parts.push(verdict.to_owned());
    let note = quoted(&rule.comment, 120);
    if !note.is_empty() {
        parts.push(format!("comment \"{note}\""));
    }
    parts.join(" ")
}

fn nftables_conf(topology: &Topology, node: &Node, host: &Host, firewall: &Firewall) -> Text {
    let mut t = Text::default();
    t.line("#!/usr/sbin/nft -f");
    let what = format!("Host firewall of {} ({}), as nftables.", node.id, host.ip);
    t.header("#", topology, &what, "Install as /etc/nftables.conf.");
    t.block(
        "# The same decisions as ufw: loopback, established and related first, invalid
# dropped, ICMP as ufw's before.rules, then the design's rules top to bottom
# (first match wins), then the default policy; outgoing allowed, routed dropped.
# Stacksim simplifies: it models incoming IPv4 TCP and UDP only.

flush ruleset

table inet filter {
    chain input {
",
    );
    let policy = match firewall.default_incoming {
        Verdict::Allow => "accept",
        Verdict::Deny | Verdict::Reject => "drop",
    };
    t.line(format!(
        "        type filter hook input priority filter; policy {policy};"
    ));
    t.block(
        "        iif lo accept
        ct state established,related accept
        ct state invalid drop
",
    );
    t.block(NFT_ICMP);
    for (n, rule) in firewall.rules.iter().enumerate() {
        t.line(format!(
            "        # rule {}: {}",
            n + 1,
            comment(&rule.to_string())
        ));
        t.line(format!("        {}", nft_rule(rule)));
    }
    if firewall.default_incoming == Verdict::Reject {
        t.block(
            "        # default: reject
        meta l4proto tcp reject with tcp reset
        reject
",
        );
    }
    t.block(NFT_OTHER_CHAINS);
    t
}

fn ufw_verb(action: Verdict) -> &'static str {
    match action {
        Verdict::Allow => "allow",
        Verdict::Deny => "deny",
        Verdict::Reject => "reject",
    }
}

/// One design rule as a `ufw` command.
fn ufw_rule(rule: &Rule) -> String {
    let proto = match rule.proto {
        Proto::Tcp => " proto tcp",
        Proto::Udp => " proto udp",
        Proto::Any => "",
    };
    let mut command = format!(
        "ufw {}{proto} from {} to any",
        ufw_verb(rule.action),
        rule.from
    );
    if let Some(port) = rule.port {
        command.push_str(&format!(" port {port}"));
    }
    let note = quoted(&rule.comment, 120);
    if !note.is_empty() {
        command.push_str(&format!(" comment '{note}'"));
    }
    command
}

fn ufw_script(topology: &Topology, node: &Node, host: &Host, firewall: &Firewall) -> Text {
    let mut t = Text::default();
    t.line("#!/bin/sh");
    let what = format!(
        "Host firewall of {} ({}), as ufw commands.",
        node.id, host.ip
    );
    t.header("#", topology, &what, "Run once as root: sh ufw.sh");
    t.block(
        "# Equivalent to nftables.conf beside it. `ufw --force reset` removes the rules
# already there, so the order below is the order ufw evaluates.
# Stacksim simplifies: it models incoming IPv4 TCP and UDP only (no `limit`).
set -e

ufw --force reset
",
    );
    let default = ufw_verb(firewall.default_incoming);
    t.line(format!("ufw default {default} incoming"));
    t.line("ufw default allow outgoing");
    t.line("ufw default deny routed");
    for rule in &firewall.rules {
        t.line(ufw_rule(rule));
    }
    t.line("ufw --force enable");
    t
}

// ---------------------------------------------------------------------------------------------
// DNS

/// RFC 2181 §8: a TTL is at most 2³¹ − 1 seconds.
const MAX_TTL: u32 = 0x7fff_ffff;

/// The address written for `ns1` when the design has no `ns1` record: 192.0.2.53, from
/// TEST-NET-1 (RFC 5737, for documentation). The design holds no name server: its DNS zone
/// node stands for the zone's authoritative servers, which are somewhere else (a DNS
/// provider, the registrar). Pointing `ns1` at a host of the design would send DNS queries
/// (UDP and TCP 53) to a machine that runs no name server and whose firewall drops them.
pub const NS1_PLACEHOLDER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 53);

fn zone_file(topology: &Topology, node: &Node, zone: &DnsZone, origin: &str) -> Text {
    let mut t = Text::default();
    let what = format!("The DNS zone {origin} ({}).", node.id);
    let install = format!("Install as /etc/bind/db.{origin}.");
    t.header(";", topology, &what, &install);
    t.block(
        "; Stacksim simplifies: one name server (ns1), A records only, serial 1 (bump it
; on every change); the SOA timers are common values, not from the design.
",
    );
    let records: Vec<(String, &DnsRecord)> = zone
        .records
        .iter()
        .filter_map(|record| owner_name(&record.name).map(|name| (name, record)))
        .collect();
    t.line("");
    t.line(format!("$ORIGIN {origin}."));
    t.line("$TTL 3600");
    t.line(format!("@ IN SOA ns1.{origin}. hostmaster.{origin}. ("));
    t.block(
        "    1        ; serial
    3600     ; refresh
    600      ; retry
    1209600  ; expire
    300 )    ; minimum (negative caching)
",
    );
    t.line(format!("@ IN NS ns1.{origin}."));
    if !records.iter().any(|(name, _)| name == "ns1") {
        t.block(
            "; The name server is not part of the design: the DNS zone node stands for the
; zone's authoritative servers, run elsewhere (a DNS provider, the registrar), not
; by any host here (none runs a name server or admits port 53). Put your name
; server's address here, or your provider's names in the NS record; 192.0.2.53 is
; a documentation address (RFC 5737).
",
        );
        t.line(format!("ns1 IN A {NS1_PLACEHOLDER}"));
    }
    for (name, record) in &records {
        let ttl = record.ttl.min(MAX_TTL);
        t.line(format!("{name} {ttl} IN A {}", record.address));
    }
    let left_out = zone.records.len() - records.len();
    if left_out > 0 {
        t.line(format!(
            "; {left_out} record(s) without a usable name left out"
        ));
    }
    t
}

// ---------------------------------------------------------------------------------------------
// MySQL

fn mysql_cnf(topology: &Topology, node: &Node, host: &Host, service: &Service, db: &Mysql) -> Text {
    let mut t = Text::default();
    let what = format!("MySQL {} on host {} ({}).", service.id, node.id, host.ip);
    let install = "Install as /etc/mysql/mysql.conf.d/stacksim.cnf (MySQL 8.0.23 or later).";
    t.header("#", topology, &what, install);
    t.block(
        "# Stacksim simplifies: asynchronous replication with a fixed lag per replica;
# the `repl` user's password is yours to choose.
",
    );
    let replicas: Vec<(&Node, &Host)> = topology
        .hosts()
        .flat_map(|(n, h)| h.services.iter().map(move |s| (n, h, s)))
        .filter(|(_, _, s)| match &s.kind {
            ServiceKind::Database(Mysql {
                role: DbRole::Replica { source, .. },
                ..
            }) => *source == service.id,
            _ => false,
        })
        .map(|(n, h, _)| (n, h))
        .collect();
    let remote_clients = topology
        .links
        .iter()
        .filter(|link| link.to == service.id)
        .filter_map(|link| service_host(topology, &link.from))
        .map(|(n, _, _)| n)
        .chain(replicas.iter().map(|(n, _)| *n))
        .any(|client| client.id != node.id);
    let bind = if remote_clients {
        host.ip
    } else {
        t.line("# Every client runs on this host, so MySQL listens on loopback only.");
        Ipv4Addr::LOCALHOST
    };
    t.line("");
    t.line("[mysqld]");
    t.line(format!("server-id = {}", db.server_id.max(1)));
    t.line(format!("bind-address = {bind}"));
    t.line(format!("port = {}", db.port));
    t.block(
        "log_bin = mysql-bin
binlog_format = ROW
gtid_mode = ON
enforce_gtid_consistency = ON
",
    );
    match &db.role {
        DbRole::Primary if !replicas.is_empty() => {
            t.line("");
            t.line("# Run once on this primary, for its replicas:");
            for (replica_node, replica_host) in &replicas {
                let ip = replica_host.ip;
                t.line(format!("#   -- {}", comment(&replica_node.id)));
                t.line(format!(
                    "#   CREATE USER 'repl'@'{ip}' IDENTIFIED BY '<password>';"
                ));
                t.line(format!(
                    "#   GRANT REPLICATION SLAVE ON *.* TO 'repl'@'{ip}';"
                ));
            }
        }
        DbRole::Primary => {}
        DbRole::Replica {
            source,
            lag_ms,
            lag_jitter_ms,
        } => {
            t.block(
                "read_only = ON
super_read_only = ON
relay_log = relay-bin

",
            );
            t.line(format!(
                "# Stacksim models this replica {lag_ms} ms (+/- {lag_jitter_ms} ms) behind."
            ));
            match service_host(topology, source) {
                Some((_, source_host, source_service)) => {
                    let ip = source_host.ip;
                    let port = service_port(source_service).unwrap_or(3306);
                    t.line("# Run once on this replica:");
                    t.line(format!(
                        "#   CHANGE REPLICATION SOURCE TO SOURCE_HOST='{ip}', SOURCE_PORT={port},"
                    ));
                    t.block(
                        "#     SOURCE_USER='repl', SOURCE_PASSWORD='<password>',
#     SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1;
#   START REPLICA;
",
                    );
                }
                None => t.line(format!(
                    "# Its source {} is not in the design.",
                    comment(source)
                )),
            }
        }
    }
    t
}
