//! What the autosave keeps, and how the page starts (UI-side and pure, natively tested).
//!
//! The autosave is a saved document ([`Document::to_json`]) with one more member, `session`:
//! what was on screen besides the design. That is the preset it still is, the side tab, the
//! requests sent and failures applied (the input log and its clock), the request shown, the
//! request the Send button sends, the load settings, which work this is ([`WorkId`]) and the
//! address the page showed for it ([`AppState::address`]).
//!
//! [`startup`] decides how the page opens. The rule that keeps work from vanishing: **an
//! address equal to the one the saved work showed is a reload**, and restores that work
//! exactly. Any other address is a link someone made. It is applied *after* the work is
//! restored, through [`Action::Work(WorkAction::OpenLink)`], so undo goes back to the work and a notice says so.

use serde::{Deserialize, Serialize};

use crate::sim::engine::Input;
use crate::sim::format;
use crate::sim::time::SimTime;
use crate::sim::trace::RequestSpec;
use crate::ui::document::{Document, OpenError, SESSION_KEY};
use crate::ui::state::{Action, AppState, Refusal, WorkAction, WorkDocument};

/// Which work a saved design is: one per design the user started (a stage picked, New, a
/// file or link opened), kept while it is edited. Recent work holds one entry per id.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct WorkId(pub String);

impl WorkId {
    /// The `n`th work started by a page whose random nonce is `nonce`.
    pub fn new(nonce: u64, n: u32) -> WorkId {
        WorkId(format!("{nonce:x}-{n}"))
    }
}

/// What was on screen besides the design.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Session {
    pub work: WorkId,
    /// The preset the design still is.
    pub stage: Option<u8>,
    /// The side tab's key ([`crate::ui::state::Tab::key`]).
    pub tab: String,
    /// What the Send button sends.
    pub request: Option<RequestSpec>,
    /// The inputs applied so far, with their simulated times.
    pub log: Vec<(SimTime, Input)>,
    pub clock: SimTime,
    /// The request shown in the event list (index into the requests sent) and its hop.
    pub shown: Option<(usize, Option<usize>)>,
    /// The load test settings, as [`crate::ui::load_run::LoadSettings::to_fragment`] writes
    /// them.
    #[serde(rename = "load")]
    pub load_test: Option<String>,
    /// The address fragment the page showed (without `#`).
    pub address: String,
    /// When it was saved, in milliseconds since 1970 (the shell's clock; listing only).
    pub saved_at: Option<f64>,
}

impl Session {
    /// The session as a JSON value: the value `serde_json::to_value` gives. It is read back
    /// from the session's pretty text instead, because serializing into a value put a second
    /// copy of the session's `Serialize` (and of the input log's) into the WebAssembly. Text and
    /// whole numbers read back exactly as they were written; the one float, `saved_at`, is put
    /// in as the value itself.
    pub fn to_value(&self) -> Option<serde_json::Value> {
        let text = serde_json::to_string_pretty(self).ok()?;
        let mut value: serde_json::Value = serde_json::from_str(&text).ok()?;
        if let (serde_json::Value::Object(map), Some(at)) = (&mut value, self.saved_at) {
            map.insert("saved_at".to_owned(), at.into());
        }
        Some(value)
    }
}

/// A saved work: the document and, for an autosave, its session.
#[derive(Clone, Debug, PartialEq)]
pub struct Saved {
    pub document: Document,
    pub session: Option<Session>,
}

impl Saved {
    /// The work on screen, to autosave.
    pub fn of(state: &AppState) -> Saved {
        Saved::of_parts(&state.work_document(), state.session())
    }

    /// [`Saved::of`] from the work shared and the session, which a renderer can keep and
    /// compare cheaply (the design by pointer first): the design is copied here, not before.
    pub fn of_parts(work: &WorkDocument, session: Session) -> Saved {
        Saved {
            document: work.document(),
            session: Some(session),
        }
    }

    /// Compact JSON (the autosave is read by machines; Save writes pretty files).
    pub fn to_json(&self) -> String {
        let mut value = self.document.to_value();
        if let (serde_json::Value::Object(map), Some(session)) = (&mut value, &self.session)
            && let Some(session) = session.to_value()
        {
            map.insert(SESSION_KEY.to_owned(), session);
        }
        value.to_string()
    }

    /// Reads an autosave, or any saved file (which has no session). A session that cannot be
    /// read is dropped: the design still opens.
    pub fn from_json(text: &str) -> Result<Saved, OpenError> {
        let mut value = format::parse_json(text)?;
        let session = match &mut value {
            serde_json::Value::Object(map) => map.remove(SESSION_KEY),
            _ => None,
        };
        let document = Document::from_value(value)?;
        let session = session.and_then(|s| serde_json::from_value(s).ok());
        Ok(Saved { document, session })
    }

    /// Whether this is a preset as picked ([`untouched_preset`]).
    pub fn is_untouched_preset(&self) -> bool {
        let stage = self.session.as_ref().and_then(|s| s.stage);
        untouched_preset(stage, &self.document.topology, &self.document.positions)
    }

    /// The work's id, if the save says.
    pub fn work(&self) -> Option<&WorkId> {
        self.session.as_ref().map(|s| &s.work)
    }

    /// The address the page showed for this work (empty for a file).
    pub fn address(&self) -> &str {
        self.session.as_ref().map_or("", |s| s.address.as_str())
    }
}

/// Whether a work is a preset as picked: still stage `stage`, nothing moved. Such a work is
/// one click away on the stage picker, so Recent work does not list it and a link that
/// replaces it needs no notice.
pub fn untouched_preset(
    stage: Option<u8>,
    topology: &crate::sim::topology::Topology,
    positions: &crate::sim::by_id::ById<crate::ui::layout::Point>,
) -> bool {
    stage.is_some()
        && *positions == crate::ui::layout::positions(&crate::ui::layout::auto_layout(topology))
}

/// How the page starts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Startup {
    /// Applied to a fresh state first; the undo history starts after them.
    pub restore: Vec<Action>,
    /// Applied after (a link's stage, request, design): undoable.
    pub link: Vec<Action>,
    /// The shared autosave could not be read: why, and its text (offered for download).
    pub damaged: Option<Damaged>,
}

impl Startup {
    /// The page's first state: `fresh` with the work restored, then the undo history starting
    /// there, then the link applied (so undo goes back to the work).
    pub fn open(&self, mut fresh: AppState) -> AppState {
        for action in &self.restore {
            fresh.apply(action.clone());
        }
        fresh.work.history = Default::default();
        for action in &self.link {
            fresh.apply(action.clone());
        }
        fresh
    }
}

/// An autosave that could not be opened.
#[derive(Clone, Debug, PartialEq)]
pub struct Damaged {
    pub message: String,
    pub raw: String,
}

/// The address fragment without its `#`.
pub fn bare(fragment: &str) -> &str {
    fragment.strip_prefix('#').unwrap_or(fragment)
}

/// What the page opens with, given its address fragment, this tab's own autosave (kept by
/// the browser across reloads of the tab) and the latest autosave of any tab.
///
/// - The work restored is this tab's, else the latest; a damaged latest one is reported,
///   kept for download, and stage 0 opens.
/// - The fragment that work's page showed (or none) is a reload: nothing more happens.
/// - Any other fragment is a link: [`Action::Work(WorkAction::OpenLink)`] applies it over the work, undoably,
///   with a notice when there was saved work to replace.
pub fn startup(fragment: &str, tab: Option<&str>, latest: Option<&str>) -> Startup {
    let fragment = bare(fragment);
    let mut out = Startup::default();
    let blank = |s: &&str| !s.trim().is_empty();
    // This tab's own copy; one that cannot be read falls back to the latest (a copy of it).
    let saved = match tab.filter(blank).map(Saved::from_json) {
        Some(Ok(saved)) => Some(saved),
        _ => match latest.filter(blank).map(|raw| (raw, Saved::from_json(raw))) {
            Some((_, Ok(saved))) => Some(saved),
            Some((raw, Err(err))) => {
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
                out.damaged = Some(Damaged {
                    message,
                    raw: raw.to_owned(),
                });
                None
            }
            None => None,
        },
    };
    let reload = saved.as_ref().map_or("", Saved::address) == fragment;
    let had_work = saved.is_some();
    if let Some(saved) = saved {
        out.restore
            .push(Action::Work(WorkAction::Restore(Box::new(saved))));
    }
    if !reload {
        out.link.push(Action::Work(WorkAction::OpenLink {
            fragment: fragment.to_owned(),
            notify: had_work,
        }));
    }
    if let Some(damaged) = &out.damaged {
        // The refusal stays the last word.
        out.link
            .push(Action::Refuse(Refusal::Autosave(damaged.message.clone())));
    }
    out
}

/// A line of Recent work: which work, its name and stage, and when it was saved.
#[derive(Clone, Debug, PartialEq)]
pub struct RecentEntry {
    pub key: String,
    pub saved: Saved,
}

impl RecentEntry {
    pub fn name(&self) -> &str {
        &self.saved.document.topology.name
    }

    pub fn stage(&self) -> Option<u8> {
        self.saved.session.as_ref().and_then(|s| s.stage)
    }

    pub fn saved_at(&self) -> f64 {
        self.saved
            .session
            .as_ref()
            .and_then(|s| s.saved_at)
            .unwrap_or(0.0)
    }
}

/// The entries to delete so that at most `keep` remain: the oldest ones, never `current`.
pub fn to_prune(entries: &[(String, f64)], current: &str, keep: usize) -> Vec<String> {
    let mut others: Vec<&(String, f64)> = entries.iter().filter(|(k, _)| k != current).collect();
    let room = keep.saturating_sub(usize::from(entries.len() > others.len()));
    if others.len() <= room {
        return Vec::new();
    }
    crate::sim::sort::sort_by(&mut others, |a, b| {
        b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0))
    });
    others
        .split_off(room)
        .into_iter()
        .map(|(k, _)| k.clone())
        .collect()
}

/// "2 min ago", "just now", "3 h ago", "5 days ago": how long ago `then` was, both in
/// milliseconds since 1970.
pub fn ago(now: f64, then: f64) -> String {
    let s = ((now - then) / 1000.0).max(0.0);
    match s {
        s if s < 60.0 => "just now".to_owned(),
        s if s < 3600.0 => format!("{} min ago", (s / 60.0) as u64),
        s if s < 86400.0 => format!("{} h ago", (s / 3600.0) as u64),
        s => {
            let days = (s / 86400.0) as u64;
            format!("{days} day{} ago", if days == 1 { "" } else { "s" })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::state::{Action, EditAction, Tab};

    fn run(startup: &Startup) -> AppState {
        startup.open(AppState::default())
    }

    fn edited(stage: u8) -> AppState {
        let mut state = AppState::default();
        state.apply(Action::Work(WorkAction::SelectStage(stage)));
        state.apply(Action::Edit(EditAction::Change(
            crate::ui::edit::Edit::SetName("My work".to_owned()),
        )));
        state
    }

    #[test]
    fn the_address_the_work_showed_is_a_reload() {
        let mut state = AppState::default();
        state.apply(Action::Work(WorkAction::SelectStage(1)));
        let ids = vec!["lb-01".to_owned()];
        state.apply(Action::Edit(EditAction::MoveBy {
            ids,
            dx: 120.0,
            dy: 40.0,
        }));
        state.apply(Action::Edit(EditAction::EndMove));
        assert_eq!(state.address(), "stage=1");
        let raw = Saved::of(&state).to_json();
        for tab in [Some(raw.as_str()), None] {
            let latest = if tab.is_some() {
                None
            } else {
                Some(raw.as_str())
            };
            let s = startup("#stage=1", tab, latest);
            assert!(s.link.is_empty(), "{s:?}");
            let back = run(&s);
            assert_eq!(back.work.positions, state.work.positions);
            assert_eq!(back.work.stage, Some(1));
        }
    }

    #[test]
    fn another_address_is_a_link_applied_after_the_work_so_undo_gets_it_back() {
        let raw = Saved::of(&edited(2)).to_json();
        let mut state = run(&startup("#stage=3&tab=findings", Some(&raw), None));
        assert_eq!(state.work.stage, Some(3));
        assert_eq!(state.view.tab, Tab::Findings);
        assert!(state.work.notice.is_some());
        state.apply(Action::Edit(EditAction::Undo));
        assert_eq!(state.work.topology.name, "My work");
        assert_eq!(state.work.notice, None);
    }

    #[test]
    fn a_link_over_a_preset_as_picked_needs_no_notice_but_stays_undoable() {
        let mut picked = AppState::default();
        picked.apply(Action::Work(WorkAction::SelectStage(2)));
        let raw = Saved::of(&picked).to_json();
        let mut state = run(&startup("#stage=3", Some(&raw), None));
        assert_eq!(state.work.stage, Some(3));
        assert_eq!(state.work.notice, None);
        state.apply(Action::Edit(EditAction::Undo));
        assert_eq!(state.work.stage, Some(2));
    }

    #[test]
    fn a_first_visit_opens_the_link_without_a_notice() {
        let state = run(&startup("#stage=3", None, None));
        assert_eq!(state.work.stage, Some(3));
        assert_eq!(state.work.notice, None);
        assert_eq!(run(&startup("", None, None)).work.stage, Some(0));
    }

    #[test]
    fn a_share_link_opens_over_the_autosave_and_undo_gets_it_back() {
        let mut other = AppState::default();
        other.apply(Action::Work(WorkAction::SelectStage(3)));
        let fragment = format!("#{}&tab=reach", other.document().to_fragment());
        let raw = Saved::of(&edited(1)).to_json();
        let mut state = run(&startup(&fragment, None, Some(&raw)));
        assert_eq!(
            Some(&*state.work.topology),
            crate::sim::presets::topology(3).as_ref()
        );
        assert_eq!(state.view.tab, Tab::Reach);
        assert_eq!(state.work.stage, None);
        state.apply(Action::Edit(EditAction::Undo));
        assert_eq!(state.work.topology.name, "My work");
    }

    #[test]
    fn a_damaged_link_says_so_and_keeps_the_autosave() {
        let raw = Saved::of(&edited(1)).to_json();
        let state = run(&startup("#design=AAAA", Some(&raw), None));
        assert_eq!(state.work.topology.name, "My work");
        let error = state.error().unwrap_or_default();
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
            let s = startup("", None, Some(raw));
            let damaged = s.damaged.clone().unwrap_or_else(|| panic!("{raw}"));
            assert_eq!(damaged.raw, raw);
            assert!(damaged.message.contains(expected), "{}", damaged.message);
            let state = run(&s);
            assert_eq!(state.work.stage, Some(0));
            assert_eq!(state.error(), Some(damaged.message));
        }
        assert_eq!(startup("", None, Some("  ")), Startup::default());
        assert_eq!(startup("", None, None), Startup::default());
    }

    #[test]
    fn this_tabs_copy_wins_over_the_latest_of_any_tab() {
        let mine = Saved::of(&edited(1)).to_json();
        let theirs = Saved::of(&edited(3)).to_json();
        let state = run(&startup("", Some(&mine), Some(&theirs)));
        assert_eq!(
            state.work.topology.nodes.len(),
            edited(1).work.topology.nodes.len()
        );
        // A damaged tab copy falls back to the latest.
        let state = run(&startup("", Some("{"), Some(&theirs)));
        assert_eq!(
            state.work.topology.nodes.len(),
            edited(3).work.topology.nodes.len()
        );
    }

    #[test]
    fn a_saved_file_without_a_session_opens_and_a_bad_session_is_dropped() {
        let document = edited(2).document();
        let saved = Saved::from_json(&document.to_json());
        assert_eq!(
            saved,
            Ok(Saved {
                document: document.clone(),
                session: None
            })
        );
        let mut value = document.to_value();
        value["session"] = serde_json::json!({"log": "nonsense"});
        let saved = Saved::from_json(&value.to_string()).map(|s| s.session);
        assert_eq!(saved, Ok(None));
        // Open reads an autosave like a file.
        assert!(Document::from_json(&Saved::of(&edited(2)).to_json()).is_ok());
    }

    #[test]
    fn a_sessions_value_is_the_one_serde_gives() {
        use crate::sim::engine::Input;
        use crate::sim::trace::{RequestKind, RequestSpec};
        let state = edited(2);
        let mut session = state.session();
        let floats = [
            1_764_680_000_000.0,
            0.1 + 0.2,
            -0.0,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            1.0 / 3.0,
            2.5e15,
            f64::NAN,
            f64::INFINITY,
        ];
        for (i, at) in floats.into_iter().enumerate() {
            session.saved_at = (i > 0).then_some(at);
            session.request = (i % 2 == 0).then(|| RequestSpec {
                kind: RequestKind::Write,
                https: i % 3 == 0,
                key: u64::MAX - i as u64,
            });
            session.log.push((
                SimTime::from_micros(u64::MAX - i as u64),
                match i % 4 {
                    0 => Input::CutLink {
                        from: format!("a\"\\\u{1}{i}"),
                        to: "é✓".to_owned(),
                    },
                    1 => Input::SlowHost {
                        host: "h".to_owned(),
                        factor: u32::MAX,
                    },
                    2 => Input::HostDown("\n".to_owned()),
                    _ => Input::Send(RequestSpec::new(RequestKind::Static, true)),
                },
            ));
            session.shown = Some((usize::MAX, (i % 2 == 1).then_some(i)));
            session.stage = Some(u8::MAX);
            session.load_test = (i % 2 == 0).then(|| "rps=5".to_owned());
            let expected = serde_json::to_value(&session).ok();
            assert_eq!(session.to_value(), expected, "{at}");
            let saved = Saved {
                document: state.document(),
                session: Some(session.clone()),
            };
            let mut value = saved.document.to_value();
            value[SESSION_KEY] = expected.unwrap_or_default();
            assert_eq!(saved.to_json(), value.to_string());
        }
    }

    #[test]
    fn pruning_keeps_the_newest_and_the_current() {
        let entries: Vec<(String, f64)> = (0..9).map(|i| (format!("w{i}"), f64::from(i))).collect();
        let pruned = to_prune(&entries, "w0", 6);
        assert_eq!(pruned, vec!["w3", "w2", "w1"]);
        assert!(to_prune(&entries[..6], "w0", 6).is_empty());
        assert_eq!(to_prune(&entries[..7], "nope", 6), vec!["w0"]);
    }

    #[test]
    fn ages_read_as_words() {
        for (seconds, expected) in [
            (5.0, "just now"),
            (125.0, "2 min ago"),
            (7300.0, "2 h ago"),
            (86400.0, "1 day ago"),
            (3.0 * 86400.0, "3 days ago"),
            (-10.0, "just now"),
        ] {
            assert_eq!(ago(1.0e12 + seconds * 1000.0, 1.0e12), expected);
        }
    }
}
