//! The autosave and how the page starts: from a share link, from the autosaved work, or on
//! stage 0 when the autosave is damaged (its text is kept and offered for download).
//!
//! [`startup`] is pure and natively tested; [`read`], [`write`] and [`keep_damaged`] are the
//! thin `localStorage` side.

use crate::document::{Document, OpenError};
use crate::state::{Action, parse_fragment};

/// The `localStorage` key of the autosaved work (a [`Document`] as JSON).
pub const AUTOSAVE_KEY: &str = "stacksim.autosave";
/// Where a damaged autosave is moved, so the next autosave does not overwrite it.
pub const DAMAGED_KEY: &str = "stacksim.autosave.damaged";

/// How the page starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Startup {
    /// Applied in order to a fresh state.
    pub actions: Vec<Action>,
    /// The autosave could not be read: why, and its text (offered for download).
    pub damaged: Option<Damaged>,
}

/// An autosave that could not be opened.
#[derive(Clone, Debug, PartialEq)]
pub struct Damaged {
    pub message: String,
    pub raw: String,
}

/// What the page opens with, given its address fragment and the autosaved text.
///
/// A share link (`#design=…`) wins; a damaged link says so and opens the autosave instead.
/// The autosave comes next, then `#stage=N` and the rest of the fragment (a stage switch can be
/// undone back to the autosaved work). A damaged autosave starts on stage 0 and is reported.
pub fn startup(fragment: &str, saved: Option<&str>) -> Startup {
    let mut actions = Vec::new();
    let mut damaged = None;
    let mut link_loaded = false;
    match Document::from_fragment(fragment) {
        Some(Ok(document)) => {
            actions.push(Action::Load(document));
            link_loaded = true;
        }
        Some(Err(err)) => actions.push(Action::Refuse(format!(
            "the share link could not be opened ({err}); your own work is shown instead"
        ))),
        None => {}
    }
    if !link_loaded && let Some(raw) = saved.filter(|s| !s.trim().is_empty()) {
        match Document::from_json(raw) {
            Ok(document) => actions.insert(0, Action::Load(document)),
            Err(err) => {
                let message = match err {
                    OpenError::Version(v) => format!(
                        "the autosaved work was written by a newer Stacksim (document version \
                         {v}); it is kept for download, and stage 0 is open"
                    ),
                    other => format!(
                        "the autosaved work could not be read ({other}); it is kept for \
                         download, and stage 0 is open"
                    ),
                };
                actions.push(Action::Refuse(message.clone()));
                damaged = Some(Damaged {
                    message,
                    raw: raw.to_owned(),
                });
            }
        }
    }
    let mut rest = parse_fragment(fragment);
    if link_loaded {
        rest.stage = None;
    }
    // The refusal, if any, must stay the last word: apply the fragment before it.
    let refusal = actions
        .iter()
        .position(|a| matches!(a, Action::Refuse(_)))
        .map(|i| actions.remove(i));
    actions.extend(rest.actions());
    actions.extend(refusal);
    Startup { actions, damaged }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The autosaved text, if there is any (and the browser allows storage).
pub fn read() -> Option<String> {
    storage()?.get_item(AUTOSAVE_KEY).ok().flatten()
}

/// Autosaves `document`; `Err` says why not (storage full or disabled).
pub fn write(document: &Document) -> Result<(), String> {
    let storage = storage().ok_or("this browser does not allow the page to store anything")?;
    storage
        .set_item(AUTOSAVE_KEY, &document.to_json())
        .map_err(|_| "the browser's storage for this page is full; save the work as a file".into())
}

/// Moves a damaged autosave aside so that autosaving the new work does not destroy it.
pub fn keep_damaged(raw: &str) {
    if let Some(storage) = storage() {
        // If this fails the text is still in memory and offered for download.
        let _ = storage.set_item(DAMAGED_KEY, raw);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets;
    use crate::state::{AppState, Tab};

    fn run(startup: &Startup) -> AppState {
        let mut state = AppState::default();
        for action in &startup.actions {
            state.apply(action.clone());
        }
        state
    }

    fn saved(stage: u8) -> String {
        let mut state = AppState::default();
        state.apply(Action::SelectStage(stage));
        state.apply(Action::Edit(crate::edit::Edit::SetName(
            "My work".to_owned(),
        )));
        state.document().to_json()
    }

    #[test]
    fn the_autosave_is_restored_with_its_name_and_layout() {
        let raw = saved(2);
        let s = startup("", Some(&raw));
        assert_eq!(s.damaged, None);
        let state = run(&s);
        assert_eq!(state.topology.name, "My work");
        assert_eq!(
            Some(state.topology.nodes.len()),
            presets::topology(2).map(|t| t.nodes.len())
        );
        assert_eq!(state.error, None);
    }

    #[test]
    fn a_stage_in_the_address_opens_over_the_autosave_and_undo_gets_it_back() {
        let raw = saved(2);
        let mut state = run(&startup("#stage=3&tab=findings", Some(&raw)));
        assert_eq!(state.stage, Some(3));
        assert_eq!(state.tab, Tab::Findings);
        state.apply(Action::Undo);
        assert_eq!(state.topology.name, "My work");
    }

    #[test]
    fn a_share_link_wins_over_the_autosave() {
        let mut other = AppState::default();
        other.apply(Action::SelectStage(3));
        let fragment = format!("#{}&tab=reach", other.document().to_fragment());
        let state = run(&startup(&fragment, Some(&saved(1))));
        assert_eq!(Some(state.topology), presets::topology(3));
        assert_eq!(state.tab, Tab::Reach);
        assert_eq!(state.stage, None);
    }

    #[test]
    fn a_damaged_link_says_so_and_opens_the_autosave() {
        let state = run(&startup("#design=AAAA", Some(&saved(1))));
        assert_eq!(state.topology.name, "My work");
        let error = state.error.unwrap_or_default();
        assert!(
            error.starts_with("the share link could not be opened"),
            "{error}"
        );
    }

    #[test]
    fn a_damaged_autosave_starts_on_stage_0_and_keeps_the_text() {
        for (raw, expected) in [
            ("{\"stacksim\": 1, \"topology\": ", "could not be read"),
            ("{\"stacksim\": 9, \"topology\": {}}", "newer Stacksim"),
            ("<html>", "could not be read"),
        ] {
            let s = startup("", Some(raw));
            let damaged = s.damaged.clone().unwrap_or_else(|| panic!("{raw}"));
            assert_eq!(damaged.raw, raw);
            assert!(damaged.message.contains(expected), "{}", damaged.message);
            let state = run(&s);
            assert_eq!(state.stage, Some(0));
            assert_eq!(state.error, Some(damaged.message));
        }
        assert_eq!(startup("", Some("  ")).damaged, None);
        assert_eq!(
            startup("", None),
            Startup {
                actions: vec![],
                damaged: None
            }
        );
    }
}
