//! A load run drawn on the diagram, for one second of it: request links thick and warm by
//! the requests the engine sent over them, the entry line by the requests sent, a queue gauge on every
//! service that queued, down hosts greyed, and at most `max_dots` moving dots sampled from the
//! traffic (drawn as one path). Rendered by the diagram as an overlay child, on top of the design.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::rc::Rc;

use gloo_render::{AnimationFrame, request_animation_frame};
use yew::prelude::*;

use crate::sim::number::{fixed, shortest};
use crate::sim::topology::{NodeKind, Topology};
use crate::ui::charts::share_dots;
use crate::ui::flight::{Curve, parse_path};
use crate::ui::layout::{Layout, WireKind, service_rect, wires};
use crate::ui::load_run::LoadResult;

/// Moving dots by default ("a few hundred at most").
pub const DEFAULT_DOTS: usize = 200;
/// Milliseconds a dot takes along its link.
const TRAVEL_MS: f64 = 1600.0;

#[derive(Properties, PartialEq)]
pub struct LoadOverlayProps {
    pub topology: Rc<Topology>,
    pub layout: Rc<Layout>,
    pub result: Rc<LoadResult>,
    /// The second drawn; `None`: the last complete one ([`LoadResult::last_second`]).
    #[prop_or_default]
    pub second: Option<usize>,
    /// At most this many dots move at once.
    #[prop_or(DEFAULT_DOTS)]
    pub max_dots: usize,
    /// The dots' clock in milliseconds; `None`: the overlay animates itself with
    /// `requestAnimationFrame`.
    #[prop_or_default]
    pub clock_ms: Option<f64>,
}

/// A line that carries load: its curve, path, ends and requests per second.
#[derive(Clone, Debug, PartialEq)]
struct Lane {
    from: String,
    to: String,
    path: String,
    curve: Option<Curve>,
    rps: f64,
}

/// The lanes of second `k`: the entry line (requests sent) and every request link.
fn lanes(topology: &Topology, layout: &Layout, result: &LoadResult, k: usize) -> Vec<Lane> {
    let at = |values: &[f64]| values.get(k).copied().unwrap_or(0.0);
    wires(topology, layout)
        .into_iter()
        .filter_map(|w| {
            let rps = match w.kind {
                WireKind::Entry => at(&result.sent),
                WireKind::Request => result
                    .links
                    .iter()
                    .find(|l| l.from == w.from && l.to == w.to)
                    .map_or(0.0, |l| at(&l.per_second)),
                _ => return None,
            };
            Some(Lane {
                curve: parse_path(&w.path),
                from: w.from,
                to: w.to,
                path: w.path,
                rps,
            })
        })
        .collect()
}

/// The frame waiting to run, and the one that ran last (see `request_dot`).
#[derive(Default)]
struct Frames {
    next: Option<AnimationFrame>,
    ran: Option<AnimationFrame>,
}

fn animate(frames: Rc<RefCell<Frames>>, tick: Rc<dyn Fn(f64)>) {
    let handle = {
        let frames = frames.clone();
        request_animation_frame(move |now| {
            tick(now);
            animate(frames, tick);
        })
    };
    let mut frames = frames.borrow_mut();
    frames.ran = frames.next.take();
    frames.next = Some(handle);
}

#[component]
pub fn LoadOverlay(props: &LoadOverlayProps) -> Html {
    let LoadOverlayProps {
        topology,
        layout,
        result,
        second,
        max_dots,
        clock_ms,
    } = props;
    let own_clock = use_state(|| 0.0_f64);
    let frames = use_mut_ref(Frames::default);
    {
        let own_clock = own_clock.clone();
        use_effect_with(clock_ms.is_none(), move |animated| {
            if *animated {
                animate(frames.clone(), Rc::new(move |now| own_clock.set(now)));
            }
            move || {
                frames.borrow_mut().next = None;
            }
        });
    }
    let k = second.or_else(|| result.last_second()).unwrap_or(0);
    let lanes = use_memo(
        (topology.clone(), layout.clone(), result.clone(), k),
        |(t, l, r, k)| lanes(t, l, r, *k),
    );
    let clock = clock_ms.unwrap_or(*own_clock);
    let peak = lanes.iter().map(|l| l.rps).fold(0.0, f64::max);
    let dots = share_dots(&lanes.iter().map(|l| l.rps).collect::<Vec<_>>(), *max_dots);
    let links = lanes.iter().filter(|l| l.rps > 0.0).map(|lane| {
        let share = if peak > 0.0 { lane.rps / peak } else { 0.0 };
        let level = match share {
            s if s > 0.66 => "high",
            s if s > 0.33 => "mid",
            _ => "low",
        };
        html! {
            <path class={classes!("load-link", level)} d={lane.path.clone()}
                stroke-width={fixed(2.0 + 10.0 * share, 1).to_string()}
                data-from={lane.from.clone()} data-to={lane.to.clone()}
                data-rps={fixed(lane.rps, 0).to_string()}>
                <title>{ format!("{} → {}: {} requests/s", lane.from, lane.to, fixed(lane.rps, 0)) }</title>
            </path>
        }
    });
    // Every dot is a small circle in one path: one attribute changes per frame, however many
    // dots move.
    let mut moving = String::new();
    let mut shown = 0usize;
    for (lane, &n) in lanes.iter().zip(&dots) {
        let Some(curve) = lane.curve.filter(|_| n > 0) else {
            continue;
        };
        for j in 0..n {
            let phase = (clock / TRAVEL_MS + j as f64 / n as f64).fract();
            let p = curve.point(phase);
            let _ = write!(
                moving,
                "M{} {}m-3 0a3 3 0 1 0 6 0a3 3 0 1 0-6 0",
                fixed(p.x, 1),
                fixed(p.y, 1)
            );
            shown += 1;
        }
    }
    let max_queue = result
        .queues
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0, f64::max);
    let gauges = result.queues.iter().filter_map(|(svc, values)| {
        let depth = values.get(k).copied().unwrap_or(0.0);
        let (node, _) = topology.service(svc)?;
        let NodeKind::Host(host) = &node.kind else {
            return None;
        };
        let idx = host.services.iter().position(|s| &s.id == svc)?;
        let row = service_rect(*layout.boxes.get(&node.id)?, idx);
        let full = if max_queue > 0.0 {
            depth / max_queue
        } else {
            0.0
        };
        let (w, h) = (6.0, (row.h - 4.0).max(4.0));
        let x = row.x + row.w - w - 2.0;
        let y = row.y + 2.0;
        Some(html! {
            <g class="queue-gauge" data-service={svc.clone()}
                data-depth={shortest(depth).to_string()}>
                <rect class="queue-gauge-bg" x={fixed(x, 1).to_string()} y={fixed(y, 1).to_string()}
                    width={shortest(w).to_string()} height={fixed(h, 1).to_string()} />
                <rect class={classes!("queue-gauge-fill", (full > 0.66).then_some("full"))}
                    x={fixed(x, 1).to_string()} y={fixed(y + h * (1.0 - full), 1).to_string()}
                    width={shortest(w).to_string()} height={fixed(h * full, 1).to_string()} />
                <title>{ format!("{svc}: {} waiting", fixed(depth, 0)) }</title>
            </g>
        })
    });
    let down = result
        .down_hosts
        .get(k)
        .into_iter()
        .flatten()
        .filter_map(|host| {
            let b = layout.boxes.get(host)?;
            Some(html! {
                <rect class="load-down" data-host={host.clone()} x={fixed(b.x, 1).to_string()}
                    y={fixed(b.y, 1).to_string()} width={fixed(b.w, 1).to_string()}
                    height={fixed(b.h, 1).to_string()} rx="6">
                    <title>{ format!("{host} is down") }</title>
                </rect>
            })
        });
    html! {
        <g class="load-overlay" data-second={k.to_string()}>
            <g class="load-links">{ for links }</g>
            <g class="load-downs">{ for down }</g>
            <g class="load-gauges">{ for gauges }</g>
            <path class="load-dots" d={moving} data-dots={shown.to_string()} />
        </g>
    }
}
