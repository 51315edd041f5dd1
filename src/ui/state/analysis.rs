//! The design's findings at the capacity load, what "Prove it" showed, the findings under the
//! pointer and the keyboard focus, and what the diagram marks besides the design.
//!
//! The findings ([`findings::analyze`]) are derived: recomputed by `apply` when the design or
//! the capacity load changes, so every render reads them instead of analysing again. "Prove
//! it" ([`AnalysisAction::Prove`]) runs a finding's scenario in a fresh simulation; it never
//! touches the log.

use crate::sim::sort::SortedSet;

use super::{AppState, Done, Outcome, Refusal, Selection, Shared};
use crate::sim::findings::{self, Finding, ProofResult, Route};
use crate::sim::topology::Topology;
use crate::ui::playback::Run;

use crate::sim::by_id::ById;

/// The findings and their proofs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analysis {
    /// The load the capacity finding is checked against, in requests per second; `None`: no
    /// capacity finding.
    pub capacity_rps: Option<u32>,
    /// `findings::analyze(topology, capacity_rps)`; derived, recomputed by `apply`.
    pub findings: Shared<Vec<Finding>>,
    /// What "Prove it" showed, per finding id. Cleared when the design changes.
    pub proofs: Shared<ById<ProofResult>>,
    /// The finding under the mouse pointer; its nodes are marked on the diagram.
    pub finding_hover: Option<String>,
    /// The finding with the keyboard focus; its nodes are marked on the diagram.
    pub finding_focus: Option<String>,
    /// The proof whose request's way the diagram shows, and which: before the failure
    /// (`false`) or after it (`true`). Set by "Prove it"; gone with the proof.
    pub route_shown: Option<(String, bool)>,
}

/// Findings: their load, their proofs, the one under the pointer.
#[derive(Clone, Debug, PartialEq)]
pub enum AnalysisAction {
    /// Check capacity against this many requests per second (`None` or 0: do not).
    SetCapacityRps(Option<u32>),
    /// Run the proof of the finding with this id and keep what it showed.
    Prove(String),
    /// The pointer is over this finding (`None`: over none).
    HoverFinding(Option<String>),
    /// This finding has the keyboard focus (`None`: none has).
    FocusFinding(Option<String>),
    /// Show on the diagram the way of the request of this finding's proof, before the
    /// failure (`after: false`) or after it.
    ShowRoute { finding: String, after: bool },
    /// Show no proof's request on the diagram.
    HideRoute,
}

impl Analysis {
    /// Recomputes the findings of the design at the capacity load.
    pub(super) fn analyze(&mut self, topology: &Topology) {
        let load = self.capacity_rps.map(f64::from);
        self.findings = Shared::new(findings::analyze(topology, load));
    }

    /// After the findings were recomputed: a proof stays only while its finding still has the
    /// same scenario.
    pub(super) fn keep_proofs_of(&mut self, before: &[Finding]) {
        let proof_of =
            |list: &[Finding], id: &str| list.iter().find(|f| f.id == id).map(|f| f.proof.clone());
        let after = &self.findings;
        if self
            .proofs
            .iter()
            .all(|(id, _)| proof_of(before, id) == proof_of(after, id))
        {
            return;
        }
        let after = after.clone();
        self.proofs
            .make_mut()
            .retain(|id, _| proof_of(before, id) == proof_of(&after, id));
    }

    /// The request's way the diagram shows, and whether it is the one after the failure.
    pub fn route(&self) -> Option<(&Route, bool)> {
        let (id, after) = self.route_shown.as_ref()?;
        let result = self.proofs.get(id)?;
        let route = if *after {
            result.after.as_deref()
        } else {
            result.before.as_deref()
        }?;
        Some((route, *after))
    }

    /// The nodes and services of the hovered and the focused findings.
    pub fn flagged(&self) -> SortedSet<String> {
        let wanted = [&self.finding_hover, &self.finding_focus];
        self.findings
            .iter()
            .filter(|f| wanted.iter().any(|w| w.as_deref() == Some(f.id.as_str())))
            .flat_map(|f| f.nodes.iter().cloned())
            .collect()
    }
}

impl AppState {
    pub(super) fn apply_analysis(&mut self, action: AnalysisAction) -> Outcome {
        let analysis = &mut self.analysis;
        match action {
            AnalysisAction::SetCapacityRps(rps) => {
                // The findings follow (see `AppState::derive`).
                analysis.capacity_rps = rps.filter(|r| *r > 0);
                Ok(Done::Keeps)
            }
            AnalysisAction::Prove(id) => match analysis.findings.iter().find(|f| f.id == id) {
                Some(Finding {
                    proof: Some(proof), ..
                }) => {
                    let result = findings::prove(&self.work.topology, proof);
                    // Its request is drawn at once: where it stopped, if it has one.
                    analysis.route_shown = match (&result.after, &result.before) {
                        (Some(_), _) => Some((id.clone(), true)),
                        (None, Some(_)) => Some((id.clone(), false)),
                        (None, None) => None,
                    };
                    analysis.proofs.make_mut().insert(id, result);
                    Ok(Done::Clears)
                }
                Some(_) => Err(Refusal::NothingToProve(id)),
                None => Err(Refusal::NoFinding(id)),
            },
            AnalysisAction::HoverFinding(id) => {
                analysis.finding_hover = id;
                Ok(Done::Keeps)
            }
            AnalysisAction::FocusFinding(id) => {
                analysis.finding_focus = id;
                Ok(Done::Keeps)
            }
            AnalysisAction::ShowRoute { finding, after } => {
                let result = analysis
                    .proofs
                    .get(&finding)
                    .ok_or_else(|| Refusal::NoFinding(finding.clone()))?;
                let exists = if after {
                    result.after.is_some()
                } else {
                    result.before.is_some()
                };
                if exists {
                    analysis.route_shown = Some((finding, after));
                }
                Ok(Done::Keeps)
            }
            AnalysisAction::HideRoute => {
                analysis.route_shown = None;
                Ok(Done::Keeps)
            }
        }
    }
}

/// What the diagram shows on top of the design: the current hop, the selection, what is down
/// or cut, the load balancers' view of their servers and who holds each virtual IP.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Marks {
    pub current: Option<String>,
    pub selected: Option<String>,
    pub selected_link: Option<(String, String)>,
    pub down: SortedSet<String>,
    /// Links cut now, (from, to) in that order ([`Run::cut`]).
    pub cut: Vec<(String, String)>,
    /// Per load-balanced server (service id).
    pub chips: ById<Chip>,
    /// (load balancer, server) of each balancer's most recent pick, in that order, each once
    /// (sorted with the shared sort: a set of pairs put its own code into the WebAssembly).
    pub last_picks: Vec<(String, String)>,
    pub vip_holders: ById<Option<String>>,
    /// What keepalived makes each VRRP member now ([`Run::vrrp_role`]), by host id.
    pub vrrp_roles: ById<String>,
    /// The nodes and services of the finding under the pointer or the keyboard focus.
    pub flagged: SortedSet<String>,
    /// The way of a proof's request, when the diagram shows one.
    pub route: Option<RouteMark>,
}

impl Marks {
    /// The marks while the diagram shows second `k` of a load run: what was down and the
    /// failover labels (who holds each virtual IP, which load balancer is active) follow the
    /// run, not the requests sent on the Request tab; that world's hop, picks and chips are
    /// not drawn over it.
    pub fn during_load(&self, result: &crate::ui::load_run::LoadResult, k: usize) -> Marks {
        let vrrp = result.vrrp.get(k).cloned().unwrap_or_default();
        let down = result
            .down_hosts
            .get(k)
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let mut vip_holders = ById::default();
        vip_holders.extend(vrrp.vips.iter().cloned());
        Marks {
            current: None,
            down,
            cut: Vec::new(),
            chips: ById::default(),
            last_picks: Vec::new(),
            vrrp_roles: vrrp.roles(),
            vip_holders,
            ..self.clone()
        }
    }
}

/// A proof's request on the diagram: what it passed, where it stopped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RouteMark {
    pub places: SortedSet<String>,
    pub stop: Option<String>,
    pub served: bool,
    /// The request after the failure (else before it).
    pub after: bool,
}

impl RouteMark {
    fn of(route: &Route, after: bool) -> RouteMark {
        RouteMark {
            places: route.places.iter().cloned().collect(),
            stop: route.stop.clone(),
            served: route.served,
            after,
        }
    }

    /// Whether the link `from → to` is on the way (both its ends are).
    pub fn has_link(&self, from: &str, to: &str) -> bool {
        self.places.contains(from) && self.places.contains(to)
    }
}

/// A load-balanced server as its load balancers see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chip {
    /// Every load balancer listing it counts it as available.
    pub up: bool,
    /// Requests it has answered.
    pub served: u64,
}

/// The diagram's marks of `run` with the cursor on `current`, `selection` selected and the
/// `flagged` nodes of the findings under the pointer and the focus.
pub(super) fn marks(
    run: &Run,
    current: Option<&str>,
    selection: Option<&Selection>,
    flagged: SortedSet<String>,
    route: Option<(&Route, bool)>,
) -> Marks {
    let mut chips = ById::default();
    for backend in &run.backends {
        let chip = chips.get_or_insert(
            backend.server.clone(),
            Chip {
                up: true,
                served: backend.served,
            },
        );
        chip.up &= backend.available;
    }
    let mut last_picks = Vec::new();
    for lb in run.backends.iter().map(|b| &b.lb) {
        if let Some(server) = run.last_pick(lb) {
            last_picks.push((lb.clone(), server.to_owned()));
        }
    }
    crate::sim::sort::sort_unique(&mut last_picks);
    let (selected, selected_link) = match selection {
        Some(Selection::Node(id) | Selection::Service(id)) => (Some(id.clone()), None),
        Some(Selection::Link { from, to }) => (None, Some((from.clone(), to.clone()))),
        None => (None, None),
    };
    let mut vip_holders = ById::default();
    vip_holders.extend(run.vrrp.vips.iter().cloned());
    let vrrp_roles = run.vrrp.roles();
    Marks {
        current: current.map(str::to_owned),
        selected,
        selected_link,
        down: run.down.clone(),
        cut: run.cut.clone(),
        chips,
        last_picks,
        vip_holders,
        vrrp_roles,
        flagged,
        route: route.map(|(route, after)| RouteMark::of(route, after)),
    }
}
