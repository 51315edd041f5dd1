//! What the page tells about the work itself: a link replaced it (Undo), another tab changed
//! it (load that version), or autosave is off (Save a copy).

use yew::prelude::*;

use crate::ui::archive;
use crate::ui::state::{Action, EditAction, Notice, WorkAction, WorkDocument};
use crate::web::components::download::download;
use crate::web::storage::StorageError;

/// The notices. `autosave`: why autosave is off, while it is, with the work for Save a copy;
/// `failure`: the page's state of why saving that copy failed, if it did. A plain function,
/// not a component.
pub fn work_notices(
    notice: Option<&Notice>,
    autosave: Option<(&StorageError, WorkDocument)>,
    dispatch: &Callback<Action>,
    failure: &UseStateHandle<Option<String>>,
) -> Html {
    let dismiss = dispatch.reform(|_: MouseEvent| Action::Work(WorkAction::DismissNotice));
    let notice = match notice {
        Some(Notice::LinkOpened { previous }) => html! {
            <div class="notice" role="status" data-control="link-notice">
                <p>{ format!(
                    "The link opened something new in place of your work \u{201c}{previous}\u{201d}. \
                     Undo brings your work back; it is also kept in Recent work."
                ) }</p>
                <button type="button" class="ctl" data-control="undo-link"
                    onclick={dispatch.reform(|_: MouseEvent| Action::Edit(EditAction::Undo))}>{ "Undo" }</button>
                <button type="button" class="ctl" onclick={dismiss.clone()}>{ "Dismiss" }</button>
            </div>
        },
        Some(Notice::ChangedElsewhere(saved)) => {
            let saved = saved.clone();
            let on_load = dispatch
                .reform(move |_: MouseEvent| Action::Work(WorkAction::Restore(saved.clone())));
            html! {
                <div class="notice" role="status" data-control="other-tab-notice">
                    <p>{ "Another tab changed this design. This tab goes on with its own \
                          version, saved separately: both are in Recent work." }</p>
                    <button type="button" class="ctl" data-control="load-other"
                        onclick={on_load}>{ "Load the other tab's version" }</button>
                    <button type="button" class="ctl" onclick={dismiss}>{ "Keep mine" }</button>
                </div>
            }
        }
        None => html! {},
    };
    let off = autosave.map(|(err, document)| {
        let on_save = {
            let failure = failure.clone();
            Callback::from(move |_: MouseEvent| {
                let name = format!("{}.stacksim.json", archive::slug(&document.topology.name));
                failure.set(
                    download(
                        &name,
                        document.document().to_json().as_bytes(),
                        "application/json",
                    )
                    .err(),
                );
            })
        };
        html! {
            <div class="notice warn" role="alert" data-control="autosave-off">
                <p>{ format!(
                    "Autosave is off: {err}. Your work stays on this page while it is open, and \
                     nothing saved before is lost; save a copy as a file to keep this version."
                ) }</p>
                <button type="button" class="ctl" data-control="save-copy" onclick={on_save}>
                    { "Save a copy" }
                </button>
                if let Some(err) = &**failure {
                    <p class="error">{ err.clone() }</p>
                }
            </div>
        }
    });
    html! { <>{ notice }{ for off }</> }
}
