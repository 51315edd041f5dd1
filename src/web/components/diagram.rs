//! The canvas: a toolbar, the palette, and the one `<svg>` of the page (every wire, then every
//! node on top, then what is being dragged, then whatever moves: the request dot, passed in as
//! children).
//!
//! Pointer events (mouse, pen and touch alike) become actions here. A press on a node, a
//! service row, a port or empty canvas is remembered; once the pointer moves further than
//! [`viewport::DRAG_THRESHOLD`] it becomes a drag (move nodes, move a service to another host,
//! connect, pan, or rubber-band with Shift), otherwise the browser's `click` that follows
//! selects as before. Moves and ups are heard on the window, so a drag may leave the canvas.
//! Every coordinate conversion is in [`crate::ui::viewport`].

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, PointerEvent, WheelEvent};
use yew::prelude::*;

use crate::sim::topology::{NodeKind, Topology};
use crate::ui::edit::{Edit, Part};
use crate::ui::layout::{Layout, Point, Rect, Wire, WireKind, wires};
use crate::ui::state::{Action, EditAction, Marks, Refusal, Selection, ViewAction};
use crate::ui::viewport::{self, DEFAULT_SIZE, Hit, Size, View};
use crate::web::components::canvas_toolbar::{CanvasToolbar, Tool};
use crate::web::components::node_view::NodeView;
use crate::web::components::palette::Palette;

/// What the hint under the canvas says (draw.io and Excalidraw habits, and the issue's).
pub const HINT: &str = "Drag empty space to pan, Shift+drag to select an area · wheel or pinch \
                        to zoom · drag a part from the palette · drag a node's ● port onto \
                        another to connect · Shift+click picks several · Delete removes · \
                        Ctrl+Z undoes";

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub topology: Rc<Topology>,
    pub layout: Rc<Layout>,
    #[prop_or_default]
    pub marks: Rc<Marks>,
    /// The part of the drawing shown.
    #[prop_or_default]
    pub view: View,
    /// The picked nodes (multi-selection).
    #[prop_or_default]
    pub picked: Rc<BTreeSet<String>>,
    #[prop_or_default]
    pub can_undo: bool,
    #[prop_or_default]
    pub can_redo: bool,
    /// The preset shown, if the design still is one; choosing another fits it to the canvas.
    #[prop_or_default]
    pub stage: Option<u8>,
    /// Every change the canvas asks for.
    #[prop_or_default]
    pub dispatch: Callback<Action>,
    /// Drawn on top of everything (the request dot).
    #[prop_or_default]
    pub children: Html,
}

fn wire_class(kind: WireKind) -> &'static str {
    match kind {
        WireKind::Request => "wire-request",
        WireKind::Lookup => "wire-lookup",
        WireKind::Entry => "wire-entry",
        WireKind::Vrrp => "wire-vrrp",
        WireKind::Replication => "wire-replication",
        WireKind::Metrics => "wire-metrics",
    }
}

fn wire_view(wire: Wire, marks: &Marks, on_select: &Callback<Selection>) -> Html {
    let arrow = matches!(
        wire.kind,
        WireKind::Request | WireKind::Entry | WireKind::Replication
    );
    let key = format!("{:?}:{}>{}", wire.kind, wire.from, wire.to);
    let pair = (wire.from.clone(), wire.to.clone());
    let class = classes!(
        "wire",
        wire_class(wire.kind),
        marks.last_picks.contains(&pair).then_some("last-pick"),
        marks.cut.contains(&pair).then_some("cut"),
        (marks.selected_link.as_ref() == Some(&pair)).then_some("selected"),
    );
    let line = html! {
        <path {class} d={wire.path.clone()} data-from={wire.from.clone()} data-to={wire.to.clone()}
            marker-end={arrow.then_some("url(#arrow)")} />
    };
    if wire.kind != WireKind::Request {
        return html! { <g key={key}>{ line }</g> };
    }
    // Links can be clicked (to cut them); a wide invisible stroke makes them easy to hit.
    let onclick = on_select.reform(move |_: MouseEvent| Selection::Link {
        from: pair.0.clone(),
        to: pair.1.clone(),
    });
    html! {
        <g key={key} class="wire-link" {onclick}>
            <title>{ format!("{} → {} (click to cut or restore)", wire.from, wire.to) }</title>
            <path class="wire-hit" d={wire.path} />
            { line }
        </g>
    }
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
#[derive(Clone, Debug, PartialEq)]
enum Gesture {
    Idle,
    /// Pressed, not moved far enough to be a drag yet.
    Press {
        pointer: i32,
        start: Point,
        on: Pressed,
        shift: bool,
    },
    /// Moving nodes that started at `starts`; `sent` is the movement dispatched so far.
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
    Connect {
        pointer: i32,
        from: String,
    },
    Pan {
        pointer: i32,
        start: Point,
        view: View,
    },
    /// A rubber band from this drawing point.
    Band {
        pointer: i32,
        start: Point,
    },
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

/// What is drawn while dragging.
#[derive(Clone, Debug, PartialEq, Default)]
enum Preview {
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

/// The latest props and size, for listeners that outlive a render.
struct Live {
    topology: Rc<Topology>,
    layout: Rc<Layout>,
    view: View,
    picked: Rc<BTreeSet<String>>,
    selected: Option<String>,
    size: Size,
    dispatch: Callback<Action>,
}

/// Pointers pressed, the gesture, and whether the next click ends a drag (and is no click).
struct Pointers {
    gesture: Gesture,
    down: BTreeMap<i32, Point>,
    swallow_click: bool,
}

/// Everything the pointer handlers share.
#[derive(Clone)]
struct Canvas {
    live: Rc<RefCell<Live>>,
    pointers: Rc<RefCell<Pointers>>,
    preview: UseStateSetter<Preview>,
    svg: NodeRef,
}

fn client_point(event: &web_sys::MouseEvent) -> Point {
    Point {
        x: f64::from(event.client_x()),
        y: f64::from(event.client_y()),
    }
}

/// What the event's target is part of, innermost first: a port, a service row, a node, a
/// request link (`None`: leave it to its click), or empty canvas.
fn pressed_on(event: &web_sys::Event) -> Option<Pressed> {
    let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return Some(Pressed::Empty);
    };
    let closest = |selector: &str| target.closest(selector).ok().flatten();
    if let Some(port) = closest(".port").and_then(|p| p.get_attribute("data-port")) {
        return Some(Pressed::Port(port));
    }
    if let Some(row) = closest("g.service") {
        let id = row.get_attribute("data-id")?;
        let host = row
            .parent_element()
            .and_then(|p| p.closest("g.node").ok().flatten())
            .and_then(|n| n.get_attribute("data-id"))?;
        return Some(Pressed::Service { id, host });
    }
    if let Some(node) = closest("g.node") {
        return node.get_attribute("data-id").map(Pressed::Node);
    }
    if closest(".wire-link").is_some() || closest(".overlay").is_some() {
        return None;
    }
    Some(Pressed::Empty)
}

impl Canvas {
    /// The canvas's top-left corner on screen and its size.
    fn rect(&self) -> Option<(Point, Size)> {
        let svg = self.svg.cast::<Element>()?;
        let r = svg.get_bounding_client_rect();
        let size = Size::measured(r.width(), r.height())?;
        Some((
            Point {
                x: r.left(),
                y: r.top(),
            },
            size,
        ))
    }

    /// The canvas point (relative to its corner) of a client point.
    fn local(&self, client: Point) -> Point {
        let origin = self
            .rect()
            .map(|(o, _)| o)
            .unwrap_or(Point { x: 0.0, y: 0.0 });
        viewport::relative(client, origin)
    }

    /// The drawing point under a client point, and whether it is over the canvas.
    fn drawing(&self, client: Point) -> (Point, bool) {
        let view = self.live.borrow().view;
        match self.rect() {
            Some((origin, size)) => {
                let local = viewport::relative(client, origin);
                let inside =
                    local.x >= 0.0 && local.y >= 0.0 && local.x <= size.w && local.y <= size.h;
                (viewport::to_drawing(view, local), inside)
            }
            None => (viewport::to_drawing(view, client), false),
        }
    }

    fn emit(&self, actions: Vec<Action>) {
        // No borrow is held here: the reducer may redraw at once.
        let dispatch = self.live.borrow().dispatch.clone();
        for action in actions {
            dispatch.emit(action);
        }
    }

    fn capture(&self, pointer: i32) {
        if let Some(svg) = self.svg.cast::<Element>() {
            // A pointer the browser does not know (a synthetic one) cannot be captured; the
            // window still hears it.
            let _ = svg.set_pointer_capture(pointer);
        }
    }

    fn down(&self, event: &PointerEvent, on: Pressed) {
        let mouse = event.pointer_type() == "mouse";
        let button = event.button();
        let on = match on {
            // The middle button pans from anywhere; other buttons than the first do nothing.
            _ if mouse && button == 1 => Pressed::Empty,
            _ if mouse && button != 0 => return,
            on => on,
        };
        let client = client_point(event);
        let id = event.pointer_id();
        let mut p = self.pointers.borrow_mut();
        p.down.insert(id, client);
        p.swallow_click = false;
        let pinchable = matches!(
            p.gesture,
            Gesture::Press {
                on: Pressed::Empty,
                ..
            } | Gesture::Pan { .. }
        );
        if p.down.len() == 2 && pinchable {
            let mut fingers = p.down.iter().map(|(id, at)| (*id, *at));
            if let (Some(a), Some(b)) = (fingers.next(), fingers.next()) {
                drop(fingers);
                let view = self.live.borrow().view;
                p.gesture = Gesture::Pinch {
                    ids: (a.0, b.0),
                    from: (self.local(a.1), self.local(b.1)),
                    view,
                };
            }
            return;
        }
        if p.gesture == Gesture::Idle {
            if on == Pressed::Empty {
                event.prevent_default();
            }
            p.gesture = Gesture::Press {
                pointer: id,
                start: client,
                on,
                shift: event.shift_key(),
            };
        }
    }

    fn grab_part(&self, part: Part, event: &PointerEvent) {
        if event.pointer_type() == "mouse" && event.button() != 0 {
            return;
        }
        let mut p = self.pointers.borrow_mut();
        p.swallow_click = false;
        if p.gesture == Gesture::Idle {
            p.gesture = Gesture::Palette {
                pointer: event.pointer_id(),
                part,
                start: client_point(event),
                moved: false,
            };
        }
    }

    fn moved(&self, event: &PointerEvent) {
        let id = event.pointer_id();
        let client = client_point(event);
        if event.pointer_type() == "mouse" && event.buttons() == 0 {
            // The button was let go where we could not hear it (outside the window).
            self.finish(id, client, true);
            return;
        }
        let gesture = {
            let mut p = self.pointers.borrow_mut();
            if let Some(at) = p.down.get_mut(&id) {
                *at = client;
            }
            p.gesture.clone()
        };
        let mut actions = Vec::new();
        let mut next = None;
        let mut preview = None;
        match gesture {
            Gesture::Idle => {}
            Gesture::Press {
                pointer,
                start,
                on,
                shift,
            } if pointer == id => {
                if viewport::distance(client, start) <= viewport::DRAG_THRESHOLD {
                    return;
                }
                let started = self.start_drag(pointer, start, on, shift);
                self.set_gesture(started);
                self.capture(pointer);
                // Follow the pointer from the press to here at once.
                self.moved(event);
                return;
            }
            Gesture::Nodes {
                pointer,
                start,
                ids,
                starts,
                sent,
            } if pointer == id => {
                let zoom = viewport::clamp_zoom(self.live.borrow().view.zoom);
                let total = Point {
                    x: (client.x - start.x) / zoom,
                    y: (client.y - start.y) / zoom,
                };
                let delta = viewport::drag_delta(&starts, total);
                let (dx, dy) = (delta.x - sent.x, delta.y - sent.y);
                if dx != 0.0 || dy != 0.0 {
                    actions.push(Action::Edit(EditAction::MoveBy {
                        ids: ids.clone(),
                        dx,
                        dy,
                    }));
                    next = Some(Gesture::Nodes {
                        pointer,
                        start,
                        ids,
                        starts,
                        sent: delta,
                    });
                }
            }
            Gesture::Pan {
                pointer,
                start,
                view,
            } if pointer == id => {
                let moved = viewport::pan(view, client.x - start.x, client.y - start.y);
                actions.push(Action::View(ViewAction::SetViewport(moved)));
            }
            Gesture::Band { pointer, start } if pointer == id => {
                let (at, _) = self.drawing(client);
                preview = Some(Preview::Band(viewport::rect_between(start, at)));
            }
            Gesture::Connect { pointer, from } if pointer == id => {
                let (at, _) = self.drawing(client);
                let live = self.live.borrow();
                let target = viewport::hit(&live.topology, &live.layout, at)
                    .filter(|hit| hit.id() != from)
                    .and_then(|hit| viewport::outline(&live.topology, &live.layout, &hit));
                if let Some(port) = viewport::port_of(&live.topology, &live.layout, &from) {
                    preview = Some(Preview::Line {
                        from: port,
                        to: at,
                        target,
                    });
                }
            }
            Gesture::Service {
                pointer,
                id: service,
                host,
            } if pointer == id => {
                let (at, _) = self.drawing(client);
                let live = self.live.borrow();
                let row = viewport::outline(
                    &live.topology,
                    &live.layout,
                    &Hit::Service {
                        id: service,
                        host: host.clone(),
                    },
                );
                let target = viewport::host_at(&live.topology, &live.layout, at)
                    .filter(|h| *h != host)
                    .and_then(|h| live.layout.boxes.get(&h).copied());
                preview = row.map(|row| Preview::Ghost {
                    rect: Rect {
                        x: at.x - row.w / 2.0,
                        y: at.y - row.h / 2.0,
                        ..row
                    },
                    target,
                });
            }
            Gesture::Palette {
                pointer,
                part,
                start,
                moved,
            } if pointer == id => {
                let moved = moved || viewport::distance(client, start) > viewport::DRAG_THRESHOLD;
                next = Some(Gesture::Palette {
                    pointer,
                    part,
                    start,
                    moved,
                });
                let (at, inside) = self.drawing(client);
                preview = Some(if moved && inside {
                    let (w, h) = viewport::part_size(part);
                    let corner = viewport::drop_corner(part, at);
                    let live = self.live.borrow();
                    let target = part
                        .goes_on_host()
                        .then(|| viewport::host_at(&live.topology, &live.layout, at))
                        .flatten()
                        .and_then(|h| live.layout.boxes.get(&h).copied());
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
                });
            }
            Gesture::Pinch { ids, from, view } if ids.0 == id || ids.1 == id => {
                let (a, b) = {
                    let p = self.pointers.borrow();
                    (p.down.get(&ids.0).copied(), p.down.get(&ids.1).copied())
                };
                if let (Some(a), Some(b)) = (a, b) {
                    let to = (self.local(a), self.local(b));
                    actions.push(Action::View(ViewAction::SetViewport(viewport::pinch(
                        view, from, to,
                    ))));
                }
            }
            _ => {}
        }
        if let Some(next) = next {
            self.set_gesture(next);
        }
        if let Some(preview) = preview {
            self.preview.set(preview);
        }
        event.prevent_default();
        self.emit(actions);
    }

    fn set_gesture(&self, gesture: Gesture) {
        self.pointers.borrow_mut().gesture = gesture;
    }

    /// The drag a press becomes once the pointer has moved.
    fn start_drag(&self, pointer: i32, start: Point, on: Pressed, shift: bool) -> Gesture {
        let live = self.live.borrow();
        match on {
            Pressed::Node(id) => {
                let ids: Vec<String> = if live.picked.contains(&id) && live.picked.len() > 1 {
                    live.picked.iter().cloned().collect()
                } else {
                    vec![id]
                };
                let starts = ids
                    .iter()
                    .filter_map(|id| live.layout.boxes.get(id))
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
            Pressed::Empty if shift => {
                drop(live);
                let (at, _) = self.drawing(start);
                Gesture::Band { pointer, start: at }
            }
            Pressed::Empty => Gesture::Pan {
                pointer,
                start,
                view: live.view,
            },
        }
    }

    /// A pointer let go (or was cancelled): finish what it was doing.
    fn finish(&self, id: i32, client: Point, cancelled: bool) {
        let gesture = {
            let mut p = self.pointers.borrow_mut();
            p.down.remove(&id);
            let mine = match &p.gesture {
                Gesture::Idle => false,
                Gesture::Pinch { ids, .. } => ids.0 == id || ids.1 == id,
                Gesture::Press { pointer, .. }
                | Gesture::Nodes { pointer, .. }
                | Gesture::Service { pointer, .. }
                | Gesture::Connect { pointer, .. }
                | Gesture::Pan { pointer, .. }
                | Gesture::Band { pointer, .. }
                | Gesture::Palette { pointer, .. } => *pointer == id,
            };
            if !mine {
                return;
            }
            let gesture = std::mem::replace(&mut p.gesture, Gesture::Idle);
            // A press that did not move is a click; everything else swallows the click that
            // follows.
            p.swallow_click = !matches!(
                gesture,
                Gesture::Press { .. } | Gesture::Palette { moved: false, .. }
            );
            gesture
        };
        self.forget_swallow_soon();
        self.preview.set(Preview::None);
        let mut actions = Vec::new();
        let (at, inside) = self.drawing(client);
        match gesture {
            Gesture::Press {
                on: Pressed::Empty,
                shift: false,
                ..
            } if !cancelled => actions.push(Action::View(ViewAction::ClearSelection)),
            Gesture::Nodes { .. } => actions.push(Action::Edit(EditAction::EndMove)),
            Gesture::Service { id, host, .. } if !cancelled => {
                let live = self.live.borrow();
                if let Some(to_host) =
                    viewport::host_at(&live.topology, &live.layout, at).filter(|h| *h != host)
                {
                    actions.push(Action::Edit(EditAction::Change(Edit::MoveService {
                        service: id,
                        to_host,
                    })));
                }
            }
            Gesture::Connect { from, .. } if !cancelled => {
                let live = self.live.borrow();
                if let Some(to) = viewport::hit(&live.topology, &live.layout, at) {
                    actions.push(Action::Edit(EditAction::Change(Edit::Connect {
                        from,
                        to: to.id().to_owned(),
                    })));
                }
            }
            Gesture::Band { start, .. } if !cancelled => {
                let band = viewport::rect_between(start, at);
                let ids = viewport::in_band(&self.live.borrow().layout, band);
                actions.push(Action::View(ViewAction::Pick(ids)));
            }
            Gesture::Palette {
                part, moved: true, ..
            } if !cancelled && inside => actions.push(self.drop_part(part, at)),
            _ => {}
        }
        self.emit(actions);
    }

    /// A palette part let go over the drawing point `at`.
    fn drop_part(&self, part: Part, at: Point) -> Action {
        let live = self.live.borrow();
        let host = viewport::host_at(&live.topology, &live.layout, at);
        match (part.goes_on_host(), host) {
            (true, Some(host)) => Action::Edit(EditAction::Change(Edit::AddTo { host, part })),
            _ if part == Part::Agent => Action::Refuse(Refusal::AgentOffServer),
            _ => Action::Edit(EditAction::Add {
                part,
                at: viewport::drop_corner(part, at),
            }),
        }
    }

    /// A palette part clicked (or Enter): onto the selected server if it goes on one,
    /// otherwise at a free visible spot.
    fn add_part(&self, part: Part) {
        if std::mem::take(&mut self.pointers.borrow_mut().swallow_click) {
            return;
        }
        let action = {
            let live = self.live.borrow();
            let host = live.selected.as_deref().and_then(|id| {
                match live.topology.node(id).map(|n| &n.kind) {
                    Some(NodeKind::Host(_)) => Some(id.to_owned()),
                    Some(_) => None,
                    None => live.topology.service(id).map(|(h, _)| h.id.clone()),
                }
            });
            match (part.goes_on_host(), host) {
                (true, Some(host)) => Action::Edit(EditAction::Change(Edit::AddTo { host, part })),
                _ if part == Part::Agent => Action::Refuse(Refusal::AgentWithoutServer),
                _ => {
                    let (w, h) = viewport::part_size(part);
                    let at = viewport::free_spot(&live.layout, live.view, live.size, w, h);
                    Action::Edit(EditAction::Add { part, at })
                }
            }
        };
        self.emit(vec![action]);
    }

    /// The click a drag ends with comes in the same task as its pointerup; any later click
    /// (Enter on a button, a click after the pointer left the window) is a click again.
    fn forget_swallow_soon(&self) {
        let pointers = self.pointers.clone();
        let forget = Closure::once_into_js(move || {
            if let Ok(mut p) = pointers.try_borrow_mut() {
                p.swallow_click = false;
            }
        });
        if let Some(window) = web_sys::window() {
            // Without the timer the flag lasts until the next press, which also clears it.
            let _ = window
                .set_timeout_with_callback_and_timeout_and_arguments_0(forget.unchecked_ref(), 0);
        }
    }

    /// Whether a click is the end of a drag (and must not select).
    fn take_swallow(&self) -> bool {
        std::mem::take(&mut self.pointers.borrow_mut().swallow_click)
    }

    fn wheel(&self, event: &WheelEvent) {
        event.prevent_default();
        let factor = viewport::wheel_factor(event.delta_y(), event.delta_mode());
        let anchor = self.local(client_point(event));
        let view = self.live.borrow().view;
        self.emit(vec![Action::View(ViewAction::SetViewport(
            viewport::zoom_at(view, anchor, factor),
        ))]);
    }

    fn tool(&self, tool: Tool) {
        let action = {
            let live = self.live.borrow();
            let center = live.size.center();
            match tool {
                Tool::Undo => Action::Edit(EditAction::Undo),
                Tool::Redo => Action::Edit(EditAction::Redo),
                Tool::ZoomIn => Action::View(ViewAction::SetViewport(viewport::zoom_at(
                    live.view,
                    center,
                    viewport::ZOOM_STEP,
                ))),
                Tool::ZoomOut => Action::View(ViewAction::SetViewport(viewport::zoom_at(
                    live.view,
                    center,
                    1.0 / viewport::ZOOM_STEP,
                ))),
                Tool::Fit => Action::View(ViewAction::SetViewport(viewport::fit(
                    &live.layout,
                    live.size,
                ))),
            }
        };
        self.emit(vec![action]);
    }

    /// Measures the canvas and keeps the size if it changed.
    fn measure(&self, size: &UseStateSetter<Size>) {
        if let Some((_, measured)) = self.rect() {
            let changed = self.live.borrow().size != measured;
            if changed {
                self.live.borrow_mut().size = measured;
                size.set(measured);
            }
        }
    }
}

/// Keeps `canvas` measured: a ResizeObserver where the browser has one, else window resizes.
#[hook]
fn use_measured(canvas: Canvas, size: UseStateSetter<Size>) {
    use_effect_with((), move |_| {
        canvas.measure(&size);
        let element = canvas.svg.cast::<Element>();
        let on_resize = {
            let (canvas, size) = (canvas.clone(), size.clone());
            Closure::<dyn FnMut()>::new(move || canvas.measure(&size))
        };
        let observer = element.as_ref().and_then(|element| {
            let observer = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok()?;
            observer.observe(element);
            Some(observer)
        });
        let fallback = match (&observer, web_sys::window()) {
            (None, Some(window)) => Some(EventListener::new(&window, "resize", move |_| {
                canvas.measure(&size)
            })),
            _ => None,
        };
        move || {
            if let Some(observer) = observer {
                observer.disconnect();
            }
            drop(fallback);
            drop(on_resize);
        }
    });
}

/// Pointer moves and ups on the window, and the wheel on the canvas (not passive, so the page
/// does not scroll while zooming).
#[hook]
fn use_pointer_listeners(canvas: Canvas) {
    use_effect_with((), move |_| {
        let window = web_sys::window();
        let options = EventListenerOptions::enable_prevent_default();
        let mut listeners = Vec::new();
        if let Some(window) = &window {
            let on_move = canvas.clone();
            listeners.push(EventListener::new_with_options(
                window,
                "pointermove",
                options,
                move |event| {
                    if let Some(event) = event.dyn_ref::<PointerEvent>() {
                        on_move.moved(event);
                    }
                },
            ));
            for (kind, cancelled) in [("pointerup", false), ("pointercancel", true)] {
                let on_up = canvas.clone();
                listeners.push(EventListener::new(window, kind, move |event| {
                    if let Some(event) = event.dyn_ref::<PointerEvent>() {
                        on_up.finish(event.pointer_id(), client_point(event), cancelled);
                    }
                }));
            }
        }
        if let Some(svg) = canvas.svg.cast::<Element>() {
            let on_wheel = canvas.clone();
            listeners.push(EventListener::new_with_options(
                &svg,
                "wheel",
                options,
                move |event| {
                    if let Some(event) = event.dyn_ref::<WheelEvent>() {
                        on_wheel.wheel(event);
                    }
                },
            ));
        }
        move || drop(listeners)
    });
}

#[component]
pub fn Diagram(props: &DiagramProps) -> Html {
    let DiagramProps {
        topology,
        layout,
        marks,
        view,
        picked,
        can_undo,
        can_redo,
        stage,
        dispatch,
        children,
    } = props;
    let size = use_state_eq(|| DEFAULT_SIZE);
    let preview = use_state_eq(Preview::default);
    let svg = use_node_ref();
    let current = || Live {
        topology: topology.clone(),
        layout: layout.clone(),
        view: *view,
        picked: picked.clone(),
        selected: marks.selected.clone(),
        size: *size,
        dispatch: dispatch.clone(),
    };
    let live = use_mut_ref(current);
    if let Ok(mut live) = live.try_borrow_mut() {
        *live = current();
    }
    let pointers = use_mut_ref(|| Pointers {
        gesture: Gesture::Idle,
        down: BTreeMap::new(),
        swallow_click: false,
    });
    let canvas = Canvas {
        live,
        pointers,
        preview: preview.setter(),
        svg: svg.clone(),
    };
    use_measured(canvas.clone(), size.setter());
    use_pointer_listeners(canvas.clone());
    {
        // A newly chosen stage is shown whole.
        let canvas = canvas.clone();
        let first = use_mut_ref(|| true);
        use_effect_with(*stage, move |stage| {
            let first = std::mem::replace(&mut *first.borrow_mut(), false);
            if !first && stage.is_some() {
                canvas.tool(Tool::Fit);
            }
        });
    }
    let on_select = {
        let (canvas, dispatch) = (canvas.clone(), dispatch.clone());
        Callback::from(move |selection: Selection| {
            if !canvas.take_swallow() {
                dispatch.emit(Action::View(ViewAction::Select(selection)));
            }
        })
    };
    let on_toggle = {
        let (canvas, dispatch) = (canvas.clone(), dispatch.clone());
        Callback::from(move |id: String| {
            if !canvas.take_swallow() {
                dispatch.emit(Action::View(ViewAction::TogglePick(id)));
            }
        })
    };
    let onpointerdown = {
        let canvas = canvas.clone();
        Callback::from(move |event: PointerEvent| {
            if let Some(on) = pressed_on(&event) {
                canvas.down(&event, on);
            } else {
                canvas.pointers.borrow_mut().swallow_click = false;
            }
        })
    };
    let on_grab = {
        let canvas = canvas.clone();
        Callback::from(move |(part, event): (Part, PointerEvent)| canvas.grab_part(part, &event))
    };
    let on_add = {
        let canvas = canvas.clone();
        Callback::from(move |part: Part| canvas.add_part(part))
    };
    let on_tool = {
        let canvas = canvas.clone();
        Callback::from(move |tool: Tool| canvas.tool(tool))
    };
    let lines = wires(topology, layout);
    html! {
        <div class="editor">
            <CanvasToolbar zoom={view.zoom} can_undo={*can_undo} can_redo={*can_redo} {on_tool} />
            <Palette {on_grab} {on_add} />
            <div class="canvas-frame">
                <svg
                    ref={svg}
                    class="diagram"
                    viewBox={viewport::view_box(*view, *size)}
                    preserveAspectRatio="xMinYMin meet"
                    width="100%"
                    height="100%"
                    role="group"
                    aria-label={format!("Diagram of {}", topology.name)}
                    {onpointerdown}
                >
                    <defs>
                        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5"
                            markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
                        </marker>
                    </defs>
                    <g class="wires">
                        { for lines.into_iter().map(|wire| wire_view(wire, marks, &on_select)) }
                    </g>
                    <g class="nodes">
                        { for topology.nodes.iter().filter_map(|node| {
                            let rect = *layout.boxes.get(&node.id)?;
                            Some(html! {
                                <NodeView key={node.id.clone()} node={node.clone()} {rect}
                                    marks={marks.clone()} on_select={on_select.clone()}
                                    on_toggle={on_toggle.clone()}
                                    picked={picked.contains(&node.id)} />
                            })
                        }) }
                    </g>
                    <g class="edit-preview">{ preview_view(&preview) }</g>
                    <g class="overlay">{ children.clone() }</g>
                </svg>
            </div>
            <p class="canvas-hint">{ HINT }</p>
        </div>
    }
}

fn rect_attrs(r: Rect, class: &'static str) -> Html {
    html! {
        <rect {class} x={r.x.to_string()} y={r.y.to_string()} width={r.w.to_string()}
            height={r.h.to_string()} rx="6" />
    }
}

fn preview_view(preview: &Preview) -> Html {
    match preview {
        Preview::None => Html::default(),
        Preview::Band(r) => rect_attrs(*r, "band"),
        Preview::Line { from, to, target } => html! {
            <>
                { for target.map(|t| rect_attrs(t, "drop-target")) }
                <path class="rubber-line"
                    d={format!("M {} {} L {} {}", from.x, from.y, to.x, to.y)} />
            </>
        },
        Preview::Ghost { rect, target } => html! {
            <>
                { for target.map(|t| rect_attrs(t, "drop-target")) }
                { rect_attrs(*rect, "ghost") }
            </>
        },
    }
}
