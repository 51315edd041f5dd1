//! Recent work: the last few autosaved works (name, stage, when), any of which opens with
//! what was on screen, undoably. Switching stages or opening a link never strands work.

use yew::prelude::*;

use crate::ui::session::{RecentEntry, WorkId, ago};
use crate::ui::state::{Action, WorkAction};
use crate::web::storage;

/// The list, open or not: when it opened and what it read then.
pub type RecentState = UseStateHandle<Option<(f64, Vec<RecentEntry>)>>;

/// The menu; `work` is the work on screen (marked in the list), `entries` the file menu's state
/// of the list. A plain function, not a component.
pub fn recent_menu(work: &WorkId, dispatch: &Callback<Action>, entries: &RecentState) -> Html {
    // Read when the list opens: another tab may have saved since.
    let on_toggle = {
        let entries = entries.clone();
        Callback::from(move |_: MouseEvent| {
            entries.set(match *entries {
                Some(_) => None,
                None => Some((js_sys::Date::now(), storage::recent())),
            })
        })
    };
    let list = entries.as_ref().map(|(now, list)| {
        let now = *now;
        let rows = list.iter().map(|entry| {
            let current = entry.saved.work() == Some(work);
            let on_open = {
                let (saved, dispatch, entries) =
                    (entry.saved.clone(), dispatch.clone(), entries.clone());
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
