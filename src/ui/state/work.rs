//! The work: the design, where its nodes sit, the preset it still is, its history (undo and
//! redo), the clipboard, and which work it is (Recent work keeps one entry per work).
//!
//! [`EditAction`]s change the design in place; [`WorkAction`]s replace the work (a stage, a
//! new design, a file, a link, a saved work). Both are undoable.

use crate::sim::sort::SortedSet;

use crate::sim::by_id::ById;

use super::{AppState, Done, Outcome, Refusal, Selection, Shared};
use crate::sim::presets;
use crate::sim::topology::{Link, Node, Topology};
use crate::ui::document::{Document, MAX_COORD};
use crate::ui::edit::{self, Edit, Part};
use crate::ui::layout::{self, Layout, Point, auto_layout};
use crate::ui::playback::{Run, replay};
use crate::ui::session::{Saved, WorkId};
use crate::ui::viewport::View;

/// Where each node's box sits (its top-left corner), by node id.
pub type Positions = ById<Point>;

/// The design on screen and its history.
#[derive(Clone, Debug, PartialEq)]
pub struct Work {
    /// The preset the current design came from, if it is still one.
    pub stage: Option<u8>,
    pub topology: Shared<Topology>,
    /// Where each node's box sits; dragged, saved and shared.
    pub positions: Shared<Positions>,
    /// `positions` with every box's size; derived, recomputed by `apply`.
    pub layout: Shared<Layout>,
    /// Earlier and undone versions of the work.
    pub history: Shared<History>,
    /// A drag is under way: its first move saved the version before it, the others do not.
    pub moving: bool,
    /// What Copy took: nodes and the links among their services.
    pub clipboard: Option<Shared<(Vec<Node>, Vec<Link>)>>,
    /// Which work is on screen.
    pub id: WorkId,
    /// The design and positions `layout` was computed from.
    laid_out: (Shared<Topology>, Shared<Positions>),
    /// Random per page (from the shell): work ids started here are `nonce-n`.
    pub nonce: u64,
    /// How many works this page started.
    pub works: u32,
    /// Something the user should know about their work (a link replaced it, another tab
    /// changed it), shown until dismissed.
    pub notice: Option<Notice>,
}

impl Default for Work {
    fn default() -> Self {
        let topology = presets::topology(0).unwrap_or_else(empty_topology);
        let layout = auto_layout(&topology);
        let topology = Shared::new(topology);
        let positions = Shared::new(layout::positions(&layout));
        Work {
            stage: Some(0),
            laid_out: (topology.clone(), positions.clone()),
            positions,
            topology,
            layout: Shared::new(layout),
            history: Shared::default(),
            moving: false,
            clipboard: None,
            id: WorkId::new(0, 0),
            nonce: 0,
            works: 0,
            notice: None,
        }
    }
}

impl Work {
    /// Lays the design out again if it or its positions changed since the last time.
    pub(super) fn relayout(&mut self) {
        let (topology, positions) = &self.laid_out;
        if topology.same(&self.topology) && positions.same(&self.positions) {
            return;
        }
        self.layout = Shared::new(layout::place(&self.topology, &self.positions));
        self.laid_out = (self.topology.clone(), self.positions.clone());
    }

    fn new_id(&mut self) -> WorkId {
        self.works += 1;
        WorkId::new(self.nonce, self.works)
    }

    fn version(&self) -> Version {
        Version {
            topology: self.topology.clone(),
            positions: self.positions.clone(),
            stage: self.stage,
            work: self.id.clone(),
        }
    }

    /// Keeps the current version for undo; a new change forgets what was undone.
    fn save_version(&mut self) {
        let version = self.version();
        let history = self.history.make_mut();
        history.undo.push(version);
        if history.undo.len() > MAX_UNDO {
            history.undo.remove(0);
        }
        history.redo.clear();
    }
}

/// The work as it would be saved, without copying it: [`WorkDocument::document`] builds the
/// document when it is needed (a click on Save or Share), not on every render.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkDocument {
    pub topology: Shared<Topology>,
    pub positions: Shared<Positions>,
    pub view: View,
}

impl WorkDocument {
    pub fn document(&self) -> Document {
        Document {
            topology: (*self.topology).clone(),
            positions: (*self.positions).clone(),
            view: Some(self.view),
        }
    }
}

/// What the page tells about the work itself.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// A link replaced the work named `previous`: one undo brings it back.
    LinkOpened { previous: String },
    /// Another tab saved a different version of this work: this tab went on as a work of its
    /// own (both are in Recent work); the other version can be loaded.
    ChangedElsewhere(Box<Saved>),
}

/// Versions of the work to go back (undo) and forward (redo) to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    pub undo: Vec<Version>,
    pub redo: Vec<Version>,
}

/// The most versions kept to undo.
pub const MAX_UNDO: usize = 200;

/// One version of the work: the design, its drawing and the preset it still is.
#[derive(Clone, Debug, PartialEq)]
pub struct Version {
    pub topology: Shared<Topology>,
    pub positions: Shared<Positions>,
    pub stage: Option<u8>,
    pub work: WorkId,
}

/// Changes of the design in place. Undoable.
#[derive(Clone, Debug, PartialEq)]
pub enum EditAction {
    /// Change the design (refused edits keep it and say why).
    Change(Edit),
    /// Add a palette part at this point of the drawing (its box's top-left corner, snapped).
    Add {
        part: Part,
        at: Point,
    },
    /// Move these nodes by (dx, dy) during a drag; the whole drag is one undo step.
    MoveBy {
        ids: Vec<String>,
        dx: f64,
        dy: f64,
    },
    /// The drag is over: the moved nodes snap to the grid.
    EndMove,
    /// Delete the picked nodes, or the selected service or link.
    DeleteSelected,
    Copy,
    Paste,
    Undo,
    Redo,
}

/// Replacing the work. Undoable.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkAction {
    /// Replace the design with stage `n` of the exercise (and start a new log).
    SelectStage(u8),
    /// Start from an empty canvas.
    NewDesign,
    /// Open a saved file or a bare design (its text); a bad one keeps the work and says why.
    Open(String),
    /// Replace the work with a document (a share link, the autosave).
    OpenDocument(Document),
    /// Go back to a saved work with what was on screen (the autosave at start-up, an entry
    /// of Recent work, another tab's version).
    Restore(Box<Saved>),
    /// Open an address fragment over the work (`#stage=3&send=https-read`, `#design=…`):
    /// with `notify`, a notice says the work is one undo away if it was replaced (and was
    /// more than a preset as picked).
    OpenLink {
        fragment: String,
        notify: bool,
    },
    /// Another tab saved this version of a work (see [`Notice::ChangedElsewhere`]).
    ChangedElsewhere(Box<Saved>),
    DismissNotice,
}

pub(super) fn empty_topology() -> Topology {
    Topology {
        version: crate::sim::topology::FORMAT_VERSION,
        name: "Empty design".to_owned(),
        nodes: Vec::new(),
        links: Vec::new(),
    }
}

impl AppState {
    pub(super) fn apply_edit(&mut self, action: EditAction) -> Outcome {
        match action {
            EditAction::Change(edit) => self.edit(&edit).map(|()| Done::Clears),
            EditAction::Add { part, at } => {
                let id = edit::added_id(&self.work.topology, part);
                let at = Point {
                    x: layout::snap(at.x.max(0.0)),
                    y: layout::snap(at.y.max(0.0)),
                };
                self.edit(&Edit::Add(part))?;
                self.work.positions.make_mut().insert(id.clone(), at);
                self.view.picked = Shared::new(super::view::one(id.clone()));
                self.view.selection = Some(Selection::Node(id));
                Ok(Done::Clears)
            }
            EditAction::MoveBy { ids, dx, dy } => {
                if !(dx.is_finite() && dy.is_finite()) {
                    return Ok(Done::Keeps);
                }
                let first = !self.work.moving;
                if first {
                    self.work.save_version();
                    self.work.moving = true;
                }
                let positions = self.work.positions.make_mut();
                for id in &ids {
                    if let Some(p) = positions.get_mut(id) {
                        p.x = (p.x + dx).clamp(0.0, MAX_COORD);
                        p.y = (p.y + dy).clamp(0.0, MAX_COORD);
                    }
                }
                Ok(if first { Done::Clears } else { Done::Keeps })
            }
            EditAction::EndMove => {
                if self.work.moving {
                    self.end_move();
                }
                Ok(Done::Keeps)
            }
            EditAction::DeleteSelected => {
                let picked = &self.view.picked;
                let edit = match &self.view.selection {
                    _ if picked.len() > 1 => Edit::Delete(picked.iter().cloned().collect()),
                    Some(Selection::Node(id) | Selection::Service(id)) => {
                        Edit::Delete(vec![id.clone()])
                    }
                    Some(Selection::Link { from, to }) => Edit::DeleteLink {
                        from: from.clone(),
                        to: to.clone(),
                    },
                    None if !picked.is_empty() => Edit::Delete(picked.iter().cloned().collect()),
                    None => return Err(Refusal::NothingToDelete),
                };
                self.edit(&edit)?;
                self.view.selection = None;
                self.view.picked = Shared::default();
                Ok(Done::Clears)
            }
            EditAction::Copy => self.copy(),
            EditAction::Paste => self.paste(),
            EditAction::Undo => self.travel(true),
            EditAction::Redo => self.travel(false),
        }
    }

    pub(super) fn apply_work(&mut self, action: WorkAction) -> Outcome {
        match action {
            WorkAction::SelectStage(n) => {
                let topology = presets::topology(n).ok_or(Refusal::NoStage(n))?;
                let positions = layout::positions(&auto_layout(&topology));
                // Each stage opens with the request it is built to serve.
                self.world.request.https = crate::sim::model::built_for_https(&topology);
                self.replace_work(topology, Shared::new(positions), Some(n));
                self.view.viewport = View::default();
                self.view.fit = self.view.fit.wrapping_add(1).max(1);
                self.work.id = self.work.new_id();
                Ok(Done::Clears)
            }
            WorkAction::NewDesign => {
                self.forget_inputs();
                self.replace_work(empty_topology(), Shared::default(), None);
                self.view.viewport = View::default();
                self.view.fit = self.view.fit.wrapping_add(1).max(1);
                self.work.id = self.work.new_id();
                Ok(Done::Clears)
            }
            WorkAction::Open(text) => {
                let document = Document::from_json(&text).map_err(Refusal::Open)?;
                self.open_document(document)
            }
            WorkAction::OpenDocument(document) => self.open_document(document),
            WorkAction::Restore(saved) => {
                self.restore(*saved);
                Ok(Done::Clears)
            }
            WorkAction::OpenLink { fragment, notify } => self.open_link(&fragment, notify),
            WorkAction::ChangedElsewhere(saved) => {
                let differs = saved.document.topology != *self.work.topology
                    || saved.document.positions != *self.work.positions;
                if saved.work() == Some(&self.work.id) && differs {
                    self.work.id = self.work.new_id();
                    self.work.notice = Some(Notice::ChangedElsewhere(saved));
                }
                Ok(Done::Keeps)
            }
            WorkAction::DismissNotice => {
                self.work.notice = None;
                Ok(Done::Keeps)
            }
        }
    }

    /// The drag is over: the moved nodes snap to the grid; a drag that ends where it began
    /// is not a step to undo.
    fn end_move(&mut self) {
        self.work.moving = false;
        let history = self.work.history.clone();
        let before = history.undo.last().map(|v| &v.positions);
        let positions = self.work.positions.make_mut();
        for (id, p) in positions.iter_mut() {
            if before.and_then(|b| b.get(id)) != Some(p) {
                p.x = layout::snap(p.x);
                p.y = layout::snap(p.y);
            }
        }
        let unmoved = history.undo.last().is_some_and(|v| {
            *v.positions == *self.work.positions && *v.topology == *self.work.topology
        });
        if unmoved {
            self.work.history.make_mut().undo.pop();
        }
    }

    fn copy(&mut self) -> Outcome {
        let ids: SortedSet<String> = if self.view.picked.is_empty() {
            match &self.view.selection {
                Some(Selection::Node(id)) => super::view::one(id.clone()),
                _ => SortedSet::new(),
            }
        } else {
            (*self.view.picked).clone()
        };
        let topology = &self.work.topology;
        let nodes: Vec<Node> = topology
            .nodes
            .iter()
            .filter(|n| ids.contains(&n.id))
            .cloned()
            .collect();
        if nodes.is_empty() {
            return Err(Refusal::NothingToCopy);
        }
        let inside = |s: &str| {
            topology
                .service(s)
                .is_some_and(|(host, _)| ids.contains(&host.id))
        };
        let links = topology
            .links
            .iter()
            .filter(|l| inside(&l.from) && inside(&l.to))
            .cloned()
            .collect();
        self.work.clipboard = Some(Shared::new((nodes, links)));
        Ok(Done::Clears)
    }

    fn paste(&mut self) -> Outcome {
        let clipboard = self.work.clipboard.clone().ok_or(Refusal::NothingToPaste)?;
        let (nodes, links) = &*clipboard;
        let before = self.work.topology.nodes.len();
        self.edit(&Edit::Paste {
            nodes: nodes.clone(),
            links: links.clone(),
        })?;
        let added: Vec<String> = self.work.topology.nodes[before..]
            .iter()
            .map(|n| n.id.clone())
            .collect();
        let positions = self.work.positions.make_mut();
        for (old, new) in nodes.iter().zip(&added) {
            if let Some(p) = positions.get(&old.id).copied() {
                let at = Point {
                    x: p.x + 4.0 * layout::GRID,
                    y: p.y + 4.0 * layout::GRID,
                };
                positions.insert(new.clone(), at);
            }
        }
        self.view.picked = Shared::new(added.into_iter().collect());
        self.select_single_pick();
        Ok(Done::Clears)
    }

    /// Another design, not an edit of this one: the requests sent so far stay behind.
    fn open_document(&mut self, document: Document) -> Outcome {
        self.forget_inputs();
        let positions = if document.positions.is_empty() {
            layout::positions(&auto_layout(&document.topology))
        } else {
            document.positions
        };
        self.world.request.https = crate::sim::model::built_for_https(&document.topology);
        self.replace_work(document.topology, Shared::new(positions), None);
        if let Some(view) = document.view {
            self.view.viewport = view;
        }
        // Its author's pan and zoom were for their screen: shown whole on this one.
        self.view.fit = self.view.fit.wrapping_add(1).max(1);
        self.work.id = self.work.new_id();
        Ok(Done::Clears)
    }

    /// [`WorkAction::Restore`]: the design as a new version of the work, then what was on
    /// screen.
    fn restore(&mut self, saved: Saved) {
        let Saved { document, session } = saved;
        let session = session.unwrap_or_default();
        self.forget_inputs();
        let positions = if document.positions.is_empty() {
            layout::positions(&auto_layout(&document.topology))
        } else {
            document.positions
        };
        // The preset it says it still is, if it really is.
        let stage = session
            .stage
            .filter(|n| presets::topology(*n).as_ref() == Some(&document.topology));
        self.replace_work(document.topology, Shared::new(positions), stage);
        if let Some(view) = document.view {
            self.view.viewport = view;
            // The user's own pan and zoom stand.
            self.view.fit = 0;
        }
        self.work.id = if session.work.0.is_empty() {
            self.work.new_id()
        } else {
            session.work
        };
        if let Some(tab) = super::Tab::from_key(&session.tab) {
            self.view.tab = tab;
        }
        if let Some(request) = session.request {
            self.world.request = request;
        }
        self.load_test.settings = session
            .load_test
            .and_then(|l| crate::ui::load_run::LoadSettings::from_fragment(&l).ok());
        // The requests sent and failures applied, if they still apply to the design.
        if let Ok(done) = replay(
            &self.work.topology,
            self.world.seed,
            &session.log,
            session.clock,
        ) {
            self.world.clock = session.clock.max(done.sim.now());
            self.world.run = Shared::new(Run::of(&done, &self.work.topology));
            self.world.log = Shared::new(session.log);
            if let Some((t, hop)) = session.shown
                && let Some(trace) = self.world.run.traces.get(t)
            {
                self.playback.trace = Some(t);
                self.playback.hop = hop.filter(|h| *h < trace.hops.len());
            }
        }
        self.work.notice = None;
    }

    /// [`WorkAction::OpenLink`].
    fn open_link(&mut self, fragment: &str, notify: bool) -> Outcome {
        let (works, previous) = (self.work.works, self.work.topology.name.clone());
        let worth_a_notice = notify
            && !crate::ui::session::untouched_preset(
                self.work.stage,
                &self.work.topology,
                &self.work.positions,
            );
        let mut refusal = None;
        let mut loaded = false;
        match Document::from_fragment(fragment) {
            Some(Ok(document)) => {
                self.apply(WorkAction::OpenDocument(document).into());
                loaded = true;
            }
            Some(Err(err)) => refusal = Some(Refusal::ShareLink(err)),
            None => {}
        }
        let mut rest = crate::ui::address::parse_fragment(fragment);
        if loaded {
            rest.stage = None;
        }
        for action in rest.actions() {
            self.apply(action);
        }
        // A stage or a design from the link started another work.
        if worth_a_notice && self.work.works != works {
            self.work.notice = Some(Notice::LinkOpened { previous });
        }
        match refusal {
            Some(refusal) => Err(refusal),
            None => Ok(Done::Keeps),
        }
    }

    /// Applies an edit to the design, or says why it was refused.
    fn edit(&mut self, edit: &Edit) -> Result<(), Refusal> {
        let topology = edit::apply(&self.work.topology, edit)?;
        let mut positions = self.work.positions.clone();
        if let Edit::Share { .. } = edit {
            // A second virtual IP sits beside the first, one box further right.
            let layout = &self.work.layout;
            for node in &topology.nodes {
                if positions.contains_key(&node.id) || self.work.topology.node(&node.id).is_some() {
                    continue;
                }
                let beside = topology
                    .nodes
                    .iter()
                    .filter(|other| other.id != node.id)
                    .filter(|other| {
                        std::mem::discriminant(&other.kind) == std::mem::discriminant(&node.kind)
                    })
                    .find_map(|other| layout.boxes.get(&other.id));
                if let Some(rect) = beside {
                    let at = Point {
                        x: layout::snap(rect.x + rect.w + 2.0 * layout::GRID),
                        y: rect.y,
                    };
                    positions.make_mut().insert(node.id.clone(), at);
                }
            }
        }
        if let Edit::Rename { id, to } = edit
            && let Some(p) = positions.get(id).copied()
        {
            let positions = positions.make_mut();
            positions.retain(|other, _| other != id);
            positions.insert(to.clone(), p);
        }
        // The inspector stays on what it showed (under its new id), if still there.
        let renamed = |s: &String| match edit {
            Edit::Rename { id, to } if s == id => to.clone(),
            _ => s.clone(),
        };
        let selection = self
            .view
            .selection
            .as_ref()
            .map(|selection| match selection {
                Selection::Node(s) => Selection::Node(renamed(s)),
                Selection::Service(s) => Selection::Service(renamed(s)),
                Selection::Link { from, to } => Selection::Link {
                    from: renamed(from),
                    to: renamed(to),
                },
            });
        self.replace_work(topology, positions, None);
        self.view.selection = selection.filter(|s| self.exists(s));
        Ok(())
    }

    pub(super) fn exists(&self, selection: &Selection) -> bool {
        let topology = &self.work.topology;
        match selection {
            Selection::Node(id) => topology.node(id).is_some(),
            Selection::Service(id) => topology.service(id).is_some(),
            Selection::Link { from, to } => topology
                .links
                .iter()
                .any(|l| l.from == *from && l.to == *to),
        }
    }

    pub(super) fn select_single_pick(&mut self) {
        self.view.selection = match self.view.picked.len() {
            1 => self.view.picked.first().cloned().map(Selection::Node),
            _ => None,
        };
    }

    /// Undo (`back`) or redo.
    fn travel(&mut self, back: bool) -> Outcome {
        self.work.moving = false;
        let current = self.work.version();
        let history = self.work.history.make_mut();
        let (from, to) = if back {
            (&mut history.undo, &mut history.redo)
        } else {
            (&mut history.redo, &mut history.undo)
        };
        let Some(version) = from.pop() else {
            return Err(if back {
                Refusal::NothingToUndo
            } else {
                Refusal::NothingToRedo
            });
        };
        to.push(current);
        let selection = self.view.selection.clone();
        self.set_work(version.topology, version.positions, version.stage);
        self.work.id = version.work;
        if matches!(self.work.notice, Some(Notice::LinkOpened { .. })) {
            self.work.notice = None;
        }
        self.view.selection = selection.filter(|s| self.exists(s));
        Ok(Done::Clears)
    }

    /// A new version of the work (undoable): the design, where its nodes sit, its preset.
    fn replace_work(
        &mut self,
        topology: Topology,
        positions: Shared<Positions>,
        stage: Option<u8>,
    ) {
        self.work.save_version();
        self.work.moving = false;
        self.set_work(Shared::new(topology), positions, stage);
    }

    /// Shows this version of the work: what was derived from the old design is recomputed,
    /// the log of inputs is replayed on the new design (or started anew if it no longer
    /// applies), and the selection is cleared.
    fn set_work(
        &mut self,
        topology: Shared<Topology>,
        positions: Shared<Positions>,
        stage: Option<u8>,
    ) {
        let same_design = topology == self.work.topology;
        if !same_design {
            self.work.topology = topology;
        }
        let mut positions = positions;
        if positions
            .keys()
            .any(|id| self.work.topology.node(id).is_none())
        {
            let topology = &self.work.topology;
            let positions = positions.make_mut();
            positions.retain(|id, _| topology.node(id).is_some());
        }
        self.work.positions = positions;
        self.work.stage = stage;
        self.work.relayout();
        let placed = layout::positions(&self.work.layout);
        if placed != *self.work.positions {
            self.work.positions = Shared::new(placed);
        }
        self.view.selection = None;
        self.view.picked = Shared::default();
        self.analysis.finding_hover = None;
        self.analysis.finding_focus = None;
        if same_design {
            return;
        }
        self.analysis.proofs = Shared::default();
        self.load_test.last = None;
        self.load_test.live = None;
        self.playback = super::Playback {
            speed: self.playback.speed,
            ..super::Playback::default()
        };
        // The inputs so far happen again to the new design: requests are resent through it.
        // A preset, or inputs that name what the design no longer has, start a new log.
        let world = &mut self.world;
        let replayed = stage.is_none()
            && replay(&self.work.topology, world.seed, &world.log, world.clock)
                .map(|done| world.run = Shared::new(Run::of(&done, &self.work.topology)))
                .is_ok();
        if !replayed {
            self.world.log = Shared::default();
            self.world.clock = crate::sim::time::SimTime::ZERO;
            self.restart_log();
        }
    }

    /// Starts a new log of inputs (for a new or opened design, not an edited one).
    fn forget_inputs(&mut self) {
        self.world.log = Shared::default();
        self.world.clock = crate::sim::time::SimTime::ZERO;
        self.playback = super::Playback {
            speed: self.playback.speed,
            ..super::Playback::default()
        };
        self.restart_log();
    }
}
