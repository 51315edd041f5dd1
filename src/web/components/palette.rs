//! The palette: every part a design is built from, as buttons. Drag one onto the canvas (the
//! diagram handles the drop), or click it (Enter) to add it at a free visible spot.

use yew::prelude::*;

use crate::ui::edit::Part;

/// What the button's tooltip says the part is and where it goes.
fn hint(part: Part) -> String {
    if part == Part::Agent {
        "Monitoring agent: drag onto a server, or select a server and click".to_owned()
    } else if part.goes_on_host() {
        format!(
            "{}: drag onto a server (or empty canvas for a new one), or select a server and click",
            part.label()
        )
    } else {
        format!("{}: drag onto the canvas, or click to add", part.label())
    }
}

/// A small glyph for the part, in a 20 × 20 box.
fn glyph(part: Part) -> Html {
    match part {
        Part::Client => {
            html! { <><rect x="2" y="3" width="16" height="11" rx="2" /><path d="M 6 17 H 14" /></> }
        }
        Part::Dns => {
            html! { <><circle cx="10" cy="10" r="8" /><path d="M 2 10 H 18 M 10 2 C 5 6 5 14 10 18 M 10 2 C 15 6 15 14 10 18" /></> }
        }
        Part::Host => {
            html! { <><rect x="3" y="2" width="14" height="16" rx="2" /><path d="M 6 7 H 14 M 6 11 H 14" /></> }
        }
        Part::Vip => {
            html! { <><circle cx="10" cy="10" r="8" stroke-dasharray="3 2" /><path d="M 7 6 V 14 M 10 14 V 6 H 13 C 15 6 15 10 13 10 H 10" /></> }
        }
        Part::Collector => {
            html! { <><rect x="2" y="3" width="16" height="14" rx="2" /><path d="M 4 13 L 8 8 L 11 11 L 16 5" /></> }
        }
        Part::Agent => {
            html! { <path d="M 2 11 H 6 L 8 5 L 12 15 L 14 10 H 18" /> }
        }
        service => {
            let (class, text) = match service {
                Part::Haproxy => ("svc-lb", "LB"),
                Part::Nginx => ("svc-web", "W"),
                Part::AppServer => ("svc-app", "A"),
                Part::Mysql => ("svc-db", "DB"),
                _ => ("svc-files", "</>"),
            };
            html! {
                <g class={class}>
                    <rect class="glyph" x="0" y="2" width="20" height="16" rx="3" />
                    <text class="glyph-text" x="10" y="14">{ text }</text>
                </g>
            }
        }
    }
}

/// The palette. `on_grab`: a pointer pressed on a part, the start of a drag onto the canvas;
/// `on_add`: a click or Enter on a part, add it without dragging. A plain function, not a
/// component: the diagram draws it with new callbacks each time, so a component's equal-props
/// skip would never apply.
pub fn palette(on_grab: &Callback<(Part, PointerEvent)>, on_add: &Callback<Part>) -> Html {
    let items = Part::ALL.into_iter().map(|part| {
        let onpointerdown = on_grab.reform(move |event: PointerEvent| (part, event));
        let onclick = on_add.reform(move |_: MouseEvent| part);
        html! {
            <li>
                <button type="button" class="palette-item" data-part={part.key()}
                    title={hint(part)} {onpointerdown} {onclick}>
                    <svg class="palette-icon" viewBox="-1 -1 22 22" width="20" height="20"
                        aria-hidden="true">{ glyph(part) }</svg>
                    <span>{ part.label() }</span>
                </button>
            </li>
        }
    });
    html! {
        <ul class="palette" aria-label="Parts: drag onto the canvas or click to add">
            { for items }
        </ul>
    }
}
