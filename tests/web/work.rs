//! Work is never lost, in a real browser (Chromium and Firefox):
//!
//! - a reload at the address the app itself wrote brings back what was on screen;
//! - a link opened over edited work is one undo away, and a notice says so;
//! - two pages of the same browser never silently overwrite each other's work;
//! - full or throwing storage turns autosave off with a calm notice, and editing goes on;
//! - Recent work lists the works autosaved and opens them.
#![cfg(target_arch = "wasm32")]

use stacksim::ui::session::Saved;
use stacksim::ui::state::{Action, AppState, WorkAction};
use stacksim::web::storage::{AUTOSAVE_KEY, WORK_PREFIX};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;

use crate::support::*;

/// Lets effects, timers and storage events run, then renders.
async fn settle() {
    for _ in 0..5 {
        sleep(20).await;
    }
}

/// What `localStorage` holds under `key` (it must hold something).
fn stored(key: &str) -> String {
    storage()
        .get_item(key)
        .expect("storage readable")
        .unwrap_or_else(|| panic!("nothing stored under {key}"))
}

/// What a reload must bring back, as the page shows it.
#[derive(Debug, PartialEq)]
struct Screen {
    stage: Vec<String>,
    corners: Vec<(String, (f64, f64))>,
    zoom: String,
    view_box: Option<String>,
    tab: Vec<String>,
    clock: String,
    requests: Vec<String>,
    shown: Vec<String>,
    hop: Vec<String>,
    load_rps: Option<String>,
}

fn screen(root: &Element) -> Screen {
    let ids = attributes(root, "g.node[data-id]", "data-id");
    Screen {
        stage: attributes(root, "button.stage-button.active", "data-stage"),
        corners: ids
            .iter()
            .map(|id| (id.clone(), corner(root, id)))
            .collect(),
        zoom: text(root, ".zoom-level"),
        view_box: svg(root).get_attribute("viewBox"),
        tab: attributes(root, ".side-tab.active", "data-tab"),
        clock: text(root, ".clock"),
        requests: texts(root, ".history-item .what"),
        shown: texts(root, ".history-item.current .what"),
        hop: attributes(root, "tr.hop-row.current", "data-hop"),
        load_rps: root
            .query_selector("input[data-control='rps']")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            .map(|i| i.value()),
    }
}

/// Reloads at the address the app wrote, and checks the page shows what it showed.
async fn reload_keeps(root: &Element, what: &str) -> Element {
    settle().await;
    let before = screen(root);
    let written = address();
    let again = reload().await;
    settle().await;
    assert_eq!(screen(&again), before, "after {what}, reloading {written}");
    assert_eq!(address(), written, "the address stays");
    again
}

#[wasm_bindgen_test]
async fn a_drag_on_a_picked_stage_survives_reloading_the_address_the_app_wrote() {
    // The reported loss: pick stage 1, drag lb-01, reload. The address the app wrote named
    // the stage, and start-up replaced the work with the preset.
    let root = mount().await;
    pick_stage(&root, 1).await;
    assert_eq!(address(), "#stage=1");
    let before = corner(&root, "lb-01");
    drag_node(&root, "lb-01", 160.0, 96.0).await;
    let moved = corner(&root, "lb-01");
    assert_ne!(moved, before, "the drag moved lb-01");
    settle().await;
    let again = reload().await;
    settle().await;
    assert_eq!(corner(&again, "lb-01"), moved, "the drag is still there");
    assert_eq!(
        attributes(&again, "button.stage-button.active", "data-stage"),
        ["1"]
    );
    // And the autosave still holds it: a second reload too.
    let third = reload().await;
    assert_eq!(corner(&third, "lb-01"), moved);
}

/// A pan writes nothing to storage while the pointer moves (each write copies the whole work),
/// and the view it ends on is saved when it ends: a reload shows it.
#[wasm_bindgen_test]
async fn a_pan_is_saved_when_it_ends_and_a_reload_shows_it() {
    let root = mount().await;
    pick_stage(&root, 2).await;
    settle().await;
    let canvas = svg(&root);
    let saved = stored(AUTOSAVE_KEY);
    let before = canvas.get_attribute("viewBox");
    // The fitted drawing is centred: the canvas's top-left corner is empty.
    let from = canvas_at(&root, 0.0, 0.0).plus(6.0, 6.0);
    pointer(&canvas, "pointerdown", from, false).await;
    for step in 1..=4 {
        let step = f64::from(step);
        pointer(
            &canvas,
            "pointermove",
            from.plus(30.0 * step, 15.0 * step),
            false,
        )
        .await;
    }
    settle().await;
    let panned = canvas.get_attribute("viewBox");
    assert_ne!(panned, before, "the drag pans");
    assert_eq!(
        stored(AUTOSAVE_KEY),
        saved,
        "nothing is written while the pointer moves"
    );
    pointer(&canvas, "pointerup", from.plus(120.0, 60.0), false).await;
    settle().await;
    assert_ne!(stored(AUTOSAVE_KEY), saved, "the pan's end is saved");
    let again = reload().await;
    settle().await;
    assert_eq!(svg(&again).get_attribute("viewBox"), panned);
}

/// The wheel's zoom is saved once the wheel rests, not at each of its steps: a reload shows it.
#[wasm_bindgen_test]
async fn a_wheel_zoom_is_saved_when_the_wheel_rests_and_a_reload_shows_it() {
    let root = mount().await;
    pick_stage(&root, 2).await;
    settle().await;
    let canvas = svg(&root);
    let saved = stored(AUTOSAVE_KEY);
    let zoom = text(&root, ".zoom-level");
    let at = canvas_at(&root, 0.5, 0.5);
    for _ in 0..3 {
        wheel(&canvas, at, -100.0).await;
    }
    let zoomed = text(&root, ".zoom-level");
    assert_ne!(zoomed, zoom, "the wheel zooms");
    assert_eq!(
        stored(AUTOSAVE_KEY),
        saved,
        "nothing is written while the wheel turns"
    );
    sleep(stacksim::ui::gesture::WHEEL_REST_MS + 200).await;
    assert_ne!(
        stored(AUTOSAVE_KEY),
        saved,
        "the zoom is saved once it rests"
    );
    let view_box = canvas.get_attribute("viewBox");
    let again = reload().await;
    settle().await;
    assert_eq!(text(&again, ".zoom-level"), zoomed);
    assert_eq!(svg(&again).get_attribute("viewBox"), view_box);
}

#[wasm_bindgen_test]
async fn every_address_the_app_writes_reloads_to_what_was_on_screen() {
    let root = mount().await;
    pick_stage(&root, 2).await;
    let root = reload_keeps(&root, "a stage pick").await;
    click(&root, "button[data-tool='zoom-in']").await;
    drag_node(&root, "server-02", -64.0, 48.0).await;
    let root = reload_keeps(&root, "a zoom and a drag").await;
    click(&root, "button[data-tab='findings']").await;
    let root = reload_keeps(&root, "a tab").await;
    click(&root, "button[data-tab='request']").await;
    click(&root, "button[data-action='send']").await;
    click(&root, "button[data-wait='10']").await;
    click(&root, "button[data-action='send']").await;
    // Pause on the first request, two hops before its end.
    click(&root, "button[data-trace='0']").await;
    key("ArrowLeft", false, false).await;
    key("ArrowLeft", false, false).await;
    assert_eq!(texts(&root, ".history-item .what").len(), 2);
    let root = reload_keeps(&root, "two requests sent and a hop shown").await;
    click(&root, "button[data-tab='load']").await;
    set_field(&root, "input[data-control='rps']", "150").await;
    set_field(&root, "input[data-control='seconds']", "2").await;
    click(&root, "button[data-action='run-load']").await;
    for _ in 0..200 {
        if count(&root, ".load-progress") == 0 {
            break;
        }
        next_frame().await;
    }
    assert!(address().contains("load=rps:150"), "{}", address());
    reload_keeps(&root, "a load run's settings").await;
}

#[wasm_bindgen_test]
async fn a_link_over_edited_work_opens_and_undo_brings_the_work_back() {
    let root = mount().await;
    pick_stage(&root, 2).await;
    drag_node(&root, "server-01", 96.0, 64.0).await;
    let mine = screen(&root).corners;
    settle().await;
    // Someone's link, opened in this tab.
    let root = reload_at("#stage=3&send=https-read").await;
    settle().await;
    assert_eq!(
        attributes(&root, "button.stage-button.active", "data-stage"),
        ["3"]
    );
    assert_eq!(
        texts(&root, ".history-item .what").len(),
        1,
        "the link's request"
    );
    let notice = text(&root, "[data-control='link-notice']");
    assert!(notice.contains("Undo brings your work back"), "{notice}");
    click(&root, "[data-control='undo-link']").await;
    assert_eq!(screen(&root).corners, mine, "the work is back");
    assert_eq!(count(&root, "[data-control='link-notice']"), 0);
    assert_eq!(address(), "#stage=2", "and the address says so");
    // The same with a share link, undone with Ctrl+Z.
    let mut other = AppState::default();
    other.apply(Action::Work(WorkAction::SelectStage(3)));
    settle().await;
    let root = reload_at(&format!("#{}", other.document().to_fragment())).await;
    settle().await;
    assert_eq!(
        count(&root, "g.node[data-id='web-01']"),
        1,
        "stage 3's design"
    );
    assert_eq!(address(), "", "the link's design is now the work");
    key("z", true, false).await;
    assert_eq!(screen(&root).corners, mine);
    // A fragment typed into the address bar is a link too.
    window().location().set_hash("stage=0").expect("hash");
    settle().await;
    assert_eq!(
        attributes(&root, "button.stage-button.active", "data-stage"),
        ["0"]
    );
    assert_eq!(count(&root, "[data-control='link-notice']"), 1);
    key("z", true, false).await;
    assert_eq!(screen(&root).corners, mine);
}

/// A second page of the same browser: a same-origin frame, with storage of its own window.
fn other_page() -> (Element, web_sys::Storage) {
    let (frame, window) = new_frame();
    let storage = window
        .local_storage()
        .expect("storage allowed")
        .expect("storage");
    (frame, storage)
}

#[wasm_bindgen_test]
async fn two_pages_editing_in_turn_never_overwrite_each_other() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    drag_node(&root, "lb-01", 64.0, 64.0).await;
    settle().await;
    let mine_before = screen(&root).corners;
    let latest = stored(AUTOSAVE_KEY);
    let saved = Saved::from_json(&latest).expect("an autosave");
    let work = saved.work().cloned().expect("a work id");
    let key_of_work = format!("{WORK_PREFIX}{}", work.0);
    // The other page opened the same work and renames it: it saves the same entry.
    let (frame, theirs) = other_page();
    let mut other = saved.clone();
    other.document.topology.name = "Their version".to_owned();
    theirs
        .set_item(&key_of_work, &other.to_json())
        .expect("their save");
    settle().await;
    let notice = text(&root, "[data-control='other-tab-notice']");
    assert!(
        notice.contains("Another tab changed this design"),
        "{notice}"
    );
    assert_eq!(
        screen(&root).corners,
        mine_before,
        "nothing changed here by itself"
    );
    // This page edits on: its save goes to a work of its own, theirs stays.
    drag_node(&root, "server-01", 0.0, 80.0).await;
    settle().await;
    let kept = stored(&key_of_work);
    assert_eq!(
        Saved::from_json(&kept).map(|s| s.document.topology.name),
        Ok("Their version".to_owned()),
        "their save is not overwritten"
    );
    let mine = stored(AUTOSAVE_KEY);
    let mine = Saved::from_json(&mine).expect("mine");
    assert_ne!(mine.work(), Some(&work), "this page saves as another work");
    let mine_after = screen(&root).corners;
    // Loading theirs is undoable.
    click(&root, "[data-control='load-other']").await;
    settle().await;
    let now = stored(AUTOSAVE_KEY);
    assert_eq!(
        Saved::from_json(&now).map(|s| (s.work().cloned(), s.document.topology.name)),
        Ok((Some(work.clone()), "Their version".to_owned())),
        "their version is on screen, as their work"
    );
    key("z", true, false).await;
    assert_eq!(screen(&root).corners, mine_after);
    // Their page sees this page's saves as storage events too: it is another work, so it is
    // never told its own work changed.
    let entries: Vec<String> = (0..storage().length().expect("length"))
        .filter_map(|i| storage().key(i).ok().flatten())
        .filter(|k| k.starts_with(WORK_PREFIX))
        .collect();
    assert!(
        entries.len() >= 2,
        "both works are in Recent work: {entries:?}"
    );
    frame.remove();
}

/// Fills `localStorage` until the browser refuses more; returns the keys it added.
fn fill_storage() -> Vec<String> {
    let mut keys = Vec::new();
    let mut chunk = "x".repeat(1 << 20);
    for i in 0..64 {
        let key = format!("filler.{i}");
        if storage().set_item(&key, &chunk).is_err() {
            if chunk.len() <= 64 {
                break;
            }
            chunk.truncate(chunk.len() / 4);
            continue;
        }
        keys.push(key);
    }
    keys
}

#[wasm_bindgen_test]
async fn full_storage_turns_autosave_off_calmly_and_destroys_nothing_saved() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    settle().await;
    let saved = stored(AUTOSAVE_KEY);
    let filler = fill_storage();
    assert!(!filler.is_empty());
    drag_node(&root, "lb-01", 96.0, 0.0).await;
    settle().await;
    let notice = text(&root, "[data-control='autosave-off']");
    assert!(notice.contains("Autosave is off"), "{notice}");
    assert!(notice.contains("full"), "{notice}");
    assert_eq!(count(&root, "[data-control='save-copy']"), 1);
    // Editing goes on, and what was saved is still there.
    drag_node(&root, "server-01", 0.0, 64.0).await;
    assert_eq!(
        storage().get_item(AUTOSAVE_KEY).expect("get").as_deref(),
        Some(saved.as_str())
    );
    // Save a copy downloads the work as it is now.
    let (_listener, downloads) = catch_downloads();
    click(&root, "[data-control='save-copy']").await;
    assert_eq!(downloads.borrow().len(), 1);
    // Room again: the next change is saved and the notice goes.
    for key in &filler {
        storage().remove_item(key).expect("remove");
    }
    drag_node(&root, "server-01", 0.0, 64.0).await;
    settle().await;
    assert_eq!(count(&root, "[data-control='autosave-off']"), 0);
    let moved = corner(&root, "server-01");
    let again = reload().await;
    assert_eq!(corner(&again, "server-01"), moved);
}

#[wasm_bindgen(inline_js = r#"
const saved = {};
export function break_storage() {
    for (const name of ["setItem", "getItem", "key", "removeItem"]) {
        saved[name] = Storage.prototype[name];
        Storage.prototype[name] = function () {
            throw new DOMException("The operation is insecure.", "SecurityError");
        };
    }
}
export function mend_storage() {
    for (const name of Object.keys(saved)) {
        Storage.prototype[name] = saved[name];
    }
}
"#)]
extern "C" {
    fn break_storage();
    fn mend_storage();
}

#[wasm_bindgen_test]
async fn storage_that_throws_never_panics_and_says_autosave_is_off() {
    storage().clear().expect("clear");
    tab_storage().clear().expect("clear");
    break_storage();
    let root = reload_at("#stage=2").await;
    settle().await;
    assert_eq!(
        attributes(&root, "button.stage-button.active", "data-stage"),
        ["2"]
    );
    drag_node(&root, "lb-01", 64.0, 32.0).await;
    settle().await;
    let notice = text(&root, "[data-control='autosave-off']");
    mend_storage();
    assert!(notice.contains("does not let the page store"), "{notice}");
    assert_eq!(count(&root, ".panic-banner"), 0);
    // Recent work says there is nothing, rather than failing.
    break_storage();
    click(&root, "[data-control='recent']").await;
    let list = text(&root, ".recent-list");
    mend_storage();
    assert!(list.contains("Nothing autosaved yet"), "{list}");
}

#[wasm_bindgen_test]
async fn recent_work_lists_the_works_and_opens_one_undoably() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    drag_node(&root, "lb-01", 128.0, 0.0).await;
    settle().await;
    let stage_1 = screen(&root).corners;
    pick_stage(&root, 3).await;
    settle().await;
    // A reload does not strand the stage 1 work either.
    let root = reload().await;
    click(&root, "[data-control='recent']").await;
    // Untouched presets are one click away and not listed: the dragged stage 1 is.
    let rows = texts(&root, "[data-control='recent-entry']");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].contains("stage 1") && rows[0].contains("just now"),
        "{rows:?}"
    );
    click(&root, "[data-control='recent-entry']").await;
    assert_eq!(screen(&root).corners, stage_1);
    assert_eq!(
        attributes(&root, "button.stage-button.active", "data-stage"),
        ["1"]
    );
    key("z", true, false).await;
    assert_eq!(
        attributes(&root, "button.stage-button.active", "data-stage"),
        ["3"]
    );
}

/// Recent work keeps the newest works: saving one of six listed works removes none, and the
/// first save of a seventh removes the oldest, never the one being saved.
#[wasm_bindgen_test]
async fn recent_work_keeps_the_newest_works_and_drops_only_the_oldest() {
    use stacksim::ui::session::WorkId;
    use stacksim::web::storage::{MAX_RECENT, recent, work_key, write};
    unmount();
    storage().clear().expect("clear");
    tab_storage().clear().expect("clear");
    let saved_as = |work: &str| {
        let mut saved = Saved::of(&AppState::default());
        if let Some(session) = &mut saved.session {
            session.work = WorkId(work.to_owned());
        }
        saved
    };
    let works: Vec<String> = (0..=MAX_RECENT).map(|i| format!("w{i}")).collect();
    // Six works, saved a minute apart (w0 the oldest).
    for (i, work) in works[..MAX_RECENT].iter().enumerate() {
        write(saved_as(work), true, 60_000.0 * i as f64).expect("saved");
    }
    let listed = || -> Vec<String> {
        let mut keys: Vec<String> = recent().into_iter().map(|e| e.key).collect();
        keys.sort();
        keys
    };
    let all_six: Vec<String> = works[..MAX_RECENT]
        .iter()
        .map(|w| work_key(&WorkId(w.clone())))
        .collect();
    assert_eq!(listed(), all_six, "six works are all kept");
    // The oldest saved again is the newest now: nothing is removed.
    write(saved_as("w0"), true, 600_000.0).expect("saved");
    assert_eq!(listed(), all_six, "saving a listed work removes none");
    // A seventh work: the oldest of the others (now w1) goes.
    write(saved_as(&works[MAX_RECENT]), true, 700_000.0).expect("saved");
    let mut expected: Vec<String> = works
        .iter()
        .filter(|w| *w != "w1")
        .map(|w| work_key(&WorkId(w.clone())))
        .collect();
    expected.sort();
    assert_eq!(
        listed(),
        expected,
        "the oldest work is dropped for the seventh"
    );
    storage().clear().expect("clear");
}
