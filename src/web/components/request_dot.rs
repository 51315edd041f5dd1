//! The request dot: one circle travelling along the current hop's path, then resting at its
//! place for a moment. `requestAnimationFrame` drives it; this component only counts
//! milliseconds, and `flight::Leg::dot` says where that puts the dot.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_render::{AnimationFrame, request_animation_frame};
use yew::prelude::*;

use crate::sim::number::fixed;

use crate::ui::flight::{Leg, next_elapsed};

#[derive(Properties, PartialEq)]
pub struct RequestDotProps {
    /// The current hop's path.
    pub leg: Leg,
    /// (trace, hop): a new value starts the hop over.
    pub cursor: (usize, usize),
    pub playing: bool,
    /// Playback speed factor (1 = normal).
    pub speed: f64,
    /// The hop has been shown (travel and pause), so playback may go on.
    pub on_done: Callback<(usize, usize)>,
}

/// The frame waiting to run, and the one that ran last (dropped one frame later, never while
/// its own callback runs).
#[derive(Default)]
struct Frames {
    next: Option<AnimationFrame>,
    ran: Option<AnimationFrame>,
}

/// Calls `tick` on every animation frame for as long as it returns `true`.
fn animate(frames: Rc<RefCell<Frames>>, tick: Rc<dyn Fn(f64) -> bool>) {
    let handle = {
        let frames = frames.clone();
        request_animation_frame(move |now| {
            if tick(now) {
                animate(frames, tick);
            }
        })
    };
    let mut frames = frames.borrow_mut();
    frames.ran = frames.next.take();
    frames.next = Some(handle);
}

#[component]
pub fn RequestDot(props: &RequestDotProps) -> Html {
    // Playback milliseconds (at 1×) since the hop started; infinity: at rest at its place.
    let elapsed = use_state_eq(|| f64::INFINITY);
    let frames = use_mut_ref(Frames::default);
    let shown = use_mut_ref(|| None::<(usize, usize)>);
    {
        let elapsed = elapsed.clone();
        let on_done = props.on_done.clone();
        let deps = (props.cursor, props.playing, props.speed, props.leg.clone());
        use_effect_with(deps, move |(cursor, playing, speed, leg)| {
            let fresh = *shown.borrow() != Some(*cursor);
            *shown.borrow_mut() = Some(*cursor);
            let from = match (fresh, *playing) {
                (true, true) => 0.0,
                (true, false) => f64::INFINITY,
                (false, _) => *elapsed,
            };
            if fresh {
                elapsed.set(from);
            }
            if *playing {
                let (cursor, speed, total) = (*cursor, *speed, leg.total_ms());
                let played = Cell::new(from);
                let previous = Cell::new(None::<f64>);
                let tick = move |now: f64| {
                    let at = next_elapsed(played.get(), previous.get().unwrap_or(now), now, speed);
                    played.set(at);
                    previous.set(Some(now));
                    if at >= total {
                        on_done.emit(cursor);
                        false
                    } else {
                        elapsed.set(at);
                        true
                    }
                };
                animate(frames.clone(), Rc::new(tick));
            }
            move || {
                // Dropping the pending frame cancels it.
                frames.borrow_mut().next = None;
            }
        });
    }
    let dot = props.leg.dot(*elapsed);
    let (cx, cy) = (
        fixed(dot.at.x, 1).to_string(),
        fixed(dot.at.y, 1).to_string(),
    );
    let (tone, words) = if props.leg.encrypted {
        ("tls", "encrypted (TLS)")
    } else {
        ("plain", "plain text")
    };
    html! {
        <g class="flight">
            if !dot.moving {
                <circle class={classes!("request-halo", tone)} cx={cx.clone()} cy={cy.clone()} r="15" />
            }
            <circle class={classes!("request-dot", tone, dot.moving.then_some("moving"))} {cx} {cy} r="8">
                <title>{ format!("The request, {words}") }</title>
            </circle>
        </g>
    }
}
