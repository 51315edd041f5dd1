//! Invariants of the editing reducer over random action sequences (proptest): starting from any
//! stage, random adds, connections (sensible or not), renames, moves, deletions, copies,
//! pastes, requests, undos and redos.
//!
//! - nothing panics, and the design is always one the core accepts (`format::validate`);
//! - every node has a box, and only the design's nodes do;
//! - a refused action leaves the design, its layout and the undo history as they were;
//! - undoing every step gets back the design it started from, and redoing them all gets back
//!   the last one;
//! - the saved document opens to the same design and layout;
//! - start-up restores the same work from its autosave, whether it is this tab's copy or the
//!   latest of any tab, with every fragment the app itself writes ([`AppState::address`]).
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use stacksim::sim::format;
use stacksim::sim::time::SimDuration;
use stacksim::sim::trace::{RequestKind, RequestSpec};
use stacksim::ui::document::Document;
use stacksim::ui::edit::{Edit, Part};
use stacksim::ui::layout::Point;
use stacksim::ui::load_run::LoadSettings;
use stacksim::ui::session::{Saved, startup};
use stacksim::ui::state::{
    Action, AppState, EditAction, LoadTestAction, PlaybackAction, Selection, Tab, ViewAction,
    WorkAction, WorldAction,
};

#[derive(Clone, Debug)]
enum Step {
    Add(usize, f64, f64),
    AddTo(usize, usize),
    Connect(usize, usize),
    Move(usize, f64, f64),
    Rename(usize, String),
    Delete(usize),
    DeleteSelected(usize),
    CopyPaste(usize),
    Send,
    Undo,
    Redo,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..Part::ALL.len(), -50.0..2000.0f64, -50.0..2000.0f64)
            .prop_map(|(p, x, y)| Step::Add(p, x, y)),
        2 => (0usize..64, 0..Part::ALL.len()).prop_map(|(h, p)| Step::AddTo(h, p)),
        4 => (0usize..64, 0usize..64).prop_map(|(a, b)| Step::Connect(a, b)),
        2 => (0usize..64, -300.0..300.0f64, -300.0..300.0f64)
            .prop_map(|(n, dx, dy)| Step::Move(n, dx, dy)),
        1 => (0usize..64, "[a-z0-9.-]{0,8}").prop_map(|(n, s)| Step::Rename(n, s)),
        1 => (0usize..64).prop_map(Step::Delete),
        1 => (0usize..64).prop_map(Step::DeleteSelected),
        1 => (0usize..64).prop_map(Step::CopyPaste),
        1 => Just(Step::Send),
        2 => Just(Step::Undo),
        1 => Just(Step::Redo),
    ]
}

/// Every node and service id, in a stable order, for steps to pick from.
fn things(state: &AppState) -> Vec<String> {
    let mut out = Vec::new();
    for node in &state.work.topology.nodes {
        out.push(node.id.clone());
        if let stacksim::sim::topology::NodeKind::Host(host) = &node.kind {
            out.extend(host.services.iter().map(|s| s.id.clone()));
        }
    }
    out
}

fn pick(list: &[String], n: usize) -> String {
    if list.is_empty() {
        "nothing".to_owned()
    } else {
        list[n % list.len()].clone()
    }
}

fn actions(state: &AppState, step: &Step) -> Vec<Action> {
    let all = things(state);
    let nodes: Vec<String> = state
        .work
        .topology
        .nodes
        .iter()
        .map(|n| n.id.clone())
        .collect();
    match step {
        Step::Add(p, x, y) => vec![Action::Edit(EditAction::Add {
            part: Part::ALL[*p],
            at: Point { x: *x, y: *y },
        })],
        Step::AddTo(h, p) => vec![Action::Edit(EditAction::Change(Edit::AddTo {
            host: pick(&nodes, *h),
            part: Part::ALL[*p],
        }))],
        Step::Connect(a, b) => vec![Action::Edit(EditAction::Change(Edit::Connect {
            from: pick(&all, *a),
            to: pick(&all, *b),
        }))],
        Step::Move(n, dx, dy) => vec![
            Action::Edit(EditAction::MoveBy {
                ids: vec![pick(&nodes, *n)],
                dx: *dx,
                dy: *dy,
            }),
            Action::Edit(EditAction::EndMove),
        ],
        Step::Rename(n, to) => vec![Action::Edit(EditAction::Change(Edit::Rename {
            id: pick(&all, *n),
            to: to.clone(),
        }))],
        Step::Delete(n) => vec![Action::Edit(EditAction::Change(Edit::Delete(vec![pick(
            &all, *n,
        )])))],
        Step::DeleteSelected(n) => vec![
            Action::View(ViewAction::Select(Selection::Node(pick(&nodes, *n)))),
            Action::Edit(EditAction::DeleteSelected),
        ],
        Step::CopyPaste(n) => vec![
            Action::View(ViewAction::Pick(vec![
                pick(&nodes, *n),
                pick(&nodes, n / 2),
            ])),
            Action::Edit(EditAction::Copy),
            Action::Edit(EditAction::Paste),
        ],
        Step::Send => vec![Action::World(WorldAction::Send(RequestSpec::new(
            RequestKind::Read,
            false,
        )))],
        Step::Undo => vec![Action::Edit(EditAction::Undo)],
        Step::Redo => vec![Action::Edit(EditAction::Redo)],
    }
}

fn check_invariants(state: &AppState) -> Result<(), TestCaseError> {
    prop_assert_eq!(format::validate(&state.work.topology), Ok(()));
    let mut node_ids: Vec<&String> = state.work.topology.nodes.iter().map(|n| &n.id).collect();
    node_ids.sort();
    let boxes: Vec<&String> = state.work.layout.boxes.keys().collect();
    prop_assert_eq!(&node_ids, &boxes);
    let positions: Vec<&String> = state.work.positions.keys().collect();
    prop_assert_eq!(&node_ids, &positions);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn random_edits_keep_the_design_valid_and_undo_goes_all_the_way_back(
        stage in 0u8..=3,
        steps in prop::collection::vec(step(), 1..40),
    ) {
        let mut state = AppState::default();
        state.apply(Action::Work(WorkAction::SelectStage(stage)));
        state.work.history = Default::default();
        let start = (state.work.topology.clone(), state.work.positions.clone());
        for step in &steps {
            for action in actions(&state, step) {
                let before = (state.work.topology.clone(), state.work.positions.clone(), state.work.history.undo.len());
                let undoing = matches!(action, Action::Edit(EditAction::Undo) | Action::Edit(EditAction::Redo));
                state.refusal = None;
                state.apply(action);
                check_invariants(&state)?;
                if state.error().is_some() && !undoing {
                    // Refused: nothing changed.
                    prop_assert_eq!(&state.work.topology, &before.0);
                    prop_assert_eq!(&state.work.positions, &before.1);
                    prop_assert_eq!(state.work.history.undo.len(), before.2);
                }
            }
        }
        let end = (state.work.topology.clone(), state.work.positions.clone());
        let mut undone = 0;
        while !state.work.history.undo.is_empty() {
            state.apply(Action::Edit(EditAction::Undo));
            check_invariants(&state)?;
            undone += 1;
        }
        prop_assert_eq!(&(state.work.topology.clone(), state.work.positions.clone()), &start);
        for _ in 0..undone {
            state.apply(Action::Edit(EditAction::Redo));
        }
        prop_assert_eq!(&(state.work.topology.clone(), state.work.positions.clone()), &end);
        let saved = Document::from_json(&state.document().to_json());
        let saved = saved.map(|d| (d.topology, d.positions));
        prop_assert_eq!(saved, Ok(((*end.0).clone(), (*end.1).clone())));
    }

    #[test]
    fn start_up_restores_the_work_from_its_autosave_at_the_address_the_app_wrote(
        stage in 0u8..=3,
        steps in prop::collection::vec(step(), 0..16),
        tab in 0..Tab::ALL.len(),
        load in any::<bool>(),
        zoom in 0u8..4,
        shown in any::<Option<u8>>(),
        wait_ms in 0u64..20_000,
    ) {
        let mut state = AppState::new(7);
        state.apply(Action::Work(WorkAction::SelectStage(stage)));
        for step in &steps {
            for action in actions(&state, step) {
                state.apply(action);
            }
        }
        state.apply(Action::World(WorldAction::Send(RequestSpec::new(RequestKind::Write, true))));
        state.apply(Action::World(WorldAction::Wait(SimDuration::from_millis(wait_ms))));
        state.apply(Action::View(ViewAction::ShowTab(Tab::ALL[tab])));
        if load {
            let settings = LoadSettings { rps: 321.0, ..LoadSettings::default() };
            state.apply(Action::LoadTest(LoadTestAction::SetSettings(settings)));
        }
        for _ in 0..zoom {
            state.apply(Action::View(ViewAction::SetViewport(stacksim::ui::viewport::View {
                zoom: state.view.viewport.zoom * 1.25,
                ..state.view.viewport
            })));
        }
        if let Some(n) = shown {
            state.apply(Action::Playback(PlaybackAction::ShowTrace(usize::from(n) % state.world.run.traces.len().max(1))));
            state.apply(Action::Playback(PlaybackAction::StepBack));
        }
        let raw = Saved::of(&state).to_json();
        let fragment = format!("#{}", state.address());
        let mut other = AppState::new(9);
        other.apply(Action::Work(WorkAction::SelectStage((stage + 1) % 4)));
        let other = Saved::of(&other).to_json();
        for (tab_copy, latest) in [(Some(&raw), None), (None, Some(&raw)), (Some(&raw), Some(&other))] {
            let start = startup(&fragment, tab_copy.map(String::as_str), latest.map(String::as_str));
            prop_assert!(start.link.is_empty(), "a reload opened a link: {:?}", start.link);
            let mut back = AppState::new(8);
            for action in start.restore {
                back.apply(action);
            }
            prop_assert_eq!(&back.work.topology, &state.work.topology);
            prop_assert_eq!(&back.work.positions, &state.work.positions);
            prop_assert_eq!(back.view.viewport, state.view.viewport);
            prop_assert_eq!(back.work.stage, state.work.stage);
            prop_assert_eq!(back.view.tab, state.view.tab);
            prop_assert_eq!(&back.world.log, &state.world.log);
            prop_assert_eq!(back.world.clock, state.world.clock);
            prop_assert_eq!(back.world.request, state.world.request);
            prop_assert_eq!(&back.load_test.settings, &state.load_test.settings);
            prop_assert_eq!(&back.work.id, &state.work.id);
            prop_assert_eq!(back.playback.trace, state.playback.trace);
            prop_assert_eq!(back.playback.hop, state.playback.hop);
            prop_assert_eq!(back.address(), state.address());
            prop_assert_eq!(back.work.notice, None);
        }
    }
}
