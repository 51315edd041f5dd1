//! Where each node of a design sits on the drawing, and the shapes of the lines between them.
//!
//! Pure geometry in the SVG's own coordinate system (the `viewBox`), natively tested. The core
//! never sees positions; the UI keeps a [`Layout`] beside the topology.
//!
//! The automatic layout reads a design top to bottom, the way the exercise draws it: the
//! client and DNS on the first row, then the virtual IP, the load balancers, the web tier, the
//! application tier and the databases. The monitoring collector gets a column of its own.

use crate::sim::by_id::ById;
use crate::sim::number::{fixed, shortest};
use crate::sim::topology::{Host, NodeKind, ServiceKind, Topology};

/// A point in drawing coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// An axis-aligned box in drawing coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn center(self) -> Point {
        Point {
            x: self.x + self.w / 2.0,
            y: self.y + self.h / 2.0,
        }
    }

    pub fn bottom(self) -> f64 {
        self.y + self.h
    }

    pub fn right(self) -> f64 {
        self.x + self.w
    }
}

/// Host box width.
pub const HOST_W: f64 = 216.0;
/// Height of a host's title block (name and address).
pub const HOST_HEADER: f64 = 42.0;
/// Height of one service row inside a host.
pub const SERVICE_ROW: f64 = 26.0;
const HOST_PAD: f64 = 8.0;
/// Width of a box that is not a host (client, DNS, VIP, collector).
pub const SMALL_W: f64 = 224.0;
/// Height of a box that is not a host.
pub const SMALL_H: f64 = 54.0;
const GAP_X: f64 = 48.0;
const GAP_Y: f64 = 56.0;
const MARGIN: f64 = 20.0;

/// Boxes for every node, and the size of the whole drawing.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Layout {
    pub boxes: ById<Rect>,
    pub width: f64,
    pub height: f64,
}

impl Layout {
    /// The `viewBox` attribute for this drawing.
    pub fn view_box(&self) -> String {
        format!(
            "0 0 {} {}",
            shortest(self.width.ceil()),
            shortest(self.height.ceil())
        )
    }
}

/// The height of a host box with `n_services` services.
pub fn host_height(n_services: usize) -> f64 {
    HOST_HEADER + SERVICE_ROW * n_services as f64 + HOST_PAD
}

/// The rectangle of service number `idx` inside a host box.
pub fn service_rect(host: Rect, idx: usize) -> Rect {
    Rect {
        x: host.x + HOST_PAD,
        y: host.y + HOST_HEADER + SERVICE_ROW * idx as f64,
        w: host.w - 2.0 * HOST_PAD,
        h: SERVICE_ROW - 4.0,
    }
}

/// Tiers from the top of the drawing.
fn tier(kind: &NodeKind) -> Option<usize> {
    match kind {
        NodeKind::Client { .. } | NodeKind::Dns(_) => Some(0),
        NodeKind::Vip(_) => Some(1),
        NodeKind::Host(host) => Some(host_tier(host)),
        NodeKind::Collector { .. } => None,
    }
}

fn host_tier(host: &Host) -> usize {
    host.services
        .iter()
        .filter_map(|service| match service.kind {
            ServiceKind::LoadBalancer(_) => Some(2),
            ServiceKind::WebServer(_) => Some(3),
            ServiceKind::AppServer(_) => Some(4),
            ServiceKind::Database(_) => Some(5),
            ServiceKind::AppFiles { .. } => None,
        })
        .min()
        .unwrap_or(3)
}

fn size(kind: &NodeKind) -> (f64, f64) {
    match kind {
        NodeKind::Host(host) => (HOST_W, host_height(host.services.len())),
        _ => (SMALL_W, SMALL_H),
    }
}

/// Places every node of `topology` automatically.
pub fn auto_layout(topology: &Topology) -> Layout {
    // The tiers' members, top to bottom (a tier nobody is in takes no row). A list by tier,
    // not a map: a map of its own key and value types put its code into the WebAssembly.
    let mut tiers: Vec<Vec<usize>> = Vec::new();
    let mut side = Vec::new();
    for (idx, node) in topology.nodes.iter().enumerate() {
        match tier(&node.kind) {
            Some(t) => {
                if tiers.len() <= t {
                    tiers.resize_with(t + 1, Vec::new);
                }
                if let Some(members) = tiers.get_mut(t) {
                    members.push(idx);
                }
            }
            None => side.push(idx),
        }
    }
    let rows = || tiers.iter().filter(|members| !members.is_empty());
    let row_width = |members: &[usize]| {
        let widths: f64 = members
            .iter()
            .map(|&i| size(&topology.nodes[i].kind).0)
            .sum();
        widths + GAP_X * members.len().saturating_sub(1) as f64
    };
    let main_width = rows().map(|m| row_width(m)).fold(SMALL_W, f64::max);
    let mut boxes = ById::default();
    let mut y = MARGIN;
    for members in rows() {
        let mut x = MARGIN + (main_width - row_width(members)) / 2.0;
        let mut row_h: f64 = 0.0;
        for &i in members {
            let node = &topology.nodes[i];
            let (w, h) = size(&node.kind);
            boxes.insert(node.id.clone(), Rect { x, y, w, h });
            x += w + GAP_X;
            row_h = row_h.max(h);
        }
        y += row_h + GAP_Y;
    }
    let main_height = (y - GAP_Y).max(MARGIN + SMALL_H);
    let mut width = MARGIN + main_width + MARGIN;
    if !side.is_empty() {
        let x = width - MARGIN + GAP_X;
        let total = side.len() as f64 * (SMALL_H + GAP_Y) - GAP_Y;
        let mut sy = ((main_height + MARGIN - total) / 2.0).max(MARGIN);
        for &i in &side {
            let node = &topology.nodes[i];
            let (w, h) = size(&node.kind);
            boxes.insert(node.id.clone(), Rect { x, y: sy, w, h });
            sy += h + GAP_Y;
        }
        width = x + SMALL_W + MARGIN;
    }
    let height = boxes.values().map(|r| r.bottom()).fold(0.0, f64::max) + MARGIN;
    Layout {
        boxes,
        width,
        height,
    }
}

/// The grid that moved and added nodes snap to, in drawing units.
pub const GRID: f64 = 8.0;

/// `v` on the nearest grid line.
pub fn snap(v: f64) -> f64 {
    (v / GRID).round() * GRID
}

/// Every node's box at its top-left corner in `positions`; nodes without one take their place
/// from [`auto_layout`]. The drawing's size covers every box plus a margin.
pub fn place(topology: &Topology, positions: &ById<Point>) -> Layout {
    let auto = if topology.nodes.iter().all(|n| positions.contains_key(&n.id)) {
        Layout::default()
    } else {
        auto_layout(topology)
    };
    let mut boxes = ById::default();
    for node in &topology.nodes {
        let (w, h) = size(&node.kind);
        let rect = match positions.get(&node.id) {
            Some(p) => Rect {
                x: p.x,
                y: p.y,
                w,
                h,
            },
            None => auto.boxes.get(&node.id).copied().unwrap_or(Rect {
                x: MARGIN,
                y: MARGIN,
                w,
                h,
            }),
        };
        boxes.insert(node.id.clone(), rect);
    }
    let width = boxes.values().map(|r| r.right()).fold(SMALL_W, f64::max) + MARGIN;
    let height = boxes.values().map(|r| r.bottom()).fold(SMALL_H, f64::max) + MARGIN;
    Layout {
        boxes,
        width,
        height,
    }
}

/// The top-left corner of every box.
pub fn positions(layout: &Layout) -> ById<Point> {
    let mut positions = ById::default();
    positions.extend(
        layout
            .boxes
            .iter()
            .map(|(id, r)| (id.clone(), Point { x: r.x, y: r.y })),
    );
    positions
}

/// A cubic Bézier curve: its start, two control points and its end.
pub type Curve = [Point; 4];

/// The SVG path of a curve.
pub fn curve_path(c: Curve) -> String {
    let [a, b, c, d] = c;
    let p = |v: f64| fixed(v, 1);
    format!(
        "M {} {} C {} {} {} {} {} {}",
        p(a.x),
        p(a.y),
        p(b.x),
        p(b.y),
        p(c.x),
        p(c.y),
        p(d.x),
        p(d.y)
    )
}

/// Where a line between two boxes starts and ends, and the SVG path that joins them.
///
/// Boxes on different rows are joined bottom to top with a vertical S-curve; boxes side by
/// side are joined edge to edge at the heights `from_y` and `to_y` (a service row's middle).
pub fn connector(from: Rect, from_y: f64, to: Rect, to_y: f64) -> String {
    curve_path(connector_curve(from, from_y, to, to_y))
}

/// The curve [`connector`] draws.
pub fn connector_curve(from: Rect, from_y: f64, to: Rect, to_y: f64) -> Curve {
    let p = |x, y| Point { x, y };
    let overlap_rows = from.y < to.bottom() && to.y < from.bottom();
    if overlap_rows {
        let (x1, x2) = if from.x < to.x {
            (from.right(), to.x)
        } else {
            (from.x, to.right())
        };
        let mid = (x1 + x2) / 2.0;
        [p(x1, from_y), p(mid, from_y), p(mid, to_y), p(x2, to_y)]
    } else {
        let (x1, y1, x2, y2) = if from.y < to.y {
            (from.center().x, from.bottom(), to.center().x, to.y)
        } else {
            (from.center().x, from.y, to.center().x, to.bottom())
        };
        let mid = (y1 + y2) / 2.0;
        [p(x1, y1), p(x1, mid), p(x2, mid), p(x2, y2)]
    }
}

/// A short bracket on the left edge of a host joining two of its own service rows.
pub fn inner_connector(host: Rect, from_y: f64, to_y: f64) -> String {
    curve_path(inner_curve(host, from_y, to_y))
}

/// The curve [`inner_connector`] draws.
pub fn inner_curve(host: Rect, from_y: f64, to_y: f64) -> Curve {
    let x = host.x + 2.0;
    let bulge = x - 12.0;
    let p = |x, y| Point { x, y };
    [p(x, from_y), p(bulge, from_y), p(bulge, to_y), p(x, to_y)]
}

/// What a line on the drawing stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireKind {
    /// A request-carrying link between services.
    Request,
    /// The client asking DNS for the site's address.
    Lookup,
    /// The client connecting to whatever the `www` record points at.
    Entry,
    /// A virtual IP to one of the hosts that may hold it.
    Vrrp,
    /// A replica pulling the primary's binary log.
    Replication,
    /// A monitoring agent reporting to its collector.
    Metrics,
}

/// One line on the drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct Wire {
    pub kind: WireKind,
    pub from: String,
    pub to: String,
    pub path: String,
}

/// The middle height of a service's row, and its host's box.
fn service_anchor(topology: &Topology, layout: &Layout, id: &str) -> Option<(String, Rect, f64)> {
    let (node, service) = topology.service(id)?;
    let NodeKind::Host(host) = &node.kind else {
        return None;
    };
    let idx = host.services.iter().position(|s| s.id == service.id)?;
    let rect = *layout.boxes.get(&node.id)?;
    Some((node.id.clone(), rect, service_rect(rect, idx).center().y))
}

/// Every line of the drawing: links, and the relations implied by DNS, VRRP, replication and
/// agents. Lines whose ends have no box are left out.
pub fn wires(topology: &Topology, layout: &Layout) -> Vec<Wire> {
    let mut out = Vec::new();
    let boxed = |id: &str| layout.boxes.get(id).copied();
    let between = |kind, from: &str, to: &str, out: &mut Vec<Wire>| {
        if let (Some(a), Some(b)) = (boxed(from), boxed(to)) {
            let path = connector(a, a.center().y, b, b.center().y);
            out.push(Wire {
                kind,
                from: from.to_owned(),
                to: to.to_owned(),
                path,
            });
        }
    };
    let client = topology
        .nodes
        .iter()
        .find(|n| matches!(n.kind, NodeKind::Client { .. }));
    if let Some(client) = client
        && let Some((dns_node, zone)) = topology.dns()
    {
        between(WireKind::Lookup, &client.id, &dns_node.id, &mut out);
        let entry = zone
            .records
            .iter()
            .find(|r| r.name == "www")
            .and_then(|r| topology.node_at(r.address));
        if let Some(entry) = entry {
            between(WireKind::Entry, &client.id, &entry.id, &mut out);
        }
    }
    for node in &topology.nodes {
        match &node.kind {
            NodeKind::Vip(vip) => {
                for member in &vip.members {
                    between(WireKind::Vrrp, &node.id, &member.host, &mut out);
                }
            }
            NodeKind::Host(host) => {
                if let Some(agent) = &host.agent {
                    between(WireKind::Metrics, &node.id, &agent.collector, &mut out);
                }
                for service in &host.services {
                    if let ServiceKind::Database(db) = &service.kind
                        && let crate::sim::topology::DbRole::Replica { source, .. } = &db.role
                    {
                        push_service_wire(
                            topology,
                            layout,
                            WireKind::Replication,
                            source,
                            &service.id,
                            &mut out,
                        );
                    }
                }
            }
            _ => {}
        }
    }
    for link in &topology.links {
        push_service_wire(
            topology,
            layout,
            WireKind::Request,
            &link.from,
            &link.to,
            &mut out,
        );
    }
    out
}

fn push_service_wire(
    topology: &Topology,
    layout: &Layout,
    kind: WireKind,
    from: &str,
    to: &str,
    out: &mut Vec<Wire>,
) {
    if let Some(curve) = link_curve(topology, layout, from, to) {
        out.push(Wire {
            kind,
            from: from.to_owned(),
            to: to.to_owned(),
            path: curve_path(curve),
        });
    }
}

/// The curve of the line between two services (a link, or replication); `None` when either
/// has no box.
pub fn link_curve(topology: &Topology, layout: &Layout, from: &str, to: &str) -> Option<Curve> {
    let (host_a, a, ya) = service_anchor(topology, layout, from)?;
    let (host_b, b, yb) = service_anchor(topology, layout, to)?;
    Some(if host_a == host_b {
        inner_curve(a, ya, yb)
    } else {
        connector_curve(a, ya, b, yb)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets;

    fn overlaps(a: Rect, b: Rect) -> bool {
        a.x < b.right() && b.x < a.right() && a.y < b.bottom() && b.y < a.bottom()
    }

    #[test]
    fn every_node_gets_a_box_and_no_two_boxes_overlap() {
        for n in 0..4 {
            let topology = presets::topology(n).expect("stage exists");
            let layout = auto_layout(&topology);
            assert_eq!(layout.boxes.len(), topology.nodes.len(), "stage {n}");
            let rects: Vec<Rect> = layout.boxes.values().copied().collect();
            for (i, a) in rects.iter().enumerate() {
                assert!(
                    a.right() <= layout.width && a.bottom() <= layout.height,
                    "stage {n}"
                );
                for b in &rects[i + 1..] {
                    assert!(!overlaps(*a, *b), "stage {n}: {a:?} overlaps {b:?}");
                }
            }
        }
    }

    #[test]
    fn tiers_read_top_to_bottom_lb_then_web_then_app_then_db() {
        let layout = auto_layout(&presets::topology(3).expect("stage 3"));
        let y = |id: &str| layout.boxes[id].y;
        assert!(y("client") < y("vip"));
        assert!(y("vip") < y("lb-01"));
        assert_eq!(y("lb-01"), y("lb-02"));
        assert!(y("lb-01") < y("web-01"));
        assert!(y("web-01") < y("app-01"));
        assert!(y("app-01") < y("db-01"));
    }

    #[test]
    fn host_box_grows_with_its_services() {
        assert_eq!(host_height(4) - host_height(1), 3.0 * SERVICE_ROW);
        let host = Rect {
            x: 10.0,
            y: 20.0,
            w: HOST_W,
            h: host_height(2),
        };
        assert!(service_rect(host, 1).bottom() <= host.bottom());
    }

    #[test]
    fn connector_joins_rows_vertically_and_neighbours_sideways() {
        let top = Rect {
            x: 0.0,
            y: 0.0,
            w: 100.0,
            h: 50.0,
        };
        let below = Rect {
            x: 0.0,
            y: 100.0,
            w: 100.0,
            h: 50.0,
        };
        assert_eq!(
            connector(top, 25.0, below, 125.0),
            "M 50.0 50.0 C 50.0 75.0 50.0 75.0 50.0 100.0"
        );
        let beside = Rect {
            x: 200.0,
            y: 0.0,
            w: 100.0,
            h: 50.0,
        };
        assert_eq!(
            connector(top, 10.0, beside, 30.0),
            "M 100.0 10.0 C 150.0 10.0 150.0 30.0 200.0 30.0"
        );
    }

    #[test]
    fn stage_3_draws_entry_to_the_vip_and_vrrp_to_both_balancers() {
        let topology = presets::topology(3).expect("stage 3");
        let all = wires(&topology, &auto_layout(&topology));
        let has = |kind, from: &str, to: &str| {
            all.iter()
                .any(|w| w.kind == kind && w.from == from && w.to == to)
        };
        assert!(has(WireKind::Entry, "client", "vip"));
        assert!(has(WireKind::Vrrp, "vip", "lb-01"));
        assert!(has(WireKind::Vrrp, "vip", "lb-02"));
        assert!(has(WireKind::Request, "app-01.app", "db-01.mysql"));
        assert_eq!(
            all.iter().filter(|w| w.kind == WireKind::Metrics).count(),
            6
        );
    }

    #[test]
    fn stage_1_draws_replication_from_primary_to_replica() {
        let topology = presets::topology(1).expect("stage 1");
        let all = wires(&topology, &auto_layout(&topology));
        assert!(all.iter().any(|w| w.kind == WireKind::Replication
            && w.from == "server-01.mysql"
            && w.to == "server-02.mysql"));
        assert!(
            all.iter()
                .any(|w| w.kind == WireKind::Entry && w.to == "lb-01")
        );
    }
}
