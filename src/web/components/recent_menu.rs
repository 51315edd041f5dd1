//! Recent work: the last few autosaved works (name, stage, when), any of which opens with
//! what was on screen, undoably. Switching stages or opening a link never strands work.

use yew::prelude::*;

use crate::ui::session::{RecentEntry, WorkId, ago};
use crate::ui::state::{Action, WorkAction};
use crate::web::storage;

#[derive(Properties, PartialEq)]
pub struct RecentMenuProps {
    /// The work on screen (marked in the list).
    pub work: WorkId,
    pub dispatch: Callback<Action>,
}

#[component]
pub fn RecentMenu(props: &RecentMenuProps) -> Html {
    // Read when the list opens: another tab may have saved since.
    let entries = use_state(|| None::<Vec<RecentEntry>>);
    let on_toggle = {
        let entries = entries.clone();
        Callback::from(move |_: MouseEvent| {
            entries.set(match *entries {
                Some(_) => None,
                None => Some(storage::recent()),
            })
        })
    };
    let now = js_sys::Date::now();
    let list = entries.as_ref().map(|list| {
        let rows = list.iter().map(|entry| {
            let current = entry.saved.work() == Some(&props.work);
            let on_open = {
                let (saved, dispatch, entries) =
                    (entry.saved.clone(), props.dispatch.clone(), entries.clone());
                Callback::from(move |_: MouseEvent| {
                    dispatch.emit(Action::Work(WorkAction::Restore(Box::new(saved.clone()))));
                    entries.set(None);
                })
            };
            let stage = match entry.stage() {
                Some(n) => format!("stage {n}"),
                None => "own design".to_owned(),
            };
            html! {
                <li>
                    <button type="button" class="recent-entry" data-control="recent-entry"
                        data-key={entry.key.clone()} disabled={current} onclick={on_open}>
                        <span class="recent-name">{ entry.name().to_owned() }</span>
                        <span class="recent-meta">
                            { format!("{stage} · {}", ago(now, entry.saved_at())) }
                            if current { { " · open now" } }
                        </span>
                    </button>
                </li>
            }
        });
        html! {
            <div class="recent-list" role="region" aria-label="Recent work">
                if list.is_empty() {
                    <p class="muted">{ "Nothing autosaved yet (or this browser keeps no storage)." }</p>
                } else {
                    <ul>{ for rows }</ul>
                }
            </div>
        }
    });
    html! {
        <div class="recent-menu">
            <button type="button" class="ctl" data-control="recent" onclick={on_toggle}
                aria-expanded={entries.is_some().to_string()}
                title="Recent work: the last few autosaved works; open one to go back to it (undoable)">
                { "Recent" }
            </button>
            { for list }
        </div>
    }
}
