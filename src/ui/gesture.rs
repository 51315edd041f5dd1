//! The canvas's pointer gestures as a pure state machine, after str0m's sans-IO style: the
//! browser shell turns each DOM event into an [`Input`], [`Canvas::handle`] steps the machine
//! and answers with [`Output`]s (changes for the reducer, what to draw while dragging, and the
//! few things only the browser can do: capture a pointer, prevent a default, call back after
//! this task). Natively tested.
//!
//! A press on a node, a service row, a port or empty canvas is remembered; once the pointer
//! moves further than [`viewport::DRAG_THRESHOLD`] it becomes a drag (move nodes, move a
//! service to another host, connect, pan, or rubber-band with Shift), otherwise the browser's
//! `click` that follows selects as before. The middle mouse button pans from anywhere; two
//! fingers on empty canvas pinch. A drag swallows the click that ends it.

use crate::sim::sort::SortedSet;

use crate::sim::topology::Topology;
use crate::ui::edit::{self, Part, Placement};
use crate::ui::layout::{Layout, Point, Rect};
use crate::ui::state::{Refusal, Selection};
use crate::ui::viewport::{self, Hit, Pointed, Size, View};

/// One pointer's place: where on the canvas (CSS pixels from its top-left corner) and where on
/// the drawing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pointer {
    /// The browser's pointer id.
    pub id: i32,
    /// A mouse (its buttons count), rather than a finger or a pen.
    pub mouse: bool,
    pub screen: Point,
    pub world: Point,
}

/// What the canvas hears.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// A pointer pressed on the canvas, on `on` ([`viewport::pointed`]); `button` is the
    /// mouse button (0 the first, 1 the middle).
    Down {
        pointer: Pointer,
        button: i16,
        shift: bool,
        on: Pointed,
    },
    /// A pointer pressed on a palette part (the start of a drag onto the canvas).
    Grab {
        pointer: Pointer,
        button: i16,
        part: Part,
    },
    /// A pointer moved; `buttons` are the mouse buttons held (0: let go unheard).
    Move {
        pointer: Pointer,
        buttons: u16,
    },
    Up {
        pointer: Pointer,
    },
    /// The browser took the pointer away (`pointercancel`).
    Cancel {
        pointer: Pointer,
    },
    /// A click (or Enter) on something of the canvas or the palette.
    Click(Clicked),
    /// The task the last gesture ended in is over ([`Output::CallBackAfterTask`]).
    AfterTask,
    /// The zoom buttons zoom by `factor` about a canvas point.
    Zoom {
        anchor: Point,
        factor: f64,
    },
    /// The wheel zooms by `factor` about a canvas point: a step of a zoom that lasts while the
    /// wheel turns, like a pan.
    Wheel {
        anchor: Point,
        factor: f64,
    },
    /// The wheel has rested for [`WHEEL_REST_MS`]: its zoom is over.
    WheelEnd,
    /// Show the whole drawing.
    Fit,
    Undo,
    Redo,
}

/// What a click was on.
#[derive(Clone, Debug, PartialEq)]
pub enum Clicked {
    /// A node, a service or a link.
    Select(Selection),
    /// A shift-click on a node.
    Toggle(String),
    /// A palette part: add it to the selected server, or at a free visible spot.
    Part(Part),
}

/// What the canvas asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Changes for the reducer (turned into actions in one place by the shell).
    Change(Change),
    /// Draw this while dragging (replacing what was drawn).
    Preview(Preview),
    /// Keep hearing this pointer where the canvas is not.
    Capture(i32),
    /// Keep the browser from its default for the event (text selection, scrolling).
    PreventDefault,
    /// Send [`Input::AfterTask`] once the current task is over: the click a drag ends with
    /// comes in the same task as its pointerup, any later click is a click again.
    CallBackAfterTask,
}

/// How long the wheel rests before its zoom is over (and saved), in milliseconds.
pub const WHEEL_REST_MS: i32 = 300;

/// A change the canvas asks the reducer for.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Select(Selection),
    TogglePick(String),
    ClearSelection,
    /// Move these nodes by (dx, dy) drawing units (a step of a drag).
    MoveBy {
        ids: Vec<String>,
        dx: f64,
        dy: f64,
    },
    /// The drag of nodes is over.
    EndMove,
    /// Pick exactly these nodes (a rubber band).
    Pick(Vec<String>),
    /// Show this part of the drawing (a zoom, "Fit").
    SetView(View),
    /// Show this part of the drawing: a step of a pan or a pinch.
    Pan(View),
    /// The pan or pinch is over.
    EndPan,
    MoveService {
        service: String,
        to_host: String,
    },
    Connect {
        from: String,
        to: String,
    },
    /// A palette part onto a host.
    AddTo {
        host: String,
        part: Part,
    },
    /// A palette part as a new node with its top-left corner here.
    Add {
        part: Part,
        at: Point,
    },
    /// Nothing done, and why.
    Refuse(Refusal),
    Undo,
    Redo,
}

/// What is drawn while dragging.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Preview {
    #[default]
    None,
    Band(Rect),
    Line {
        from: Point,
        to: Point,
        target: Option<Rect>,
    },
    Ghost {
        rect: Rect,
        target: Option<Rect>,
    },
}

/// What the machine reads of the page (the latest props).
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    pub topology: &'a Topology,
    pub layout: &'a Layout,
    pub view: View,
    pub size: Size,
    /// The picked nodes (multi-selection).
    pub picked: &'a SortedSet<String>,
    /// The selected node or service.
    pub selected: Option<&'a str>,
}

/// What a pointer was pressed on.
#[derive(Clone, Debug, PartialEq)]
enum Pressed {
    Node(String),
    Service { id: String, host: String },
    Port(String),
    Empty,
}

/// What the pointers are doing.
#[derive(Clone, Debug, PartialEq, Default)]
enum Gesture {
    #[default]
    Idle,
    /// Pressed, not moved far enough to be a drag yet.
    Press {
        pointer: i32,
        start: Point,
        world: Point,
        on: Pressed,
        shift: bool,
    },
    /// Moving nodes that started at `starts`; `sent` is the movement asked for so far.
    Nodes {
        pointer: i32,
        start: Point,
        ids: Vec<String>,
        starts: Vec<Point>,
        sent: Point,
    },
    /// A service row dragged towards another host.
    Service {
        pointer: i32,
        id: String,
        host: String,
    },
    /// A rubber line from a port.
    Connect { pointer: i32, from: String },
    Pan {
        pointer: i32,
        start: Point,
        view: View,
    },
    /// A rubber band from this drawing point.
    Band { pointer: i32, start: Point },
    /// A part dragged from the palette.
    Palette {
        pointer: i32,
        part: Part,
        start: Point,
        moved: bool,
    },
    /// Two fingers: where they were when the pinch began, and the view then.
    Pinch {
        ids: (i32, i32),
        from: (Point, Point),
        view: View,
    },
}

impl Gesture {
    /// Whether the pointer `id` is the one doing this.
    fn by(&self, id: i32) -> bool {
        match self {
            Gesture::Idle => false,
            Gesture::Pinch { ids, .. } => ids.0 == id || ids.1 == id,
            Gesture::Press { pointer, .. }
            | Gesture::Nodes { pointer, .. }
            | Gesture::Service { pointer, .. }
            | Gesture::Connect { pointer, .. }
            | Gesture::Pan { pointer, .. }
            | Gesture::Band { pointer, .. }
            | Gesture::Palette { pointer, .. } => *pointer == id,
        }
    }
}

/// The canvas's pointers: the gesture, the pointers pressed, and whether the next click ends a
/// drag (and is no click).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Canvas {
    gesture: Gesture,
    down: Pointers,
    swallow_click: bool,
}

/// The pointers pressed, by id, in id order: one or two at a time, so a short sorted list (a
/// map type of its own would cost the browser app its code for one or two entries).
#[derive(Clone, Debug, Default, PartialEq)]
struct Pointers(Vec<(i32, Point)>);

impl Pointers {
    fn insert(&mut self, id: i32, at: Point) {
        match self.0.binary_search_by_key(&id, |(i, _)| *i) {
            Ok(i) => self.0[i].1 = at,
            Err(i) => self.0.insert(i, (id, at)),
        }
    }

    fn get(&self, id: &i32) -> Option<&Point> {
        self.0.iter().find(|(i, _)| i == id).map(|(_, at)| at)
    }

    fn get_mut(&mut self, id: &i32) -> Option<&mut Point> {
        self.0.iter_mut().find(|(i, _)| i == id).map(|(_, at)| at)
    }

    fn remove(&mut self, id: &i32) {
        self.0.retain(|(i, _)| i != id);
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn iter(&self) -> impl Iterator<Item = (&i32, &Point)> {
        self.0.iter().map(|(id, at)| (id, at))
    }
}

impl Canvas {
    /// Whether a gesture is under way.
    pub fn busy(&self) -> bool {
        self.gesture != Gesture::Idle
    }

    /// One step: what `input` changes, and what the canvas asks for.
    pub fn handle(&mut self, input: Input, ctx: &Context) -> Vec<Output> {
        let mut out = Vec::new();
        match input {
            Input::Down {
                pointer,
                button,
                shift,
                on,
            } => self.down(pointer, button, shift, on, ctx, &mut out),
            Input::Grab {
                pointer,
                button,
                part,
            } => self.grab(pointer, button, part),
            Input::Move { pointer, buttons } => self.moved(pointer, buttons, ctx, &mut out),
            Input::Up { pointer } => self.finish(pointer, false, ctx, &mut out),
            Input::Cancel { pointer } => self.finish(pointer, true, ctx, &mut out),
            Input::Click(clicked) => {
                if !std::mem::take(&mut self.swallow_click) {
                    out.push(Output::Change(click(clicked, ctx)));
                }
            }
            Input::AfterTask => self.swallow_click = false,
            Input::Zoom { anchor, factor } => out.push(Output::Change(Change::SetView(
                viewport::zoom_at(ctx.view, anchor, factor),
            ))),
            Input::Wheel { anchor, factor } => out.push(Output::Change(Change::Pan(
                viewport::zoom_at(ctx.view, anchor, factor),
            ))),
            Input::WheelEnd => out.push(Output::Change(Change::EndPan)),
            Input::Fit => out.push(Output::Change(Change::SetView(viewport::fit(
                ctx.layout, ctx.size,
            )))),
            Input::Undo => out.push(Output::Change(Change::Undo)),
            Input::Redo => out.push(Output::Change(Change::Redo)),
        }
        out
    }

    fn down(
        &mut self,
        pointer: Pointer,
        button: i16,
        shift: bool,
        on: Pointed,
        ctx: &Context,
        out: &mut Vec<Output>,
    ) {
        let on = match on {
            // A link's press is left to its click.
            Pointed::Link { .. } => {
                self.swallow_click = false;
                return;
            }
            // The middle button pans from anywhere; other buttons than the first do nothing.
            _ if pointer.mouse && button == 1 => Pressed::Empty,
            _ if pointer.mouse && button != 0 => return,
            Pointed::Port(id) => Pressed::Port(id),
            Pointed::Service { id, host } => Pressed::Service { id, host },
            Pointed::Node(id) => Pressed::Node(id),
            Pointed::Empty => Pressed::Empty,
        };
        self.down.insert(pointer.id, pointer.screen);
        self.swallow_click = false;
        let pinchable = matches!(
            self.gesture,
            Gesture::Press {
                on: Pressed::Empty,
                ..
            } | Gesture::Pan { .. }
        );
        if self.down.len() == 2 && pinchable {
            let mut fingers = self.down.iter().map(|(id, at)| (*id, *at));
            if let (Some(a), Some(b)) = (fingers.next(), fingers.next()) {
                self.gesture = Gesture::Pinch {
                    ids: (a.0, b.0),
                    from: (a.1, b.1),
                    view: ctx.view,
                };
            }
            return;
        }
        if self.gesture == Gesture::Idle {
            if on == Pressed::Empty {
                out.push(Output::PreventDefault);
            }
            self.gesture = Gesture::Press {
                pointer: pointer.id,
                start: pointer.screen,
                world: pointer.world,
                on,
                shift,
            };
        }
    }

    fn grab(&mut self, pointer: Pointer, button: i16, part: Part) {
        if pointer.mouse && button != 0 {
            return;
        }
        self.swallow_click = false;
        if self.gesture == Gesture::Idle {
            self.gesture = Gesture::Palette {
                pointer: pointer.id,
                part,
                start: pointer.screen,
                moved: false,
            };
        }
    }

    fn moved(&mut self, pointer: Pointer, buttons: u16, ctx: &Context, out: &mut Vec<Output>) {
        let id = pointer.id;
        if pointer.mouse && buttons == 0 {
            // The button was let go where nobody could hear it (outside the window).
            self.finish(pointer, true, ctx, out);
            return;
        }
        if let Some(at) = self.down.get_mut(&id) {
            *at = pointer.screen;
        }
        let (screen, world) = (pointer.screen, pointer.world);
        match &mut self.gesture {
            Gesture::Press {
                pointer: by,
                start,
                world: pressed_at,
                on,
                shift,
            } if *by == id => {
                if viewport::distance(screen, *start) <= viewport::DRAG_THRESHOLD {
                    return;
                }
                let on = std::mem::replace(on, Pressed::Empty);
                self.gesture = start_drag(id, *start, *pressed_at, on, *shift, ctx);
                out.push(Output::Capture(id));
                // Follow the pointer from the press to here at once.
                self.moved(pointer, buttons, ctx, out);
                return;
            }
            Gesture::Nodes {
                pointer: by,
                start,
                ids,
                starts,
                sent,
            } if *by == id => {
                let zoom = viewport::clamp_zoom(ctx.view.zoom);
                let total = Point {
                    x: (screen.x - start.x) / zoom,
                    y: (screen.y - start.y) / zoom,
                };
                let delta = viewport::drag_delta(starts, total);
                let (dx, dy) = (delta.x - sent.x, delta.y - sent.y);
                if dx != 0.0 || dy != 0.0 {
                    *sent = delta;
                    out.push(Output::Change(Change::MoveBy {
                        ids: ids.clone(),
                        dx,
                        dy,
                    }));
                }
            }
            Gesture::Pan {
                pointer: by,
                start,
                view,
            } if *by == id => {
                let moved = viewport::pan(*view, screen.x - start.x, screen.y - start.y);
                out.push(Output::Change(Change::Pan(moved)));
            }
            Gesture::Band { pointer: by, start } if *by == id => {
                out.push(Output::Preview(Preview::Band(viewport::rect_between(
                    *start, world,
                ))));
            }
            Gesture::Connect { pointer: by, from } if *by == id => {
                let (topology, layout) = (ctx.topology, ctx.layout);
                let target = viewport::hit(topology, layout, world)
                    .filter(|hit| hit.id() != from)
                    .and_then(|hit| viewport::outline(topology, layout, &hit));
                if let Some(port) = viewport::port_of(topology, layout, from) {
                    out.push(Output::Preview(Preview::Line {
                        from: port,
                        to: world,
                        target,
                    }));
                }
            }
            Gesture::Service {
                pointer: by,
                id: service,
                host,
            } if *by == id => {
                let (topology, layout) = (ctx.topology, ctx.layout);
                let row = viewport::outline(
                    topology,
                    layout,
                    &Hit::Service {
                        id: service.clone(),
                        host: host.clone(),
                    },
                );
                let target =
                    service_target(ctx, host, world).and_then(|h| layout.boxes.get(&h).copied());
                if let Some(row) = row {
                    out.push(Output::Preview(Preview::Ghost {
                        rect: Rect {
                            x: world.x - row.w / 2.0,
                            y: world.y - row.h / 2.0,
                            ..row
                        },
                        target,
                    }));
                }
            }
            Gesture::Palette {
                pointer: by,
                part,
                start,
                moved,
            } if *by == id => {
                *moved = *moved || viewport::distance(screen, *start) > viewport::DRAG_THRESHOLD;
                let preview = if *moved && inside(ctx, screen) {
                    let (w, h) = viewport::part_size(*part);
                    let corner = viewport::drop_corner(*part, world);
                    let target = match drop_target(ctx, *part, world) {
                        Placement::Onto { host, .. } => ctx.layout.boxes.get(&host).copied(),
                        _ => None,
                    };
                    Preview::Ghost {
                        rect: Rect {
                            x: corner.x,
                            y: corner.y,
                            w,
                            h,
                        },
                        target,
                    }
                } else {
                    Preview::None
                };
                out.push(Output::Preview(preview));
            }
            Gesture::Pinch { ids, from, view } if ids.0 == id || ids.1 == id => {
                if let (Some(a), Some(b)) = (self.down.get(&ids.0), self.down.get(&ids.1)) {
                    let to = (*a, *b);
                    out.push(Output::Change(Change::Pan(viewport::pinch(
                        *view, *from, to,
                    ))));
                }
            }
            _ => {}
        }
        out.push(Output::PreventDefault);
    }

    /// A pointer let go (or was cancelled): finish what it was doing.
    fn finish(&mut self, pointer: Pointer, cancelled: bool, ctx: &Context, out: &mut Vec<Output>) {
        self.down.remove(&pointer.id);
        if !self.gesture.by(pointer.id) {
            return;
        }
        let gesture = std::mem::take(&mut self.gesture);
        // A press that did not move is a click; everything else swallows the click that
        // follows.
        self.swallow_click = !matches!(
            gesture,
            Gesture::Press { .. } | Gesture::Palette { moved: false, .. }
        );
        out.push(Output::CallBackAfterTask);
        out.push(Output::Preview(Preview::None));
        let at = pointer.world;
        let change = match gesture {
            Gesture::Press {
                on: Pressed::Empty,
                shift: false,
                ..
            } if !cancelled => Some(Change::ClearSelection),
            Gesture::Nodes { .. } => Some(Change::EndMove),
            Gesture::Pan { .. } | Gesture::Pinch { .. } => Some(Change::EndPan),
            Gesture::Service { id, host, .. } if !cancelled => {
                service_target(ctx, &host, at).map(|to_host| Change::MoveService {
                    service: id,
                    to_host,
                })
            }
            Gesture::Connect { from, .. } if !cancelled => {
                viewport::hit(ctx.topology, ctx.layout, at).map(|to| Change::Connect {
                    from,
                    to: to.id().to_owned(),
                })
            }
            Gesture::Band { start, .. } if !cancelled => {
                let band = viewport::rect_between(start, at);
                Some(Change::Pick(viewport::in_band(ctx.layout, band)))
            }
            Gesture::Palette {
                part, moved: true, ..
            } if !cancelled && inside(ctx, pointer.screen) => {
                Some(match drop_target(ctx, part, at) {
                    Placement::Onto { host, part } => Change::AddTo { host, part },
                    Placement::New(part) => Change::Add {
                        part,
                        at: viewport::drop_corner(part, at),
                    },
                    Placement::NeedsServer => Change::Refuse(Refusal::AgentOffServer),
                })
            }
            _ => None,
        };
        out.extend(change.map(Output::Change));
    }
}

/// The drag a press becomes once the pointer has moved.
fn start_drag(
    pointer: i32,
    start: Point,
    world: Point,
    on: Pressed,
    shift: bool,
    ctx: &Context,
) -> Gesture {
    match on {
        Pressed::Node(id) => {
            let ids: Vec<String> = if ctx.picked.contains(&id) && ctx.picked.len() > 1 {
                ctx.picked.iter().cloned().collect()
            } else {
                vec![id]
            };
            let starts = ids
                .iter()
                .filter_map(|id| ctx.layout.boxes.get(id))
                .map(|r| Point { x: r.x, y: r.y })
                .collect();
            Gesture::Nodes {
                pointer,
                start,
                ids,
                starts,
                sent: Point { x: 0.0, y: 0.0 },
            }
        }
        Pressed::Service { id, host } => Gesture::Service { pointer, id, host },
        Pressed::Port(from) => Gesture::Connect { pointer, from },
        Pressed::Empty if shift => Gesture::Band {
            pointer,
            start: world,
        },
        Pressed::Empty => Gesture::Pan {
            pointer,
            start,
            view: ctx.view,
        },
    }
}

/// Whether a canvas point is over the canvas.
fn inside(ctx: &Context, screen: Point) -> bool {
    screen.x >= 0.0 && screen.y >= 0.0 && screen.x <= ctx.size.w && screen.y <= ctx.size.h
}

/// Where a palette part let go at the drawing point `at` goes ([`edit::place_part`] on what
/// lies there).
fn drop_target(ctx: &Context, part: Part, at: Point) -> Placement {
    let hit = viewport::hit(ctx.topology, ctx.layout, at);
    edit::place_part(ctx.topology, part, hit.as_ref().map(Hit::id))
}

/// The other host a service row dragged from `host` would move to at `at`.
fn service_target(ctx: &Context, host: &str, at: Point) -> Option<String> {
    viewport::host_at(ctx.topology, ctx.layout, at).filter(|h| h != host)
}

/// What a click that counts asks for.
fn click(clicked: Clicked, ctx: &Context) -> Change {
    match clicked {
        Clicked::Select(selection) => Change::Select(selection),
        Clicked::Toggle(id) => Change::TogglePick(id),
        Clicked::Part(part) => match edit::place_part(ctx.topology, part, ctx.selected) {
            Placement::Onto { host, part } => Change::AddTo { host, part },
            Placement::New(part) => {
                let (w, h) = viewport::part_size(part);
                let at = viewport::free_spot(ctx.layout, ctx.view, ctx.size, w, h);
                Change::Add { part, at }
            }
            Placement::NeedsServer => Change::Refuse(Refusal::AgentWithoutServer),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets;
    use crate::ui::layout::{auto_layout, service_rect};
    use crate::ui::viewport::PORT_RADIUS;

    fn p(x: f64, y: f64) -> Point {
        Point { x, y }
    }

    trait Plus {
        fn plus(self, dx: f64, dy: f64) -> Point;
    }

    impl Plus for Point {
        fn plus(self, dx: f64, dy: f64) -> Point {
            p(self.x + dx, self.y + dy)
        }
    }

    /// Stage 1 on a big canvas at the default view (screen points are drawing points).
    struct Page {
        topology: Topology,
        layout: Layout,
        picked: SortedSet<String>,
        selected: Option<String>,
        view: View,
    }

    impl Page {
        fn new() -> Page {
            let topology = presets::topology(1).expect("stage 1");
            let layout = auto_layout(&topology);
            Page {
                topology,
                layout,
                picked: SortedSet::new(),
                selected: None,
                view: View::default(),
            }
        }

        fn ctx(&self) -> Context<'_> {
            Context {
                topology: &self.topology,
                layout: &self.layout,
                view: self.view,
                size: Size {
                    w: 2000.0,
                    h: 2000.0,
                },
                picked: &self.picked,
                selected: self.selected.as_deref(),
            }
        }

        fn center(&self, id: &str) -> Point {
            self.layout.boxes[id].center()
        }

        fn row(&self, host: &str, idx: usize) -> Point {
            service_rect(self.layout.boxes[host], idx).center()
        }

        /// The row of a service.
        fn service(&self, id: &str) -> Rect {
            let (host, _) = self.topology.service(id).expect("a service");
            let hit = Hit::Service {
                id: id.to_owned(),
                host: host.id.clone(),
            };
            viewport::outline(&self.topology, &self.layout, &hit).expect("a row")
        }

        fn port(&self, id: &str) -> Point {
            viewport::port_of(&self.topology, &self.layout, id).expect("a port")
        }
    }

    fn at(id: i32, screen: Point) -> Pointer {
        Pointer {
            id,
            mouse: true,
            screen,
            world: screen,
        }
    }

    /// A press of the first mouse button on whatever lies at `screen`.
    fn down(page: &Page, screen: Point) -> Input {
        press(page, screen, 0, false)
    }

    fn press(page: &Page, screen: Point, button: i16, shift: bool) -> Input {
        Input::Down {
            pointer: at(1, screen),
            button,
            shift,
            on: viewport::pointed(&page.topology, &page.layout, screen, PORT_RADIUS),
        }
    }

    fn to(screen: Point) -> Input {
        Input::Move {
            pointer: at(1, screen),
            buttons: 1,
        }
    }

    fn up(screen: Point) -> Input {
        Input::Up {
            pointer: at(1, screen),
        }
    }

    fn grab(part: Part) -> Input {
        Input::Grab {
            pointer: at(1, p(-100.0, 100.0)),
            button: 0,
            part,
        }
    }

    /// Every change the inputs ask for, in order.
    fn changes(page: &Page, canvas: &mut Canvas, inputs: Vec<Input>) -> Vec<Change> {
        inputs
            .into_iter()
            .flat_map(|input| canvas.handle(input, &page.ctx()))
            .filter_map(|output| match output {
                Output::Change(change) => Some(change),
                _ => None,
            })
            .collect()
    }

    fn run(page: &Page, inputs: Vec<Input>) -> Vec<Change> {
        let mut canvas = Canvas::default();
        let out = changes(page, &mut canvas, inputs);
        assert!(!canvas.busy(), "every gesture here ends");
        out
    }

    fn ids(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|id| (*id).to_owned()).collect()
    }

    #[test]
    fn each_gesture_asks_for_its_change() {
        let page = Page::new();
        let dns = page.center("dns");
        let empty = p(5.0, 5.0);
        let app_row = page.row("server-01", 1);
        let other_host = page.center("server-02");
        let nowhere = p(1900.0, 1900.0);
        let panned = |dx, dy| Change::Pan(viewport::pan(View::default(), dx, dy));
        let table: Vec<(&str, Vec<Input>, Vec<Change>)> = vec![
            (
                "a press on empty canvas without moving clears the selection",
                vec![down(&page, empty), up(empty)],
                vec![Change::ClearSelection],
            ),
            (
                "a press that stays within the threshold is a click (left to the browser)",
                vec![
                    down(&page, dns),
                    to(dns.plus(3.0, 2.0)),
                    up(dns.plus(3.0, 2.0)),
                ],
                vec![],
            ),
            (
                "a node dragged past the threshold follows the pointer, then snaps",
                vec![
                    down(&page, dns),
                    to(dns.plus(40.0, 16.0)),
                    to(dns.plus(40.0, 16.0)),
                    to(dns.plus(50.0, 10.0)),
                    up(dns.plus(50.0, 10.0)),
                ],
                vec![
                    Change::MoveBy {
                        ids: ids(&["dns"]),
                        dx: 40.0,
                        dy: 16.0,
                    },
                    Change::MoveBy {
                        ids: ids(&["dns"]),
                        dx: 10.0,
                        dy: -6.0,
                    },
                    Change::EndMove,
                ],
            ),
            (
                "empty canvas dragged pans",
                vec![
                    down(&page, empty),
                    to(empty.plus(30.0, 40.0)),
                    up(empty.plus(30.0, 40.0)),
                ],
                vec![panned(30.0, 40.0), Change::EndPan],
            ),
            (
                "the middle button pans from a node",
                vec![
                    press(&page, dns, 1, false),
                    to(dns.plus(-20.0, 0.0)),
                    up(dns.plus(-20.0, 0.0)),
                ],
                vec![panned(-20.0, 0.0), Change::EndPan],
            ),
            (
                "the right button does nothing",
                vec![
                    press(&page, dns, 2, false),
                    to(dns.plus(40.0, 0.0)),
                    up(dns.plus(40.0, 0.0)),
                ],
                vec![],
            ),
            (
                "Shift and a drag on empty canvas picks what the band touches",
                vec![press(&page, empty, 0, true), to(dns), up(dns)],
                vec![Change::Pick(ids(&["client", "dns"]))],
            ),
            (
                "a Shift-press on empty canvas clears nothing",
                vec![press(&page, empty, 0, true), up(empty)],
                vec![],
            ),
            (
                "a port dragged onto a service connects them",
                vec![
                    down(&page, page.port("server-01.app")),
                    to(page.service("server-02.mysql").center()),
                    up(page.service("server-02.mysql").center()),
                ],
                vec![Change::Connect {
                    from: "server-01.app".into(),
                    to: "server-02.mysql".into(),
                }],
            ),
            (
                "a port dragged onto a node connects to the node",
                vec![
                    down(&page, page.port("dns")),
                    to(page.center("lb-01").plus(0.0, -20.0)),
                    up(page.center("lb-01").plus(0.0, -20.0)),
                ],
                vec![Change::Connect {
                    from: "dns".into(),
                    to: "lb-01".into(),
                }],
            ),
            (
                "a port dragged onto empty canvas connects nothing",
                vec![down(&page, page.port("dns")), to(nowhere), up(nowhere)],
                vec![],
            ),
            (
                "a service row dragged onto another server moves there",
                vec![down(&page, app_row), to(other_host), up(other_host)],
                vec![Change::MoveService {
                    service: "server-01.app".into(),
                    to_host: "server-02".into(),
                }],
            ),
            (
                "a service row dragged within its own server stays",
                vec![
                    down(&page, app_row),
                    to(page.center("server-01")),
                    up(page.center("server-01")),
                ],
                vec![],
            ),
            (
                "a service row dragged onto empty canvas stays",
                vec![down(&page, app_row), to(nowhere), up(nowhere)],
                vec![],
            ),
            (
                "a press on a link is left to its click",
                vec![down(&page, link_point(&page)), up(link_point(&page))],
                vec![],
            ),
        ];
        for (case, inputs, expected) in table {
            assert_eq!(run(&page, inputs), expected, "{case}");
        }
    }

    /// A point on the line of the link lb-01.haproxy → server-01.nginx, away from every box.
    fn link_point(page: &Page) -> Point {
        let curve = crate::ui::layout::link_curve(
            &page.topology,
            &page.layout,
            "lb-01.haproxy",
            "server-01.nginx",
        )
        .expect("a curve");
        let q = [curve[0], curve[3]];
        let mid = viewport::midpoint(q[0], q[1]);
        // The S-curve passes through the middle of its ends.
        assert_eq!(
            viewport::pointed(&page.topology, &page.layout, mid, PORT_RADIUS),
            Pointed::Link {
                from: "lb-01.haproxy".into(),
                to: "server-01.nginx".into()
            }
        );
        mid
    }

    #[test]
    fn palette_parts_drop_by_the_one_rule() {
        let page = Page::new();
        let server = page.center("server-02");
        let empty = p(1500.0, 1500.0);
        let drag = |part, to_: Point| vec![grab(part), to(to_), up(to_)];
        let table: Vec<(&str, Vec<Input>, Vec<Change>)> = vec![
            (
                "a service onto a server goes onto it",
                drag(Part::Nginx, server),
                vec![Change::AddTo {
                    host: "server-02".into(),
                    part: Part::Nginx,
                }],
            ),
            (
                "a service onto a service row goes onto its server",
                drag(Part::Mysql, page.row("server-01", 0)),
                vec![Change::AddTo {
                    host: "server-01".into(),
                    part: Part::Mysql,
                }],
            ),
            (
                "a service onto empty canvas comes in a server of its own",
                drag(Part::Nginx, empty),
                vec![Change::Add {
                    part: Part::Nginx,
                    at: viewport::drop_corner(Part::Nginx, empty),
                }],
            ),
            (
                "a node onto a server is a node of its own",
                drag(Part::Client, server),
                vec![Change::Add {
                    part: Part::Client,
                    at: viewport::drop_corner(Part::Client, server),
                }],
            ),
            (
                "an agent onto empty canvas is refused",
                drag(Part::Agent, empty),
                vec![Change::Refuse(Refusal::AgentOffServer)],
            ),
            (
                "a part let go outside the canvas is not added",
                drag(Part::Nginx, p(-50.0, 10.0)),
                vec![],
            ),
            (
                "a part pressed and let go without moving is left to its click",
                vec![grab(Part::Nginx), up(p(-100.0, 100.0))],
                vec![],
            ),
        ];
        for (case, inputs, expected) in table {
            assert_eq!(run(&page, inputs), expected, "{case}");
        }
    }

    #[test]
    fn a_click_adds_a_part_to_the_selected_server_or_at_a_free_spot() {
        let mut page = Page::new();
        let click = |page: &Page, part| run(page, vec![Input::Click(Clicked::Part(part))]);
        let free = viewport::free_spot(
            &page.layout,
            page.view,
            page.ctx().size,
            viewport::part_size(Part::Dns).0,
            viewport::part_size(Part::Dns).1,
        );
        assert_eq!(
            click(&page, Part::Dns),
            [Change::Add {
                part: Part::Dns,
                at: free
            }]
        );
        assert_eq!(
            click(&page, Part::Agent),
            [Change::Refuse(Refusal::AgentWithoutServer)]
        );
        page.selected = Some("server-01.app".into());
        assert_eq!(
            click(&page, Part::Agent),
            [Change::AddTo {
                host: "server-01".into(),
                part: Part::Agent
            }]
        );
    }

    #[test]
    fn a_drag_swallows_the_click_that_ends_it_and_no_later_one() {
        let page = Page::new();
        let dns = page.center("dns");
        let select = || Input::Click(Clicked::Select(Selection::Node("dns".into())));
        let mut canvas = Canvas::default();
        let ends = canvas.handle(down(&page, dns), &page.ctx());
        assert!(ends.is_empty(), "a press on a node asks for nothing yet");
        assert_eq!(
            changes(&page, &mut canvas, vec![up(dns), select()]),
            [Change::Select(Selection::Node("dns".into()))],
            "a press without a move is a click"
        );
        let far = dns.plus(20.0, 0.0);
        let outputs: Vec<Output> = [down(&page, dns), to(far), up(far)]
            .into_iter()
            .flat_map(|input| canvas.handle(input, &page.ctx()))
            .collect();
        assert!(outputs.contains(&Output::Capture(1)));
        assert!(outputs.contains(&Output::CallBackAfterTask));
        assert_eq!(changes(&page, &mut canvas, vec![select()]), []);
        // The next click counts again, and so does any click once the task is over.
        assert_eq!(changes(&page, &mut canvas, vec![select()]).len(), 1);
        changes(&page, &mut canvas, vec![down(&page, dns), to(far), up(far)]);
        assert_eq!(
            changes(&page, &mut canvas, vec![Input::AfterTask, select()]).len(),
            1
        );
        // A shift-click toggles the pick.
        assert_eq!(
            changes(
                &page,
                &mut canvas,
                vec![Input::Click(Clicked::Toggle("dns".into()))]
            ),
            [Change::TogglePick("dns".into())]
        );
    }

    #[test]
    fn cancelled_gestures_change_nothing_but_end_a_move() {
        let page = Page::new();
        let dns = page.center("dns");
        let far = dns.plus(20.0, 0.0);
        let cancel = Input::Cancel {
            pointer: at(1, far),
        };
        let released_unheard = Input::Move {
            pointer: at(1, far),
            buttons: 0,
        };
        let moved = Change::MoveBy {
            ids: ids(&["dns"]),
            dx: 20.0,
            dy: 0.0,
        };
        let port = page.port("server-01.app");
        let target = page.service("server-02.mysql").center();
        let table: Vec<(&str, Vec<Input>, Vec<Change>)> = vec![
            (
                "a cancelled node drag keeps where it got",
                vec![down(&page, dns), to(far), cancel.clone()],
                vec![moved.clone(), Change::EndMove],
            ),
            (
                "a button let go outside the window ends the drag",
                vec![down(&page, dns), to(far), released_unheard.clone()],
                vec![moved, Change::EndMove],
            ),
            (
                "a cancelled connection connects nothing",
                vec![down(&page, port), to(target), cancel.clone()],
                vec![],
            ),
            (
                "a cancelled press does not clear the selection",
                vec![down(&page, p(5.0, 5.0)), cancel],
                vec![],
            ),
            (
                "a connection whose button was let go unheard connects nothing",
                vec![down(&page, port), to(target), released_unheard],
                vec![],
            ),
        ];
        for (case, inputs, expected) in table {
            assert_eq!(run(&page, inputs), expected, "{case}");
        }
    }

    #[test]
    fn picked_nodes_move_together_and_other_pointers_are_ignored() {
        let mut page = Page::new();
        page.picked = ["dns", "client"].into_iter().map(String::from).collect();
        let dns = page.center("dns");
        let far = dns.plus(16.0, 8.0);
        let stranger = |input: fn(Pointer) -> Input| input(at(7, p(1.0, 1.0)));
        let out = run(
            &page,
            vec![
                down(&page, dns),
                to(far),
                stranger(|pointer| Input::Move {
                    pointer,
                    buttons: 1,
                }),
                stranger(|pointer| Input::Up { pointer }),
                up(far),
            ],
        );
        assert_eq!(
            out,
            [
                Change::MoveBy {
                    ids: ids(&["client", "dns"]),
                    dx: 16.0,
                    dy: 8.0
                },
                Change::EndMove
            ]
        );
        // An unpicked node moves alone.
        let lb = page.center("lb-01").plus(0.0, -15.0);
        let out = run(&page, vec![down(&page, lb), to(lb.plus(8.0, 0.0)), up(lb)]);
        assert_eq!(
            out[0],
            Change::MoveBy {
                ids: ids(&["lb-01"]),
                dx: 8.0,
                dy: 0.0
            }
        );
    }

    #[test]
    fn two_fingers_on_empty_canvas_pinch() {
        let page = Page::new();
        let finger = |id, x: f64| Pointer {
            id,
            mouse: false,
            screen: p(x, 100.0),
            world: p(x, 100.0),
        };
        let out = run(
            &page,
            vec![
                Input::Down {
                    pointer: finger(1, 100.0),
                    button: 0,
                    shift: false,
                    on: Pointed::Empty,
                },
                Input::Down {
                    pointer: finger(2, 200.0),
                    button: 0,
                    shift: false,
                    on: Pointed::Empty,
                },
                Input::Move {
                    pointer: finger(2, 300.0),
                    buttons: 0,
                },
                Input::Up {
                    pointer: finger(1, 100.0),
                },
                Input::Up {
                    pointer: finger(2, 300.0),
                },
            ],
        );
        let zoomed = viewport::pinch(
            View::default(),
            (p(100.0, 100.0), p(200.0, 100.0)),
            (p(100.0, 100.0), p(300.0, 100.0)),
        );
        assert_eq!(out, [Change::Pan(zoomed), Change::EndPan]);
        assert!((zoomed.zoom - 2.0).abs() < 1e-9);
    }

    #[test]
    fn previews_show_what_a_drop_would_do() {
        let page = Page::new();
        let previews = |inputs: Vec<Input>| -> Vec<Preview> {
            let mut canvas = Canvas::default();
            inputs
                .into_iter()
                .flat_map(|input| canvas.handle(input, &page.ctx()))
                .filter_map(|output| match output {
                    Output::Preview(preview) => Some(preview),
                    _ => None,
                })
                .collect()
        };
        let box_of = |id: &str| Some(page.layout.boxes[id]);
        let server = page.center("server-02");
        let port = page.port("server-01.app");
        let target = page.service("server-02.mysql").center();
        let shown = previews(vec![down(&page, port), to(target), up(target)]);
        assert_eq!(
            shown,
            [
                Preview::Line {
                    from: port,
                    to: target,
                    target: Some(page.service("server-02.mysql")),
                },
                Preview::None
            ]
        );
        let shown = previews(vec![grab(Part::Nginx), to(server), up(server)]);
        assert!(
            matches!(shown[0], Preview::Ghost { target, .. } if target == box_of("server-02")),
            "{shown:?}"
        );
        // A node of its own has no target; neither has an agent over empty canvas.
        for part in [Part::Client, Part::Agent] {
            let empty = p(1500.0, 1500.0);
            let shown = previews(vec![grab(part), to(empty), up(empty)]);
            assert!(
                matches!(shown[0], Preview::Ghost { target: None, .. }),
                "{part:?}: {shown:?}"
            );
        }
        let empty = p(5.0, 5.0);
        let shown = previews(vec![
            press(&page, empty, 0, true),
            to(p(30.0, 20.0)),
            up(empty),
        ]);
        assert_eq!(
            shown[0],
            Preview::Band(viewport::rect_between(empty, p(30.0, 20.0)))
        );
    }

    #[test]
    fn zoom_fit_undo_and_redo_are_asked_for_as_such() {
        let page = Page::new();
        let anchor = p(100.0, 50.0);
        let out = run(
            &page,
            vec![
                Input::Zoom {
                    anchor,
                    factor: 2.0,
                },
                Input::Fit,
                Input::Undo,
                Input::Redo,
                Input::Wheel {
                    anchor,
                    factor: 2.0,
                },
                Input::WheelEnd,
            ],
        );
        let size = page.ctx().size;
        assert_eq!(
            out,
            [
                Change::SetView(viewport::zoom_at(View::default(), anchor, 2.0)),
                Change::SetView(viewport::fit(&page.layout, size)),
                Change::Undo,
                Change::Redo,
                // The wheel's zoom lasts while it turns, like a pan, and ends when it rests.
                Change::Pan(viewport::zoom_at(View::default(), anchor, 2.0)),
                Change::EndPan,
            ]
        );
    }
}
