//! The part of the drawing the canvas shows (pan and zoom) and what lies under the pointer,
//! as pure maths, natively tested.
//!
//! Two coordinate systems meet here. *Screen* points are CSS pixels relative to the canvas's
//! top-left corner (a pointer event's `clientX/clientY` minus the `<svg>`'s bounding rect).
//! *Drawing* points are the [`crate::ui::layout`] units the boxes are placed in. A [`View`] joins
//! them: `drawing = view.(x, y) + screen / view.zoom`, and the `<svg>`'s `viewBox` is the
//! visible drawing rectangle ([`view_box`]), so the browser draws exactly this mapping.

use serde::{Deserialize, Serialize};

use crate::sim::number::shortest;
use crate::sim::topology::{NodeKind, Topology};
use crate::ui::edit::Part;
use crate::ui::layout::{
    Curve, GRID, HOST_HEADER, HOST_W, Layout, Point, Rect, SMALL_H, SMALL_W, host_height,
    link_curve, service_rect,
};

/// Where the canvas looks: the drawing point at its top-left corner and the zoom factor.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct View {
    pub x: f64,
    pub y: f64,
    pub zoom: f64,
}

impl Default for View {
    fn default() -> Self {
        View {
            x: 0.0,
            y: 0.0,
            zoom: 1.0,
        }
    }
}

/// The smallest zoom factor (the drawing at a tenth of its size).
pub const MIN_ZOOM: f64 = 0.1;
/// The largest zoom factor.
pub const MAX_ZOOM: f64 = 8.0;
/// "Fit" never magnifies beyond this, so a small design stays at a readable size.
pub const FIT_MAX_ZOOM: f64 = 1.0;
/// Screen pixels around the drawing after "Fit".
pub const FIT_MARGIN: f64 = 24.0;
/// How far (screen pixels) a pointer moves before a press becomes a drag instead of a click.
pub const DRAG_THRESHOLD: f64 = 4.0;
/// The zoom buttons' step.
pub const ZOOM_STEP: f64 = 1.25;
/// The canvas size assumed before the element has been measured.
pub const DEFAULT_SIZE: Size = Size { w: 800.0, h: 560.0 };

/// The canvas's size in CSS pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Size {
    pub w: f64,
    pub h: f64,
}

impl Size {
    /// A measured size, or `None` when the element is not laid out (zero, negative or not a
    /// number).
    pub fn measured(w: f64, h: f64) -> Option<Size> {
        (w.is_finite() && h.is_finite() && w >= 1.0 && h >= 1.0).then_some(Size { w, h })
    }

    pub fn center(self) -> Point {
        Point {
            x: self.w / 2.0,
            y: self.h / 2.0,
        }
    }
}

/// `zoom` within [`MIN_ZOOM`]..=[`MAX_ZOOM`]; not-a-number becomes 1.
pub fn clamp_zoom(zoom: f64) -> f64 {
    if zoom.is_nan() {
        1.0
    } else {
        zoom.clamp(MIN_ZOOM, MAX_ZOOM)
    }
}

/// The `viewBox` attribute: the drawing rectangle a canvas of `size` shows.
pub fn view_box(view: View, size: Size) -> String {
    let r = visible(view, size);
    format!(
        "{} {} {} {}",
        shortest(r.x),
        shortest(r.y),
        shortest(r.w),
        shortest(r.h)
    )
}

/// The drawing rectangle a canvas of `size` shows.
pub fn visible(view: View, size: Size) -> Rect {
    let zoom = clamp_zoom(view.zoom);
    Rect {
        x: view.x,
        y: view.y,
        w: size.w / zoom,
        h: size.h / zoom,
    }
}

/// The drawing point under the screen point `screen` (relative to the canvas's corner).
pub fn to_drawing(view: View, screen: Point) -> Point {
    let zoom = clamp_zoom(view.zoom);
    Point {
        x: view.x + screen.x / zoom,
        y: view.y + screen.y / zoom,
    }
}

/// Where the drawing point `p` appears on the canvas.
pub fn to_screen(view: View, p: Point) -> Point {
    let zoom = clamp_zoom(view.zoom);
    Point {
        x: (p.x - view.x) * zoom,
        y: (p.y - view.y) * zoom,
    }
}

/// A client point (`clientX`, `clientY`) relative to the canvas whose bounding rect starts at
/// `origin`.
pub fn relative(client: Point, origin: Point) -> Point {
    Point {
        x: client.x - origin.x,
        y: client.y - origin.y,
    }
}

/// Zooms by `factor` keeping the drawing point under `anchor` (a screen point) where it is.
/// The zoom stays within its limits.
pub fn zoom_at(view: View, anchor: Point, factor: f64) -> View {
    if !factor.is_finite() || factor <= 0.0 {
        return view;
    }
    let fixed = to_drawing(view, anchor);
    let zoom = clamp_zoom(clamp_zoom(view.zoom) * factor);
    View {
        x: fixed.x - anchor.x / zoom,
        y: fixed.y - anchor.y / zoom,
        zoom,
    }
}

/// Moves the drawing with the pointer: a drag of (dx, dy) screen pixels.
pub fn pan(view: View, dx: f64, dy: f64) -> View {
    let zoom = clamp_zoom(view.zoom);
    View {
        x: view.x - dx / zoom,
        y: view.y - dy / zoom,
        zoom,
    }
}

/// Two fingers went from the screen points `from` to `to`: the view from `start` that keeps
/// the drawing point under the first midpoint under the new midpoint, zoomed by the change in
/// the fingers' distance.
pub fn pinch(start: View, from: (Point, Point), to: (Point, Point)) -> View {
    let d0 = distance(from.0, from.1);
    let d1 = distance(to.0, to.1);
    let factor = if d0 > 1.0 && d1 > 0.0 { d1 / d0 } else { 1.0 };
    let mid0 = midpoint(from.0, from.1);
    let mid1 = midpoint(to.0, to.1);
    let fixed = to_drawing(start, mid0);
    let zoom = clamp_zoom(clamp_zoom(start.zoom) * factor);
    View {
        x: fixed.x - mid1.x / zoom,
        y: fixed.y - mid1.y / zoom,
        zoom,
    }
}

pub fn distance(a: Point, b: Point) -> f64 {
    (a.x - b.x).hypot(a.y - b.y)
}

pub fn midpoint(a: Point, b: Point) -> Point {
    Point {
        x: (a.x + b.x) / 2.0,
        y: (a.y + b.y) / 2.0,
    }
}

/// The zoom factor of one wheel event: `delta_y` in pixels (`delta_mode` 0), lines (1) or
/// pages (2); scrolling down zooms out. One notch of a mouse wheel (100 px) is about 16 %.
pub fn wheel_factor(delta_y: f64, delta_mode: u32) -> f64 {
    let pixels = match delta_mode {
        1 => delta_y * 16.0,
        2 => delta_y * 400.0,
        _ => delta_y,
    };
    if !pixels.is_finite() {
        return 1.0;
    }
    (-pixels.clamp(-500.0, 500.0) * 0.0015).exp()
}

/// The rectangle around every box of the drawing; `None` for an empty drawing.
pub fn bounds(layout: &Layout) -> Option<Rect> {
    let mut boxes = layout.boxes.values();
    let first = *boxes.next()?;
    Some(boxes.fold(first, |acc, r| union(acc, *r)))
}

fn union(a: Rect, b: Rect) -> Rect {
    let x = a.x.min(b.x);
    let y = a.y.min(b.y);
    Rect {
        x,
        y,
        w: a.right().max(b.right()) - x,
        h: a.bottom().max(b.bottom()) - y,
    }
}

/// The view that shows the whole drawing centred on a canvas of `size`, with a margin, never
/// magnified beyond [`FIT_MAX_ZOOM`]. An empty drawing gets the default view.
pub fn fit(layout: &Layout, size: Size) -> View {
    let Some(b) = bounds(layout) else {
        return View::default();
    };
    let room_w = (size.w - 2.0 * FIT_MARGIN).max(1.0);
    let room_h = (size.h - 2.0 * FIT_MARGIN).max(1.0);
    let zoom = clamp_zoom(
        (room_w / b.w.max(1.0))
            .min(room_h / b.h.max(1.0))
            .min(FIT_MAX_ZOOM),
    );
    let center = b.center();
    View {
        x: center.x - size.w / zoom / 2.0,
        y: center.y - size.h / zoom / 2.0,
        zoom,
    }
}

/// The rectangle with corners `a` and `b` (in any order).
pub fn rect_between(a: Point, b: Point) -> Rect {
    Rect {
        x: a.x.min(b.x),
        y: a.y.min(b.y),
        w: (a.x - b.x).abs(),
        h: (a.y - b.y).abs(),
    }
}

/// Whether two rectangles overlap (touching edges do not count).
pub fn intersects(a: Rect, b: Rect) -> bool {
    a.x < b.right() && b.x < a.right() && a.y < b.bottom() && b.y < a.bottom()
}

pub fn contains(r: Rect, p: Point) -> bool {
    p.x >= r.x && p.x <= r.right() && p.y >= r.y && p.y <= r.bottom()
}

/// The nodes whose boxes a rubber band overlaps, in id order.
pub fn in_band(layout: &Layout, band: Rect) -> Vec<String> {
    layout
        .boxes
        .iter()
        .filter(|(_, r)| intersects(band, **r))
        .map(|(id, _)| id.clone())
        .collect()
}

/// What lies under a drawing point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hit {
    /// A node (a host's header or border, a client, DNS zone, VIP or collector).
    Node(String),
    /// A service row of a host.
    Service { id: String, host: String },
}

impl Hit {
    /// The id a connection uses.
    pub fn id(&self) -> &str {
        match self {
            Hit::Node(id) | Hit::Service { id, .. } => id,
        }
    }

    /// The node this is, or the host the service runs on.
    pub fn node(&self) -> &str {
        match self {
            Hit::Node(id) | Hit::Service { host: id, .. } => id,
        }
    }
}

/// The topmost node or service under `p` (nodes later in the design are drawn on top).
pub fn hit(topology: &Topology, layout: &Layout, p: Point) -> Option<Hit> {
    topology.nodes.iter().rev().find_map(|node| {
        let rect = *layout.boxes.get(&node.id)?;
        if !contains(rect, p) {
            return None;
        }
        if let NodeKind::Host(host) = &node.kind {
            let service = host
                .services
                .iter()
                .enumerate()
                .find(|(idx, _)| contains(service_rect(rect, *idx), p));
            if let Some((_, service)) = service {
                return Some(Hit::Service {
                    id: service.id.clone(),
                    host: node.id.clone(),
                });
            }
        }
        Some(Hit::Node(node.id.clone()))
    })
}

/// The host under `p`, if the topmost node there is a host.
pub fn host_at(topology: &Topology, layout: &Layout, p: Point) -> Option<String> {
    let id = hit(topology, layout, p)?.node().to_owned();
    matches!(topology.node(&id)?.kind, NodeKind::Host(_)).then_some(id)
}

/// The radius of a connection port's handle (drawing units), as the page draws it.
pub const PORT_RADIUS: f64 = 6.0;
/// A port's radius for a finger (the page draws it bigger on coarse pointers).
pub const TOUCH_PORT_RADIUS: f64 = 9.0;
/// How near a link's line a press lands on it (half its invisible hit stroke).
pub const LINK_REACH: f64 = 6.0;

/// What a press lands on, as the page stacks it: each node above the lines and above the nodes
/// before it; within a node its port on top, then its service rows with their ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pointed {
    /// The connection port of a node or service.
    Port(String),
    /// A service row of a host.
    Service { id: String, host: String },
    /// A node (anywhere on its box but a service row or a port).
    Node(String),
    /// A request link's line (its click selects it).
    Link { from: String, to: String },
    /// Nothing: empty canvas (or a line that is not a link).
    Empty,
}

/// What lies under the drawing point `p` for a press; `port_radius` is how far from a port's
/// centre still counts ([`PORT_RADIUS`] or [`TOUCH_PORT_RADIUS`]).
pub fn pointed(topology: &Topology, layout: &Layout, p: Point, port_radius: f64) -> Pointed {
    let on_port = |port: Point| distance(port, p) <= port_radius;
    for node in topology.nodes.iter().rev() {
        let Some(rect) = layout.boxes.get(&node.id).copied() else {
            continue;
        };
        let host = match &node.kind {
            NodeKind::Host(host) => Some(host),
            _ => None,
        };
        if on_port(node_port(rect, host.is_some())) {
            return Pointed::Port(node.id.clone());
        }
        let services = host.map_or(&[][..], |h| &h.services[..]);
        for (idx, service) in services.iter().enumerate().rev() {
            let row = service_rect(rect, idx);
            if on_port(service_port(row)) {
                return Pointed::Port(service.id.clone());
            }
            if contains(row, p) {
                return Pointed::Service {
                    id: service.id.clone(),
                    host: node.id.clone(),
                };
            }
        }
        if contains(rect, p) {
            return Pointed::Node(node.id.clone());
        }
    }
    topology
        .links
        .iter()
        .find(|link| {
            link_curve(topology, layout, &link.from, &link.to)
                .is_some_and(|curve| near_curve(curve, p, LINK_REACH))
        })
        .map_or(Pointed::Empty, |link| Pointed::Link {
            from: link.from.clone(),
            to: link.to.clone(),
        })
}

/// Whether `p` is within `reach` of the curve (measured on 32 straight pieces of it).
pub fn near_curve(curve: Curve, p: Point, reach: f64) -> bool {
    const PIECES: u32 = 32;
    let [a, b, c, d] = curve;
    let (lo_x, hi_x) = (
        a.x.min(b.x).min(c.x).min(d.x),
        a.x.max(b.x).max(c.x).max(d.x),
    );
    let (lo_y, hi_y) = (
        a.y.min(b.y).min(c.y).min(d.y),
        a.y.max(b.y).max(c.y).max(d.y),
    );
    if p.x < lo_x - reach || p.x > hi_x + reach || p.y < lo_y - reach || p.y > hi_y + reach {
        return false;
    }
    let at = |t: f64| {
        let u = 1.0 - t;
        let (w0, w1, w2, w3) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
        Point {
            x: w0 * a.x + w1 * b.x + w2 * c.x + w3 * d.x,
            y: w0 * a.y + w1 * b.y + w2 * c.y + w3 * d.y,
        }
    };
    let mut last = a;
    (1..=PIECES).any(|i| {
        let next = at(f64::from(i) / f64::from(PIECES));
        let near = segment_distance(last, next, p) <= reach;
        last = next;
        near
    })
}

/// The distance from `p` to the straight segment `a`–`b`.
fn segment_distance(a: Point, b: Point, p: Point) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    distance(
        Point {
            x: a.x + t * dx,
            y: a.y + t * dy,
        },
        p,
    )
}

/// The size of the box a palette part makes on empty canvas (a service comes in a host of
/// its own).
pub fn part_size(part: Part) -> (f64, f64) {
    match part {
        Part::Host => (HOST_W, host_height(0)),
        Part::Agent => (HOST_W, host_height(0)),
        p if p.goes_on_host() => (HOST_W, host_height(1)),
        _ => (SMALL_W, SMALL_H),
    }
}

/// The top-left corner for a part dropped at `p`: its box is centred under the pointer.
pub fn drop_corner(part: Part, p: Point) -> Point {
    let (w, h) = part_size(part);
    Point {
        x: (p.x - w / 2.0).max(0.0),
        y: (p.y - h / 2.0).max(0.0),
    }
}

/// A free place for a box of `w` × `h` in the visible part of the drawing (for a palette part
/// added with a click or Enter): the first grid spot, row by row from the top-left, that keeps
/// a gap to every box. With no room, the middle of what is visible.
pub fn free_spot(layout: &Layout, view: View, size: Size, w: f64, h: f64) -> Point {
    let seen = visible(view, size);
    let gap = 2.0 * GRID;
    let step = 4.0 * GRID;
    let start_x = (seen.x + gap).max(0.0);
    let start_y = (seen.y + gap).max(0.0);
    let mut y = start_y;
    while y + h <= seen.bottom() {
        let mut x = start_x;
        while x + w <= seen.right() {
            let spot = Rect {
                x: x - gap,
                y: y - gap,
                w: w + 2.0 * gap,
                h: h + 2.0 * gap,
            };
            if !layout.boxes.values().any(|r| intersects(spot, *r)) {
                return Point { x, y };
            }
            x += step;
        }
        y += step;
    }
    let c = seen.center();
    Point {
        x: (c.x - w / 2.0).max(0.0),
        y: (c.y - h / 2.0).max(0.0),
    }
}

/// The part of a drag's total movement (drawing units) the dragged boxes, which started at
/// `starts`, can follow without any of them leaving the drawing's positive quarter.
pub fn drag_delta(starts: &[Point], total: Point) -> Point {
    let min_x = starts.iter().map(|p| p.x).fold(f64::INFINITY, f64::min);
    let min_y = starts.iter().map(|p| p.y).fold(f64::INFINITY, f64::min);
    let floor = |min: f64| if min.is_finite() { -min.max(0.0) } else { 0.0 };
    Point {
        x: total.x.max(floor(min_x)),
        y: total.y.max(floor(min_y)),
    }
}

/// Where a node's connection port sits: the middle of its right edge (of the title block, for
/// a host).
pub fn node_port(rect: Rect, is_host: bool) -> Point {
    let dy = if is_host {
        HOST_HEADER / 2.0
    } else {
        rect.h / 2.0
    };
    Point {
        x: rect.right(),
        y: rect.y + dy,
    }
}

/// Where a service row's port sits: the middle of the row's right edge.
pub fn service_port(row: Rect) -> Point {
    Point {
        x: row.right(),
        y: row.y + row.h / 2.0,
    }
}

/// The port of the node or service with this id, in drawing coordinates.
pub fn port_of(topology: &Topology, layout: &Layout, id: &str) -> Option<Point> {
    if let Some(node) = topology.node(id) {
        let rect = *layout.boxes.get(id)?;
        return Some(node_port(rect, matches!(node.kind, NodeKind::Host(_))));
    }
    let (host, _) = topology.service(id)?;
    let NodeKind::Host(h) = &host.kind else {
        return None;
    };
    let idx = h.services.iter().position(|s| s.id == id)?;
    let rect = *layout.boxes.get(&host.id)?;
    Some(service_port(service_rect(rect, idx)))
}

/// The outline of what a hit names (a whole node, or one service row).
pub fn outline(topology: &Topology, layout: &Layout, hit: &Hit) -> Option<Rect> {
    match hit {
        Hit::Node(id) => layout.boxes.get(id).copied(),
        Hit::Service { id, host } => {
            let rect = *layout.boxes.get(host)?;
            let node = topology.node(host)?;
            let NodeKind::Host(h) = &node.kind else {
                return None;
            };
            let idx = h.services.iter().position(|s| &s.id == id)?;
            Some(service_rect(rect, idx))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets;
    use crate::ui::layout::{self, auto_layout, place};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn p(x: f64, y: f64) -> Point {
        Point { x, y }
    }

    fn layout_of(boxes: &[(&str, Rect)]) -> Layout {
        Layout {
            boxes: boxes.iter().map(|(id, r)| ((*id).to_owned(), *r)).collect(),
            width: 0.0,
            height: 0.0,
        }
    }

    fn r(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x, y, w, h }
    }

    #[test]
    fn screen_and_drawing_points_map_both_ways() {
        let view = View {
            x: 100.0,
            y: -50.0,
            zoom: 2.0,
        };
        let d = to_drawing(view, p(40.0, 10.0));
        assert_eq!(d, p(120.0, -45.0));
        assert_eq!(to_screen(view, d), p(40.0, 10.0));
        assert_eq!(relative(p(140.0, 110.0), p(100.0, 100.0)), p(40.0, 10.0));
    }

    #[test]
    fn the_view_box_is_the_visible_drawing() {
        let view = View {
            x: 10.0,
            y: 20.0,
            zoom: 2.0,
        };
        let size = Size { w: 800.0, h: 600.0 };
        assert_eq!(view_box(view, size), "10 20 400 300");
        assert_eq!(visible(view, size), r(10.0, 20.0, 400.0, 300.0));
    }

    #[test]
    fn zooming_keeps_the_point_under_the_pointer() {
        let view = View {
            x: 30.0,
            y: 40.0,
            zoom: 1.0,
        };
        let anchor = p(200.0, 150.0);
        let before = to_drawing(view, anchor);
        let zoomed = zoom_at(view, anchor, 2.0);
        assert!(close(zoomed.zoom, 2.0));
        let after = to_drawing(zoomed, anchor);
        assert!(close(before.x, after.x) && close(before.y, after.y));
        // Out again: back where it started.
        let back = zoom_at(zoomed, anchor, 0.5);
        assert!(close(back.x, 30.0) && close(back.y, 40.0) && close(back.zoom, 1.0));
    }

    #[test]
    fn zoom_stays_within_its_limits_and_ignores_nonsense() {
        let view = View::default();
        assert!(close(zoom_at(view, p(0.0, 0.0), 1000.0).zoom, MAX_ZOOM));
        assert!(close(zoom_at(view, p(0.0, 0.0), 0.0001).zoom, MIN_ZOOM));
        assert_eq!(zoom_at(view, p(5.0, 5.0), f64::NAN), view);
        assert_eq!(zoom_at(view, p(5.0, 5.0), -2.0), view);
        assert!(close(clamp_zoom(f64::NAN), 1.0));
        // The limit also keeps the point under the pointer.
        let anchor = p(120.0, 80.0);
        let big = zoom_at(view, anchor, 1000.0);
        let d = to_drawing(big, anchor);
        assert!(close(d.x, 120.0) && close(d.y, 80.0));
    }

    #[test]
    fn panning_moves_the_drawing_with_the_pointer() {
        let view = View {
            x: 0.0,
            y: 0.0,
            zoom: 2.0,
        };
        let moved = pan(view, 40.0, -20.0);
        assert_eq!(
            moved,
            View {
                x: -20.0,
                y: 10.0,
                zoom: 2.0
            }
        );
        // The drawing point that was under (100, 100) is now under (140, 80).
        assert_eq!(
            to_drawing(view, p(100.0, 100.0)),
            to_drawing(moved, p(140.0, 80.0))
        );
    }

    #[test]
    fn pinching_zooms_by_the_finger_distance_about_their_middle() {
        let start = View {
            x: 10.0,
            y: 10.0,
            zoom: 1.0,
        };
        let from = (p(100.0, 100.0), p(200.0, 100.0));
        let to = (p(50.0, 100.0), p(250.0, 100.0));
        let v = pinch(start, from, to);
        assert!(close(v.zoom, 2.0));
        let fixed = to_drawing(start, p(150.0, 100.0));
        let now = to_drawing(v, p(150.0, 100.0));
        assert!(close(fixed.x, now.x) && close(fixed.y, now.y));
        // Both fingers moving together pans.
        let slid = pinch(start, from, (p(110.0, 130.0), p(210.0, 130.0)));
        assert!(close(slid.zoom, 1.0));
        assert!(close(slid.x, 0.0) && close(slid.y, -20.0));
        // Fingers on the same spot do not divide by zero.
        let same = pinch(start, (p(5.0, 5.0), p(5.0, 5.0)), to);
        assert!(close(same.zoom, 1.0));
    }

    #[test]
    fn the_wheel_zooms_out_when_scrolling_down() {
        assert!(wheel_factor(100.0, 0) < 1.0);
        assert!(wheel_factor(-100.0, 0) > 1.0);
        assert!(close(wheel_factor(0.0, 0), 1.0));
        assert!(close(wheel_factor(3.0, 1), wheel_factor(48.0, 0)));
        assert!(close(wheel_factor(f64::INFINITY, 0), 1.0));
        // A huge delta is capped rather than zooming to the limit at once.
        assert!(close(wheel_factor(1e9, 0), wheel_factor(500.0, 0)));
    }

    #[test]
    fn fit_shows_the_whole_drawing_centred() {
        let layout = layout_of(&[
            ("a", r(100.0, 100.0, 200.0, 100.0)),
            ("b", r(700.0, 400.0, 200.0, 100.0)),
        ]);
        assert_eq!(bounds(&layout), Some(r(100.0, 100.0, 800.0, 400.0)));
        let size = Size { w: 448.0, h: 448.0 };
        let v = fit(&layout, size);
        assert!(close(v.zoom, 0.5));
        let seen = visible(v, size);
        assert!(seen.x <= 100.0 && seen.right() >= 900.0);
        assert!(seen.y <= 100.0 && seen.bottom() >= 500.0);
        assert!(close(seen.center().x, 500.0) && close(seen.center().y, 300.0));
        // A small drawing is not magnified.
        let small = layout_of(&[("a", r(0.0, 0.0, 50.0, 50.0))]);
        assert!(close(fit(&small, size).zoom, FIT_MAX_ZOOM));
        assert_eq!(fit(&Layout::default(), size), View::default());
    }

    #[test]
    fn fit_works_on_every_stage() {
        for n in 0..=3 {
            let t = presets::topology(n).expect("stage");
            let layout = auto_layout(&t);
            let size = Size { w: 900.0, h: 600.0 };
            let v = fit(&layout, size);
            let seen = visible(v, size);
            let b = bounds(&layout).expect("boxes");
            assert!(seen.x <= b.x && seen.right() >= b.right(), "stage {n}");
            assert!(seen.y <= b.y && seen.bottom() >= b.bottom(), "stage {n}");
        }
    }

    #[test]
    fn a_rubber_band_picks_the_boxes_it_touches() {
        let layout = layout_of(&[
            ("a", r(0.0, 0.0, 100.0, 50.0)),
            ("b", r(200.0, 0.0, 100.0, 50.0)),
            ("c", r(0.0, 200.0, 100.0, 50.0)),
        ]);
        let band = rect_between(p(250.0, 60.0), p(50.0, 10.0));
        assert_eq!(band, r(50.0, 10.0, 200.0, 50.0));
        assert_eq!(in_band(&layout, band), ["a", "b"]);
        assert!(in_band(&layout, rect_between(p(120.0, 100.0), p(180.0, 150.0))).is_empty());
        // Touching an edge is not overlapping.
        assert!(!intersects(
            r(0.0, 0.0, 10.0, 10.0),
            r(10.0, 0.0, 10.0, 10.0)
        ));
    }

    #[test]
    fn hits_find_services_before_their_host_and_the_top_node_first() {
        let t = presets::topology(1).expect("stage 1");
        let layout = auto_layout(&t);
        let host = layout.boxes["server-01"];
        let header = p(host.x + 20.0, host.y + 10.0);
        assert_eq!(
            hit(&t, &layout, header),
            Some(Hit::Node("server-01".into()))
        );
        let row = service_rect(host, 1).center();
        let found = hit(&t, &layout, row).expect("a service");
        assert_eq!(
            found,
            Hit::Service {
                id: "server-01.app".into(),
                host: "server-01".into()
            }
        );
        assert_eq!(found.id(), "server-01.app");
        assert_eq!(found.node(), "server-01");
        assert_eq!(host_at(&t, &layout, row).as_deref(), Some("server-01"));
        let client = layout.boxes["client"].center();
        assert_eq!(hit(&t, &layout, client), Some(Hit::Node("client".into())));
        assert_eq!(host_at(&t, &layout, client), None);
        assert_eq!(hit(&t, &layout, p(-500.0, -500.0)), None);
        // Overlapping boxes: the one drawn last (later in the design) wins.
        let mut positions = crate::sim::by_id::ById::default();
        positions.insert("client".to_owned(), p(0.0, 0.0));
        positions.insert("dns".to_owned(), p(10.0, 10.0));
        positions.insert("lb-01".to_owned(), p(0.0, 300.0));
        positions.insert("server-01".to_owned(), p(300.0, 300.0));
        positions.insert("server-02".to_owned(), p(600.0, 300.0));
        let stacked = place(&t, &positions);
        assert_eq!(
            hit(&t, &stacked, p(20.0, 20.0)),
            Some(Hit::Node("dns".into()))
        );
        assert_eq!(
            hit(&t, &stacked, p(5.0, 5.0)),
            Some(Hit::Node("client".into()))
        );
    }

    #[test]
    fn ports_sit_on_right_edges_and_outlines_match_hits() {
        let t = presets::topology(1).expect("stage 1");
        let layout = auto_layout(&t);
        let host = layout.boxes["lb-01"];
        assert_eq!(
            port_of(&t, &layout, "lb-01"),
            Some(p(host.right(), host.y + HOST_HEADER / 2.0))
        );
        let row = service_rect(host, 0);
        assert_eq!(
            port_of(&t, &layout, "lb-01.haproxy"),
            Some(p(row.right(), row.y + row.h / 2.0))
        );
        let dns = layout.boxes["dns"];
        assert_eq!(
            port_of(&t, &layout, "dns"),
            Some(p(dns.right(), dns.y + dns.h / 2.0))
        );
        assert_eq!(port_of(&t, &layout, "nothing"), None);
        let service = Hit::Service {
            id: "lb-01.haproxy".into(),
            host: "lb-01".into(),
        };
        assert_eq!(outline(&t, &layout, &service), Some(row));
        assert_eq!(outline(&t, &layout, &Hit::Node("lb-01".into())), Some(host));
        // The port is inside the hit area of what it belongs to.
        let port = port_of(&t, &layout, "lb-01.haproxy").expect("port");
        assert_eq!(hit(&t, &layout, port), Some(service));
    }

    #[test]
    fn a_press_lands_on_what_the_page_draws_on_top() {
        let t = presets::topology(1).expect("stage 1");
        let layout = auto_layout(&t);
        let host = layout.boxes["server-01"];
        let row = service_rect(host, 1);
        let node_port = port_of(&t, &layout, "server-01").expect("port");
        let app_port = port_of(&t, &layout, "server-01.app").expect("port");
        let link =
            layout::link_curve(&t, &layout, "lb-01.haproxy", "server-01.nginx").expect("a link");
        let on_link = midpoint(link[0], link[3]);
        let table = [
            (node_port, PORT_RADIUS, Pointed::Port("server-01".into())),
            // Half outside the box, but on the port's handle.
            (
                p(node_port.x + 5.0, node_port.y),
                PORT_RADIUS,
                Pointed::Port("server-01".into()),
            ),
            (
                p(node_port.x + 8.0, node_port.y),
                PORT_RADIUS,
                Pointed::Empty,
            ),
            (
                p(node_port.x + 8.0, node_port.y),
                TOUCH_PORT_RADIUS,
                Pointed::Port("server-01".into()),
            ),
            (app_port, PORT_RADIUS, Pointed::Port("server-01.app".into())),
            (
                row.center(),
                PORT_RADIUS,
                Pointed::Service {
                    id: "server-01.app".into(),
                    host: "server-01".into(),
                },
            ),
            (
                p(host.x + 20.0, host.y + 10.0),
                PORT_RADIUS,
                Pointed::Node("server-01".into()),
            ),
            (
                layout.boxes["dns"].center(),
                PORT_RADIUS,
                Pointed::Node("dns".into()),
            ),
            (
                on_link,
                PORT_RADIUS,
                Pointed::Link {
                    from: "lb-01.haproxy".into(),
                    to: "server-01.nginx".into(),
                },
            ),
            (p(on_link.x, on_link.y + 20.0), PORT_RADIUS, Pointed::Empty),
            (p(-500.0, -500.0), PORT_RADIUS, Pointed::Empty),
        ];
        for (at, radius, expected) in table {
            assert_eq!(pointed(&t, &layout, at, radius), expected, "{at:?}");
        }
    }

    #[test]
    fn a_curve_is_near_the_points_it_passes() {
        let line = [p(0.0, 0.0), p(10.0, 0.0), p(20.0, 0.0), p(30.0, 0.0)];
        assert!(near_curve(line, p(15.0, 5.0), 6.0));
        assert!(!near_curve(line, p(15.0, 7.0), 6.0));
        assert!(!near_curve(line, p(40.0, 0.0), 6.0));
        let s = [p(0.0, 0.0), p(0.0, 50.0), p(100.0, 50.0), p(100.0, 100.0)];
        assert!(near_curve(s, p(50.0, 50.0), 1.0));
        assert!(!near_curve(s, p(0.0, 100.0), 6.0));
    }

    #[test]
    fn dropped_parts_are_centred_under_the_pointer() {
        let corner = drop_corner(Part::Client, p(300.0, 200.0));
        assert_eq!(corner, p(300.0 - SMALL_W / 2.0, 200.0 - SMALL_H / 2.0));
        let server = drop_corner(Part::Host, p(300.0, 200.0));
        assert_eq!(
            server,
            p(300.0 - HOST_W / 2.0, 200.0 - host_height(0) / 2.0)
        );
        assert_eq!(part_size(Part::Nginx), (HOST_W, host_height(1)));
        // Never off the drawing's positive quarter.
        assert_eq!(drop_corner(Part::Dns, p(5.0, 5.0)), p(0.0, 0.0));
    }

    #[test]
    fn a_free_spot_is_visible_and_overlaps_nothing() {
        let size = Size { w: 800.0, h: 600.0 };
        let view = View::default();
        let empty = Layout::default();
        assert_eq!(free_spot(&empty, view, size, 100.0, 50.0), p(16.0, 16.0));
        let layout = layout_of(&[("a", r(0.0, 0.0, 300.0, 100.0))]);
        let spot = free_spot(&layout, view, size, 100.0, 50.0);
        let placed = r(spot.x, spot.y, 100.0, 50.0);
        assert!(!intersects(placed, layout.boxes["a"]));
        assert!(contains(visible(view, size), spot));
        // Panned far away: the spot follows the view.
        let away = View {
            x: 5000.0,
            y: 5000.0,
            zoom: 1.0,
        };
        assert_eq!(
            free_spot(&layout, away, size, 100.0, 50.0),
            p(5016.0, 5016.0)
        );
        // No room at all: the middle of the visible part.
        let full = layout_of(&[("a", r(-10.0, -10.0, 2000.0, 2000.0))]);
        assert_eq!(free_spot(&full, view, size, 100.0, 50.0), p(350.0, 275.0));
    }

    #[test]
    fn a_drag_stops_at_the_drawing_edge() {
        let starts = [p(40.0, 100.0), p(300.0, 8.0)];
        assert_eq!(drag_delta(&starts, p(-100.0, -100.0)), p(-40.0, -8.0));
        assert_eq!(drag_delta(&starts, p(25.0, -3.0)), p(25.0, -3.0));
        assert_eq!(drag_delta(&[], p(-5.0, 7.0)), p(0.0, 7.0));
    }

    #[test]
    fn measured_sizes_must_be_real() {
        assert_eq!(Size::measured(0.0, 100.0), None);
        assert_eq!(Size::measured(f64::NAN, 100.0), None);
        assert_eq!(
            Size::measured(640.0, 480.0),
            Some(Size { w: 640.0, h: 480.0 })
        );
        assert_eq!(DEFAULT_SIZE.center(), p(400.0, 280.0));
    }
}
