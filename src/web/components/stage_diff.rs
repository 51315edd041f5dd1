//! The stage diff: what the current stage adds to the one before it and which findings that
//! clears or brings, then the whole story of the four stages, one line per stage.

use yew::prelude::*;

use crate::sim::findings::Finding;
use crate::ui::story::Step;

/// The findings' titles, in words ("nothing" for none); their ids stay in the markup only.
fn titles(list: &[Finding]) -> String {
    if list.is_empty() {
        "nothing".to_owned()
    } else {
        list.iter()
            .map(|f| f.title.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn current(step: &Step) -> Html {
    let diff = &step.diff;
    html! {
        <>
            <h2>{ format!("Stage {} after stage {}", step.number, step.number.saturating_sub(1)) }</h2>
            <h3>{ "What it adds" }</h3>
            <ul class="changes">
                { for step.changes.iter().map(|c| html! { <li>{ c.clone() }</li> }) }
            </ul>
            <h3>{ format!("Findings: {} cleared, {} new, {} kept", diff.cleared.len(), diff.added.len(), diff.kept.len()) }</h3>
            <ul class="diff-list">
                { for diff.cleared.iter().map(|f| html! {
                    <li class="diff-line cleared" data-finding={f.id.clone()}>
                        <span class="diff-word">{ "✔ cleared: " }</span>
                        <span class="diff-title">{ f.title.clone() }</span>
                    </li>
                }) }
                { for diff.added.iter().map(|f| html! {
                    <li class="diff-line added" data-finding={f.id.clone()}>
                        <span class="diff-word">{ "+ new: " }</span>
                        <span class="diff-title">{ f.title.clone() }</span>
                    </li>
                }) }
            </ul>
        </>
    }
}

/// The diff for `stage`, the preset the design is if it still is one, over the story's `steps`
/// ([`crate::ui::story::steps`], kept by the findings tab). A plain function, not a component.
pub fn stage_diff(stage: Option<u8>, steps: &[Step]) -> Html {
    let shown = stage.and_then(|n| steps.iter().find(|s| s.number == n));
    let intro = match stage {
        Some(0) => html! {
            <p class="note">{ "Stage 0 is where the story starts. Pick stage 1, 2 or 3 to see what each step adds and which findings it clears." }</p>
        },
        Some(_) => html! {},
        None => html! {
            <p class="note">{ "A design of your own: the stage diff compares the four preset stages." }</p>
        },
    };
    html! {
        <section class="panel stage-diff" aria-label="Stage diff">
            if let Some(step) = shown {
                { current(step) }
            } else {
                <h2>{ "The four stages" }</h2>
                { intro }
            }
            <details class="story" open={shown.is_none()}>
                <summary>{ "The whole story, stage by stage" }</summary>
                <ol class="story-steps">
                    { for steps.iter().map(|step| html! {
                        <li class={classes!((stage == Some(step.number)).then_some("current"))}
                            data-step={step.number.to_string()}>
                            <strong>{ format!("Stage {}: {}", step.number, step.title) }</strong>
                            <span class="story-line">{ format!(" clears: {}. Brings: {}.", titles(&step.diff.cleared), titles(&step.diff.added)) }</span>
                        </li>
                    }) }
                </ol>
            </details>
        </section>
    }
}
