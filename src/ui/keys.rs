//! The keyboard shortcuts: which key does what. The browser shell only reads the key and the
//! modifiers, skips keys meant for a text field, and dispatches what [`shortcut`] says.

use crate::ui::state::{Action, EditAction, PlaybackAction, ViewAction};

/// The modifier keys held with a key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Keys {
    /// Ctrl, or ⌘ on a Mac.
    pub ctrl: bool,
    pub shift: bool,
    pub alt: bool,
}

/// What a key press does: Space plays or pauses, ← and → step, Delete or Backspace deletes
/// the selection, Escape clears it, Ctrl+Z undoes, Ctrl+Shift+Z and Ctrl+Y redo, Ctrl+C and
/// Ctrl+V copy and paste.
pub fn shortcut(key: &str, keys: Keys) -> Option<Action> {
    if keys.alt {
        return None;
    }
    if keys.ctrl {
        let edit = match key.to_ascii_lowercase().as_str() {
            "z" if keys.shift => EditAction::Redo,
            "z" => EditAction::Undo,
            "y" => EditAction::Redo,
            "c" => EditAction::Copy,
            "v" => EditAction::Paste,
            _ => return None,
        };
        return Some(edit.into());
    }
    match key {
        "Delete" | "Del" | "Backspace" => Some(EditAction::DeleteSelected.into()),
        "Escape" | "Esc" => Some(ViewAction::ClearSelection.into()),
        _ => key_action(key),
    }
}

/// The playback keys: Space plays or pauses, ← and → step.
pub fn key_action(key: &str) -> Option<Action> {
    let playback = match key {
        " " | "Spacebar" => PlaybackAction::TogglePlay,
        "ArrowLeft" | "Left" => PlaybackAction::StepBack,
        "ArrowRight" | "Right" => PlaybackAction::StepForward,
        _ => return None,
    };
    Some(playback.into())
}

/// Whether Space goes to the focused element instead (a button, a summary or a link presses
/// on Space, as keyboard users expect); `tag` is the element's tag name. Keys typed into a
/// text field (`INPUT`, `TEXTAREA`, `SELECT`, editable content) are never shortcuts.
/// `space_plays`: the focused element is one after which Space means play/pause (the Send
/// button, which keeps the focus after sending: Space then pauses the request it sent instead
/// of sending another).
pub fn typing(tag: &str, key: &str, editable: bool, space_plays: bool) -> bool {
    let tag = tag.to_ascii_uppercase();
    let space = matches!(key, " " | "Spacebar");
    matches!(tag.as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        || (space && !space_plays && matches!(tag.as_str(), "BUTTON" | "SUMMARY" | "A"))
        || editable
}

/// The attribute that marks an element after which Space means play/pause ([`typing`]).
pub const SPACE_PLAYS: &str = "data-space-plays";

#[cfg(test)]
mod tests {
    use super::*;

    fn ctrl() -> Keys {
        Keys {
            ctrl: true,
            ..Keys::default()
        }
    }

    #[test]
    fn keys_map_to_playback_actions() {
        assert_eq!(key_action(" "), Some(PlaybackAction::TogglePlay.into()));
        assert_eq!(
            key_action("ArrowLeft"),
            Some(PlaybackAction::StepBack.into())
        );
        assert_eq!(
            key_action("ArrowRight"),
            Some(PlaybackAction::StepForward.into())
        );
        assert_eq!(key_action("a"), None);
        assert_eq!(key_action("Enter"), None);
    }

    #[test]
    fn editing_shortcuts() {
        let none = Keys::default();
        let ctrl_shift = Keys {
            shift: true,
            ..ctrl()
        };
        let edit = |a: EditAction| Some(Action::Edit(a));
        assert_eq!(shortcut("z", ctrl()), edit(EditAction::Undo));
        assert_eq!(shortcut("Z", ctrl_shift), edit(EditAction::Redo));
        assert_eq!(shortcut("y", ctrl()), edit(EditAction::Redo));
        assert_eq!(shortcut("c", ctrl()), edit(EditAction::Copy));
        assert_eq!(shortcut("v", ctrl()), edit(EditAction::Paste));
        assert_eq!(shortcut("Delete", none), edit(EditAction::DeleteSelected));
        assert_eq!(
            shortcut("Backspace", none),
            edit(EditAction::DeleteSelected)
        );
        assert_eq!(
            shortcut("Escape", none),
            Some(ViewAction::ClearSelection.into())
        );
        assert_eq!(shortcut(" ", none), Some(PlaybackAction::TogglePlay.into()));
        assert_eq!(
            shortcut("ArrowLeft", none),
            Some(PlaybackAction::StepBack.into())
        );
        // Ctrl with other keys (Ctrl+R, Ctrl+Space) and anything with Alt stays the browser's.
        assert_eq!(shortcut("r", ctrl()), None);
        assert_eq!(shortcut(" ", ctrl()), None);
        let alt = Keys {
            alt: true,
            ..ctrl()
        };
        assert_eq!(shortcut("z", alt), None);
        assert_eq!(shortcut("z", none), None);
    }

    #[test]
    fn keys_typed_into_fields_or_pressing_buttons_are_not_shortcuts() {
        // (tag, key, editable, marked space-plays) → the key is the element's, not a shortcut
        let cases = [
            ("input", "z", false, false, true),
            ("TEXTAREA", " ", false, false, true),
            ("BUTTON", " ", false, false, true),
            ("BUTTON", "Delete", false, false, false),
            ("DIV", " ", false, false, false),
            ("DIV", " ", true, false, true),
            // The Send button keeps the focus after sending: Space there plays or pauses.
            ("BUTTON", " ", false, true, false),
            ("BUTTON", "Spacebar", false, true, false),
            ("INPUT", " ", false, true, true),
        ];
        for (tag, key, editable, plays, expected) in cases {
            assert_eq!(
                typing(tag, key, editable, plays),
                expected,
                "{tag} {key:?} {plays}"
            );
        }
    }
}
