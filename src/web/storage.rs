//! The browser's side of the autosave (what is saved, and how the page starts, is
//! [`crate::ui::session`], pure).
//!
//! - `sessionStorage[AUTOSAVE_KEY]`: this tab's own copy. The browser keeps it across
//!   reloads of the tab and when it restores tabs after a crash, and never shares it with
//!   another tab.
//! - `localStorage[AUTOSAVE_KEY]`: the latest copy of any tab, which a new tab opens.
//! - `localStorage["stacksim.work.<id>"]`: one entry per work for Recent work, at most
//!   [`MAX_RECENT`]. Another tab's save of the same work reaches this tab as a `storage`
//!   event (see `app::use_other_tabs`).
//!
//! A write that fails leaves what was stored as it was: the browser refuses the whole value.

use wasm_bindgen::JsCast;
use web_sys::Storage;

use crate::ui::session::{RecentEntry, Saved, WorkId, to_prune};

/// The key of the autosaved work (in both storages).
pub const AUTOSAVE_KEY: &str = "stacksim.autosave";
/// Where a damaged autosave is moved, so the next autosave does not overwrite it.
pub const DAMAGED_KEY: &str = "stacksim.autosave.damaged";
/// The prefix of Recent work's entries (`stacksim.work.<work id>`).
pub const WORK_PREFIX: &str = "stacksim.work.";
/// The most entries Recent work keeps.
pub const MAX_RECENT: usize = 6;

/// Why the work could not be autosaved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    #[error(
        "this browser does not let the page store anything (storage is turned off or \
         blocked, as in some private windows)"
    )]
    Blocked,
    #[error("the browser's storage for this page is full")]
    Full,
}

fn local() -> Result<Storage, StorageError> {
    storage(web_sys::Window::local_storage)
}

fn tab() -> Result<Storage, StorageError> {
    storage(web_sys::Window::session_storage)
}

/// A storage of the page's window; a browser that refuses it (or throws) has none.
fn storage(
    which: fn(&web_sys::Window) -> Result<Option<Storage>, wasm_bindgen::JsValue>,
) -> Result<Storage, StorageError> {
    let window = web_sys::window().ok_or(StorageError::Blocked)?;
    which(&window).ok().flatten().ok_or(StorageError::Blocked)
}

fn get(storage: Result<Storage, StorageError>, key: &str) -> Option<String> {
    storage.ok()?.get_item(key).ok().flatten()
}

fn set(storage: &Storage, key: &str, value: &str) -> Result<(), StorageError> {
    storage.set_item(key, value).map_err(|err| {
        let name = err
            .dyn_ref::<web_sys::DomException>()
            .map(|e| e.name())
            .unwrap_or_default();
        if name.contains("Quota") || name.contains("QUOTA") {
            StorageError::Full
        } else {
            StorageError::Blocked
        }
    })
}

/// This tab's own autosave, if it has one.
pub fn read_tab() -> Option<String> {
    get(tab(), AUTOSAVE_KEY)
}

/// The latest autosave of any tab.
pub fn read_latest() -> Option<String> {
    get(local(), AUTOSAVE_KEY)
}

/// The key of a work's entry in Recent work.
pub fn work_key(work: &WorkId) -> String {
    format!("{WORK_PREFIX}{}", work.0)
}

/// Autosaves the work: this tab's copy, the latest copy and, if `listed`, its entry in Recent
/// work (keeping the newest [`MAX_RECENT`]). `now` is the shell's clock (ms since 1970).
pub fn write(mut saved: Saved, listed: bool, now: f64) -> Result<(), StorageError> {
    let work = saved.work().cloned().unwrap_or_default();
    if let Some(session) = &mut saved.session {
        session.saved_at = Some(now);
    }
    let json = saved.to_json();
    let in_tab = tab().and_then(|s| set(&s, AUTOSAVE_KEY, &json));
    let local = local()?;
    if listed {
        let key = work_key(&work);
        set(&local, &key, &json)?;
        prune(&local, &key);
    }
    set(&local, AUTOSAVE_KEY, &json)?;
    in_tab
}

/// The keys of Recent work's entries.
fn work_keys(local: &Storage) -> Vec<String> {
    let n = local.length().unwrap_or(0);
    (0..n)
        .filter_map(|i| local.key(i).ok().flatten())
        .filter(|k| k.starts_with(WORK_PREFIX))
        .collect()
}

/// Recent work's entries: each key with its saved text.
fn entries(local: &Storage) -> Vec<(String, String)> {
    texts(local, work_keys(local))
}

/// Each of `keys` with its saved text (keys without one are left out).
fn texts(local: &Storage, keys: Vec<String>) -> Vec<(String, String)> {
    keys.into_iter()
        .filter_map(|k| Some((local.get_item(&k).ok().flatten()?, k)))
        .map(|(v, k)| (k, v))
        .collect()
}

fn prune(local: &Storage, current: &str) {
    // At most `MAX_RECENT` entries, the current one included, leave `to_prune` nothing to
    // remove: then no entry is read or parsed (each is a whole design, and this runs on every
    // autosave of a listed work).
    let keys = work_keys(local);
    if keys.len() <= MAX_RECENT {
        return;
    }
    let dated: Vec<(String, f64)> = texts(local, keys)
        .into_iter()
        .map(|(k, v)| {
            let at = Saved::from_json(&v)
                .ok()
                .and_then(|s| s.session?.saved_at)
                .unwrap_or(0.0);
            (k, at)
        })
        .collect();
    for key in to_prune(&dated, current, MAX_RECENT) {
        // A failure leaves one entry too many; the next save tries again.
        let _ = local.remove_item(&key);
    }
}

/// Recent work, newest first (entries that cannot be read are left out).
pub fn recent() -> Vec<RecentEntry> {
    let Ok(local) = local() else {
        return Vec::new();
    };
    let mut out: Vec<RecentEntry> = entries(&local)
        .into_iter()
        .filter_map(|(key, value)| {
            Some(RecentEntry {
                key,
                saved: Saved::from_json(&value).ok()?,
            })
        })
        .collect();
    crate::sim::sort::sort_by(&mut out, |a, b| b.saved_at().total_cmp(&a.saved_at()));
    out
}

/// Moves a damaged autosave aside so that autosaving the new work does not destroy it.
pub fn keep_damaged(raw: &str) {
    if let Ok(storage) = local() {
        // If this fails the text is still in memory and offered for download.
        let _ = set(&storage, DAMAGED_KEY, raw);
    }
}
