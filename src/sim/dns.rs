//! DNS resolution (domain rules B6): a caching recursive resolver that walks root → TLD →
//! authoritative on a miss, caches answers for their TTL and referrals for theirs, and says for
//! every hop what it cost and why.
//!
//! This module owns the resolver's caches and the timing of a lookup. The zone and its records
//! belong to the design model ([`DnsZone`], [`DnsRecord`](super::topology::DnsRecord)); the
//! caller passes the zone as it is *now*, so an edited record reaches clients only once the
//! cached answer expires (B6.4).
//!
//! Simplifications: only A records; the design's zone is the only domain that exists (a name
//! outside it is answered NXDOMAIN by the resolver without going upstream); NXDOMAIN answers are
//! not cached (the model has no SOA record for RFC 2308 negative caching); no lost or truncated
//! packets (B6.5); a multi-label suffix such as `co.uk` is treated as if `uk` delegated the
//! domain directly.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::time::{SimDuration, SimTime};
use super::topology::DnsZone;

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
    /// Lower-case name → cached A record.
    answers: BTreeMap<String, CachedAnswer>,
    /// TLD (`com`) → when the root's referral to its name servers expires.
    tld_referrals: BTreeMap<String, SimTime>,
    /// Domain (`foobar.com`) → when the TLD's referral to its name servers expires.
    domain_referrals: BTreeMap<String, SimTime>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CachedAnswer {
    address: Ipv4Addr,
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
    /// The A record's address; `None` is NXDOMAIN (the hops' details say why).
    pub address: Option<Ipv4Addr>,
    /// Whether the answer came from the resolver's cache.
    pub cached: bool,
    /// How long the client may keep the answer: the time left on a cached answer, the record's
    /// full TTL on a fresh one (zero for TTL 0); `None` for NXDOMAIN.
    pub ttl_left: Option<SimDuration>,
    /// The conversations, in order: the client ↔ resolver round trip first (it wraps the
    /// upstream ones), then root, TLD and authoritative where they were needed.
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
            answers: BTreeMap::new(),
            tld_referrals: BTreeMap::new(),
            domain_referrals: BTreeMap::new(),
        }
    }

    /// Resolves `fqdn` (e.g. "www.foobar.com") against the zone as it is *now*; cached answers
    /// are served until they expire even if the zone changed (B6.4).
    ///
    /// Names are case-insensitive and may end with a dot. A cached answer is fresh while
    /// `now < cached_at + TTL`; a record with TTL 0 is never cached (RFC 1035 §3.2.1).
    pub fn resolve(&mut self, zone: &DnsZone, fqdn: &str, now: SimTime) -> Resolution {
        let name = normalize(fqdn);
        let client_resolver = self.latency.client_resolver;
        if name.is_empty() || name.split('.').any(str::is_empty) {
            let detail = format!("'{fqdn}' is not a valid domain name");
            return nxdomain(vec![resolver_hop(false, client_resolver, detail)]);
        }
        if let Some(answer) = self.answers.get(&name)
            && now < answer.expires
        {
            let ttl_left = answer.expires - now;
            let detail = format!(
                "cache hit: {name} A {} (ttl {ttl_left} left)",
                answer.address
            );
            return Resolution {
                address: Some(answer.address),
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
            if !is_fresh(&self.tld_referrals, tld, now) {
                hops.push(DnsHop {
                    kind: DnsHopKind::Root,
                    server: "root".to_owned(),
                    took: self.latency.root,
                    detail: format!("referral to .{tld} name servers"),
                });
                self.tld_referrals
                    .insert(tld.to_owned(), now + self.tld_referral_ttl);
            }
            hops.push(DnsHop {
                kind: DnsHopKind::Tld,
                server: format!(".{tld} TLD"),
                took: self.latency.tld,
                detail: format!("referral to {domain} name servers"),
            });
            self.domain_referrals
                .insert(domain.clone(), now + self.domain_referral_ttl);
        }

        let record = zone.records.iter().find(|record| {
            record.name.eq_ignore_ascii_case(relative)
                || (relative == "@" && record.name.is_empty())
        });
        let authoritative = |detail: String| DnsHop {
            kind: DnsHopKind::Authoritative,
            server: format!("ns1.{domain}"),
            took: self.latency.authoritative,
            detail,
        };
        let Some(record) = record else {
            hops.push(authoritative(format!(
                "NXDOMAIN: {domain} has no record named {relative}"
            )));
            return nxdomain(hops);
        };
        let ttl = SimDuration::from_secs(u64::from(record.ttl));
        if record.ttl == 0 {
            hops.push(authoritative(format!(
                "{name} A {}, TTL 0 s (not cached)",
                record.address
            )));
        } else {
            hops.push(authoritative(format!(
                "{name} A {}, TTL {} s",
                record.address, record.ttl
            )));
            let answer = CachedAnswer {
                address: record.address,
                expires: now + ttl,
            };
            self.answers.insert(name, answer);
        }
        Resolution {
            address: Some(record.address),
            cached: false,
            ttl_left: Some(ttl),
            latency: total(&hops),
            hops,
        }
    }

    /// Forgets every cached answer and referral, as after a resolver restart.
    pub fn flush(&mut self) {
        self.answers.clear();
        self.tld_referrals.clear();
        self.domain_referrals.clear();
    }
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

fn is_fresh(cache: &BTreeMap<String, SimTime>, key: &str, now: SimTime) -> bool {
    cache.get(key).is_some_and(|&expires| now < expires)
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

fn nxdomain(hops: Vec<DnsHop>) -> Resolution {
    Resolution {
        address: None,
        cached: false,
        ttl_left: None,
        latency: total(&hops),
        hops,
    }
}
