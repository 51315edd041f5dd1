//! The playback controls of the event list: reset, step back, play or pause, step forward,
//! and the speed.

use yew::prelude::*;

use crate::ui::state::{Action, PlaybackAction, Speed};

fn speed_label(speed: Speed) -> &'static str {
    match speed {
        Speed::Half => "0.5×",
        Speed::Normal => "1×",
        Speed::Double => "2×",
        Speed::Quadruple => "4×",
    }
}

/// The controls; `enabled` says whether there is a request to play. A plain function (no
/// state), not a component.
pub fn player(playing: bool, speed: Speed, enabled: bool, dispatch: &Callback<Action>) -> Html {
    let disabled = !enabled;
    let button = |control: &'static str,
                  label: &'static str,
                  title: &'static str,
                  action: Action| {
        html! {
            <button type="button" class="ctl" data-control={control} {title} aria-label={title} {disabled}
                onclick={dispatch.reform(move |_: MouseEvent| action.clone())}>
                { label }
            </button>
        }
    };
    let (play_control, play_label, play_title) = if playing {
        ("pause", "❚❚ Pause", "Pause (Space)")
    } else {
        ("play", "▶ Play", "Play (Space)")
    };
    html! {
        <div class="player" role="toolbar" aria-label="Playback">
            { button("reset", "↺", "Reset: back to before the first hop", Action::Playback(PlaybackAction::Reset)) }
            { button("back", "◀ Back", "Step back (←)", Action::Playback(PlaybackAction::StepBack)) }
            { button(play_control, play_label, play_title, Action::Playback(PlaybackAction::TogglePlay)) }
            { button("forward", "Next ▶", "Step forward (→)", Action::Playback(PlaybackAction::StepForward)) }
            <div class="speed" role="group" aria-label="Speed">
                { for Speed::ALL.iter().map(|&s| {
                    let pressed = s == speed;
                    html! {
                        <button type="button" class={classes!("seg", pressed.then_some("active"))}
                            aria-pressed={pressed.to_string()} data-speed={speed_label(s)}
                            onclick={dispatch.reform(move |_: MouseEvent| Action::Playback(PlaybackAction::SetSpeed(s)))}>
                            { speed_label(s) }
                        </button>
                    }
                }) }
            </div>
        </div>
    }
}
