//! The UI's whole state and the one reducer that changes it.
//!
//! Every user intent is an [`Action`]; [`AppState::apply`] is plain Rust and natively tested.
//! Yew's part is the three-line `yew::Reducible` impl in the browser shell (`web::app`).
//!
//! The simulation is a pure function of (design, seed, timed inputs): the state keeps the
//! design, the seed and the log of inputs with their times, never a `Simulation`. Every change
//! to the log or the clock replays it ([`crate::ui::playback::replay`]) and keeps what the page
//! shows as plain values ([`Run`]).
//!
//! The design's findings ([`findings::analyze`]) are derived too: recomputed by `apply` when the
//! design or the load changes, so every render reads them instead of analysing again. "Prove it"
//! ([`Action::Prove`]) runs a finding's scenario in a fresh simulation; it never touches the log.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use crate::sim::engine::Input;
use crate::sim::findings::{self, Finding, ProofResult};
use crate::sim::presets;
use crate::sim::time::{SimDuration, SimTime};
use crate::sim::topology::{Link, Node, NodeKind, Topology};
use crate::sim::trace::{RequestKind, RequestSpec, Trace};
use crate::ui::document::Document;
use crate::ui::edit::{self, Edit, Part};
use crate::ui::layout::{self, Layout, Point, auto_layout};
use crate::ui::load_run::{self, LoadResult, LoadSettings};
use crate::ui::playback::{Run, replay};
use crate::ui::session::{Saved, Session, WorkId};
use crate::ui::viewport::View;

/// Everything the page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    /// The preset the current design came from, if it is still one.
    pub stage: Option<u8>,
    pub topology: Topology,
    /// Where each node's box sits (its top-left corner); dragged, saved and shared.
    pub positions: BTreeMap<String, Point>,
    /// `positions` with every box's size; derived, recomputed by `apply`.
    pub layout: Layout,
    /// How the canvas looks at the drawing (pan and zoom); saved with the work.
    pub view: View,
    /// Earlier and undone versions of the work.
    pub history: History,
    /// A drag is under way: its first move saved the version before it, the others do not.
    pub moving: bool,
    /// The nodes picked for moving, deleting and copying together (shift-click, rubber band).
    pub picked: BTreeSet<String>,
    /// What Copy took: nodes and the links among their services.
    pub clipboard: Option<(Vec<Node>, Vec<Link>)>,
    /// The last refused action, shown until the next successful one.
    pub error: Option<String>,
    /// Seeds the simulation's random draws (the health checks' phases).
    pub seed: u64,
    /// What happened to the simulated world and when, in order.
    pub log: Vec<(SimTime, Input)>,
    /// The page's simulated clock: the next input happens now.
    pub clock: SimTime,
    /// What the replay of `log` up to `clock` shows; derived, recomputed by `apply`.
    pub run: Rc<Run>,
    /// The request the Send button (or a click on the browser) sends.
    pub request: RequestSpec,
    /// The node, service or link the inspector shows.
    pub selection: Option<Selection>,
    pub playback: Playback,
    /// The view open in the side area.
    pub tab: Tab,
    /// The load the capacity finding is checked against, in requests per second; `None`: no
    /// capacity finding.
    pub load_rps: Option<u32>,
    /// `findings::analyze(topology, load_rps)`; derived, recomputed by `apply`.
    pub findings: Rc<Vec<Finding>>,
    /// What "Prove it" showed, per finding id. Cleared when the design changes.
    pub proofs: BTreeMap<String, ProofResult>,
    /// The finding under the mouse pointer; its nodes are marked on the diagram.
    pub finding_hover: Option<String>,
    /// The finding with the keyboard focus; its nodes are marked on the diagram.
    pub finding_focus: Option<String>,
    /// The path of the exported file shown; `None` (or a path not in the export): the first.
    pub export_file: Option<String>,
    /// The last load run on this design (computed at once by [`Action::RunLoad`]); `None`:
    /// none yet.
    pub load_run: Option<Rc<LoadResult>>,
    /// The run being computed, as far as it got (drawn on the diagram while it runs).
    pub load_live: Option<Rc<LoadResult>>,
    /// The settings of the last run started (or from a share link): the load panel starts from
    /// them and the share link carries them.
    pub load_settings: Option<LoadSettings>,
    /// Which work is on screen (Recent work keeps one entry per work).
    pub work: WorkId,
    /// Random per page (from the shell): work ids started here are `nonce-n`.
    pub nonce: u64,
    /// How many works this page started.
    pub works: u32,
    /// Something the user should know about their work (a link replaced it, another tab
    /// changed it), shown until dismissed.
    pub notice: Option<Notice>,
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

/// The views of the side area. The request view keeps its state while another is open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    /// The shown request, the load balancers, the requests sent and the stage's explanation.
    #[default]
    Request,
    /// The design's findings and the stage diff.
    Findings,
    /// The reachability matrix.
    Reach,
    /// The configuration files.
    Export,
    /// Load runs, their charts and the monitoring dashboard.
    Load,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Request,
        Tab::Findings,
        Tab::Reach,
        Tab::Export,
        Tab::Load,
    ];

    /// The tab's name in the address fragment (`#tab=findings`) and in `data-tab`.
    pub fn key(self) -> &'static str {
        match self {
            Tab::Request => "request",
            Tab::Findings => "findings",
            Tab::Reach => "reach",
            Tab::Export => "export",
            Tab::Load => "load",
        }
    }

    pub fn from_key(key: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.key() == key)
    }
}

/// Something on the diagram the user picked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    Node(String),
    Service(String),
    Link { from: String, to: String },
}

/// Which request is shown in the event list, and where its playback is.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Playback {
    /// Index into `run.traces`.
    pub trace: Option<usize>,
    /// The current hop: the dot travels to it, its row and place are highlighted. `None`:
    /// before the first hop.
    pub hop: Option<usize>,
    pub playing: bool,
    pub speed: Speed,
}

/// Playback speed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Speed {
    Half,
    #[default]
    Normal,
    Double,
    Quadruple,
}

impl Speed {
    pub const ALL: [Speed; 4] = [Speed::Half, Speed::Normal, Speed::Double, Speed::Quadruple];

    pub fn factor(self) -> f64 {
        match self {
            Speed::Half => 0.5,
            Speed::Normal => 1.0,
            Speed::Double => 2.0,
            Speed::Quadruple => 4.0,
        }
    }
}

/// What a user can do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Replace the design with stage `n` of the exercise (and start a new log).
    SelectStage(u8),
    /// Choose what the Send button sends.
    SetRequestKind(RequestKind),
    SetHttps(bool),
    /// Send one request now and play it.
    Send(RequestSpec),
    /// Let simulated time pass (health checks, VRRP adverts, replication).
    Wait(SimDuration),
    /// Something happens to the world now: a host or service goes down or up, a link is cut
    /// or restored. `Input::Send` behaves like [`Action::Send`].
    Apply(Input),
    /// Click on the diagram: the browser sends a request, anything else is selected.
    Select(Selection),
    ClearSelection,
    /// Show request number `n` (in the order sent), paused at its end.
    ShowTrace(usize),
    /// Jump to hop `n` of the shown request, paused.
    ShowHop(usize),
    Play,
    Pause,
    TogglePlay,
    StepForward,
    StepBack,
    /// Back to before the first hop, paused.
    Reset,
    SetSpeed(Speed),
    /// The animation finished showing `hop` of `trace`: go on to the next (ignored unless that
    /// is still what is playing).
    Advance {
        trace: usize,
        hop: usize,
    },
    /// Open a view of the side area.
    ShowTab(Tab),
    /// Check capacity against this many requests per second (`None` or 0: do not).
    SetLoad(Option<u32>),
    /// Run the proof of the finding with this id and keep what it showed.
    Prove(String),
    /// The pointer is over this finding (`None`: over none).
    HoverFinding(Option<String>),
    /// This finding has the keyboard focus (`None`: none has).
    FocusFinding(Option<String>),
    /// Show the exported file with this path.
    ShowFile(String),
    /// Run this load on the design, all at once, and keep its series; refused settings keep
    /// the previous run.
    RunLoad(LoadSettings),
    /// A run computed a slice per frame (by the load panel) has finished.
    LoadFinished(Rc<LoadResult>),
    /// The run being computed, so far (`None`: stopped).
    LoadLive(Option<Rc<LoadResult>>),
    /// The settings of a run just started, or opened from a link.
    SetLoadSettings(LoadSettings),
    /// Change the design (refused edits keep it and say why). Undoable.
    Edit(Edit),
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
    /// Pick exactly these nodes (rubber band); the inspector shows one if only one.
    Pick(Vec<String>),
    /// Add a node to the picked ones, or take it out (shift-click).
    TogglePick(String),
    /// Delete the picked nodes, or the selected service or link.
    DeleteSelected,
    Copy,
    Paste,
    Undo,
    Redo,
    /// Start from an empty canvas. Undoable.
    NewDesign,
    /// Open a saved file or a bare design (its text); a bad one keeps the work and says why.
    Open(String),
    /// Replace the work with a document (a share link, the autosave). Undoable.
    Load(Document),
    /// Pan or zoom the canvas.
    SetView(View),
    /// Something outside the reducer went wrong (a field's value, a file that cannot be read).
    Refuse(String),
    /// Go back to a saved work with what was on screen (the autosave at start-up, an entry
    /// of Recent work, another tab's version). Undoable.
    Restore(Box<Saved>),
    /// Open an address fragment over the work (`#stage=3&send=https-read`, `#design=…`):
    /// undoable; with `notify`, a notice says the work is one undo away if it was replaced
    /// (and was more than a preset as picked).
    OpenLink {
        fragment: String,
        notify: bool,
    },
    /// Another tab saved this version of a work (see [`Notice::ChangedElsewhere`]).
    ChangedElsewhere(Box<Saved>),
    DismissNotice,
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
    pub topology: Topology,
    pub positions: BTreeMap<String, Point>,
    pub stage: Option<u8>,
    pub work: WorkId,
}

impl Default for AppState {
    fn default() -> Self {
        let topology = presets::topology(0).unwrap_or_else(empty_topology);
        let layout = auto_layout(&topology);
        let mut state = AppState {
            stage: Some(0),
            topology,
            positions: layout::positions(&layout),
            layout,
            view: View::default(),
            history: History::default(),
            moving: false,
            picked: BTreeSet::new(),
            clipboard: None,
            error: None,
            seed: 1,
            log: Vec::new(),
            clock: SimTime::ZERO,
            run: Rc::default(),
            request: RequestSpec::new(RequestKind::Read, false),
            selection: None,
            playback: Playback::default(),
            tab: Tab::default(),
            load_rps: None,
            findings: Rc::default(),
            proofs: BTreeMap::new(),
            finding_hover: None,
            finding_focus: None,
            export_file: None,
            load_run: None,
            load_live: None,
            load_settings: None,
            work: WorkId::new(0, 0),
            nonce: 0,
            works: 0,
            notice: None,
        };
        state.replay_log();
        state.analyze();
        state
    }
}

fn empty_topology() -> Topology {
    Topology {
        version: crate::sim::topology::FORMAT_VERSION,
        name: "Empty design".to_owned(),
        nodes: Vec::new(),
        links: Vec::new(),
    }
}

impl AppState {
    /// The first state of a page whose random nonce is `nonce` (work ids start from it).
    pub fn new(nonce: u64) -> AppState {
        AppState {
            nonce,
            work: WorkId::new(nonce, 0),
            ..AppState::default()
        }
    }

    /// Applies one action. A refused action leaves the design and the log untouched and sets
    /// `error`.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::SelectStage(n) => match presets::topology(n) {
                Some(topology) => {
                    let positions = layout::positions(&auto_layout(&topology));
                    self.replace_work(topology, positions, Some(n));
                    self.view = View::default();
                    self.work = self.new_work();
                }
                None => self.error = Some(format!("there is no stage {n}; stages go from 0 to 3")),
            },
            Action::SetRequestKind(kind) => self.request.kind = kind,
            Action::SetHttps(https) => self.request.https = https,
            Action::Send(spec) | Action::Apply(Input::Send(spec)) => self.send(spec),
            Action::Wait(duration) => {
                self.clock += duration;
                self.replay_log();
            }
            Action::Apply(input) => {
                self.push_input(input);
            }
            Action::Select(Selection::Node(id)) if self.is_client(&id) => self.send(self.request),
            Action::Select(selection) => {
                self.picked = match &selection {
                    Selection::Node(id) => BTreeSet::from([id.clone()]),
                    _ => BTreeSet::new(),
                };
                self.selection = Some(selection);
            }
            Action::ClearSelection => {
                self.selection = None;
                self.picked.clear();
            }
            Action::ShowTrace(n) => {
                if let Some(trace) = self.run.traces.get(n) {
                    self.playback.trace = Some(n);
                    self.playback.hop = trace.hops.len().checked_sub(1);
                    self.playback.playing = false;
                }
            }
            Action::ShowHop(n) => {
                if n < self.n_hops() {
                    self.playback.hop = Some(n);
                    self.playback.playing = false;
                }
            }
            Action::Play => self.play(),
            Action::Pause => self.playback.playing = false,
            Action::TogglePlay => {
                if self.playback.playing {
                    self.playback.playing = false;
                } else {
                    self.play();
                }
            }
            Action::StepForward => {
                self.playback.playing = false;
                let n = self.n_hops();
                if n > 0 {
                    self.playback.hop = Some(self.playback.hop.map_or(0, |h| (h + 1).min(n - 1)));
                }
            }
            Action::StepBack => {
                self.playback.playing = false;
                self.playback.hop = self.playback.hop.and_then(|h| h.checked_sub(1));
            }
            Action::Reset => {
                self.playback.playing = false;
                self.playback.hop = None;
            }
            Action::SetSpeed(speed) => self.playback.speed = speed,
            Action::Advance { trace, hop } => {
                let current = self.playback.trace == Some(trace) && self.playback.hop == Some(hop);
                if self.playback.playing && current {
                    if hop + 1 < self.n_hops() {
                        self.playback.hop = Some(hop + 1);
                    } else {
                        self.playback.playing = false;
                    }
                }
            }
            Action::ShowTab(tab) => self.tab = tab,
            Action::SetLoad(rps) => {
                let rps = rps.filter(|r| *r > 0);
                if rps != self.load_rps {
                    self.load_rps = rps;
                    let before = self.findings.clone();
                    self.analyze();
                    // A proof stays only while its finding still has the same scenario.
                    let proof_of = |list: &[Finding], id: &str| {
                        list.iter().find(|f| f.id == id).map(|f| f.proof.clone())
                    };
                    let after = self.findings.clone();
                    self.proofs
                        .retain(|id, _| proof_of(&before, id) == proof_of(&after, id));
                }
            }
            Action::Prove(id) => match self.findings.iter().find(|f| f.id == id) {
                Some(Finding {
                    proof: Some(proof), ..
                }) => {
                    let result = findings::prove(&self.topology, proof);
                    self.proofs.insert(id, result);
                    self.error = None;
                }
                Some(_) => self.error = Some(format!("the finding '{id}' has nothing to prove")),
                None => self.error = Some(format!("there is no finding '{id}' in this design")),
            },
            Action::HoverFinding(id) => self.finding_hover = id,
            Action::FocusFinding(id) => self.finding_focus = id,
            Action::ShowFile(path) => self.export_file = Some(path),
            Action::RunLoad(settings) => match load_run::run(&self.topology, &settings) {
                Ok(result) => {
                    self.load_run = Some(Rc::new(result));
                    self.error = None;
                }
                Err(err) => self.error = Some(err),
            },
            Action::LoadFinished(result) => {
                self.load_run = Some(result);
                self.load_live = None;
                self.error = None;
            }
            Action::LoadLive(result) => self.load_live = result,
            Action::SetLoadSettings(settings) => self.load_settings = Some(settings),
            Action::Edit(edit) => {
                self.edit(&edit);
            }
            Action::Add { part, at } => {
                let id = edit::added_id(&self.topology, part);
                let at = Point {
                    x: layout::snap(at.x.max(0.0)),
                    y: layout::snap(at.y.max(0.0)),
                };
                if self.edit(&Edit::Add(part)) {
                    self.positions.insert(id.clone(), at);
                    self.relayout();
                    self.picked = BTreeSet::from([id.clone()]);
                    self.selection = Some(Selection::Node(id));
                }
            }
            Action::MoveBy { ids, dx, dy } => {
                if !(dx.is_finite() && dy.is_finite()) {
                    return;
                }
                if !self.moving {
                    self.save_version();
                    self.moving = true;
                    self.error = None;
                }
                for id in &ids {
                    if let Some(p) = self.positions.get_mut(id) {
                        p.x = (p.x + dx).clamp(0.0, crate::ui::document::MAX_COORD);
                        p.y = (p.y + dy).clamp(0.0, crate::ui::document::MAX_COORD);
                    }
                }
                self.relayout();
            }
            Action::EndMove => {
                if self.moving {
                    self.moving = false;
                    // The moved nodes snap to the grid; the others stay where they are.
                    let before = self.history.undo.last().map(|v| &v.positions);
                    for (id, p) in &mut self.positions {
                        if before.and_then(|b| b.get(id)) != Some(p) {
                            p.x = layout::snap(p.x);
                            p.y = layout::snap(p.y);
                        }
                    }
                    self.relayout();
                    // A drag that ends where it began is not a step to undo.
                    if self.history.undo.last().is_some_and(|v| {
                        v.positions == self.positions && v.topology == self.topology
                    }) {
                        self.history.undo.pop();
                    }
                }
            }
            Action::Pick(ids) => {
                self.picked = ids
                    .into_iter()
                    .filter(|id| self.topology.node(id).is_some())
                    .collect();
                self.select_single_pick();
            }
            Action::TogglePick(id) => {
                if self.topology.node(&id).is_some() && !self.picked.remove(&id) {
                    self.picked.insert(id);
                }
                self.select_single_pick();
            }
            Action::DeleteSelected => {
                let edit = match &self.selection {
                    _ if self.picked.len() > 1 => {
                        Some(Edit::Delete(self.picked.iter().cloned().collect()))
                    }
                    Some(Selection::Node(id) | Selection::Service(id)) => {
                        Some(Edit::Delete(vec![id.clone()]))
                    }
                    Some(Selection::Link { from, to }) => Some(Edit::DeleteLink {
                        from: from.clone(),
                        to: to.clone(),
                    }),
                    None if !self.picked.is_empty() => {
                        Some(Edit::Delete(self.picked.iter().cloned().collect()))
                    }
                    None => None,
                };
                match edit {
                    Some(edit) => {
                        if self.edit(&edit) {
                            self.selection = None;
                            self.picked.clear();
                        }
                    }
                    None => self.error = Some("select something to delete first".to_owned()),
                }
            }
            Action::Copy => {
                let ids: BTreeSet<String> = if self.picked.is_empty() {
                    match &self.selection {
                        Some(Selection::Node(id)) => BTreeSet::from([id.clone()]),
                        _ => BTreeSet::new(),
                    }
                } else {
                    self.picked.clone()
                };
                let nodes: Vec<Node> = self
                    .topology
                    .nodes
                    .iter()
                    .filter(|n| ids.contains(&n.id))
                    .cloned()
                    .collect();
                if nodes.is_empty() {
                    self.error = Some("select one or more nodes to copy".to_owned());
                    return;
                }
                let inside = |s: &str| {
                    self.topology
                        .service(s)
                        .is_some_and(|(host, _)| ids.contains(&host.id))
                };
                let links = self
                    .topology
                    .links
                    .iter()
                    .filter(|l| inside(&l.from) && inside(&l.to))
                    .cloned()
                    .collect();
                self.clipboard = Some((nodes, links));
                self.error = None;
            }
            Action::Paste => {
                let Some((nodes, links)) = self.clipboard.clone() else {
                    self.error = Some("copy something first".to_owned());
                    return;
                };
                let before = self.topology.nodes.len();
                if self.edit(&Edit::Paste {
                    nodes: nodes.clone(),
                    links,
                }) {
                    let added: Vec<String> = self.topology.nodes[before..]
                        .iter()
                        .map(|n| n.id.clone())
                        .collect();
                    for (old, new) in nodes.iter().zip(&added) {
                        if let Some(p) = self.positions.get(&old.id).copied() {
                            let at = Point {
                                x: p.x + 4.0 * layout::GRID,
                                y: p.y + 4.0 * layout::GRID,
                            };
                            self.positions.insert(new.clone(), at);
                        }
                    }
                    self.relayout();
                    self.picked = added.into_iter().collect();
                    self.select_single_pick();
                }
            }
            Action::Undo => self.travel(true),
            Action::Redo => self.travel(false),
            Action::NewDesign => {
                self.forget_inputs();
                self.replace_work(empty_topology(), BTreeMap::new(), None);
                self.view = View::default();
                self.work = self.new_work();
            }
            Action::Open(text) => match Document::from_json(&text) {
                Ok(document) => self.apply(Action::Load(document)),
                Err(err) => self.error = Some(format!("could not open the file: {err}")),
            },
            Action::Load(document) => {
                // Another design, not an edit of this one: the requests sent so far stay behind.
                self.forget_inputs();
                let positions = if document.positions.is_empty() {
                    layout::positions(&auto_layout(&document.topology))
                } else {
                    document.positions
                };
                self.replace_work(document.topology, positions, None);
                if let Some(view) = document.view {
                    self.view = view;
                }
                self.work = self.new_work();
            }
            Action::SetView(view) => {
                if view.x.is_finite() && view.y.is_finite() && view.zoom.is_finite() {
                    self.view = View {
                        zoom: view
                            .zoom
                            .clamp(crate::ui::viewport::MIN_ZOOM, crate::ui::viewport::MAX_ZOOM),
                        ..view
                    };
                }
            }
            Action::Refuse(message) => self.error = Some(message),
            Action::Restore(saved) => self.restore(*saved),
            Action::OpenLink { fragment, notify } => self.open_link(&fragment, notify),
            Action::ChangedElsewhere(saved) => {
                let differs = saved.document.topology != self.topology
                    || saved.document.positions != self.positions;
                if saved.work() == Some(&self.work) && differs {
                    self.work = self.new_work();
                    self.notice = Some(Notice::ChangedElsewhere(saved));
                }
            }
            Action::DismissNotice => self.notice = None,
        }
    }

    /// The address fragment that describes what is on screen, as far as an address can: the
    /// preset the design still is, the side tab and the load settings. A reload of it
    /// restores the work ([`crate::ui::session::startup`]).
    pub fn address(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = self.stage {
            parts.push(format!("stage={n}"));
        }
        if self.tab != Tab::Request {
            parts.push(format!("tab={}", self.tab.key()));
        }
        if let Some(load) = &self.load_settings {
            parts.push(load.to_fragment());
        }
        parts.join("&")
    }

    /// What is on screen besides the design, for the autosave.
    pub fn session(&self) -> Session {
        Session {
            work: self.work.clone(),
            stage: self.stage,
            tab: self.tab.key().to_owned(),
            request: Some(self.request),
            log: self.log.clone(),
            clock: self.clock,
            shown: self.playback.trace.map(|t| (t, self.playback.hop)),
            load: self.load_settings.as_ref().map(LoadSettings::to_fragment),
            address: self.address(),
            saved_at: None,
        }
    }

    fn new_work(&mut self) -> WorkId {
        self.works += 1;
        WorkId::new(self.nonce, self.works)
    }

    /// [`Action::Restore`]: the design as a new version of the work, then what was on screen.
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
        self.replace_work(document.topology, positions, stage);
        if let Some(view) = document.view {
            self.view = view;
        }
        self.work = if session.work.0.is_empty() {
            self.new_work()
        } else {
            session.work
        };
        if let Some(tab) = Tab::from_key(&session.tab) {
            self.tab = tab;
        }
        if let Some(request) = session.request {
            self.request = request;
        }
        self.load_settings = session
            .load
            .and_then(|l| LoadSettings::from_fragment(&l).ok());
        // The requests sent and failures applied, if they still apply to the design.
        if let Ok(done) = replay(&self.topology, self.seed, &session.log, session.clock) {
            self.clock = session.clock.max(done.sim.now());
            self.run = Rc::new(Run::of(&done, &self.topology));
            self.log = session.log;
            if let Some((t, hop)) = session.shown
                && let Some(trace) = self.run.traces.get(t)
            {
                self.playback.trace = Some(t);
                self.playback.hop = hop.filter(|h| *h < trace.hops.len());
            }
        }
        self.notice = None;
    }

    /// [`Action::OpenLink`].
    fn open_link(&mut self, fragment: &str, notify: bool) {
        let (works, previous) = (self.works, self.topology.name.clone());
        let worth_a_notice = notify
            && !crate::ui::session::untouched_preset(self.stage, &self.topology, &self.positions);
        let mut refusal = None;
        let mut loaded = false;
        match Document::from_fragment(fragment) {
            Some(Ok(document)) => {
                self.apply(Action::Load(document));
                loaded = true;
            }
            Some(Err(err)) => {
                refusal = Some(format!(
                    "the share link could not be opened ({err}); your own work is shown instead"
                ));
            }
            None => {}
        }
        let mut rest = parse_fragment(fragment);
        if loaded {
            rest.stage = None;
        }
        for action in rest.actions() {
            self.apply(action);
        }
        // A stage or a design from the link started another work.
        if worth_a_notice && self.works != works {
            self.notice = Some(Notice::LinkOpened { previous });
        }
        if let Some(refusal) = refusal {
            self.error = Some(refusal);
        }
    }

    /// The work as a document (to save, autosave or share).
    pub fn document(&self) -> Document {
        Document {
            topology: self.topology.clone(),
            positions: self.positions.clone(),
            view: Some(self.view),
        }
    }

    /// Starts a new log of inputs (for a new or opened design, not an edited one).
    fn forget_inputs(&mut self) {
        self.log.clear();
        self.clock = SimTime::ZERO;
        self.playback = Playback {
            speed: self.playback.speed,
            ..Playback::default()
        };
        self.replay_log();
    }

    /// Applies an edit to the design; `false` (and `error`) if it was refused.
    fn edit(&mut self, edit: &Edit) -> bool {
        match edit::apply(&self.topology, edit) {
            Ok(topology) => {
                let mut positions = self.positions.clone();
                if let Edit::Rename { id, to } = edit
                    && let Some(p) = positions.remove(id)
                {
                    positions.insert(to.clone(), p);
                }
                // The inspector stays on what it showed (under its new id), if still there.
                let renamed = |s: &String| match edit {
                    Edit::Rename { id, to } if s == id => to.clone(),
                    _ => s.clone(),
                };
                let selection = self.selection.as_ref().map(|selection| match selection {
                    Selection::Node(s) => Selection::Node(renamed(s)),
                    Selection::Service(s) => Selection::Service(renamed(s)),
                    Selection::Link { from, to } => Selection::Link {
                        from: renamed(from),
                        to: renamed(to),
                    },
                });
                self.replace_work(topology, positions, None);
                self.selection = selection.filter(|s| self.exists(s));
                true
            }
            Err(err) => {
                self.error = Some(err.to_string());
                false
            }
        }
    }

    fn exists(&self, selection: &Selection) -> bool {
        match selection {
            Selection::Node(id) => self.topology.node(id).is_some(),
            Selection::Service(id) => self.topology.service(id).is_some(),
            Selection::Link { from, to } => self
                .topology
                .links
                .iter()
                .any(|l| l.from == *from && l.to == *to),
        }
    }

    fn select_single_pick(&mut self) {
        self.selection = match self.picked.len() {
            1 => self.picked.first().cloned().map(Selection::Node),
            _ => None,
        };
    }

    /// Keeps the current version for undo; a new change forgets what was undone.
    fn save_version(&mut self) {
        self.history.undo.push(self.version());
        if self.history.undo.len() > MAX_UNDO {
            self.history.undo.remove(0);
        }
        self.history.redo.clear();
    }

    fn version(&self) -> Version {
        Version {
            topology: self.topology.clone(),
            positions: self.positions.clone(),
            stage: self.stage,
            work: self.work.clone(),
        }
    }

    /// Undo (`back`) or redo.
    fn travel(&mut self, back: bool) {
        self.moving = false;
        let current = self.version();
        let (from, to) = if back {
            (&mut self.history.undo, &mut self.history.redo)
        } else {
            (&mut self.history.redo, &mut self.history.undo)
        };
        let Some(version) = from.pop() else {
            self.error = Some(format!("nothing to {}", if back { "undo" } else { "redo" }));
            return;
        };
        to.push(current);
        let selection = self.selection.clone();
        self.set_work(version.topology, version.positions, version.stage);
        self.work = version.work;
        if matches!(self.notice, Some(Notice::LinkOpened { .. })) {
            self.notice = None;
        }
        self.selection = selection.filter(|s| self.exists(s));
    }

    /// A new version of the work (undoable): the design, where its nodes sit, its preset.
    fn replace_work(
        &mut self,
        topology: Topology,
        positions: BTreeMap<String, Point>,
        stage: Option<u8>,
    ) {
        self.save_version();
        self.moving = false;
        self.set_work(topology, positions, stage);
    }

    /// Shows this version of the work: what was derived from the old design is recomputed,
    /// the log of inputs is replayed on the new design (or started anew if it no longer
    /// applies), and the selection is cleared.
    fn set_work(
        &mut self,
        topology: Topology,
        positions: BTreeMap<String, Point>,
        stage: Option<u8>,
    ) {
        let same_design = topology == self.topology;
        self.topology = topology;
        self.positions = positions;
        self.positions
            .retain(|id, _| self.topology.node(id).is_some());
        self.stage = stage;
        self.relayout();
        self.positions = layout::positions(&self.layout);
        self.error = None;
        self.selection = None;
        self.picked.clear();
        self.finding_hover = None;
        self.finding_focus = None;
        if same_design {
            return;
        }
        self.proofs.clear();
        self.load_run = None;
        self.load_live = None;
        self.playback = Playback {
            speed: self.playback.speed,
            ..Playback::default()
        };
        // The inputs so far happen again to the new design: requests are resent through it.
        // A preset, or inputs that name what the design no longer has, start a new log.
        let replayed = stage.is_none()
            && replay(&self.topology, self.seed, &self.log, self.clock)
                .map(|done| self.run = Rc::new(Run::of(&done, &self.topology)))
                .is_ok();
        if !replayed {
            self.log.clear();
            self.clock = SimTime::ZERO;
            self.replay_log();
        }
        self.analyze();
    }

    fn relayout(&mut self) {
        self.layout = layout::place(&self.topology, &self.positions);
    }

    /// Recomputes the findings of the design at the configured load.
    fn analyze(&mut self) {
        let load = self.load_rps.map(f64::from);
        self.findings = Rc::new(findings::analyze(&self.topology, load));
    }

    /// The nodes and services of the hovered and the focused findings.
    pub fn flagged(&self) -> BTreeSet<String> {
        let wanted = [&self.finding_hover, &self.finding_focus];
        self.findings
            .iter()
            .filter(|f| wanted.iter().any(|w| w.as_deref() == Some(f.id.as_str())))
            .flat_map(|f| f.nodes.iter().cloned())
            .collect()
    }

    /// The request shown in the event list.
    pub fn shown_trace(&self) -> Option<&Trace> {
        self.run.traces.get(self.playback.trace?)
    }

    /// The current hop's place, highlighted on the diagram.
    pub fn current_place(&self) -> Option<&str> {
        let hop = self.shown_trace()?.hops.get(self.playback.hop?)?;
        Some(hop.place.as_str())
    }

    /// What the diagram marks besides the design itself.
    pub fn marks(&self) -> Marks {
        let mut chips = BTreeMap::new();
        for backend in &self.run.backends {
            let chip = chips.entry(backend.server.clone()).or_insert(Chip {
                up: true,
                served: backend.served,
            });
            chip.up &= backend.available;
        }
        let mut last_picks = BTreeSet::new();
        for lb in self.run.backends.iter().map(|b| &b.lb) {
            if let Some(server) = self.run.last_pick(lb) {
                last_picks.insert((lb.clone(), server.to_owned()));
            }
        }
        let (selected, selected_link) = match &self.selection {
            Some(Selection::Node(id) | Selection::Service(id)) => (Some(id.clone()), None),
            Some(Selection::Link { from, to }) => (None, Some((from.clone(), to.clone()))),
            None => (None, None),
        };
        Marks {
            current: self.current_place().map(str::to_owned),
            selected,
            selected_link,
            down: self.run.down.clone(),
            cut: self.run.cut.clone(),
            chips,
            last_picks,
            vip_holders: self.run.vips.iter().cloned().collect(),
            flagged: self.flagged(),
        }
    }

    fn n_hops(&self) -> usize {
        self.shown_trace().map_or(0, |t| t.hops.len())
    }

    fn is_client(&self, id: &str) -> bool {
        self.topology
            .node(id)
            .is_some_and(|n| matches!(n.kind, NodeKind::Client { .. }))
    }

    fn play(&mut self) {
        if self.playback.trace.is_none() {
            self.playback.trace = self.run.traces.len().checked_sub(1);
        }
        let n = self.n_hops();
        if n == 0 {
            return;
        }
        self.playback.hop = match self.playback.hop {
            Some(h) if h + 1 < n => Some(h),
            _ => Some(0),
        };
        self.playback.playing = true;
    }

    fn send(&mut self, spec: RequestSpec) {
        self.request = spec;
        if self.push_input(Input::Send(spec)) {
            self.playback.trace = self.run.traces.len().checked_sub(1);
            self.playback.hop = Some(0);
            self.playback.playing = self.n_hops() > 0;
        }
    }

    /// Appends `input` at the clock and replays; refused inputs leave the log as it was.
    fn push_input(&mut self, input: Input) -> bool {
        let mut log = self.log.clone();
        log.push((self.clock, input));
        match replay(&self.topology, self.seed, &log, self.clock) {
            Ok(done) => {
                self.clock = self.clock.max(done.sim.now());
                self.run = Rc::new(Run::of(&done, &self.topology));
                self.log = log;
                self.error = None;
                true
            }
            Err(err) => {
                self.error = Some(err.to_string());
                false
            }
        }
    }

    fn replay_log(&mut self) {
        match replay(&self.topology, self.seed, &self.log, self.clock) {
            Ok(done) => {
                self.clock = self.clock.max(done.sim.now());
                self.run = Rc::new(Run::of(&done, &self.topology));
            }
            Err(err) => {
                self.run = Rc::default();
                self.error = Some(err.to_string());
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
    pub down: BTreeSet<String>,
    pub cut: BTreeSet<(String, String)>,
    /// Per load-balanced server (service id).
    pub chips: BTreeMap<String, Chip>,
    /// (load balancer, server) of each balancer's most recent pick.
    pub last_picks: BTreeSet<(String, String)>,
    pub vip_holders: BTreeMap<String, Option<String>>,
    /// The nodes and services of the finding under the pointer or the keyboard focus.
    pub flagged: BTreeSet<String>,
}

/// A load-balanced server as its load balancers see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chip {
    /// Every load balancer listing it counts it as available.
    pub up: bool,
    /// Requests it has answered.
    pub served: u64,
}

/// What the page's address fragment asks for: `#stage=3&send=https-read&hop=12`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fragment {
    /// Load settings (`load=rps:200,s:20,…`, see [`LoadSettings::to_fragment`]), or why they
    /// could not be read.
    pub load: Option<Result<LoadSettings, String>>,
    pub stage: Option<u8>,
    /// A request to send as soon as the page opens.
    pub send: Option<RequestSpec>,
    /// Play that request from this hop (1 is the first) instead of from the start.
    pub hop: Option<usize>,
    /// The view to open in the side area.
    pub tab: Option<Tab>,
}

impl Fragment {
    /// The actions that open the page as the fragment asks.
    pub fn actions(self) -> Vec<Action> {
        let mut out = Vec::new();
        if let Some(n) = self.stage {
            out.push(Action::SelectStage(n));
        }
        if let Some(tab) = self.tab {
            out.push(Action::ShowTab(tab));
        }
        match self.load {
            Some(Ok(settings)) => out.push(Action::SetLoadSettings(settings)),
            Some(Err(err)) => out.push(Action::Refuse(format!(
                "the link's load settings were not used: {err}"
            ))),
            None => {}
        }
        if let Some(spec) = self.send {
            out.push(Action::Send(spec));
            if let Some(hop) = self.hop {
                out.extend([Action::ShowHop(hop - 1), Action::Play]);
            }
        }
        out
    }
}

/// Reads the address fragment; unknown or malformed parts are ignored.
///
/// `stage=N` opens stage N; `send=PROTO-KIND` (`http` or `https`, then `static`, `read` or
/// `write`) sends one request on load, e.g. `#stage=3&send=https-read`; `hop=N` plays it from
/// its Nth hop (a link to a moment of a request); `tab=findings` (or `reach`, `export`,
/// `request`) opens that view of the side area.
pub fn parse_fragment(fragment: &str) -> Fragment {
    let mut out = Fragment::default();
    for part in fragment.trim_start_matches('#').split('&') {
        if let Some(value) = part.strip_prefix("stage=") {
            out.stage = value.parse().ok().filter(|n| presets::stage(*n).is_some());
        } else if let Some(value) = part.strip_prefix("send=") {
            out.send = parse_send(value);
        } else if let Some(value) = part.strip_prefix("hop=") {
            out.hop = value.parse().ok().filter(|n| *n >= 1);
        } else if let Some(value) = part.strip_prefix("tab=") {
            out.tab = Tab::from_key(value);
        } else if part.starts_with("load=") {
            out.load = Some(LoadSettings::from_fragment(part));
        }
    }
    out
}

fn parse_send(value: &str) -> Option<RequestSpec> {
    let (proto, kind) = value.split_once('-')?;
    let https = match proto {
        "http" => false,
        "https" => true,
        _ => return None,
    };
    let kind = match kind {
        "static" => RequestKind::Static,
        "read" => RequestKind::Read,
        "write" => RequestKind::Write,
        _ => return None,
    };
    Some(RequestSpec::new(kind, https))
}

/// Reads `#stage=N` (the page's address fragment); anything else is ignored.
pub fn parse_stage_fragment(fragment: &str) -> Option<u8> {
    parse_fragment(fragment).stage
}

/// The keyboard shortcuts: Space plays or pauses, ← and → step.
pub fn key_action(key: &str) -> Option<Action> {
    match key {
        " " | "Spacebar" => Some(Action::TogglePlay),
        "ArrowLeft" | "Left" => Some(Action::StepBack),
        "ArrowRight" | "Right" => Some(Action::StepForward),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::trace::{HopKind, Outcome};

    #[track_caller]
    fn check(actions: &[Action], stage: Option<u8>, n_nodes: usize, error: Option<&str>) {
        let state = after(actions);
        assert_eq!(state.stage, stage);
        assert_eq!(state.topology.nodes.len(), n_nodes);
        assert_eq!(state.layout.boxes.len(), n_nodes);
        assert_eq!(state.error.as_deref(), error);
    }

    fn after(actions: &[Action]) -> AppState {
        let mut state = AppState::default();
        for action in actions {
            state.apply(action.clone());
        }
        state
    }

    fn send(kind: RequestKind, https: bool) -> Action {
        Action::Send(RequestSpec::new(kind, https))
    }

    fn backend(trace: &Trace) -> Option<&str> {
        match &trace.outcome {
            Some(Outcome::Served { backend, .. }) => backend.as_deref(),
            _ => None,
        }
    }

    #[test]
    fn starts_on_stage_0() {
        check(&[], Some(0), 3, None);
        let state = AppState::default();
        assert!(state.log.is_empty());
        assert_eq!(state.clock, SimTime::ZERO);
        assert!(state.run.traces.is_empty());
    }

    #[test]
    fn selecting_a_stage_replaces_design_and_layout() {
        check(&[Action::SelectStage(3)], Some(3), 10, None);
        check(
            &[Action::SelectStage(2), Action::SelectStage(1)],
            Some(1),
            5,
            None,
        );
    }

    #[test]
    fn stage_fragment_parses_only_known_stages() {
        assert_eq!(parse_stage_fragment("#stage=3"), Some(3));
        assert_eq!(parse_stage_fragment("stage=0"), Some(0));
        assert_eq!(parse_stage_fragment("#stage=4"), None);
        assert_eq!(parse_stage_fragment("#stage=-1"), None);
        assert_eq!(parse_stage_fragment("#<script>"), None);
        assert_eq!(parse_stage_fragment(""), None);
    }

    #[test]
    fn a_fragment_carries_load_settings_and_bad_ones_are_reported() {
        let settings = LoadSettings {
            rps: 900.0,
            ..LoadSettings::default()
        };
        let fragment = format!("#stage=2&{}&tab=load", settings.to_fragment());
        let state = after(&parse_fragment(&fragment).actions());
        assert_eq!(state.load_settings, Some(settings));
        assert_eq!(
            (state.stage, state.tab, state.error),
            (Some(2), Tab::Load, None)
        );
        let state = after(&parse_fragment("#stage=2&load=rps:lots").actions());
        assert_eq!(state.load_settings, None);
        let error = state.error.unwrap_or_default();
        assert!(
            error.starts_with("the link's load settings were not used"),
            "{error}"
        );
    }

    #[test]
    fn fragment_may_ask_to_send_a_request_on_load() {
        assert_eq!(
            parse_fragment("#stage=3&send=https-read"),
            Fragment {
                stage: Some(3),
                send: Some(RequestSpec::new(RequestKind::Read, true)),
                hop: None,
                tab: None,
                load: None,
            }
        );
        assert_eq!(
            parse_fragment("#stage=3&send=https-read&hop=12").hop,
            Some(12)
        );
        assert_eq!(parse_fragment("#hop=0").hop, None);
        assert_eq!(parse_fragment("#hop=x").hop, None);
        assert_eq!(
            parse_fragment("send=http-write").send,
            Some(RequestSpec::new(RequestKind::Write, false))
        );
        assert_eq!(parse_fragment("#stage=1&send=ftp-read").send, None);
        assert_eq!(parse_fragment("#send=https-delete").send, None);
        assert_eq!(parse_fragment("#stage=1&send=").stage, Some(1));
    }

    #[test]
    fn fragment_opens_the_stage_sends_and_plays_from_a_hop() {
        let state = after(&parse_fragment("#stage=3&send=https-read&hop=12").actions());
        assert_eq!(state.stage, Some(3));
        assert_eq!(state.run.traces.len(), 1);
        assert_eq!(state.playback.hop, Some(11));
        assert!(state.playback.playing);
        let state = after(&parse_fragment("#stage=2&hop=3").actions());
        assert_eq!(state.stage, Some(2));
        assert!(state.run.traces.is_empty(), "no send, no hop");
        let state = after(&parse_fragment("#stage=1&send=http-read&hop=999").actions());
        assert_eq!(
            state.playback.hop,
            Some(0),
            "a hop past the end plays from the start"
        );
    }

    #[test]
    fn unknown_stage_is_refused_and_keeps_the_design() {
        check(
            &[Action::SelectStage(2), Action::SelectStage(9)],
            Some(2),
            6,
            Some("there is no stage 9; stages go from 0 to 3"),
        );
        check(
            &[Action::SelectStage(9), Action::SelectStage(1)],
            Some(1),
            5,
            None,
        );
    }

    #[test]
    fn sending_logs_the_input_moves_the_clock_and_plays_the_trace() {
        let state = after(&[Action::SelectStage(1), send(RequestKind::Static, false)]);
        assert_eq!(state.log.len(), 1);
        assert_eq!(state.log[0].0, SimTime::ZERO);
        let trace = &state.run.traces[0];
        assert_eq!(Some(state.clock), trace.finished_at);
        assert_eq!(state.playback.trace, Some(0));
        assert_eq!(state.playback.hop, Some(0));
        assert!(state.playback.playing);
        assert_eq!(state.current_place(), Some("dns"));
        let second = after(&[
            Action::SelectStage(1),
            send(RequestKind::Static, false),
            send(RequestKind::Static, false),
        ]);
        assert_eq!(
            second.log[1].0, state.clock,
            "the next send happens at the clock"
        );
        let backends: Vec<Option<&str>> = second.run.traces.iter().map(backend).collect();
        assert_eq!(backends, [Some("server-01.nginx"), Some("server-02.nginx")]);
        assert_eq!(second.playback.trace, Some(1));
    }

    #[test]
    fn clicking_the_browser_sends_the_chosen_request() {
        let state = after(&[
            Action::SelectStage(3),
            Action::SetRequestKind(RequestKind::Write),
            Action::SetHttps(true),
            Action::Select(Selection::Node("client".into())),
        ]);
        assert_eq!(state.selection, None);
        assert_eq!(state.run.traces.len(), 1);
        assert_eq!(
            state.run.traces[0].spec,
            RequestSpec::new(RequestKind::Write, true)
        );
        let state = after(&[Action::Select(Selection::Node("server-01".into()))]);
        assert_eq!(state.selection, Some(Selection::Node("server-01".into())));
        assert!(state.run.traces.is_empty());
    }

    #[test]
    fn stepping_moves_the_cursor_within_the_trace_and_pauses() {
        let mut state = after(&[Action::SelectStage(0), send(RequestKind::Static, false)]);
        let n = state.run.traces[0].hops.len();
        state.apply(Action::StepForward);
        assert_eq!(state.playback.hop, Some(1));
        assert!(!state.playback.playing);
        state.apply(Action::StepBack);
        state.apply(Action::StepBack);
        assert_eq!(state.playback.hop, None);
        state.apply(Action::StepBack);
        assert_eq!(state.playback.hop, None);
        assert_eq!(state.current_place(), None);
        for _ in 0..n + 3 {
            state.apply(Action::StepForward);
        }
        assert_eq!(state.playback.hop, Some(n - 1));
        state.apply(Action::ShowHop(2));
        assert_eq!(state.playback.hop, Some(2));
        state.apply(Action::ShowHop(n));
        assert_eq!(state.playback.hop, Some(2), "out of range is ignored");
        state.apply(Action::Reset);
        assert_eq!(state.playback.hop, None);
    }

    #[test]
    fn playing_advances_hop_by_hop_and_stops_at_the_end() {
        let mut state = after(&[Action::SelectStage(0), send(RequestKind::Static, false)]);
        let n = state.run.traces[0].hops.len();
        state.apply(Action::Advance { trace: 0, hop: 1 });
        assert_eq!(state.playback.hop, Some(0), "a stale frame is ignored");
        for hop in 0..n {
            state.apply(Action::Advance { trace: 0, hop });
        }
        assert_eq!(state.playback.hop, Some(n - 1));
        assert!(!state.playback.playing);
        state.apply(Action::TogglePlay);
        assert!(state.playback.playing);
        assert_eq!(state.playback.hop, Some(0), "play at the end starts over");
        state.apply(Action::TogglePlay);
        assert!(!state.playback.playing);
        state.apply(Action::Advance { trace: 0, hop: 0 });
        assert_eq!(state.playback.hop, Some(0), "nothing moves while paused");
        state.apply(Action::SetSpeed(Speed::Quadruple));
        assert_eq!(state.playback.speed.factor(), 4.0);
    }

    #[test]
    fn play_without_a_request_does_nothing() {
        let state = after(&[Action::Play]);
        assert!(!state.playback.playing);
        assert_eq!(state.playback.trace, None);
    }

    #[test]
    fn show_trace_picks_an_earlier_request_paused_at_its_end() {
        let state = after(&[
            Action::SelectStage(1),
            send(RequestKind::Static, false),
            send(RequestKind::Read, false),
            Action::ShowTrace(0),
        ]);
        assert_eq!(state.playback.trace, Some(0));
        let n = state.run.traces[0].hops.len();
        assert_eq!(state.playback.hop, Some(n - 1));
        assert_eq!(state.current_place(), Some("client"));
        assert!(!state.playback.playing);
    }

    #[test]
    fn a_crashed_server_is_skipped_after_the_health_checks_notice() {
        let mut actions = vec![
            Action::SelectStage(1),
            Action::Apply(Input::HostDown("server-01".into())),
            Action::Wait(SimDuration::from_secs(20)),
        ];
        actions.extend((0..4).map(|_| send(RequestKind::Static, false)));
        let state = after(&actions);
        assert_eq!(state.error, None);
        assert!(state.run.is_down("server-01"));
        let backends: Vec<Option<&str>> = state.run.traces.iter().map(backend).collect();
        assert_eq!(backends, [Some("server-02.nginx"); 4]);
        let marks = state.marks();
        assert!(marks.down.contains("server-01"));
        assert_eq!(
            marks.chips.get("server-01.nginx"),
            Some(&Chip {
                up: false,
                served: 0
            })
        );
        assert!(
            marks
                .last_picks
                .contains(&("lb-01.haproxy".into(), "server-02.nginx".into()))
        );
    }

    #[test]
    fn waiting_moves_the_clock() {
        let state = after(&[
            Action::Wait(SimDuration::from_secs(1)),
            Action::Wait(SimDuration::from_secs(10)),
        ]);
        assert_eq!(state.clock, SimTime::from_secs(11));
        assert!(state.log.is_empty());
    }

    #[test]
    fn write_then_read_at_once_is_stale_on_stage_1() {
        let state = after(&[
            Action::SelectStage(1),
            send(RequestKind::Write, false),
            send(RequestKind::Read, false),
        ]);
        assert!(matches!(
            state.run.traces[1].outcome,
            Some(Outcome::Served { stale: true, .. })
        ));
    }

    #[test]
    fn unknown_inputs_are_refused_and_the_log_is_kept() {
        let state = after(&[
            Action::SelectStage(1),
            Action::Apply(Input::HostDown("web-09".into())),
        ]);
        assert_eq!(state.error.as_deref(), Some("there is no host 'web-09'"));
        assert!(state.log.is_empty());
        let state = after(&[
            Action::SelectStage(1),
            Action::Apply(Input::CutLink {
                from: "lb-01.haproxy".into(),
                to: "server-01.nginx".into(),
            }),
        ]);
        assert_eq!(state.error, None);
        assert!(
            state
                .marks()
                .cut
                .contains(&("lb-01.haproxy".to_owned(), "server-01.nginx".to_owned()))
        );
    }

    #[test]
    fn selecting_a_stage_starts_a_new_log() {
        let state = after(&[
            Action::SelectStage(1),
            send(RequestKind::Static, false),
            Action::Select(Selection::Service("server-01.nginx".into())),
            Action::SetSpeed(Speed::Double),
            Action::SelectStage(2),
        ]);
        assert!(state.log.is_empty());
        assert!(state.run.traces.is_empty());
        assert_eq!(state.clock, SimTime::ZERO);
        assert_eq!(state.selection, None);
        assert_eq!(state.playback.trace, None);
        assert_eq!(state.playback.speed, Speed::Double, "speed is a preference");
    }

    #[test]
    fn stage_2_over_http_is_redirected_to_https() {
        let state = after(&[Action::SelectStage(2), send(RequestKind::Static, false)]);
        let trace = &state.run.traces[0];
        assert_eq!(
            trace.hops.last().map(|h| h.kind),
            Some(HopKind::Response),
            "{trace:?}"
        );
        assert!(
            trace.hops.iter().any(|h| h.reason
                == "lb-01.haproxy answers plain HTTP with 301: HTTPS only, redirected to \
                    https://www.foobar.com/static/logo.png"),
            "{trace:?}"
        );
        match &trace.outcome {
            Some(Outcome::Served {
                status: 301,
                backend: None,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn keys_map_to_playback_actions() {
        assert_eq!(key_action(" "), Some(Action::TogglePlay));
        assert_eq!(key_action("ArrowLeft"), Some(Action::StepBack));
        assert_eq!(key_action("ArrowRight"), Some(Action::StepForward));
        assert_eq!(key_action("a"), None);
        assert_eq!(key_action("Enter"), None);
    }

    #[test]
    fn the_current_hop_is_marked_on_the_diagram() {
        let mut state = after(&[Action::SelectStage(3), send(RequestKind::Read, true)]);
        assert_eq!(state.marks().current.as_deref(), Some("dns"));
        let vrrp = state.run.traces[0]
            .hops
            .iter()
            .position(|h| h.kind == HopKind::Vrrp)
            .expect("a VRRP hop");
        state.apply(Action::ShowHop(vrrp));
        assert_eq!(state.marks().current.as_deref(), Some("vip"));
        assert_eq!(
            state.marks().vip_holders.get("vip"),
            Some(&Some("lb-01".to_owned()))
        );
    }

    fn finding_ids(state: &AppState) -> Vec<&str> {
        state.findings.iter().map(|f| f.id.as_str()).collect()
    }

    #[test]
    fn findings_follow_the_design() {
        let state = AppState::default();
        assert!(finding_ids(&state).contains(&"spof:server-01"));
        let state = after(&[Action::SelectStage(1)]);
        let ids = finding_ids(&state);
        assert_eq!(ids.len(), 12, "{ids:?}");
        assert_eq!(
            &ids[..4],
            [
                "no-firewall:lb-01",
                "no-https",
                "spof:lb-01",
                "spof:server-01.mysql"
            ]
        );
        let state = after(&[Action::SelectStage(1), Action::SelectStage(3)]);
        let ids = finding_ids(&state);
        assert!(!ids.contains(&"spof:lb-01"), "{ids:?}");
        assert_eq!(ids, ["spof:app-01", "spof:db-01", "plaintext-after-tls"]);
    }

    #[test]
    fn proving_the_lb_spof_shows_requests_failing() {
        let mut state = after(&[Action::SelectStage(1), send(RequestKind::Static, false)]);
        let log = state.log.clone();
        state.apply(Action::Prove("spof:lb-01".into()));
        let result = state.proofs.get("spof:lb-01").expect("a result");
        assert!(result.shown, "{result:#?}");
        assert!(
            result.summary.contains("lb-01 went down"),
            "{}",
            result.summary
        );
        assert!(
            result.summary.ends_with("0 of 4 served"),
            "{}",
            result.summary
        );
        assert_eq!(state.log, log, "a proof runs apart from the page's log");
        assert_eq!(state.error, None);
        state.apply(Action::SelectStage(2));
        assert!(
            state.proofs.is_empty(),
            "a new design forgets the old proofs"
        );
    }

    #[test]
    fn proving_what_is_not_there_is_refused() {
        let mut state = after(&[Action::SelectStage(1)]);
        state.apply(Action::Prove("spof:nobody".into()));
        assert_eq!(
            state.error.as_deref(),
            Some("there is no finding 'spof:nobody' in this design")
        );
        state.apply(Action::Prove("all-in-one:server-01".into()));
        assert_eq!(
            state.error.as_deref(),
            Some("the finding 'all-in-one:server-01' has nothing to prove")
        );
        assert!(state.proofs.is_empty());
    }

    #[test]
    fn a_hovered_or_focused_finding_flags_its_nodes() {
        let mut state = after(&[Action::SelectStage(1)]);
        assert!(state.marks().flagged.is_empty());
        state.apply(Action::HoverFinding(Some("spof:lb-01".into())));
        assert_eq!(
            state.marks().flagged,
            BTreeSet::from(["lb-01".to_owned(), "lb-01.haproxy".to_owned()])
        );
        state.apply(Action::FocusFinding(Some("no-agent:server-02".into())));
        state.apply(Action::HoverFinding(None));
        assert_eq!(
            state.marks().flagged,
            BTreeSet::from(["server-02".to_owned()])
        );
        state.apply(Action::HoverFinding(Some("not-a-finding".into())));
        assert_eq!(state.marks().flagged.len(), 1, "unknown ids flag nothing");
        state.apply(Action::SelectStage(3));
        assert!(state.marks().flagged.is_empty());
    }

    #[test]
    fn a_load_adds_the_capacity_finding_and_keeps_unrelated_proofs() {
        let mut state = after(&[Action::SelectStage(3), Action::Prove("spof:db-01".into())]);
        assert!(
            !finding_ids(&state)
                .iter()
                .any(|id| id.starts_with("capacity:"))
        );
        state.apply(Action::SetLoad(Some(100_000)));
        let capacity = state
            .findings
            .iter()
            .find(|f| f.id.starts_with("capacity:"))
            .expect("a capacity finding");
        assert_eq!(
            capacity.severity,
            findings::Severity::Error,
            "{capacity:#?}"
        );
        assert!(state.proofs.contains_key("spof:db-01"));
        state.apply(Action::SetLoad(Some(0)));
        assert_eq!(state.load_rps, None);
        assert!(
            !finding_ids(&state)
                .iter()
                .any(|id| id.starts_with("capacity:"))
        );
    }

    #[test]
    fn tabs_and_files_are_remembered_across_stages() {
        let state = after(&[
            Action::ShowTab(Tab::Export),
            Action::ShowFile("lb-01/haproxy.cfg".into()),
            Action::SelectStage(3),
        ]);
        assert_eq!(state.tab, Tab::Export);
        assert_eq!(state.export_file.as_deref(), Some("lb-01/haproxy.cfg"));
        assert_eq!(parse_fragment("#stage=2&tab=reach").tab, Some(Tab::Reach));
        assert_eq!(parse_fragment("#tab=nope").tab, None);
        let state = after(&parse_fragment("#stage=1&tab=findings").actions());
        assert_eq!((state.stage, state.tab), (Some(1), Tab::Findings));
        for tab in Tab::ALL {
            assert_eq!(Tab::from_key(tab.key()), Some(tab));
        }
    }

    #[test]
    fn a_load_run_is_kept_and_bad_settings_keep_the_previous_one() {
        use crate::ui::load_run::{Event, LoadSettings, StepKind};
        let settings = LoadSettings {
            rps: 100.0,
            seconds: 5.0,
            events: vec![Event {
                at_s: 2.0,
                kind: StepKind::HostDown,
                target: "server-01".into(),
            }],
            ..LoadSettings::default()
        };
        let mut state = after(&[Action::SelectStage(1), Action::RunLoad(settings.clone())]);
        assert_eq!(state.error, None);
        let first = state.load_run.clone().expect("a run");
        assert_eq!(first.total_sent, 500);
        assert_eq!(first.settings.as_ref(), Some(&settings));
        state.apply(Action::RunLoad(LoadSettings {
            rps: -1.0,
            ..settings.clone()
        }));
        assert!(state.error.is_some());
        assert_eq!(state.load_run.as_ref(), Some(&first));
        state.apply(Action::RunLoad(LoadSettings {
            rps: 1e9,
            ..settings
        }));
        assert!(
            state
                .error
                .as_deref()
                .unwrap_or("")
                .contains("at most 200000")
        );
        assert_eq!(state.load_run.as_ref(), Some(&first));
        state.apply(Action::SelectStage(2));
        assert_eq!(state.load_run, None, "a run belongs to its design");
    }
}
