//! The canvas: a toolbar, the palette, and the one `<svg>` of the page (every wire, then every
//! node on top, then what is being dragged, then whatever moves: the request dot, passed in as
//! children).
//!
//! A thin shell over [`crate::ui::gesture`]: each pointer event (mouse, pen and touch alike),
//! click, wheel turn and toolbar button becomes a [`gesture::Input`] (what lies under a press
//! is found on the drawing's geometry, [`viewport::pointed`]), the machine steps, and its
//! outputs are done here: changes become actions in one function ([`action`]), previews are
//! drawn, pointers captured. Moves and ups are heard on the window, so a drag may leave the
//! canvas.

use crate::sim::number::shortest;
use crate::sim::sort::SortedSet;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, PointerEvent, WheelEvent};
use yew::prelude::*;

use crate::sim::topology::Topology;
use crate::ui::edit::{Edit, Part};
use crate::ui::gesture::{self, Change, Clicked, Context, Input, Output, Pointer, Preview};
use crate::ui::layout::{Layout, Point, Rect, Wire, WireKind, wires};
use crate::ui::state::{Action, EditAction, Marks, Selection, Shared, ViewAction};
use crate::ui::viewport::{self, DEFAULT_SIZE, Size, View};
use crate::web::components::canvas_toolbar::{Tool, canvas_toolbar};
use crate::web::components::node_view::NodeView;
use crate::web::components::palette::palette;

/// What the hint under the canvas says (draw.io and Excalidraw habits, and the issue's).
pub const HINT: &str = "Drag empty space to pan, Shift+drag to select an area · wheel or pinch \
                        to zoom · drag a part from the palette · drag a node's ● port onto \
                        another to connect · Shift+click picks several · Delete removes · \
                        Ctrl+Z undoes";

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    /// Shared, so the listeners keep it without a copy of the design per render.
    pub topology: Rc<Topology>,
    pub layout: Rc<Layout>,
    #[prop_or_default]
    pub marks: Rc<Marks>,
    /// The part of the drawing shown.
    #[prop_or_default]
    pub view: View,
    /// The picked nodes (multi-selection).
    #[prop_or_default]
    pub picked: Rc<SortedSet<String>>,
    #[prop_or_default]
    pub can_undo: bool,
    #[prop_or_default]
    pub can_redo: bool,
    /// Fits the drawing to the canvas when it changes to a non-zero value
    /// ([`crate::ui::state::ViewState::fit`]).
    #[prop_or_default]
    pub fit: u32,
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
        marks
            .route
            .as_ref()
            .filter(|r| r.has_link(&wire.from, &wire.to))
            .map(|r| if r.served { "route-ok" } else { "route-failed" }),
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

/// The latest props and size, for listeners that outlive a render.
struct Live {
    topology: Rc<Topology>,
    layout: Rc<Layout>,
    view: View,
    picked: Rc<SortedSet<String>>,
    selected: Option<String>,
    size: Size,
    dispatch: Callback<Action>,
}

/// Everything the event handlers share: the latest props, the gesture machine, the preview,
/// the `<svg>` and where its corner was last measured.
#[derive(Clone)]
struct Canvas {
    live: Rc<RefCell<Live>>,
    machine: Rc<RefCell<gesture::Canvas>>,
    origin: Rc<Cell<Point>>,
    /// Counts the wheel's steps: a rest timer ends the zoom only if no step came after it.
    wheel_steps: Rc<Cell<u32>>,
    preview: UseStateSetter<Preview>,
    svg: NodeRef,
}

/// The one place the canvas's changes become the reducer's actions.
fn action(change: Change) -> Action {
    match change {
        Change::Select(selection) => Action::View(ViewAction::Select(selection)),
        Change::TogglePick(id) => Action::View(ViewAction::TogglePick(id)),
        Change::ClearSelection => Action::View(ViewAction::ClearSelection),
        Change::MoveBy { ids, dx, dy } => Action::Edit(EditAction::MoveBy { ids, dx, dy }),
        Change::EndMove => Action::Edit(EditAction::EndMove),
        Change::Pick(ids) => Action::View(ViewAction::Pick(ids)),
        Change::SetView(view) => Action::View(ViewAction::SetViewport(view)),
        Change::Pan(view) => Action::View(ViewAction::Pan(view)),
        Change::EndPan => Action::View(ViewAction::EndPan),
        Change::MoveService { service, to_host } => {
            Action::Edit(EditAction::Change(Edit::MoveService { service, to_host }))
        }
        Change::Connect { from, to } => {
            Action::Edit(EditAction::Change(Edit::Connect { from, to }))
        }
        Change::AddTo { host, part } => {
            Action::Edit(EditAction::Change(Edit::AddTo { host, part }))
        }
        Change::Add { part, at } => Action::Edit(EditAction::Add { part, at }),
        Change::Refuse(why) => Action::Refuse(why),
        Change::Undo => Action::Edit(EditAction::Undo),
        Change::Redo => Action::Edit(EditAction::Redo),
    }
}

fn client_point(event: &web_sys::MouseEvent) -> Point {
    Point {
        x: f64::from(event.client_x()),
        y: f64::from(event.client_y()),
    }
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

    /// Measures where the canvas's corner is now (at a press: moves use it without asking the
    /// browser for its layout again).
    fn measure_origin(&self) {
        if let Some((origin, _)) = self.rect() {
            self.origin.set(origin);
        }
    }

    /// The pointer of an event: its canvas point and its drawing point.
    fn pointer(&self, event: &PointerEvent) -> Pointer {
        let screen = viewport::relative(client_point(event), self.origin.get());
        let view = self.live.try_borrow().map_or(View::default(), |l| l.view);
        Pointer {
            id: event.pointer_id(),
            mouse: event.pointer_type() == "mouse",
            screen,
            world: viewport::to_drawing(view, screen),
        }
    }

    /// Steps the machine with `input` (heard as `event`) and does what it asks.
    fn send(&self, input: Input, event: Option<&web_sys::Event>) {
        let outputs = {
            let (Ok(live), Ok(mut machine)) =
                (self.live.try_borrow(), self.machine.try_borrow_mut())
            else {
                return;
            };
            let ctx = Context {
                topology: &live.topology,
                layout: &live.layout,
                view: live.view,
                size: live.size,
                picked: &live.picked,
                selected: live.selected.as_deref(),
            };
            machine.handle(input, &ctx)
        };
        let mut actions = Vec::new();
        for output in outputs {
            match output {
                Output::Change(change) => actions.push(action(change)),
                Output::Preview(preview) => self.preview.set(preview),
                Output::Capture(pointer) => self.capture(pointer),
                Output::PreventDefault => {
                    if let Some(event) = event {
                        event.prevent_default();
                    }
                }
                Output::CallBackAfterTask => self.after_task(),
            }
        }
        if actions.is_empty() {
            return;
        }
        // No borrow is held here: the reducer may redraw at once.
        let Ok(dispatch) = self.live.try_borrow().map(|l| l.dispatch.clone()) else {
            return;
        };
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

    /// A press on the canvas, on whatever the drawing has there.
    fn down(&self, event: &PointerEvent) {
        self.measure_origin();
        let pointer = self.pointer(event);
        let on = {
            let Ok(live) = self.live.try_borrow() else {
                return;
            };
            let radius = if pointer.mouse {
                viewport::PORT_RADIUS
            } else {
                viewport::TOUCH_PORT_RADIUS
            };
            viewport::pointed(&live.topology, &live.layout, pointer.world, radius)
        };
        let input = Input::Down {
            pointer,
            button: event.button(),
            shift: event.shift_key(),
            on,
        };
        self.send(input, Some(event));
    }

    /// A press on a palette part.
    fn grab(&self, part: Part, event: &PointerEvent) {
        self.measure_origin();
        let input = Input::Grab {
            pointer: self.pointer(event),
            button: event.button(),
            part,
        };
        self.send(input, Some(event));
    }

    fn moved(&self, event: &PointerEvent) {
        let input = Input::Move {
            pointer: self.pointer(event),
            buttons: event.buttons(),
        };
        self.send(input, Some(event));
    }

    fn up(&self, event: &PointerEvent, cancelled: bool) {
        let pointer = self.pointer(event);
        let input = if cancelled {
            Input::Cancel { pointer }
        } else {
            Input::Up { pointer }
        };
        self.send(input, Some(event));
    }

    /// Sends `input` to the machine after `ms` milliseconds (a timer), if `due` still holds
    /// then. Every timer fires, so none is left behind.
    fn send_later(&self, ms: i32, input: Input, due: impl FnOnce(&Canvas) -> bool + 'static) {
        let canvas = self.clone();
        let callback = Closure::once_into_js(move || {
            if due(&canvas) {
                canvas.send(input, None);
            }
        });
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                callback.unchecked_ref(),
                ms,
            );
        }
    }

    /// Tells the machine when the current task is over (a timer of 0 ms). Without the timer
    /// the click a drag swallows is forgotten at the next press.
    fn after_task(&self) {
        self.send_later(0, Input::AfterTask, |_| true);
    }

    fn wheel(&self, event: &WheelEvent) {
        event.prevent_default();
        self.measure_origin();
        let factor = viewport::wheel_factor(event.delta_y(), event.delta_mode());
        let anchor = viewport::relative(client_point(event), self.origin.get());
        self.send(Input::Wheel { anchor, factor }, None);
        // The zoom is over once the wheel rests: each step starts a timer, and only the timer of
        // the last step ends it.
        let step = self.wheel_steps.get().wrapping_add(1);
        self.wheel_steps.set(step);
        self.send_later(gesture::WHEEL_REST_MS, Input::WheelEnd, move |canvas| {
            canvas.wheel_steps.get() == step
        });
    }

    fn tool(&self, tool: Tool) {
        let center = self
            .live
            .try_borrow()
            .map_or(DEFAULT_SIZE, |l| l.size)
            .center();
        let input = match tool {
            Tool::Undo => Input::Undo,
            Tool::Redo => Input::Redo,
            Tool::ZoomIn => Input::Zoom {
                anchor: center,
                factor: viewport::ZOOM_STEP,
            },
            Tool::ZoomOut => Input::Zoom {
                anchor: center,
                factor: 1.0 / viewport::ZOOM_STEP,
            },
            Tool::Fit => Input::Fit,
        };
        self.send(input, None);
    }

    /// Measures the canvas and keeps the size if it changed.
    fn measure(&self, size: &UseStateSetter<Size>) {
        if let Some((origin, measured)) = self.rect() {
            self.origin.set(origin);
            let Ok(mut live) = self.live.try_borrow_mut() else {
                return;
            };
            if live.size != measured {
                live.size = measured;
                drop(live);
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

/// Keeps the canvas's `--zoom` CSS property equal to the view's zoom: the stylesheet divides
/// the failover labels' size by it so that they stay readable at any zoom. Set through the
/// CSSOM, because the page's Content-Security-Policy (`style-src 'self'`) makes the browser
/// ignore a `style` attribute.
#[hook]
fn use_zoom_property(svg: NodeRef, zoom: f64) {
    use_effect_with(zoom, move |zoom| {
        if let Some(svg) = svg.cast::<web_sys::SvgElement>() {
            let _ = svg
                .style()
                .set_property("--zoom", &shortest(*zoom).to_string());
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
                        on_up.up(event, cancelled);
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
        fit,
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
    let origin = use_memo((), |_| Cell::new(Point { x: 0.0, y: 0.0 }));
    let wheel_steps = use_memo((), |_| Cell::new(0u32));
    let canvas = Canvas {
        live,
        machine: use_mut_ref(gesture::Canvas::default),
        origin,
        wheel_steps,
        preview: preview.setter(),
        svg: svg.clone(),
    };
    use_measured(canvas.clone(), size.setter());
    use_pointer_listeners(canvas.clone());
    use_zoom_property(svg.clone(), view.zoom);
    {
        // A stage picked, a design started or a file or link opened is shown whole (the
        // reducer bumps `fit`; only the canvas knows its size). `use_measured` above has
        // measured the canvas before this first runs.
        let canvas = canvas.clone();
        use_effect_with(*fit, move |fit| {
            if *fit > 0 {
                canvas.tool(Tool::Fit);
            }
        });
    }
    // The nodes' callbacks are made once (the canvas's handles never change), so a node whose
    // own props are unchanged is not drawn again while another one is dragged.
    let on_select = {
        let canvas = canvas.clone();
        use_callback((), move |selection: Selection, _| {
            canvas.send(Input::Click(Clicked::Select(selection)), None)
        })
    };
    let on_connect = use_callback(dispatch.clone(), |id: String, dispatch| {
        dispatch.emit(Action::View(crate::ui::state::ViewAction::ConnectFrom(id)))
    });
    let on_toggle = {
        let canvas = canvas.clone();
        use_callback((), move |id: String, _| {
            canvas.send(Input::Click(Clicked::Toggle(id)), None)
        })
    };
    let onpointerdown = {
        let canvas = canvas.clone();
        Callback::from(move |event: PointerEvent| canvas.down(&event))
    };
    let on_grab = {
        let canvas = canvas.clone();
        Callback::from(move |(part, event): (Part, PointerEvent)| canvas.grab(part, &event))
    };
    let on_add = {
        let canvas = canvas.clone();
        Callback::from(move |part: Part| canvas.send(Input::Click(Clicked::Part(part)), None))
    };
    let on_tool = {
        let canvas = canvas.clone();
        Callback::from(move |tool: Tool| canvas.tool(tool))
    };
    // One shared copy of each node per design: while the design is unchanged (a drag moves
    // positions only) the nodes' props compare by pointer.
    let nodes = use_memo(Shared::from(topology.clone()), |topology| {
        topology
            .nodes
            .iter()
            .map(|node| Shared::new(node.clone()))
            .collect::<Vec<_>>()
    });
    let shared_marks = Shared::from(marks.clone());
    let lines = wires(topology, layout);
    html! {
        <div class="editor">
            { canvas_toolbar(view.zoom, *can_undo, *can_redo, &on_tool) }
            { palette(&on_grab, &on_add) }
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
                        { for nodes.iter().filter_map(|node| {
                            let rect = *layout.boxes.get(&node.id)?;
                            Some(html! {
                                <NodeView key={node.id.clone()} node={node.clone()} {rect}
                                    marks={shared_marks.clone()} on_select={on_select.clone()}
                                    on_toggle={on_toggle.clone()}
                                    on_connect={on_connect.clone()}
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
        <rect {class} x={shortest(r.x).to_string()} y={shortest(r.y).to_string()}
            width={shortest(r.w).to_string()} height={shortest(r.h).to_string()} rx="6" />
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
                    d={format!(
                        "M {} {} L {} {}",
                        shortest(from.x),
                        shortest(from.y),
                        shortest(to.x),
                        shortest(to.y)
                    )} />
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
