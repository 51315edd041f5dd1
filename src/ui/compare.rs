//! Active-active against active-passive, run: the same load and the same failure on the design
//! and on its copy with one pair switched to the other variant ([`redundancy::switch`]), side
//! by side. The core decides everything (who serves, the failover, the retransmissions); this
//! only runs both and keeps what each member took.

use crate::sim::findings;
use crate::sim::number::shortest;
use crate::sim::redundancy::{self, PairKind, Sharing, SwitchError};
use crate::sim::topology::Topology;
use crate::ui::load_run::{self, LoadResult, LoadSettings, SettingsError, Step, StepKind};

/// The most requests a comparison runs (both sides together run twice this at most): it runs
/// at once, in one frame, so it stays small enough not to freeze the page.
pub const MAX_REQUESTS: f64 = 50_000.0;

/// Why a comparison could not run.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CompareError {
    #[error(transparent)]
    Switch(#[from] SwitchError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(
        "a comparison runs at most {max} requests per side (these settings send about {asked}); lower the rate or the duration",
        max = shortest(MAX_REQUESTS),
        asked = shortest(asked.round())
    )]
    TooBig { asked: f64 },
}

/// What one member of the pair took in a run.
#[derive(Clone, Debug, PartialEq)]
pub struct MemberLoad {
    /// A load balancer's host or a server's host.
    pub member: String,
    /// Requests it took, in all.
    pub total: u64,
    /// Requests per second it took, per bucket of the run.
    pub per_second: Vec<f64>,
}

/// One variant's run.
#[derive(Clone, Debug, PartialEq)]
pub struct Side {
    pub sharing: Sharing,
    /// What the variant means for this design ([`redundancy::explain`]).
    pub headline: String,
    /// The capacity sentence of the pair's note ([`findings::pair_capacity`]).
    pub capacity: String,
    pub result: LoadResult,
    pub members: Vec<MemberLoad>,
}

/// Both variants of one pair under the same load and failure.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub pair: String,
    /// The pair as users read it ("the load balancers lb-01, lb-02").
    pub title: String,
    /// The failure both runs had: the settings' own steps, or the first member taken down at
    /// mid-run when the settings have none.
    pub steps: Vec<Step>,
    /// The design as it is first, then the switched copy.
    pub sides: [Side; 2],
}

/// Runs `settings` on `topology` and on its copy with pair `pair` switched. Without steps of
/// its own, both runs take the pair's first serving member down at half time.
pub fn compare(
    topology: &Topology,
    settings: &LoadSettings,
    pair: &str,
) -> Result<Comparison, CompareError> {
    let asked = settings.rps.max(0.0) * settings.seconds.max(0.0);
    if asked.is_nan() || asked > MAX_REQUESTS {
        return Err(CompareError::TooBig { asked });
    }
    let found =
        redundancy::pair(topology, pair).ok_or_else(|| SwitchError::NoSuchPair(pair.to_owned()))?;
    let other = redundancy::switch(topology, pair, found.sharing.other())?;
    let mut settings = settings.clone();
    if settings.steps.is_empty()
        && let Some(member) = first_serving_host(topology, &found)
    {
        settings.steps.push(Step {
            at_s: (settings.seconds / 2.0).floor().max(1.0),
            kind: StepKind::HostDown,
            target: member,
        });
    }
    let side = |design: &Topology| -> Result<Side, CompareError> {
        let this = redundancy::pair(design, pair)
            .ok_or_else(|| SwitchError::NoSuchPair(pair.to_owned()))?;
        let result = load_run::run(design, &settings)?;
        let members = member_loads(design, &this, &result);
        let capacity = findings::pair_capacity(design, pair).unwrap_or_default();
        Ok(Side {
            sharing: this.sharing,
            headline: redundancy::explain(design, &this).headline,
            capacity,
            result,
            members,
        })
    };
    Ok(Comparison {
        pair: pair.to_owned(),
        title: found.title(),
        steps: settings.steps.clone(),
        sides: [side(topology)?, side(&other)?],
    })
}

/// The host of the pair's first member that takes traffic while all are up
/// ([`redundancy::serving`]).
fn first_serving_host(topology: &Topology, pair: &redundancy::Pair) -> Option<String> {
    let service = redundancy::serving(topology, pair).into_iter().next()?;
    topology.service(&service).map(|(node, _)| node.id.clone())
}

/// What each member took: a pool's servers by the requests they served, a load-balancer
/// pair's hosts by the requests their HAProxy took in (both counted by the engine).
fn member_loads(
    topology: &Topology,
    pair: &redundancy::Pair,
    result: &LoadResult,
) -> Vec<MemberLoad> {
    let host_of = |service: &str| {
        topology
            .service(service)
            .map_or_else(|| service.to_owned(), |(node, _)| node.id.clone())
    };
    let buckets = result.seconds.len();
    let load = |member: String, series: Vec<&Vec<f64>>| {
        let per_second: Vec<f64> = (0..buckets)
            .map(|i| {
                series
                    .iter()
                    .map(|s| s.get(i).copied().unwrap_or(0.0))
                    .sum()
            })
            .collect();
        let total = per_second.iter().sum::<f64>().round().max(0.0) as u64;
        MemberLoad {
            member,
            total,
            per_second,
        }
    };
    match &pair.kind {
        PairKind::Pool { servers, .. } => servers
            .iter()
            .map(|server| {
                let series = result
                    .backends
                    .iter()
                    .filter(|(id, _)| id == server)
                    .map(|(_, s)| s)
                    .collect();
                load(host_of(server), series)
            })
            .collect(),
        PairKind::Balancers { hosts, .. } => hosts
            .iter()
            .map(|host| {
                let series = result
                    .balancers
                    .iter()
                    .filter(|(lb, _)| host_of(lb) == *host)
                    .map(|(_, s)| s)
                    .collect();
                load(host.clone(), series)
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets;

    fn https() -> LoadSettings {
        LoadSettings {
            https: true,
            ..LoadSettings::default()
        }
    }

    fn member(side: &Side, id: &str) -> u64 {
        side.members
            .iter()
            .find(|m| m.member == id)
            .map_or(0, |m| m.total)
    }

    #[test]
    fn stage_3s_pair_runs_as_it_is_and_switched_with_lb_01_down_at_half_time() {
        let topology = presets::topology(3).expect("stage 3");
        let got = compare(&topology, &https(), "vrrp:vip").expect("runs");
        assert_eq!(got.title, "the load balancers lb-01, lb-02");
        assert_eq!(
            got.steps,
            [Step {
                at_s: 10.0,
                kind: StepKind::HostDown,
                target: "lb-01".to_owned()
            }]
        );
        let [passive, active] = &got.sides;
        assert_eq!(passive.sharing, Sharing::ActivePassive);
        assert_eq!(active.sharing, Sharing::ActiveActive);
        assert_eq!(passive.headline, "lb-01 and lb-02 are active-passive");
        // Active-passive: lb-01 alone until it dies at 10 s, then lb-02 alone.
        let (p1, p2) = (member(passive, "lb-01"), member(passive, "lb-02"));
        // Active-active: half each until 10 s, then lb-02 takes everything.
        let (a1, a2) = (member(active, "lb-01"), member(active, "lb-02"));
        assert!(
            p1.abs_diff(2000) < 150 && p2.abs_diff(2000) < 150,
            "{p1} {p2}"
        );
        assert!(
            a1.abs_diff(1000) < 100 && a2.abs_diff(3000) < 150,
            "{a1} {a2}"
        );
        // Half as many visitors wait out the failover on the active-active pair.
        let (sp, sa) = (
            passive.result.total_syn_resent,
            active.result.total_syn_resent,
        );
        assert!(sa > 0 && sa * 3 < sp * 2, "resent SYNs: {sp} vs {sa}");
        assert!(
            passive
                .capacity
                .starts_with("Capacity as active-passive: about 24691 req/s")
        );
        assert!(
            active
                .capacity
                .starts_with("Capacity as active-active: about 49383 req/s")
        );
    }

    #[test]
    fn the_settings_own_steps_are_used_and_big_runs_are_refused() {
        let topology = presets::topology(1).expect("stage 1");
        let mut settings = https();
        settings.steps.push(Step {
            at_s: 5.0,
            kind: StepKind::HostDown,
            target: "server-02".to_owned(),
        });
        let got = compare(&topology, &settings, "pool:lb-01.haproxy").expect("runs");
        assert_eq!(got.steps, settings.steps);
        assert_eq!(
            got.sides[1].headline,
            "server-01 active, server-02 passive (HAProxy backup)"
        );
        let big = LoadSettings {
            rps: 10_000.0,
            seconds: 60.0,
            ..https()
        };
        assert_eq!(
            compare(&topology, &big, "pool:lb-01.haproxy").map(|_| ()),
            Err(CompareError::TooBig { asked: 600_000.0 })
        );
        assert_eq!(
            compare(&topology, &https(), "vrrp:none").map(|_| ()),
            Err(CompareError::Switch(SwitchError::NoSuchPair(
                "vrrp:none".to_owned()
            )))
        );
    }
}
