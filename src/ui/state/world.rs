//! The simulated world: the seed, the log of timed inputs, the clock, and what the replay of
//! the log shows ([`Run`]). The request the Send button sends lives here too.

use super::{AppState, Done, Outcome, Selection, Shared};
use crate::sim::engine::Input;
use crate::sim::time::{SimDuration, SimTime};
use crate::sim::topology::NodeKind;
use crate::sim::trace::{RequestKind, RequestSpec};
use crate::ui::playback::{Run, replay};

/// The simulated world on screen.
#[derive(Clone, Debug, PartialEq)]
pub struct World {
    /// Seeds the simulation's random draws (the health checks' phases).
    pub seed: u64,
    /// What happened to the simulated world and when, in order.
    pub log: Shared<Vec<(SimTime, Input)>>,
    /// The page's simulated clock: the next input happens now.
    pub clock: SimTime,
    /// What the replay of `log` up to `clock` shows; derived, recomputed with the log.
    pub run: Shared<Run>,
    /// The request the Send button (or a click on the browser) sends.
    pub request: RequestSpec,
    /// Why a log started anew could not be replayed (the engine cannot build the design);
    /// `apply` shows it.
    pub(super) unreplayable: Option<crate::ui::playback::ReplayError>,
}

impl Default for World {
    fn default() -> Self {
        World {
            seed: 1,
            log: Shared::default(),
            clock: SimTime::ZERO,
            run: Shared::default(),
            request: RequestSpec::new(RequestKind::Read, false),
            unreplayable: None,
        }
    }
}

/// Something happens to the simulated world.
#[derive(Clone, Debug, PartialEq)]
pub enum WorldAction {
    /// Choose what the Send button sends.
    SetRequestKind(RequestKind),
    SetHttps(bool),
    /// Send one request now and play it.
    Send(RequestSpec),
    /// Let simulated time pass (health checks, VRRP adverts, replication).
    Wait(SimDuration),
    /// Something happens to the world now: a host or service goes down or up, a link is cut
    /// or restored. `Input::Send` behaves like [`WorldAction::Send`].
    Apply(Input),
}

impl AppState {
    pub(super) fn apply_world(&mut self, action: WorldAction) -> Outcome {
        match action {
            WorldAction::SetRequestKind(kind) => {
                self.world.request.kind = kind;
                Ok(Done::Keeps)
            }
            WorldAction::SetHttps(https) => {
                self.world.request.https = https;
                Ok(Done::Keeps)
            }
            WorldAction::Send(spec) | WorldAction::Apply(Input::Send(spec)) => self.send(spec),
            WorldAction::Wait(duration) => {
                self.world.clock += duration;
                self.replay_log()
            }
            WorldAction::Apply(input) => self.push_input(input),
        }
    }

    /// A click on the diagram: the browser sends the chosen request, anything else is
    /// selected.
    pub(super) fn click_sends(&self, selection: &Selection) -> bool {
        match selection {
            Selection::Node(id) => self
                .work
                .topology
                .node(id)
                .is_some_and(|n| matches!(n.kind, NodeKind::Client { .. })),
            _ => false,
        }
    }

    /// Sends `spec` now and plays it.
    pub(super) fn send(&mut self, spec: RequestSpec) -> Outcome {
        self.world.request = spec;
        let done = self.push_input(Input::Send(spec))?;
        self.playback.trace = self.world.run.traces.len().checked_sub(1);
        self.playback.hop = Some(0);
        self.playback.playing = self.n_hops() > 0;
        Ok(done)
    }

    /// Appends `input` at the clock and replays; refused inputs leave the log as it was.
    fn push_input(&mut self, input: Input) -> Outcome {
        let world = &mut self.world;
        let mut log = (*world.log).clone();
        log.push((world.clock, input));
        let done = replay(&self.work.topology, world.seed, &log, world.clock)?;
        world.clock = world.clock.max(done.sim.now());
        world.run = Shared::new(Run::of(&done, &self.work.topology));
        world.log = Shared::new(log);
        Ok(Done::Clears)
    }

    /// Replays the log up to the clock; a log the design refuses shows nothing.
    fn replay_log(&mut self) -> Outcome {
        let world = &mut self.world;
        match replay(&self.work.topology, world.seed, &world.log, world.clock) {
            Ok(done) => {
                world.clock = world.clock.max(done.sim.now());
                world.run = Shared::new(Run::of(&done, &self.work.topology));
                Ok(Done::Keeps)
            }
            Err(err) => {
                world.run = Shared::default();
                Err(err.into())
            }
        }
    }

    /// Replays a log just started: an empty log names nothing the design lacks, but the
    /// engine may not build the design; then no run is shown and `apply` says why.
    pub(super) fn restart_log(&mut self) {
        let world = &mut self.world;
        match replay(&self.work.topology, world.seed, &world.log, world.clock) {
            Ok(done) => {
                world.clock = world.clock.max(done.sim.now());
                world.run = Shared::new(Run::of(&done, &self.work.topology));
            }
            Err(err) => {
                world.run = Shared::default();
                world.unreplayable = Some(err);
            }
        }
    }
}
