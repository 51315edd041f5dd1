//! Where the request dot is: the path each hop of a trace takes across the drawing, and where
//! the dot sits after some milliseconds of playback.
//!
//! Pure geometry and arithmetic in the SVG's coordinates, natively tested. The trace is already
//! computed by the core; this only turns its places into points along the drawn wires. The
//! animation loop (`components::request_dot`) feeds it elapsed milliseconds and nothing else.

use crate::sim::topology::{NodeKind, Topology};
use crate::sim::trace::{HopKind, Trace};
use crate::ui::fields::parse_f64;
use crate::ui::layout::{Layout, Point, Wire, WireKind, service_rect, wires};

/// How long the dot rests at a place after arriving, so the decision can be read (ms at 1×).
pub const PAUSE_MS: f64 = 700.0;
/// Travel speed along the wires, in drawing units per millisecond at 1×.
const SPEED_PX_PER_MS: f64 = 0.45;
const MIN_TRAVEL_MS: f64 = 350.0;
const MAX_TRAVEL_MS: f64 = 1800.0;
/// The most playback time one animation frame may add: after a hidden tab or a stalled frame
/// the dot carries on smoothly instead of jumping hops.
pub const MAX_FRAME_MS: f64 = 50.0;
/// The middle of a service row's glyph, from the row's left (see `components::node_view`).
const GLYPH_MIDDLE: f64 = 16.0;
/// Samples per curve when measuring its length.
const SAMPLES: u32 = 16;

/// A piece of the dot's path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Curve {
    Line(Point, Point),
    /// A cubic Bézier: start, two control points, end.
    Cubic(Point, Point, Point, Point),
}

fn lerp(a: Point, b: Point, t: f64) -> Point {
    Point {
        x: a.x + (b.x - a.x) * t,
        y: a.y + (b.y - a.y) * t,
    }
}

fn distance(a: Point, b: Point) -> f64 {
    (b.x - a.x).hypot(b.y - a.y)
}

impl Curve {
    pub fn start(self) -> Point {
        match self {
            Curve::Line(a, _) | Curve::Cubic(a, ..) => a,
        }
    }

    pub fn end(self) -> Point {
        match self {
            Curve::Line(_, b) | Curve::Cubic(.., b) => b,
        }
    }

    /// The same curve walked the other way.
    pub fn reversed(self) -> Curve {
        match self {
            Curve::Line(a, b) => Curve::Line(b, a),
            Curve::Cubic(a, b, c, d) => Curve::Cubic(d, c, b, a),
        }
    }

    /// The point at parameter `t` (0 at the start, 1 at the end).
    pub fn point(self, t: f64) -> Point {
        let t = t.clamp(0.0, 1.0);
        match self {
            Curve::Line(a, b) => lerp(a, b, t),
            Curve::Cubic(a, b, c, d) => {
                // De Casteljau.
                let ab = lerp(a, b, t);
                let bc = lerp(b, c, t);
                let cd = lerp(c, d, t);
                lerp(lerp(ab, bc, t), lerp(bc, cd, t), t)
            }
        }
    }

    /// Approximate length (a polyline through a few samples).
    pub fn length(self) -> f64 {
        match self {
            Curve::Line(a, b) => distance(a, b),
            Curve::Cubic(..) => {
                let mut total = 0.0;
                let mut prev = self.start();
                for i in 1..=SAMPLES {
                    let next = self.point(f64::from(i) / f64::from(SAMPLES));
                    total += distance(prev, next);
                    prev = next;
                }
                total
            }
        }
    }
}

/// Reads a wire's path as `layout` writes it: `M x y C x y x y x y` or `M x y L x y`.
pub fn parse_path(d: &str) -> Option<Curve> {
    let mut tokens = d.split_whitespace();
    let point = |tokens: &mut std::str::SplitWhitespace<'_>| -> Option<Point> {
        let x = parse_f64(tokens.next()?)?;
        let y = parse_f64(tokens.next()?)?;
        Some(Point { x, y })
    };
    if tokens.next()? != "M" {
        return None;
    }
    let start = point(&mut tokens)?;
    let curve = match tokens.next()? {
        "C" => {
            let c1 = point(&mut tokens)?;
            let c2 = point(&mut tokens)?;
            let end = point(&mut tokens)?;
            Curve::Cubic(start, c1, c2, end)
        }
        "L" => Curve::Line(start, point(&mut tokens)?),
        _ => return None,
    };
    tokens.next().is_none().then_some(curve)
}

/// The dot's path for one hop, from where the previous hop left it to this hop's place.
#[derive(Clone, Debug, PartialEq)]
pub struct Leg {
    pub curves: Vec<Curve>,
    /// Where the dot rests at the end of the hop.
    pub rest: Point,
    /// Whether the request travels encrypted on this hop (TLS) or in plain text.
    pub encrypted: bool,
}

/// Where the dot is and whether it is moving.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dot {
    pub at: Point,
    pub moving: bool,
}

/// Slow at both ends, quick in the middle.
fn ease(t: f64) -> f64 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

impl Leg {
    pub fn length(&self) -> f64 {
        self.curves.iter().map(|c| c.length()).sum()
    }

    /// Milliseconds (at 1×) the dot takes to travel this leg; zero when it stays in place.
    pub fn travel_ms(&self) -> f64 {
        let length = self.length();
        if length < 1.0 {
            0.0
        } else {
            (length / SPEED_PX_PER_MS).clamp(MIN_TRAVEL_MS, MAX_TRAVEL_MS)
        }
    }

    /// Travel plus the pause at the place: when playback moves on to the next hop.
    pub fn total_ms(&self) -> f64 {
        self.travel_ms() + PAUSE_MS
    }

    /// The point `fraction` of the way along the leg (by length).
    pub fn point_at(&self, fraction: f64) -> Point {
        let mut remaining = fraction.clamp(0.0, 1.0) * self.length();
        for curve in &self.curves {
            let length = curve.length();
            if remaining <= length && length > 0.0 {
                return curve.point(remaining / length);
            }
            remaining -= length;
        }
        self.rest
    }

    /// Where the dot is `elapsed_ms` (at 1×) after the hop started.
    pub fn dot(&self, elapsed_ms: f64) -> Dot {
        let travel = self.travel_ms();
        if travel > 0.0 && elapsed_ms < travel {
            Dot {
                at: self.point_at(ease(elapsed_ms.max(0.0) / travel)),
                moving: true,
            }
        } else {
            Dot {
                at: self.rest,
                moving: false,
            }
        }
    }
}

/// Playback milliseconds after a frame: `elapsed` plus the time since the previous frame
/// (at most [`MAX_FRAME_MS`]) times `speed`.
pub fn next_elapsed(elapsed: f64, previous_frame: f64, this_frame: f64, speed: f64) -> f64 {
    elapsed + (this_frame - previous_frame).clamp(0.0, MAX_FRAME_MS) * speed
}

/// The id of the design's client, where every request starts.
pub fn client_id(topology: &Topology) -> Option<&str> {
    topology
        .nodes
        .iter()
        .find(|n| matches!(n.kind, NodeKind::Client { .. }))
        .map(|n| n.id.as_str())
}

/// Where the dot sits at a place: the middle of a node's box, or a service row's glyph (its
/// coloured badge on the left, so the dot hides no words).
pub fn anchor(topology: &Topology, layout: &Layout, place: &str) -> Option<Point> {
    if let Some(rect) = layout.boxes.get(place) {
        return Some(rect.center());
    }
    let (node, service) = topology.service(place)?;
    let NodeKind::Host(host) = &node.kind else {
        return None;
    };
    let idx = host.services.iter().position(|s| s.id == service.id)?;
    let row = service_rect(*layout.boxes.get(&node.id)?, idx);
    Some(Point {
        x: row.x + GLYPH_MIDDLE,
        y: row.center().y,
    })
}

/// The node a place belongs to: a service's host, or the node itself.
fn node_of<'a>(topology: &'a Topology, place: &'a str) -> &'a str {
    topology
        .service(place)
        .map_or(place, |(node, _)| node.id.as_str())
}

fn is_node(topology: &Topology, place: &str) -> bool {
    topology.node(place).is_some()
}

/// The places the dot passes through on hop `idx`, in order (empty: it stays where it is).
///
/// Mostly the previous hop's place then this one. After DNS the answer goes back to the
/// client, which then connects. The final response goes back the way the engine says it does
/// ([`Trace::return_path`]). A SYN the client resends goes back to the client and out again. A
/// failure is the client giving up: nothing moves.
pub fn waypoints<'a>(trace: &'a Trace, idx: usize, client: &'a str) -> Vec<&'a str> {
    let hops = &trace.hops;
    let Some(hop) = hops.get(idx) else {
        return Vec::new();
    };
    let prev = idx.checked_sub(1).and_then(|i| hops.get(i));
    let from = prev.map_or(client, |p| p.place.as_str());
    if prev.is_some_and(|prev| hop.syn > prev.syn) {
        // The client's SYN went unanswered and this is the one it sent again: back to the
        // client, then out again.
        return vec![from, client, hop.place.as_str()];
    }
    match hop.kind {
        HopKind::Failure => Vec::new(),
        HopKind::Response if hop.place == client => {
            let mut path = vec![from];
            for place in &trace.return_path {
                if path.last() != Some(&place.as_str()) {
                    path.push(place);
                }
            }
            path.push(client);
            path
        }
        _ if prev.is_some_and(|p| p.kind == HopKind::Dns) && hop.kind != HopKind::Dns => {
            vec![from, client, hop.place.as_str()]
        }
        _ => vec![from, hop.place.as_str()],
    }
}

/// The drawn wire from `a` to `b`, walked from `a`: a wire between exactly these places, or
/// else one between their nodes (the entry connection reaches a host, not its service).
fn find_wire(drawn: &[(Wire, Curve)], topology: &Topology, a: &str, b: &str) -> Option<Curve> {
    for (wire, curve) in drawn {
        if wire.from == a && wire.to == b {
            return Some(*curve);
        }
        if wire.from == b && wire.to == a {
            return Some(curve.reversed());
        }
    }
    let (node_a, node_b) = (node_of(topology, a), node_of(topology, b));
    if node_a == node_b {
        return None;
    }
    for (wire, curve) in drawn {
        if wire.kind == WireKind::Replication {
            continue;
        }
        let (from, to) = (node_of(topology, &wire.from), node_of(topology, &wire.to));
        if from == node_a && to == node_b {
            return Some(*curve);
        }
        if from == node_b && to == node_a {
            return Some(curve.reversed());
        }
    }
    None
}

fn push_line(curves: &mut Vec<Curve>, from: Point, to: Point) {
    if distance(from, to) > 0.5 {
        curves.push(Curve::Line(from, to));
    }
}

/// The dot's leg for every hop of `trace`, one per hop, continuing from one to the next.
///
/// Along a drawn wire where there is one; the dot stops at the edge of a node (a firewall
/// guards the host's edge) and goes on to the middle of a service's row. Where no wire joins
/// two places it moves straight between their middles.
pub fn legs(topology: &Topology, layout: &Layout, trace: &Trace) -> Vec<Leg> {
    let drawn: Vec<(Wire, Curve)> = wires(topology, layout)
        .into_iter()
        .filter(|w| w.kind != WireKind::Metrics)
        .filter_map(|w| parse_path(&w.path).map(|c| (w, c)))
        .collect();
    let client = client_id(topology).unwrap_or("client");
    let mut at = anchor(topology, layout, client).unwrap_or(Point { x: 0.0, y: 0.0 });
    let mut out = Vec::with_capacity(trace.hops.len());
    for (idx, hop) in trace.hops.iter().enumerate() {
        let points = waypoints(trace, idx, client);
        let mut curves = Vec::new();
        for pair in points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if a == b {
                continue;
            }
            match find_wire(&drawn, topology, a, b) {
                Some(wire) => {
                    push_line(&mut curves, at, wire.start());
                    curves.push(wire);
                    at = wire.end();
                    if !is_node(topology, b)
                        && let Some(middle) = anchor(topology, layout, b)
                    {
                        push_line(&mut curves, at, middle);
                        at = middle;
                    }
                }
                None => {
                    if let Some(middle) = anchor(topology, layout, b) {
                        push_line(&mut curves, at, middle);
                        at = middle;
                    }
                }
            }
        }
        out.push(Leg {
            curves,
            rest: at,
            encrypted: hop.encrypted,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::engine::{Config, Input, Simulation};
    use crate::sim::presets;
    use crate::sim::time::{SimDuration, SimTime};
    use crate::sim::trace::{Outcome, RequestKind, RequestSpec};
    use crate::ui::layout::auto_layout;

    const A: Point = Point { x: 0.0, y: 0.0 };
    const B: Point = Point { x: 100.0, y: 0.0 };

    fn close(a: Point, b: Point) -> bool {
        distance(a, b) < 1e-6
    }

    fn trace(stage: u8, kind: RequestKind, https: bool) -> (Topology, Trace) {
        let topology = presets::topology(stage).expect("stage exists");
        trace_of(topology, kind, https)
    }

    fn trace_of(topology: Topology, kind: RequestKind, https: bool) -> (Topology, Trace) {
        let mut sim = Simulation::new(&topology, Config::default()).expect("simulates");
        let id = sim
            .handle(SimTime::ZERO, Input::Send(RequestSpec::new(kind, https)))
            .expect("accepted")
            .expect("an id");
        sim.run_until_quiet(SimTime::ZERO + SimDuration::from_secs(600));
        let trace = sim.trace(id).expect("traced").clone();
        (topology, trace)
    }

    #[test]
    fn parses_the_paths_layout_writes() {
        assert_eq!(
            parse_path("M 50.0 50.0 C 50.0 75.0 50.0 75.0 50.0 100.0"),
            Some(Curve::Cubic(
                Point { x: 50.0, y: 50.0 },
                Point { x: 50.0, y: 75.0 },
                Point { x: 50.0, y: 75.0 },
                Point { x: 50.0, y: 100.0 }
            ))
        );
        assert_eq!(
            parse_path("M 0 0 L 100 0"),
            Some(Curve::Line(A, B)),
            "straight lines too"
        );
        assert_eq!(parse_path("M 0 0 Q 1 1 2 2"), None);
        assert_eq!(parse_path("M 0 0 L 1"), None);
        assert_eq!(parse_path("M 0 0 L 1 1 L 2 2"), None);
        assert_eq!(parse_path(""), None);
    }

    #[test]
    fn curves_start_end_and_reverse() {
        let curve = Curve::Cubic(A, Point { x: 0.0, y: 50.0 }, Point { x: 100.0, y: 50.0 }, B);
        assert!(close(curve.point(0.0), A));
        assert!(close(curve.point(1.0), B));
        assert!(close(curve.point(0.5), Point { x: 50.0, y: 37.5 }));
        assert!(close(curve.reversed().point(0.0), B));
        assert!(close(curve.reversed().point(0.25), curve.point(0.75)));
        assert!((Curve::Line(A, B).length() - 100.0).abs() < 1e-9);
        assert!(curve.length() > 100.0 && curve.length() < 200.0);
    }

    #[test]
    fn the_dot_travels_then_rests_at_the_place() {
        let leg = Leg {
            curves: vec![
                Curve::Line(A, B),
                Curve::Line(B, Point { x: 100.0, y: 100.0 }),
            ],
            rest: Point { x: 100.0, y: 100.0 },
            encrypted: true,
        };
        assert!((leg.length() - 200.0).abs() < 1e-9);
        assert!(close(leg.point_at(0.0), A));
        assert!(close(leg.point_at(0.25), Point { x: 50.0, y: 0.0 }));
        assert!(close(leg.point_at(0.75), Point { x: 100.0, y: 50.0 }));
        let travel = leg.travel_ms();
        assert!((MIN_TRAVEL_MS..=MAX_TRAVEL_MS).contains(&travel));
        assert_eq!(
            leg.dot(0.0),
            Dot {
                at: A,
                moving: true
            }
        );
        let halfway = leg.dot(travel / 2.0);
        assert!(halfway.moving && close(halfway.at, B), "{halfway:?}");
        assert_eq!(
            leg.dot(travel),
            Dot {
                at: leg.rest,
                moving: false
            }
        );
        assert_eq!(leg.dot(f64::INFINITY).at, leg.rest);
        assert!((leg.total_ms() - travel - PAUSE_MS).abs() < 1e-9);
    }

    #[test]
    fn frames_advance_playback_by_their_gap_times_the_speed_capped() {
        assert_eq!(next_elapsed(100.0, 1000.0, 1016.0, 1.0), 116.0);
        assert_eq!(next_elapsed(100.0, 1000.0, 1016.0, 4.0), 164.0);
        assert_eq!(next_elapsed(100.0, 1000.0, 1016.0, 0.5), 108.0);
        assert_eq!(
            next_elapsed(100.0, 1000.0, 9000.0, 1.0),
            100.0 + MAX_FRAME_MS
        );
        assert_eq!(
            next_elapsed(100.0, 1000.0, 990.0, 1.0),
            100.0,
            "never backwards"
        );
    }

    #[test]
    fn a_leg_that_stays_in_place_only_pauses() {
        let leg = Leg {
            curves: Vec::new(),
            rest: B,
            encrypted: false,
        };
        assert_eq!(leg.travel_ms(), 0.0);
        assert_eq!(leg.total_ms(), PAUSE_MS);
        assert_eq!(
            leg.dot(0.0),
            Dot {
                at: B,
                moving: false
            }
        );
    }

    #[test]
    fn waypoints_go_back_to_the_client_after_dns_and_retrace_the_response() {
        let (_, trace) = trace(3, RequestKind::Read, true);
        let places: Vec<&str> = trace.hops.iter().map(|h| h.place.as_str()).collect();
        let first_after_dns = trace
            .hops
            .iter()
            .position(|h| h.kind != HopKind::Dns)
            .expect("a hop after DNS");
        assert_eq!(waypoints(&trace, 0, "client"), ["client", "dns"]);
        assert_eq!(
            waypoints(&trace, first_after_dns, "client"),
            ["dns", "client", places[first_after_dns]]
        );
        let last = trace.hops.len() - 1;
        assert_eq!(trace.hops[last].kind, HopKind::Response);
        assert_eq!(
            waypoints(&trace, last, "client"),
            [
                "app-01.app",
                "web-01.nginx",
                "lb-01.haproxy",
                "vip",
                "client"
            ]
        );
    }

    /// Stage `stage` after `inputs` at 0 s: the trace of one request sent at 1 s.
    fn trace_after(
        stage: u8,
        inputs: &[Input],
        kind: RequestKind,
        https: bool,
    ) -> (Topology, Trace) {
        let topology = presets::topology(stage).expect("stage exists");
        let mut sim = Simulation::new(&topology, Config::default()).expect("simulates");
        for input in inputs {
            sim.handle(SimTime::ZERO, input.clone()).expect("known ids");
        }
        let at = SimTime::ZERO + SimDuration::from_secs(1);
        let id = sim
            .handle(at, Input::Send(RequestSpec::new(kind, https)))
            .expect("accepted")
            .expect("an id");
        sim.run_until_quiet(at + SimDuration::from_secs(600));
        let trace = sim.trace(id).expect("traced").clone();
        (topology, trace)
    }

    #[test]
    fn the_response_goes_back_the_way_the_request_came() {
        let stop = |svc: &str| Input::ServiceDown(svc.into());
        let crash = |host: &str| Input::HostDown(host.into());
        // (stage, inputs at 0 s, request kind, HTTPS, the places the response goes back through)
        type Case = (u8, Vec<Input>, RequestKind, bool, &'static [&'static str]);
        let cases: [Case; 5] = [
            // server-01 is not yet marked DOWN: refused, then redispatched to server-02.
            (
                1,
                vec![stop("server-01.nginx")],
                RequestKind::Static,
                false,
                &["server-02.nginx", "lb-01.haproxy", "client"],
            ),
            // The write goes to the primary on server-01; the answer comes back through
            // server-02's application server, not through server-01.
            (
                1,
                vec![stop("server-01.nginx")],
                RequestKind::Write,
                false,
                &[
                    "server-02.app",
                    "server-02.nginx",
                    "lb-01.haproxy",
                    "client",
                ],
            ),
            // Plain HTTP is redirected at the load balancer: the 301 goes straight back.
            (
                2,
                vec![],
                RequestKind::Read,
                false,
                &["lb-01.haproxy", "client"],
            ),
            (
                3,
                vec![],
                RequestKind::Read,
                true,
                &[
                    "app-01.app",
                    "web-01.nginx",
                    "lb-01.haproxy",
                    "vip",
                    "client",
                ],
            ),
            // lb-01 crashed: the SYNs of the VRRP gap are resent until lb-02 holds the VIP.
            (
                3,
                vec![crash("lb-01")],
                RequestKind::Read,
                true,
                &[
                    "app-01.app",
                    "web-01.nginx",
                    "lb-02.haproxy",
                    "vip",
                    "client",
                ],
            ),
        ];
        for (stage, inputs, kind, https, expected) in cases {
            let (_, trace) = trace_after(stage, &inputs, kind, https);
            let last = trace.hops.len() - 1;
            assert!(
                trace.outcome.as_ref().is_some_and(Outcome::is_served),
                "stage {stage} {inputs:?}: {:#?}",
                trace.hops
            );
            assert_eq!(
                waypoints(&trace, last, "client"),
                expected,
                "stage {stage} {inputs:?} {kind:?}"
            );
        }
    }

    /// Stage 2 without the load balancer's port-80 rule: plain HTTP is dropped there.
    fn stage_2_dropping_http() -> Topology {
        let mut topology = presets::topology(2).expect("stage exists");
        for node in &mut topology.nodes {
            if let NodeKind::Host(host) = &mut node.kind
                && let Some(firewall) = &mut host.firewall
            {
                firewall
                    .rules
                    .retain(|rule| rule.port != Some(80) || node.id != "lb-01");
            }
        }
        topology
    }

    #[test]
    fn a_dropped_request_does_not_move_at_its_end() {
        let (topology, trace) = trace_of(stage_2_dropping_http(), RequestKind::Static, false);
        let last = trace.hops.len() - 1;
        assert_eq!(trace.hops[last].kind, HopKind::Failure);
        assert!(waypoints(&trace, last, "client").is_empty());
        let legs = legs(&topology, &auto_layout(&topology), &trace);
        assert!(legs[last].curves.is_empty());
        assert_eq!(legs[last].rest, legs[last - 1].rest);
    }

    #[test]
    fn each_resent_syn_goes_back_to_the_client_and_out_again() {
        // Plain HTTP dropped by the firewall: the browser sends its SYN 7 times (B6a).
        let (_, dropped) = trace_of(stage_2_dropping_http(), RequestKind::Static, false);
        let resends: Vec<Vec<&str>> = (0..dropped.hops.len())
            .map(|i| waypoints(&dropped, i, "client"))
            .filter(|w| w.len() == 3 && w[1] == "client" && w[0] == "lb-01")
            .collect();
        assert_eq!(resends.len(), 6, "{:#?}", dropped.hops);
        assert!(resends.iter().all(|w| w[2] == "lb-01"), "{resends:?}");
        // A request that gets through at once has no such leg.
        let (_, served) = trace(2, RequestKind::Static, true);
        assert!(
            (0..served.hops.len()).all(|i| waypoints(&served, i, "client").get(1)
                != Some(&"client")
                || served.hops[i - 1].kind == HopKind::Dns
                || served.hops[i].place == "client"),
            "{:#?}",
            served.hops
        );
    }

    #[test]
    fn legs_follow_the_wires_and_join_end_to_end() {
        for stage in 0..4 {
            let (topology, trace) = trace(stage, RequestKind::Read, stage >= 2);
            let layout = auto_layout(&topology);
            let legs = legs(&topology, &layout, &trace);
            assert_eq!(legs.len(), trace.hops.len(), "stage {stage}");
            let mut at = anchor(&topology, &layout, "client").expect("client drawn");
            for (leg, hop) in legs.iter().zip(&trace.hops) {
                if let Some(first) = leg.curves.first() {
                    assert!(close(first.start(), at), "stage {stage}: {hop:?}");
                }
                for pair in leg.curves.windows(2) {
                    assert!(close(pair[0].end(), pair[1].start()), "stage {stage}");
                }
                if let Some(last) = leg.curves.last() {
                    assert!(close(last.end(), leg.rest), "stage {stage}");
                }
                assert_eq!(leg.encrypted, hop.encrypted);
                at = leg.rest;
            }
            let client = layout.boxes["client"];
            let end = legs.last().expect("a leg").rest;
            assert!(
                end.x >= client.x - 1.0
                    && end.x <= client.right() + 1.0
                    && end.y >= client.y - 1.0
                    && end.y <= client.bottom() + 1.0,
                "stage {stage}: the response ends at the browser, {end:?} vs {client:?}"
            );
        }
    }

    #[test]
    fn the_balancer_to_server_leg_uses_the_drawn_wire() {
        let (topology, trace) = trace(1, RequestKind::Static, false);
        let layout = auto_layout(&topology);
        let legs = legs(&topology, &layout, &trace);
        let forward = trace
            .hops
            .iter()
            .position(|h| h.kind == HopKind::Forward && h.place == "server-01.nginx")
            .expect("forwarded to server-01");
        let wire = wires(&topology, &layout)
            .into_iter()
            .find(|w| w.from == "lb-01.haproxy" && w.to == "server-01.nginx")
            .and_then(|w| parse_path(&w.path))
            .expect("the wire is drawn");
        assert!(legs[forward].curves.contains(&wire), "{:?}", legs[forward]);
        let row = anchor(&topology, &layout, "server-01.nginx").expect("row");
        assert!(close(legs[forward].rest, row));
    }
}
