//! What the page looks at: the side tab, the selection, the picked nodes, the viewport (pan
//! and zoom) and the exported file shown.

use crate::sim::sort::SortedSet;

use super::{AppState, Done, Outcome, Refusal, Shared};
use crate::ui::viewport::{self, View};

/// The page's view of the work.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ViewState {
    /// The view open in the side area.
    pub tab: Tab,
    /// The node, service or link the inspector shows.
    pub selection: Option<Selection>,
    /// The nodes picked for moving, deleting and copying together (shift-click, rubber band).
    pub picked: Shared<SortedSet<String>>,
    /// How the canvas looks at the drawing (pan and zoom); saved with the work.
    pub viewport: View,
    /// A pan or pinch is under way: its end is saved, not each of its steps.
    pub panning: bool,
    /// The path of the exported file shown; `None` (or a path not in the export): the first.
    pub export_file: Option<String>,
    /// Asks the canvas to fit the drawing to its size when this changes to a non-zero value:
    /// bumped when a stage is picked, a design is started or a file or link is opened, so a
    /// new drawing is shown whole on any screen. Zero after restoring autosaved work: its own
    /// pan and zoom stand. Only the canvas knows its size, so the fit itself is its job.
    pub fit: u32,
    /// The node or service a connection is being made from without a mouse ("Connect from
    /// here"): the next node or service picked is its other end.
    pub connecting: Option<String>,
    /// What the last "Connect from here" did, for the page's status line (read out by screen
    /// readers).
    pub announce: Option<String>,
}

impl ViewState {
    /// Shows `view`, its zoom within the limits; a view that is not a number is ignored.
    fn set_viewport(&mut self, view: View) {
        if view.x.is_finite() && view.y.is_finite() && view.zoom.is_finite() {
            self.viewport = View {
                zoom: view.zoom.clamp(viewport::MIN_ZOOM, viewport::MAX_ZOOM),
                ..view
            };
        }
    }
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
    /// Load tests, their charts and the monitoring dashboard.
    LoadTest,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Request,
        Tab::Findings,
        Tab::Reach,
        Tab::Export,
        Tab::LoadTest,
    ];

    /// The tab's name in the address fragment (`#tab=findings`) and in `data-tab`.
    pub fn key(self) -> &'static str {
        match self {
            Tab::Request => "request",
            Tab::Findings => "findings",
            Tab::Reach => "reach",
            Tab::Export => "export",
            Tab::LoadTest => "load",
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

/// The side tab, the selection and the viewport.
#[derive(Clone, Debug, PartialEq)]
pub enum ViewAction {
    /// Click on the diagram: the browser sends a request, anything else is selected.
    Select(Selection),
    ClearSelection,
    /// Pick exactly these nodes (rubber band); the inspector shows one if only one.
    Pick(Vec<String>),
    /// Add a node to the picked ones, or take it out (shift-click).
    TogglePick(String),
    /// Open a view of the side area.
    ShowTab(Tab),
    /// Show the exported file with this path.
    ShowFile(String),
    /// Pan or zoom the canvas.
    SetViewport(View),
    /// A step of a pan or pinch: the viewport, while the gesture goes on.
    Pan(View),
    /// The pan or pinch is over.
    EndPan,
    /// Start a connection from this node or service: the next one picked (Enter on a focused
    /// node, or a click) is its other end, as if a port had been dragged onto it.
    ConnectFrom(String),
    /// Stop making a connection.
    CancelConnect,
}

impl AppState {
    pub(super) fn apply_view(&mut self, action: ViewAction) -> Outcome {
        match action {
            ViewAction::ConnectFrom(id) => {
                let topology = &self.work.topology;
                if topology.node(&id).is_none() && topology.service(&id).is_none() {
                    return Err(Refusal::Edit(crate::ui::edit::EditError::Unknown(id)));
                }
                self.view.announce = None;
                self.view.connecting = Some(id);
                return Ok(Done::Clears);
            }
            ViewAction::CancelConnect | ViewAction::ClearSelection
                if self.view.connecting.is_some() =>
            {
                let from = self.view.connecting.take().unwrap_or_default();
                self.view.announce = Some(format!("No connection made from {from}."));
                return Ok(Done::Keeps);
            }
            ViewAction::CancelConnect => return Ok(Done::Keeps),
            ViewAction::Select(selection) if self.view.connecting.is_some() => {
                let from = self.view.connecting.take().unwrap_or_default();
                let to = match selection {
                    Selection::Node(id) | Selection::Service(id) => id,
                    Selection::Link { .. } => {
                        self.view.announce = Some(format!(
                            "No connection made from {from}: a link cannot be its other end."
                        ));
                        return Ok(Done::Keeps);
                    }
                };
                let done =
                    self.apply_edit(super::EditAction::Change(crate::ui::edit::Edit::Connect {
                        from: from.clone(),
                        to: to.clone(),
                    }));
                self.view.announce = Some(match &done {
                    Ok(_) => format!("Connected {from} to {to}."),
                    Err(why) => format!("No connection made from {from} to {to}: {why}"),
                });
                return done;
            }
            ViewAction::Select(selection) if self.click_sends(&selection) => {
                return self.send(self.world.request);
            }
            ViewAction::Select(selection) => {
                self.view.picked = Shared::new(match &selection {
                    Selection::Node(id) => one(id.clone()),
                    _ => SortedSet::new(),
                });
                self.view.selection = Some(selection);
            }
            ViewAction::ClearSelection => {
                self.view.selection = None;
                if !self.view.picked.is_empty() {
                    self.view.picked = Shared::default();
                }
            }
            ViewAction::Pick(ids) => {
                let topology = &self.work.topology;
                let picked = ids.into_iter().filter(|id| topology.node(id).is_some());
                self.view.picked = Shared::new(picked.collect());
                self.select_single_pick();
            }
            ViewAction::TogglePick(id) => {
                if self.work.topology.node(&id).is_some() {
                    let picked = self.view.picked.make_mut();
                    if !picked.remove(&id) {
                        picked.insert(id);
                    }
                }
                self.select_single_pick();
            }
            ViewAction::ShowTab(tab) => self.view.tab = tab,
            ViewAction::ShowFile(path) => self.view.export_file = Some(path),
            ViewAction::SetViewport(view) => self.view.set_viewport(view),
            ViewAction::Pan(view) => {
                self.view.set_viewport(view);
                self.view.panning = true;
            }
            ViewAction::EndPan => self.view.panning = false,
        }
        Ok(Done::Keeps)
    }
}

/// The set of one id.
pub(crate) fn one(id: String) -> SortedSet<String> {
    let mut set = SortedSet::new();
    set.insert(id);
    set
}
