//! Counting failures by cause (issue 15): each failing site may name a [`Detail`] before it
//! fails the request; [`Simulation::fail_with`] turns the fate, the place and that detail into
//! a [`Why`] (indices only, no text: load requests fail by the thousand) and counts it. The
//! names and the fix ([`Diagnosis`]) are built only when asked, for a trace or the run's counts.

use std::net::Ipv4Addr;

use crate::cause::{Cause, Diagnosis, Fix};
use crate::firewall::{self, Packet};
use crate::model::Place;

use super::{Fate, Simulation};

/// What a failing site knows about why, beyond the fate and the place.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Detail {
    #[default]
    None,
    /// A firewall decided: tcp/`port`, its rule (0-based; `None`: the default policy), and
    /// whether the packet came from the client.
    Firewall {
        port: u16,
        rule: Option<u16>,
        reject: bool,
        from_client: bool,
    },
    /// Nothing listens on tcp/`port` of the host.
    NoListener { port: u16 },
    /// HTTPS where the web front has no certificate.
    NoCertificate,
    /// The host (index) was down.
    HostDown(u32),
    /// The virtual IP (index) had no MASTER.
    NoMaster(u32),
    /// Nothing answers at this address.
    Unreachable(Ipv4Addr),
    /// The service's queue was full, or the request waited too long in it.
    Overloaded,
    /// The service (index) was stopped.
    Stopped(u32),
}

/// A failure as counted: its fate, where it failed and the site's detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Why {
    fate: Fate,
    place: Place,
    detail: Detail,
}

impl Detail {
    /// The detail of a firewall's decision on `packet`.
    pub(super) fn firewall(
        decision: firewall::Decision,
        packet: &Packet,
        from_client: bool,
    ) -> Detail {
        Detail::Firewall {
            port: packet.dst_port,
            rule: match decision.by {
                firewall::Decider::Rule(i) => Some(u16::try_from(i).unwrap_or(u16::MAX)),
                _ => None,
            },
            reject: decision.verdict == crate::topology::Verdict::Reject,
            from_client,
        }
    }
}

impl Simulation {
    /// The failing site's detail for the request's coming failure.
    pub(super) fn failing_because(&mut self, slot: u32, detail: Detail) {
        if let Some(req) = self.req_mut(slot) {
            req.detail = detail;
        }
    }

    /// Counts the request's failure (once: it must not have a fate yet) and returns it.
    pub(super) fn count_failure(&mut self, slot: u32, fate: Fate, place: Place) -> Option<Why> {
        let req = self.req(slot).filter(|r| r.fate.is_none())?;
        let why = Why {
            fate,
            place,
            detail: req.detail,
        };
        match self.failures.iter_mut().find(|(w, _)| *w == why) {
            Some((_, n)) => *n += 1,
            None => self.failures.push((why, 1)),
        }
        Some(why)
    }

    /// Every failure so far by diagnosis, the most frequent first (equal counts in the order
    /// of [`Diagnosis`]).
    pub fn failure_causes(&self) -> Vec<(Diagnosis, u64)> {
        let mut out: Vec<(Diagnosis, u64)> = Vec::new();
        for &(why, n) in &self.failures {
            let diagnosis = self.diagnose(why);
            match out.iter_mut().find(|(d, _)| *d == diagnosis) {
                Some((_, total)) => *total += n,
                None => out.push((diagnosis, n)),
            }
        }
        crate::sort::sort_by(&mut out, |a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }

    /// Whether the client could reach `host` over HTTPS (or plain HTTP): its firewall lets the
    /// client in and something listens there.
    fn client_gets_in(&self, host: usize, https: bool) -> bool {
        self.entry_gates.get(host).is_some_and(|gates| {
            let (decision, listener) = gates[usize::from(https)];
            decision.passes() && listener.is_some()
        })
    }

    /// The names and the fix of a counted failure.
    pub(super) fn diagnose(&self, why: Why) -> Diagnosis {
        let m = &self.model;
        let name = |p: Place| m.name(p).to_owned();
        let host_of = |p: Place| match p {
            Place::Host(h) => Some(h),
            Place::Svc(s) => Some(m.svcs[s].host),
            _ => None,
        };
        let place_host = host_of(why.place);
        let host_name = || place_host.map_or_else(|| name(why.place), |h| m.host_id(h).to_owned());
        let (cause, fix) = match (why.detail, why.fate) {
            (
                Detail::Firewall {
                    port,
                    rule,
                    reject,
                    from_client,
                },
                _,
            ) => {
                let host = host_name();
                let rule = rule.map(|i| usize::from(i) + 1);
                let https_instead = from_client
                    && port == 80
                    && place_host.is_some_and(|h| self.client_gets_in(h, true));
                let fix = if https_instead {
                    Fix::UseHttps { host: host.clone() }
                } else {
                    Fix::OpenPort {
                        host: host.clone(),
                        port,
                        rule,
                    }
                };
                let cause = Cause::Firewall {
                    host,
                    port,
                    rule,
                    reject,
                };
                (cause, Some(fix))
            }
            (Detail::NoListener { port }, _) => {
                let host = host_name();
                let fix = (port == 80 && place_host.is_some_and(|h| self.client_gets_in(h, true)))
                    .then(|| Fix::UseHttps { host: host.clone() });
                (Cause::NoListener { host, port }, fix)
            }
            (Detail::NoCertificate, _) => {
                let host = host_name();
                let fix = place_host
                    .is_some_and(|h| self.client_gets_in(h, false))
                    .then(|| Fix::UseHttp { host: host.clone() });
                (Cause::NoCertificate { host }, fix)
            }
            (Detail::HostDown(h), _) => {
                let host = m.host_id(h as usize).to_owned();
                (
                    Cause::HostDown { host: host.clone() },
                    Some(Fix::BringUp { hosts: vec![host] }),
                )
            }
            (Detail::NoMaster(v), _) => {
                let vip = &m.vips[v as usize];
                let hosts = vip
                    .members
                    .iter()
                    .map(|&h| m.host_id(h).to_owned())
                    .collect();
                (
                    Cause::NoMaster {
                        vip: vip.id.clone(),
                    },
                    Some(Fix::BringUp { hosts }),
                )
            }
            (Detail::Unreachable(address), _) => (
                Cause::Unreachable {
                    address: address.to_string(),
                },
                None,
            ),
            (Detail::Stopped(s), _) => {
                let service = m.svc_id(s as usize).to_owned();
                (
                    Cause::Stopped {
                        service: service.clone(),
                    },
                    Some(Fix::Start { service }),
                )
            }
            (Detail::Overloaded, fate) => {
                let service = name(why.place);
                let status = match fate {
                    Fate::Failed(status) => status,
                    _ => 503,
                };
                (
                    Cause::Overloaded {
                        service: service.clone(),
                        status,
                    },
                    Some(Fix::AddCapacity { service }),
                )
            }
            (Detail::None, Fate::Refused) => match why.place {
                Place::Svc(s) => {
                    let service = m.svc_id(s).to_owned();
                    (
                        Cause::Stopped {
                            service: service.clone(),
                        },
                        Some(Fix::Start { service }),
                    )
                }
                _ => (
                    Cause::ServerError {
                        status: 0,
                        place: name(why.place),
                    },
                    None,
                ),
            },
            (Detail::None, Fate::NoServer) => {
                let balancer = name(why.place);
                (
                    Cause::NoServer {
                        balancer: balancer.clone(),
                    },
                    Some(Fix::BringUpServer { balancer }),
                )
            }
            (Detail::None, Fate::Failed(0)) if matches!(why.place, Place::Dns | Place::Client) => {
                (Cause::NoAddress, Some(Fix::AddRecord))
            }
            (Detail::None, Fate::Failed(status)) => (
                Cause::ServerError {
                    status,
                    place: name(why.place),
                },
                None,
            ),
            (Detail::None, Fate::TimedOut | Fate::Dropped | Fate::Served { .. }) => (
                Cause::TimedOut {
                    place: name(why.place),
                },
                None,
            ),
        };
        Diagnosis { cause, fix }
    }
}
