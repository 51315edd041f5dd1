//! The UI's whole state and the one reducer that changes it.
//!
//! Every user intent is an [`Action`]; [`AppState::apply`] is plain Rust and natively tested.
//! Yew's part is the three-line `yew::Reducible` impl in the browser shell (`web::app`).
//!
//! The state is split by concern, each with its own actions, and `apply` hands each action to
//! the module of its concern:
//!
//! - [`work`]: the design, where its nodes sit, its history (undo, redo) and which work it is
//!   ([`EditAction`] changes it in place, [`WorkAction`] replaces it);
//! - [`world`]: the simulated world: the seed, the log of timed inputs, the clock and what
//!   their replay shows ([`WorldAction`]);
//! - [`playback`]: the cursor on the request shown ([`PlaybackAction`]);
//! - [`analysis`]: the design's findings, their proofs and the diagram's marks
//!   ([`AnalysisAction`]);
//! - [`load_test`]: load test settings and results ([`LoadTestAction`]);
//! - [`view`]: the side tab, the selection, the picked nodes and the viewport
//!   ([`ViewAction`]).
//!
//! The simulation is a pure function of (design, seed, timed inputs): the state keeps the
//! design, the seed and the log of inputs with their times, never a `Simulation`. Every change
//! to the log or the clock replays it ([`crate::ui::playback::replay`]) and keeps what the page
//! shows as plain values ([`Run`](crate::ui::playback::Run)).
//!
//! What is derived (the layout, the findings, the diagram's marks) is recomputed in one place,
//! at the end of `apply`, when its inputs changed: a pointer move recomputes the layout only.
//! The design, its history, the log and the derived values are [`Shared`], so Yew's clone and
//! comparison of the state per action copy and compare pointers.
//!
//! A refused action says why with a [`Refusal`]; `apply` alone shows it.

pub mod analysis;
pub mod load_test;
pub mod playback;
pub mod refusal;
pub mod shared;
pub mod view;
pub mod work;
pub mod world;

use crate::sim::sort::SortedSet;

use crate::sim::by_id::ById;
use crate::ui::document::Document;
use crate::ui::session::Session;

pub use analysis::{Analysis, AnalysisAction, Chip, Marks};
pub use load_test::{LoadTest, LoadTestAction};
pub use playback::{Playback, PlaybackAction, Speed};
pub use refusal::Refusal;
pub use shared::Shared;
pub use view::{Selection, Tab, ViewAction, ViewState};
pub use work::{
    EditAction, History, MAX_UNDO, Notice, Positions, Version, Work, WorkAction, WorkDocument,
};
pub use world::{World, WorldAction};

/// Everything the page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    /// The design, its drawing, its history and which work it is.
    pub work: Work,
    /// The simulated world: the log of inputs, the clock and what their replay shows.
    pub world: World,
    /// Which request is shown and where its playback is.
    pub playback: Playback,
    /// The design's findings and what "Prove it" showed.
    pub analysis: Analysis,
    /// The load tests run on this design and their settings.
    pub load_test: LoadTest,
    /// The side tab, the selection and the viewport.
    pub view: ViewState,
    /// The last refused action, shown until the next successful one.
    pub refusal: Option<Refusal>,
    /// What the diagram marks besides the design; derived, recomputed by `apply`.
    marks: Shared<Marks>,
}

/// What a user can do, by concern.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Change the design in place (undoable): an edit, a move, copy and paste, undo, redo.
    Edit(EditAction),
    /// Replace the work: a stage, a new design, a file, a link, a saved work.
    Work(WorkAction),
    /// Something happens to the simulated world: a request, a failure, time passing.
    World(WorldAction),
    /// Move the cursor on the request shown.
    Playback(PlaybackAction),
    /// Findings: their load, their proofs, the one under the pointer.
    Analysis(AnalysisAction),
    /// Load tests: run one, its progress, its settings.
    LoadTest(LoadTestAction),
    /// The side tab, the selection and the viewport.
    View(ViewAction),
    /// Something outside the reducer was refused (a field's value, a file that cannot be
    /// read): show why.
    Refuse(Refusal),
}

macro_rules! from_part {
    ($($part:ident => $variant:ident),* $(,)?) => {
        $(impl From<$part> for Action {
            fn from(action: $part) -> Action {
                Action::$variant(action)
            }
        })*
    };
}

from_part! {
    EditAction => Edit,
    WorkAction => Work,
    WorldAction => World,
    PlaybackAction => Playback,
    AnalysisAction => Analysis,
    LoadTestAction => LoadTest,
    ViewAction => View,
    Refusal => Refuse,
}

impl From<crate::ui::edit::Edit> for Action {
    fn from(edit: crate::ui::edit::Edit) -> Action {
        Action::Edit(EditAction::Change(edit))
    }
}

/// What a successful action does to the refusal shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Done {
    /// It succeeded where a refusal could have been: the refusal shown goes.
    Clears,
    /// It leaves the refusal shown (a tab, a selection, the playback cursor).
    Keeps,
}

/// What an action's module reports to `apply`.
type Outcome = Result<Done, Refusal>;

impl Default for AppState {
    fn default() -> Self {
        let mut state = AppState {
            work: Work::default(),
            world: World::default(),
            playback: Playback::default(),
            analysis: Analysis::default(),
            load_test: LoadTest::default(),
            view: ViewState {
                // A first visit shows the preset whole.
                fit: 1,
                ..ViewState::default()
            },
            refusal: None,
            marks: Shared::default(),
        };
        state.restart_log();
        state.refusal = state.world.unreplayable.take().map(Refusal::from);
        state.analysis.analyze(&state.work.topology);
        state.marks = Shared::new(state.compute_marks());
        state
    }
}

/// The inputs of what `apply` derives, as they were before the action: pointers and small
/// values, cheap to keep.
struct Inputs {
    topology: Shared<crate::sim::topology::Topology>,
    capacity_rps: Option<u32>,
    findings: Shared<Vec<crate::sim::findings::Finding>>,
    run: Shared<crate::ui::playback::Run>,
    playback: Playback,
    selection: Option<Selection>,
    flags: (Option<String>, Option<String>),
    /// The proof route shown and the proofs it is read from.
    route: (Option<(String, bool)>, Proofs),
}

type Proofs = Shared<ById<crate::sim::findings::ProofResult>>;

impl AppState {
    /// The first state of a page whose random nonce is `nonce` (work ids start from it).
    pub fn new(nonce: u64) -> AppState {
        let mut state = AppState::default();
        state.work.nonce = nonce;
        state.work.id = crate::ui::session::WorkId::new(nonce, 0);
        state
    }

    /// Applies one action. A refused action leaves the design and the log untouched and shows
    /// its [`Refusal`].
    pub fn apply(&mut self, action: Action) {
        let before = self.inputs();
        // Only a pan's steps keep it going: a lost pointerup cannot leave autosave off.
        if !matches!(action, Action::View(ViewAction::Pan(_))) {
            self.view.panning = false;
        }
        let outcome = match action {
            Action::Edit(action) => self.apply_edit(action),
            Action::Work(action) => self.apply_work(action),
            Action::World(action) => self.apply_world(action),
            Action::Playback(action) => self.apply_playback(action),
            Action::Analysis(action) => self.apply_analysis(action),
            Action::LoadTest(action) => self.apply_load_test(action),
            Action::View(action) => self.apply_view(action),
            Action::Refuse(refusal) => Err(refusal),
        };
        match outcome {
            Ok(Done::Clears) => self.refusal = None,
            Ok(Done::Keeps) => {}
            Err(refusal) => self.refusal = Some(refusal),
        }
        if let Some(err) = self.world.unreplayable.take() {
            self.refusal = Some(err.into());
        }
        self.derive(&before);
    }

    /// The refusal shown, in words.
    pub fn error(&self) -> Option<String> {
        self.refusal.as_ref().map(Refusal::to_string)
    }

    fn inputs(&self) -> Inputs {
        Inputs {
            topology: self.work.topology.clone(),
            capacity_rps: self.analysis.capacity_rps,
            findings: self.analysis.findings.clone(),
            run: self.world.run.clone(),
            playback: self.playback,
            selection: self.view.selection.clone(),
            flags: (
                self.analysis.finding_hover.clone(),
                self.analysis.finding_focus.clone(),
            ),
            route: (
                self.analysis.route_shown.clone(),
                self.analysis.proofs.clone(),
            ),
        }
    }

    /// Recomputes what is derived from inputs that changed during an action (and was not
    /// recomputed by it): the layout, the findings, the diagram's marks.
    fn derive(&mut self, before: &Inputs) {
        let design_changed = !self.work.topology.same(&before.topology);
        self.work.relayout();
        let reanalyze = design_changed || self.analysis.capacity_rps != before.capacity_rps;
        if reanalyze && self.analysis.findings.same(&before.findings) {
            self.analysis.analyze(&self.work.topology);
        }
        if !self.analysis.findings.same(&before.findings) {
            self.analysis.keep_proofs_of(&before.findings);
        }
        let flags = (&self.analysis.finding_hover, &self.analysis.finding_focus);
        let marked = !self.analysis.findings.same(&before.findings)
            || !self.world.run.same(&before.run)
            || self.playback != before.playback
            || self.view.selection != before.selection
            || flags != (&before.flags.0, &before.flags.1)
            || self.analysis.route_shown != before.route.0
            || !self.analysis.proofs.same(&before.route.1);
        if marked {
            let marks = self.compute_marks();
            if *self.marks != marks {
                self.marks = Shared::new(marks);
            }
        }
    }

    /// What the diagram marks besides the design itself.
    pub fn marks(&self) -> &Marks {
        &self.marks
    }

    /// The marks, shared (for the diagram's property).
    pub fn shared_marks(&self) -> std::rc::Rc<Marks> {
        self.marks.rc()
    }

    fn compute_marks(&self) -> Marks {
        analysis::marks(
            &self.world.run,
            self.current_place(),
            self.view.selection.as_ref(),
            self.analysis.flagged(),
            self.analysis.route(),
        )
    }

    /// Whether a drag of nodes or a pan is under way: the autosave waits for its end, so
    /// pointer moves write nothing.
    pub fn gesture_under_way(&self) -> bool {
        self.work.moving || self.view.panning
    }

    /// The address fragment that describes what is on screen, as far as an address can: the
    /// preset the design still is, the side tab and the load test settings. A reload of it
    /// restores the work ([`crate::ui::session::startup`]).
    pub fn address(&self) -> String {
        crate::ui::address::address(
            self.work.stage,
            self.view.tab,
            self.load_test.settings.as_ref(),
        )
    }

    /// What is on screen besides the design, for the autosave.
    pub fn session(&self) -> Session {
        Session {
            work: self.work.id.clone(),
            stage: self.work.stage,
            tab: self.view.tab.key().to_owned(),
            request: Some(self.world.request),
            log: self.world.log.to_vec(),
            clock: self.world.clock,
            shown: self.playback.trace.map(|t| (t, self.playback.hop)),
            load_test: self
                .load_test
                .settings
                .as_ref()
                .map(crate::ui::load_run::LoadSettings::to_fragment),
            address: self.address(),
            saved_at: None,
        }
    }

    /// The work as a document (to save, autosave or share).
    pub fn document(&self) -> Document {
        self.work_document().document()
    }

    /// The work, shared: a document built only when asked.
    pub fn work_document(&self) -> WorkDocument {
        WorkDocument {
            topology: self.work.topology.clone(),
            positions: self.work.positions.clone(),
            view: self.view.viewport,
        }
    }

    /// The request shown in the event list.
    pub fn shown_trace(&self) -> Option<&crate::sim::trace::Trace> {
        self.world.run.traces.get(self.playback.trace?)
    }

    /// The current hop's place, highlighted on the diagram.
    pub fn current_place(&self) -> Option<&str> {
        let hop = self.shown_trace()?.hops.get(self.playback.hop?)?;
        Some(hop.place.as_str())
    }

    /// The nodes and services of the hovered and the focused findings.
    pub fn flagged(&self) -> SortedSet<String> {
        self.analysis.flagged()
    }

    fn n_hops(&self) -> usize {
        self.shown_trace().map_or(0, |t| t.hops.len())
    }
}

#[cfg(test)]
mod tests;
