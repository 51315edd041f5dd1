//! DNS resolution (domain rules B6): a caching recursive resolver that walks root → TLD →
//! authoritative on a miss, caches answers for their TTL and referrals for theirs, and says for
//! every hop what it cost and why.
//!
//! This module owns the resolver's caches and the timing of a lookup. The zone and its records
//! belong to the design model ([`DnsZone`], [`DnsRecord`](super::topology::DnsRecord)); the
//! caller passes the zone as it is *now*, so an edited record reaches clients only once the
//! cached answer expires (B6.4).
//!
//! An answer is cached when it **arrives**, not when the question leaves (B6.6): a query for a
//! name whose lookup is still in flight joins that lookup, as Unbound and BIND do, and gets the
//! answer at the same moment as the query that started it, never earlier. Once the answer has
//! arrived, queries are cache hits until `query time + TTL` of the lookup that fetched it.
//!
//! A name with several A records (an RRset) is answered with all of them, and the resolver hands
//! them out **in turn**: each answer starts with the next address, so successive visitors start
//! with different ones. Unbound does this by default (`rrset-roundrobin: yes`, rotating by the
//! query id) and BIND's authoritative servers shuffle the set (`rrset-order` random); the browser
//! connects to the first address of its answer. Simplified: the rotation is a strict turn, not
//! pseudo-random, so two addresses split visitors exactly 50/50.
//!
//! Simplifications: only A records; the design's zone is the only domain that exists (a name
//! outside it is answered NXDOMAIN by the resolver without going upstream); NXDOMAIN answers are
//! not cached (the model has no SOA record for RFC 2308 negative caching); no lost or truncated
//! packets (B6.5); queries are compared at the client (a query joins a lookup if a cache hit
//! would reach the client before that lookup's answer does, which is the same as reaching the
//! resolver before the answer does); NXDOMAIN lookups are not joined; a referral is used by queries
//! that reach the resolver after it arrived there (a query for another name that comes earlier
//! asks upstream again, where a real resolver would wait for the referral in flight: slower,
//! but never faster than the first lookup); a multi-label suffix such as `co.uk` is treated as if `uk` delegated the
//! domain directly.

use std::net::Ipv4Addr;

use super::by_id::ById;
use super::time::{SimDuration, SimTime};
use super::topology::{DnsRecord, DnsZone};

/// How long the resolver keeps the root's referral to a TLD's name servers: 2 days, the TTL of
/// TLD NS records in the root zone (B6.3).
pub const TLD_REFERRAL_TTL: SimDuration = SimDuration::from_secs(2 * 86_400);

/// How long the resolver keeps a TLD's referral to a domain's name servers: 1 day. [est] Domain
/// owners commonly give their NS records 86,400 s (the `.com` servers hand out 172,800 s, but
/// resolvers prefer the zone's own, usually shorter, NS set).
pub const DOMAIN_REFERRAL_TTL: SimDuration = SimDuration::from_secs(86_400);

/// Round-trip times of the resolver's conversations, one per kind of server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DnsLatency {
    /// Client (stub resolver) ↔ recursive resolver; paid by every lookup, hit or miss.
    pub client_resolver: SimDuration,
    /// Resolver ↔ a root server.
    pub root: SimDuration,
    /// Resolver ↔ a TLD server.
    pub tld: SimDuration,
    /// Resolver ↔ the domain's authoritative server.
    pub authoritative: SimDuration,
}

impl Default for DnsLatency {
    /// [est] Values inside the ranges of the domain rules' latency table: client ↔ resolver
    /// 2 ms (cached answers take 1–5 ms), root 20 ms (5–30), TLD 30 ms (10–50) and authoritative
    /// 50 ms (10–100). Together a full miss takes 102 ms (table: 100–400 ms) and a miss with
    /// the referrals cached 52 ms (table: 30–80 ms).
    fn default() -> DnsLatency {
        DnsLatency {
            client_resolver: SimDuration::from_millis(2),
            root: SimDuration::from_millis(20),
            tld: SimDuration::from_millis(30),
            authoritative: SimDuration::from_millis(50),
        }
    }
}

/// A recursive resolver with an answer cache and a referral cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolver {
    /// Round-trip times used for every lookup.
    pub latency: DnsLatency,
    /// How long a root referral to a TLD is kept; [`TLD_REFERRAL_TTL`] by default.
    pub tld_referral_ttl: SimDuration,
    /// How long a TLD referral to a domain is kept; [`DOMAIN_REFERRAL_TTL`] by default.
    pub domain_referral_ttl: SimDuration,
    /// Lower-case name → cached A records.
    answers: ById<CachedAnswer>,
    /// Answers handed out so far: the rotation of an RRset (see [`Resolver::take_turn`]).
    turns: u64,
    /// TLD (`com`) → the root's referral to its name servers.
    tld_referrals: ById<Referral>,
    /// Domain (`foobar.com`) → the TLD's referral to its name servers.
    domain_referrals: ById<Referral>,
}

/// A cached referral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Referral {
    /// The earliest query time that finds it in the cache: the query that fetched it, plus the
    /// upstream round trips until it arrived (the client ↔ resolver leg is the same for both).
    from: SimTime,
    /// When it expires: the fetching query's time plus the referral TTL.
    expires: SimTime,
}

/// An answer in the cache, or on its way there.
#[derive(Clone, Debug, PartialEq, Eq)]
struct CachedAnswer {
    /// The RRset in the zone's order.
    addresses: Vec<Ipv4Addr>,
    /// When the lookup that fetched it ends at the client: until then it is in flight, and
    /// queries for the name wait for it.
    arrives: SimTime,
    /// When it stops being served from the cache (the lookup's query time + TTL). For TTL 0
    /// it is the query time: the answer is shared by queries that joined the lookup only.
    expires: SimTime,
}

/// Which conversation a [`DnsHop`] was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DnsHopKind {
    /// The resolver answered from its cache.
    ResolverCacheHit,
    /// The resolver had no fresh answer (or refused the name) and, for names in the zone, asked
    /// upstream.
    ResolverCacheMiss,
    /// The resolver was already looking the name up for an earlier query and answered this one
    /// when that answer arrived (B6.6).
    ResolverInFlight,
    /// A root server referred the resolver to the TLD's name servers.
    Root,
    /// A TLD server referred the resolver to the domain's name servers.
    Tld,
    /// The domain's authoritative server gave the answer (or NXDOMAIN).
    Authoritative,
}

/// One conversation of a lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsHop {
    /// Which conversation this was.
    pub kind: DnsHopKind,
    /// Who answered: "resolver", "root", ".com TLD" or "ns1.foobar.com".
    pub server: String,
    /// Its round-trip time.
    pub took: SimDuration,
    /// What it said, e.g. "referral to .com name servers" or "www.foobar.com A 8.8.8.8, TTL 300 s".
    pub detail: String,
}

/// The outcome of one lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    /// The address the browser connects to: the first of [`Resolution::addresses`]; `None` is
    /// NXDOMAIN (the hops' details say why).
    pub address: Option<Ipv4Addr>,
    /// Every A record of the name, in the order of this answer (rotated in turn, see the module
    /// documentation); empty for NXDOMAIN.
    pub addresses: Vec<Ipv4Addr>,
    /// The same RRset in the zone's order, as the cache keeps it (see [`Resolver::next_of`]).
    pub rrset: Vec<Ipv4Addr>,
    /// Whether the answer came from the resolver's cache (not for a query that waited for a
    /// lookup in flight).
    pub cached: bool,
    /// How long the client may keep the answer: the time left on a cached answer, the record's
    /// full TTL on a fresh one (zero for TTL 0); `None` for NXDOMAIN.
    pub ttl_left: Option<SimDuration>,
    /// The conversations, in order: the client ↔ resolver round trip first (it wraps the
    /// upstream ones), then root, TLD and authoritative where they were needed. A query that
    /// joined a lookup in flight has one hop, the wait for that lookup's answer.
    pub hops: Vec<DnsHop>,
    /// What the lookup cost the client: the sum of the hops' round trips.
    pub latency: SimDuration,
}

impl Default for Resolver {
    fn default() -> Resolver {
        Resolver::new(DnsLatency::default())
    }
}

impl Resolver {
    /// An empty resolver (cold caches) with these round-trip times and the default referral TTLs.
    pub fn new(latency: DnsLatency) -> Resolver {
        Resolver {
            latency,
            tld_referral_ttl: TLD_REFERRAL_TTL,
            domain_referral_ttl: DOMAIN_REFERRAL_TTL,
            answers: ById::default(),
            turns: 0,
            tld_referrals: ById::default(),
            domain_referrals: ById::default(),
        }
    }

    /// Resolves `fqdn` (e.g. "www.foobar.com") against the zone as it is *now*; cached answers
    /// are served until they expire even if the zone changed (B6.4).
    ///
    /// Names are case-insensitive and may end with a dot. While a lookup of the name is in
    /// flight (its answer reaches the client later than a cache hit made now would), the query
    /// waits for it and gets its answer at the same time (B6.6). After that, a cached answer is
    /// fresh while `now < query time of the lookup + TTL`; a record with TTL 0 is never cached
    /// (RFC 1035 §3.2.1). Calls are expected in time order.
    pub fn resolve(&mut self, zone: &DnsZone, fqdn: &str, now: SimTime) -> Resolution {
        let name = normalize(fqdn);
        let client_resolver = self.latency.client_resolver;
        if !is_valid_name(&name) {
            let detail = format!("'{fqdn}' is not a valid domain name");
            return nxdomain(vec![resolver_hop(false, client_resolver, detail)]);
        }
        if let Some(answer) = self.answers.get(&name)
            && now + client_resolver < answer.arrives
        {
            let took = answer.arrives - now;
            let detail = format!(
                "waiting for the lookup of {name} already in flight (answer at {})",
                answer.arrives - SimTime::ZERO
            );
            let expires = answer.expires;
            let (addresses, rrset) = self.rotated(&name);
            return Resolution {
                address: addresses.first().copied(),
                addresses,
                rrset,
                cached: false,
                ttl_left: Some(expires - now),
                hops: vec![DnsHop {
                    kind: DnsHopKind::ResolverInFlight,
                    server: "resolver".to_owned(),
                    took,
                    detail,
                }],
                latency: took,
            };
        }
        if let Some(answer) = self.answers.get(&name)
            && now < answer.expires
        {
            let ttl_left = answer.expires - now;
            let (addresses, rrset) = self.rotated(&name);
            let detail = format!(
                "cache hit: {name} A {} (ttl {ttl_left} left)",
                list(&addresses)
            );
            return Resolution {
                address: addresses.first().copied(),
                addresses,
                rrset,
                cached: true,
                ttl_left: Some(ttl_left),
                hops: vec![resolver_hop(true, client_resolver, detail)],
                latency: client_resolver,
            };
        }
        self.answers.remove(&name);

        let domain = normalize(&zone.domain);
        let Some(relative) = relative_name(&name, &domain) else {
            let detail = format!(
                "cache miss for {name}; it is outside {domain}, the only zone in this design: \
                 NXDOMAIN"
            );
            return nxdomain(vec![resolver_hop(false, client_resolver, detail)]);
        };
        let mut hops = vec![resolver_hop(
            false,
            client_resolver,
            format!("cache miss for {name}"),
        )];
        let tld = domain.rsplit('.').next().unwrap_or_default();
        if !is_fresh(&self.domain_referrals, &domain, now) {
            let mut upstream = SimDuration::ZERO;
            if !is_fresh(&self.tld_referrals, tld, now) {
                hops.push(DnsHop {
                    kind: DnsHopKind::Root,
                    server: "root".to_owned(),
                    took: self.latency.root,
                    detail: format!("referral to .{tld} name servers"),
                });
                upstream += self.latency.root;
                let expires = now + self.tld_referral_ttl;
                remember(&mut self.tld_referrals, tld, now + upstream, expires, now);
            }
            hops.push(DnsHop {
                kind: DnsHopKind::Tld,
                server: format!(".{tld} TLD"),
                took: self.latency.tld,
                detail: format!("referral to {domain} name servers"),
            });
            upstream += self.latency.tld;
            let expires = now + self.domain_referral_ttl;
            remember(
                &mut self.domain_referrals,
                &domain,
                now + upstream,
                expires,
                now,
            );
        }

        let rrset = find_rrset(zone, relative);
        let authoritative = |detail: String| DnsHop {
            kind: DnsHopKind::Authoritative,
            server: format!("ns1.{domain}"),
            took: self.latency.authoritative,
            detail,
        };
        let Some(record) = rrset.iter().min_by_key(|record| record.ttl) else {
            hops.push(authoritative(format!(
                "NXDOMAIN: {domain} has no record named {relative}"
            )));
            return nxdomain(hops);
        };
        // RFC 2181 §5.2: the records of one RRset share a TTL; where they differ, the lowest.
        let ttl_s = record.ttl;
        let ttl = SimDuration::from_secs(u64::from(ttl_s));
        let zone_order: Vec<Ipv4Addr> = rrset.iter().map(|record| record.address).collect();
        let all = list(&zone_order);
        if ttl_s == 0 {
            hops.push(authoritative(format!(
                "{name} A {all}, TTL 0 s (not cached)"
            )));
        } else {
            hops.push(authoritative(format!("{name} A {all}, TTL {ttl_s} s")));
        }
        let latency = total(&hops);
        // In flight until it arrives, then cached until now + TTL (for TTL 0, never).
        let answer = CachedAnswer {
            addresses: zone_order,
            arrives: now + latency,
            expires: now + ttl,
        };
        self.answers.insert(name.clone(), answer);
        let (addresses, rrset) = self.rotated(&name);
        if addresses.len() > 1 {
            let last = hops.len() - 1;
            hops[last].detail.push_str(&format!(
                "; the resolver hands the addresses out in turn, this answer starts with {}",
                addresses[0]
            ));
        }
        Resolution {
            address: addresses.first().copied(),
            addresses,
            rrset,
            cached: false,
            ttl_left: Some(ttl),
            latency,
            hops,
        }
    }

    /// The cached RRset of `name` in this answer's order, and one turn taken: each answer starts
    /// one address further than the one before (Unbound's `rrset-roundrobin`).
    fn rotated(&mut self, name: &str) -> (Vec<Ipv4Addr>, Vec<Ipv4Addr>) {
        let turn = self.take_turn();
        let Some(answer) = self.answers.get(name) else {
            return (Vec::new(), Vec::new());
        };
        let mut addresses = answer.addresses.clone();
        let start = turn_index(turn, addresses.len());
        addresses.rotate_left(start);
        (addresses, answer.addresses.clone())
    }

    /// The address the next answer starts with, for a caller that reuses an answer it was given
    /// (`rrset`, in the zone's order) instead of asking again — the engine's fast path for
    /// requests nobody traces. It takes a turn, so it rotates exactly as asking would.
    pub fn next_of(&mut self, rrset: &[Ipv4Addr]) -> Option<Ipv4Addr> {
        let turn = self.take_turn();
        rrset.get(turn_index(turn, rrset.len())).copied()
    }

    fn take_turn(&mut self) -> u64 {
        let turn = self.turns;
        self.turns = self.turns.wrapping_add(1);
        turn
    }

    /// Forgets every cached answer and referral, as after a resolver restart.
    pub fn flush(&mut self) {
        self.answers.clear();
        self.tld_referrals.clear();
        self.domain_referrals.clear();
    }
}

/// The records a query for `fqdn` finds in `zone` once it reaches the authoritative server, by
/// the resolver's own rules (a valid name, inside the zone's domain, the records of that name),
/// caches aside, in the zone's order: empty is NXDOMAIN. What the analysis asks instead of
/// matching names itself.
pub fn lookup<'a>(zone: &'a DnsZone, fqdn: &str) -> Vec<&'a DnsRecord> {
    let name = normalize(fqdn);
    if !is_valid_name(&name) {
        return Vec::new();
    }
    match relative_name(&name, &normalize(&zone.domain)) {
        Some(relative) => find_rrset(zone, relative),
        None => Vec::new(),
    }
}

/// Whether a normalised name has labels only (none empty).
fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.split('.').any(str::is_empty)
}

/// The zone's records named `relative` (case-insensitive; `@` is the apex, an empty name), in
/// the zone's order: the RRset.
fn find_rrset<'a>(zone: &'a DnsZone, relative: &str) -> Vec<&'a DnsRecord> {
    zone.records
        .iter()
        .filter(|record| {
            record.name.eq_ignore_ascii_case(relative)
                || (relative == "@" && record.name.is_empty())
        })
        .collect()
}

/// Lower case, without one trailing dot.
fn normalize(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// `www` for `www.foobar.com` in `foobar.com`, `@` for the apex itself, `None` outside the zone.
fn relative_name<'a>(name: &'a str, domain: &str) -> Option<&'a str> {
    if name == domain {
        return Some("@");
    }
    name.strip_suffix(domain)?
        .strip_suffix('.')
        .filter(|relative| !relative.is_empty())
}

/// Whether a query made at `now` finds the referral for `key`: it has arrived and not expired.
fn is_fresh(cache: &ById<Referral>, key: &str, now: SimTime) -> bool {
    cache
        .get(key)
        .is_some_and(|referral| referral.from <= now && now < referral.expires)
}

/// Caches a referral fetched by a query at `now`, usable by queries from `from`. If one is
/// already cached (or on its way) and not expired, the earlier arrival still counts.
fn remember(cache: &mut ById<Referral>, key: &str, from: SimTime, expires: SimTime, now: SimTime) {
    let from = match cache.get(key) {
        Some(old) if now < old.expires => old.from.min(from),
        _ => from,
    };
    cache.insert(key.to_owned(), Referral { from, expires });
}

fn resolver_hop(hit: bool, took: SimDuration, detail: String) -> DnsHop {
    DnsHop {
        kind: if hit {
            DnsHopKind::ResolverCacheHit
        } else {
            DnsHopKind::ResolverCacheMiss
        },
        server: "resolver".to_owned(),
        took,
        detail,
    }
}

fn total(hops: &[DnsHop]) -> SimDuration {
    hops.iter()
        .fold(SimDuration::ZERO, |sum, hop| sum + hop.took)
}

/// Where turn `turn` starts in a set of `len` addresses.
fn turn_index(turn: u64, len: usize) -> usize {
    match u64::try_from(len) {
        Ok(len) if len > 0 => usize::try_from(turn % len).unwrap_or(0),
        _ => 0,
    }
}

/// "8.8.8.8" or "8.8.8.8, 8.8.8.9".
fn list(addresses: &[Ipv4Addr]) -> String {
    addresses
        .iter()
        .map(Ipv4Addr::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn nxdomain(hops: Vec<DnsHop>) -> Resolution {
    Resolution {
        address: None,
        addresses: Vec::new(),
        rrset: Vec::new(),
        cached: false,
        ttl_left: None,
        latency: total(&hops),
        hops,
    }
}
