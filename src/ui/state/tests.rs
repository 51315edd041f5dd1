use super::*;
use crate::sim::engine::Input;
use crate::sim::findings;
use crate::sim::time::{SimDuration, SimTime};
use crate::sim::trace::{HopKind, Outcome, RequestKind, RequestSpec, Trace};
use crate::ui::address::parse_fragment;
use crate::ui::load_run::LoadSettings;

#[track_caller]
fn check(actions: &[Action], stage: Option<u8>, n_nodes: usize, error: Option<&str>) {
    let state = after(actions);
    assert_eq!(state.work.stage, stage);
    assert_eq!(state.work.topology.nodes.len(), n_nodes);
    assert_eq!(state.work.layout.boxes.len(), n_nodes);
    assert_eq!(state.error().as_deref(), error);
}

fn after(actions: &[Action]) -> AppState {
    let mut state = AppState::default();
    for action in actions {
        state.apply(action.clone());
    }
    state
}

fn send(kind: RequestKind, https: bool) -> Action {
    Action::World(WorldAction::Send(RequestSpec::new(kind, https)))
}

fn backend(trace: &Trace) -> Option<&str> {
    match &trace.outcome {
        Some(Outcome::Served { backend, .. }) => backend.as_deref(),
        _ => None,
    }
}

#[test]
fn starts_on_stage_0() {
    check(&[], Some(0), 3, None);
    let state = AppState::default();
    assert!(state.world.log.is_empty());
    assert_eq!(state.world.clock, SimTime::ZERO);
    assert!(state.world.run.traces.is_empty());
}

#[test]
fn selecting_a_stage_replaces_design_and_layout() {
    check(
        &[Action::Work(WorkAction::SelectStage(3))],
        Some(3),
        10,
        None,
    );
    check(
        &[
            Action::Work(WorkAction::SelectStage(2)),
            Action::Work(WorkAction::SelectStage(1)),
        ],
        Some(1),
        5,
        None,
    );
}

#[test]
fn a_fragment_carries_load_settings_and_bad_ones_are_reported() {
    let settings = LoadSettings {
        rps: 900.0,
        ..LoadSettings::default()
    };
    let fragment = format!("#stage=2&{}&tab=load", settings.to_fragment());
    let state = after(&parse_fragment(&fragment).actions());
    assert_eq!(state.load_test.settings, Some(settings));
    assert_eq!(
        (state.work.stage, state.view.tab, state.error()),
        (Some(2), Tab::LoadTest, None)
    );
    let state = after(&parse_fragment("#stage=2&load=rps:lots").actions());
    assert_eq!(state.load_test.settings, None);
    let error = state.error().unwrap_or_default();
    assert!(
        error.starts_with("the link's load settings were not used"),
        "{error}"
    );
}

#[test]
fn fragment_opens_the_stage_sends_and_plays_from_a_hop() {
    let state = after(&parse_fragment("#stage=3&send=https-read&hop=12").actions());
    assert_eq!(state.work.stage, Some(3));
    assert_eq!(state.world.run.traces.len(), 1);
    assert_eq!(state.playback.hop, Some(11));
    assert!(state.playback.playing);
    let state = after(&parse_fragment("#stage=2&hop=3").actions());
    assert_eq!(state.work.stage, Some(2));
    assert!(state.world.run.traces.is_empty(), "no send, no hop");
    let state = after(&parse_fragment("#stage=1&send=http-read&hop=999").actions());
    assert_eq!(
        state.playback.hop,
        Some(0),
        "a hop past the end plays from the start"
    );
}

#[test]
fn unknown_stage_is_refused_and_keeps_the_design() {
    check(
        &[
            Action::Work(WorkAction::SelectStage(2)),
            Action::Work(WorkAction::SelectStage(9)),
        ],
        Some(2),
        6,
        Some("there is no stage 9; stages go from 0 to 3"),
    );
    check(
        &[
            Action::Work(WorkAction::SelectStage(9)),
            Action::Work(WorkAction::SelectStage(1)),
        ],
        Some(1),
        5,
        None,
    );
}

#[test]
fn sending_logs_the_input_moves_the_clock_and_plays_the_trace() {
    let state = after(&[
        Action::Work(WorkAction::SelectStage(1)),
        send(RequestKind::Static, false),
    ]);
    assert_eq!(state.world.log.len(), 1);
    assert_eq!(state.world.log[0].0, SimTime::ZERO);
    let trace = &state.world.run.traces[0];
    assert_eq!(Some(state.world.clock), trace.finished_at);
    assert_eq!(state.playback.trace, Some(0));
    assert_eq!(state.playback.hop, Some(0));
    assert!(state.playback.playing);
    assert_eq!(state.current_place(), Some("dns"));
    let second = after(&[
        Action::Work(WorkAction::SelectStage(1)),
        send(RequestKind::Static, false),
        send(RequestKind::Static, false),
    ]);
    assert_eq!(
        second.world.log[1].0, state.world.clock,
        "the next send happens at the clock"
    );
    let backends: Vec<Option<&str>> = second.world.run.traces.iter().map(backend).collect();
    assert_eq!(backends, [Some("server-01.nginx"), Some("server-02.nginx")]);
    assert_eq!(second.playback.trace, Some(1));
}

#[test]
fn clicking_the_browser_sends_the_chosen_request() {
    let state = after(&[
        Action::Work(WorkAction::SelectStage(3)),
        Action::World(WorldAction::SetRequestKind(RequestKind::Write)),
        Action::World(WorldAction::SetHttps(true)),
        Action::View(ViewAction::Select(Selection::Node("client".into()))),
    ]);
    assert_eq!(state.view.selection, None);
    assert_eq!(state.world.run.traces.len(), 1);
    assert_eq!(
        state.world.run.traces[0].spec,
        RequestSpec::new(RequestKind::Write, true)
    );
    let state = after(&[Action::View(ViewAction::Select(Selection::Node(
        "server-01".into(),
    )))]);
    assert_eq!(
        state.view.selection,
        Some(Selection::Node("server-01".into()))
    );
    assert!(state.world.run.traces.is_empty());
}

#[test]
fn stepping_moves_the_cursor_within_the_trace_and_pauses() {
    let mut state = after(&[
        Action::Work(WorkAction::SelectStage(0)),
        send(RequestKind::Static, false),
    ]);
    let n = state.world.run.traces[0].hops.len();
    state.apply(Action::Playback(PlaybackAction::StepForward));
    assert_eq!(state.playback.hop, Some(1));
    assert!(!state.playback.playing);
    state.apply(Action::Playback(PlaybackAction::StepBack));
    state.apply(Action::Playback(PlaybackAction::StepBack));
    assert_eq!(state.playback.hop, None);
    state.apply(Action::Playback(PlaybackAction::StepBack));
    assert_eq!(state.playback.hop, None);
    assert_eq!(state.current_place(), None);
    for _ in 0..n + 3 {
        state.apply(Action::Playback(PlaybackAction::StepForward));
    }
    assert_eq!(state.playback.hop, Some(n - 1));
    state.apply(Action::Playback(PlaybackAction::ShowHop(2)));
    assert_eq!(state.playback.hop, Some(2));
    state.apply(Action::Playback(PlaybackAction::ShowHop(n)));
    assert_eq!(state.playback.hop, Some(2), "out of range is ignored");
    state.apply(Action::Playback(PlaybackAction::Reset));
    assert_eq!(state.playback.hop, None);
}

#[test]
fn playing_advances_hop_by_hop_and_stops_at_the_end() {
    let mut state = after(&[
        Action::Work(WorkAction::SelectStage(0)),
        send(RequestKind::Static, false),
    ]);
    let n = state.world.run.traces[0].hops.len();
    state.apply(Action::Playback(PlaybackAction::Advance {
        trace: 0,
        hop: 1,
    }));
    assert_eq!(state.playback.hop, Some(0), "a stale frame is ignored");
    for hop in 0..n {
        state.apply(Action::Playback(PlaybackAction::Advance { trace: 0, hop }));
    }
    assert_eq!(state.playback.hop, Some(n - 1));
    assert!(!state.playback.playing);
    state.apply(Action::Playback(PlaybackAction::TogglePlay));
    assert!(state.playback.playing);
    assert_eq!(state.playback.hop, Some(0), "play at the end starts over");
    state.apply(Action::Playback(PlaybackAction::TogglePlay));
    assert!(!state.playback.playing);
    state.apply(Action::Playback(PlaybackAction::Advance {
        trace: 0,
        hop: 0,
    }));
    assert_eq!(state.playback.hop, Some(0), "nothing moves while paused");
    state.apply(Action::Playback(PlaybackAction::SetSpeed(Speed::Quadruple)));
    assert_eq!(state.playback.speed.factor(), 4.0);
}

#[test]
fn play_without_a_request_does_nothing() {
    let state = after(&[Action::Playback(PlaybackAction::Play)]);
    assert!(!state.playback.playing);
    assert_eq!(state.playback.trace, None);
}

#[test]
fn show_trace_picks_an_earlier_request_paused_at_its_end() {
    let state = after(&[
        Action::Work(WorkAction::SelectStage(1)),
        send(RequestKind::Static, false),
        send(RequestKind::Read, false),
        Action::Playback(PlaybackAction::ShowTrace(0)),
    ]);
    assert_eq!(state.playback.trace, Some(0));
    let n = state.world.run.traces[0].hops.len();
    assert_eq!(state.playback.hop, Some(n - 1));
    assert_eq!(state.current_place(), Some("client"));
    assert!(!state.playback.playing);
}

#[test]
fn a_crashed_server_is_skipped_after_the_health_checks_notice() {
    let mut actions = vec![
        Action::Work(WorkAction::SelectStage(1)),
        Action::World(WorldAction::Apply(Input::HostDown("server-01".into()))),
        Action::World(WorldAction::Wait(SimDuration::from_secs(20))),
    ];
    actions.extend((0..4).map(|_| send(RequestKind::Static, false)));
    let state = after(&actions);
    assert_eq!(state.error(), None);
    assert!(state.world.run.is_down("server-01"));
    let backends: Vec<Option<&str>> = state.world.run.traces.iter().map(backend).collect();
    assert_eq!(backends, [Some("server-02.nginx"); 4]);
    let marks = state.marks();
    assert!(marks.down.contains("server-01"));
    assert_eq!(
        marks.chips.get("server-01.nginx"),
        Some(&Chip {
            up: false,
            served: 0
        })
    );
    assert!(
        marks
            .last_picks
            .contains(&("lb-01.haproxy".into(), "server-02.nginx".into()))
    );
}

#[test]
fn waiting_moves_the_clock() {
    let state = after(&[
        Action::World(WorldAction::Wait(SimDuration::from_secs(1))),
        Action::World(WorldAction::Wait(SimDuration::from_secs(10))),
    ]);
    assert_eq!(state.world.clock, SimTime::from_secs(11));
    assert!(state.world.log.is_empty());
}

#[test]
fn write_then_read_at_once_is_stale_on_stage_1() {
    let state = after(&[
        Action::Work(WorkAction::SelectStage(1)),
        send(RequestKind::Write, false),
        send(RequestKind::Read, false),
    ]);
    assert!(matches!(
        state.world.run.traces[1].outcome,
        Some(Outcome::Served { stale: true, .. })
    ));
}

#[test]
fn unknown_inputs_are_refused_and_the_log_is_kept() {
    let state = after(&[
        Action::Work(WorkAction::SelectStage(1)),
        Action::World(WorldAction::Apply(Input::HostDown("web-09".into()))),
    ]);
    assert_eq!(state.error().as_deref(), Some("there is no host 'web-09'"));
    assert!(state.world.log.is_empty());
    let state = after(&[
        Action::Work(WorkAction::SelectStage(1)),
        Action::World(WorldAction::Apply(Input::CutLink {
            from: "lb-01.haproxy".into(),
            to: "server-01.nginx".into(),
        })),
    ]);
    assert_eq!(state.error(), None);
    assert!(
        state
            .marks()
            .cut
            .contains(&("lb-01.haproxy".to_owned(), "server-01.nginx".to_owned()))
    );
}

#[test]
fn selecting_a_stage_starts_a_new_log() {
    let state = after(&[
        Action::Work(WorkAction::SelectStage(1)),
        send(RequestKind::Static, false),
        Action::View(ViewAction::Select(Selection::Service(
            "server-01.nginx".into(),
        ))),
        Action::Playback(PlaybackAction::SetSpeed(Speed::Double)),
        Action::Work(WorkAction::SelectStage(2)),
    ]);
    assert!(state.world.log.is_empty());
    assert!(state.world.run.traces.is_empty());
    assert_eq!(state.world.clock, SimTime::ZERO);
    assert_eq!(state.view.selection, None);
    assert_eq!(state.playback.trace, None);
    assert_eq!(state.playback.speed, Speed::Double, "speed is a preference");
}

#[test]
fn stage_2_over_http_is_redirected_to_https() {
    let state = after(&[
        Action::Work(WorkAction::SelectStage(2)),
        send(RequestKind::Static, false),
    ]);
    let trace = &state.world.run.traces[0];
    assert_eq!(
        trace.hops.last().map(|h| h.kind),
        Some(HopKind::Response),
        "{trace:?}"
    );
    assert!(
        trace.hops.iter().any(|h| h.reason
            == "lb-01.haproxy answers plain HTTP with 301: HTTPS only, redirected to \
                https://www.foobar.com/static/logo.png"),
        "{trace:?}"
    );
    match &trace.outcome {
        Some(Outcome::Served {
            status: 301,
            backend: None,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_current_hop_is_marked_on_the_diagram() {
    let mut state = after(&[
        Action::Work(WorkAction::SelectStage(3)),
        send(RequestKind::Read, true),
    ]);
    assert_eq!(state.marks().current.as_deref(), Some("dns"));
    let vrrp = state.world.run.traces[0]
        .hops
        .iter()
        .position(|h| h.kind == HopKind::Vrrp)
        .expect("a VRRP hop");
    state.apply(Action::Playback(PlaybackAction::ShowHop(vrrp)));
    assert_eq!(state.marks().current.as_deref(), Some("vip"));
    assert_eq!(
        state.marks().vip_holders.get("vip"),
        Some(&Some("lb-01".to_owned()))
    );
}

fn finding_ids(state: &AppState) -> Vec<&str> {
    state
        .analysis
        .findings
        .iter()
        .map(|f| f.id.as_str())
        .collect()
}

#[test]
fn findings_follow_the_design() {
    let state = AppState::default();
    assert!(finding_ids(&state).contains(&"spof:server-01"));
    let state = after(&[Action::Work(WorkAction::SelectStage(1))]);
    let ids = finding_ids(&state);
    assert_eq!(ids.len(), 12, "{ids:?}");
    assert_eq!(
        &ids[..4],
        [
            "no-firewall:lb-01",
            "no-https",
            "spof:lb-01",
            "spof:server-01.mysql"
        ]
    );
    let state = after(&[
        Action::Work(WorkAction::SelectStage(1)),
        Action::Work(WorkAction::SelectStage(3)),
    ]);
    let ids = finding_ids(&state);
    assert!(!ids.contains(&"spof:lb-01"), "{ids:?}");
    assert_eq!(ids, ["spof:app-01", "spof:db-01", "plaintext-after-tls"]);
}

#[test]
fn proving_the_lb_spof_shows_requests_failing() {
    let mut state = after(&[
        Action::Work(WorkAction::SelectStage(1)),
        send(RequestKind::Static, false),
    ]);
    let log = state.world.log.clone();
    state.apply(Action::Analysis(AnalysisAction::Prove("spof:lb-01".into())));
    let result = state.analysis.proofs.get("spof:lb-01").expect("a result");
    assert!(result.shown, "{result:#?}");
    assert!(
        result.summary.contains("lb-01 went down"),
        "{}",
        result.summary
    );
    assert!(
        result.summary.ends_with("0 of 4 served"),
        "{}",
        result.summary
    );
    assert_eq!(
        state.world.log, log,
        "a proof runs apart from the page's log"
    );
    assert_eq!(state.error(), None);
    state.apply(Action::Work(WorkAction::SelectStage(2)));
    assert!(
        state.analysis.proofs.is_empty(),
        "a new design forgets the old proofs"
    );
}

#[test]
fn proving_what_is_not_there_is_refused() {
    let mut state = after(&[Action::Work(WorkAction::SelectStage(1))]);
    state.apply(Action::Analysis(AnalysisAction::Prove(
        "spof:nobody".into(),
    )));
    assert_eq!(
        state.error().as_deref(),
        Some("there is no finding 'spof:nobody' in this design")
    );
    state.apply(Action::Analysis(AnalysisAction::Prove(
        "all-in-one:server-01".into(),
    )));
    assert_eq!(
        state.error().as_deref(),
        Some("the finding 'all-in-one:server-01' has nothing to prove")
    );
    assert!(state.analysis.proofs.is_empty());
}

#[test]
fn a_hovered_or_focused_finding_flags_its_nodes() {
    let mut state = after(&[Action::Work(WorkAction::SelectStage(1))]);
    assert!(state.marks().flagged.is_empty());
    state.apply(Action::Analysis(AnalysisAction::HoverFinding(Some(
        "spof:lb-01".into(),
    ))));
    assert_eq!(
        state.marks().flagged.iter().collect::<Vec<_>>(),
        ["lb-01", "lb-01.haproxy"]
    );
    state.apply(Action::Analysis(AnalysisAction::FocusFinding(Some(
        "no-agent:server-02".into(),
    ))));
    state.apply(Action::Analysis(AnalysisAction::HoverFinding(None)));
    assert_eq!(
        state.marks().flagged.iter().collect::<Vec<_>>(),
        ["server-02"]
    );
    state.apply(Action::Analysis(AnalysisAction::HoverFinding(Some(
        "not-a-finding".into(),
    ))));
    assert_eq!(state.marks().flagged.len(), 1, "unknown ids flag nothing");
    state.apply(Action::Work(WorkAction::SelectStage(3)));
    assert!(state.marks().flagged.is_empty());
}

#[test]
fn a_load_adds_the_capacity_finding_and_keeps_unrelated_proofs() {
    let mut state = after(&[
        Action::Work(WorkAction::SelectStage(3)),
        Action::Analysis(AnalysisAction::Prove("spof:db-01".into())),
    ]);
    assert!(
        !finding_ids(&state)
            .iter()
            .any(|id| id.starts_with("capacity:"))
    );
    state.apply(Action::Analysis(AnalysisAction::SetCapacityRps(Some(
        100_000,
    ))));
    let capacity = state
        .analysis
        .findings
        .iter()
        .find(|f| f.id.starts_with("capacity:"))
        .expect("a capacity finding");
    assert_eq!(
        capacity.severity,
        findings::Severity::Error,
        "{capacity:#?}"
    );
    assert!(state.analysis.proofs.contains_key("spof:db-01"));
    state.apply(Action::Analysis(AnalysisAction::SetCapacityRps(Some(0))));
    assert_eq!(state.analysis.capacity_rps, None);
    assert!(
        !finding_ids(&state)
            .iter()
            .any(|id| id.starts_with("capacity:"))
    );
}

#[test]
fn tabs_and_files_are_remembered_across_stages() {
    let state = after(&[
        Action::View(ViewAction::ShowTab(Tab::Export)),
        Action::View(ViewAction::ShowFile("lb-01/haproxy.cfg".into())),
        Action::Work(WorkAction::SelectStage(3)),
    ]);
    assert_eq!(state.view.tab, Tab::Export);
    assert_eq!(state.view.export_file.as_deref(), Some("lb-01/haproxy.cfg"));
    assert_eq!(parse_fragment("#stage=2&tab=reach").tab, Some(Tab::Reach));
    assert_eq!(parse_fragment("#tab=nope").tab, None);
    let state = after(&parse_fragment("#stage=1&tab=findings").actions());
    assert_eq!((state.work.stage, state.view.tab), (Some(1), Tab::Findings));
    for tab in Tab::ALL {
        assert_eq!(Tab::from_key(tab.key()), Some(tab));
    }
}

#[test]
fn a_load_run_is_kept_and_bad_settings_keep_the_previous_one() {
    use crate::ui::load_run::{LoadSettings, Step, StepKind};
    let settings = LoadSettings {
        rps: 100.0,
        seconds: 5.0,
        steps: vec![Step {
            at_s: 2.0,
            kind: StepKind::HostDown,
            target: "server-01".into(),
        }],
        ..LoadSettings::default()
    };
    let mut state = after(&[
        Action::Work(WorkAction::SelectStage(1)),
        Action::LoadTest(LoadTestAction::Run(settings.clone())),
    ]);
    assert_eq!(state.error(), None);
    let first = state.load_test.last.clone().expect("a run");
    assert_eq!(first.total_sent, 500);
    assert_eq!(first.settings.as_ref(), Some(&settings));
    state.apply(Action::LoadTest(LoadTestAction::Run(LoadSettings {
        rps: -1.0,
        ..settings.clone()
    })));
    assert!(state.error().is_some());
    assert_eq!(state.load_test.last.as_ref(), Some(&first));
    state.apply(Action::LoadTest(LoadTestAction::Run(LoadSettings {
        rps: 1e9,
        ..settings
    })));
    assert!(
        state
            .error()
            .as_deref()
            .unwrap_or("")
            .contains("at most 200000")
    );
    assert_eq!(state.load_test.last.as_ref(), Some(&first));
    state.apply(Action::Work(WorkAction::SelectStage(2)));
    assert_eq!(state.load_test.last, None, "a run belongs to its design");
}

#[test]
fn a_pointer_move_shares_the_design_its_history_and_what_is_derived() {
    let move_by = |dx| {
        Action::Edit(EditAction::MoveBy {
            ids: vec!["lb-01".into()],
            dx,
            dy: 0.0,
        })
    };
    let mut state = after(&[
        Action::Work(WorkAction::SelectStage(3)),
        Action::World(WorldAction::Send(RequestSpec::new(RequestKind::Read, true))),
        // The first move of a drag keeps the version before it.
        move_by(8.0),
    ]);
    let before = state.clone();
    state.apply(move_by(8.0));
    assert!(state.work.topology.same(&before.work.topology));
    assert!(state.work.history.same(&before.work.history));
    assert!(state.world.log.same(&before.world.log));
    assert!(state.world.run.same(&before.world.run));
    assert!(state.analysis.findings.same(&before.analysis.findings));
    assert!(std::rc::Rc::ptr_eq(
        &state.shared_marks(),
        &before.shared_marks()
    ));
    assert!(!state.work.positions.same(&before.work.positions));
    assert_ne!(state.work.layout, before.work.layout, "the boxes follow");
    assert_ne!(state, before);
    state.apply(Action::Edit(EditAction::EndMove));
    state.apply(Action::Edit(EditAction::Undo));
    assert_eq!(
        *state.work.positions,
        *after(&[Action::Work(WorkAction::SelectStage(3))])
            .work
            .positions
    );
}

#[test]
fn a_drag_or_a_pan_is_under_way_until_it_ends_or_anything_else_happens() {
    use crate::ui::viewport::View;
    let view = |x| View {
        x,
        y: 0.0,
        zoom: 0.5,
    };
    let pan = |x| Action::View(ViewAction::Pan(view(x)));
    let mut state = after(&[Action::Work(WorkAction::SelectStage(1))]);
    assert!(!state.gesture_under_way());
    state.apply(pan(10.0));
    state.apply(pan(20.0));
    assert!(
        state.gesture_under_way(),
        "each step of a pan keeps it going"
    );
    assert_eq!(state.view.viewport, view(20.0));
    state.apply(Action::View(ViewAction::EndPan));
    assert!(!state.gesture_under_way());
    assert_eq!(
        state.view.viewport,
        view(20.0),
        "the view it ended on stays"
    );
    // A pan whose end never came (a pointerup lost outside the page) ends at the next action,
    // so the autosave is never left off.
    state.apply(pan(30.0));
    state.apply(Action::View(ViewAction::SetViewport(view(40.0))));
    assert!(!state.gesture_under_way());
    // A pan's steps obey the viewport's limits.
    state.apply(pan(f64::NAN));
    assert_eq!(state.view.viewport, view(40.0));
    state.apply(Action::View(ViewAction::Pan(View {
        zoom: 100.0,
        ..view(0.0)
    })));
    assert_eq!(state.view.viewport.zoom, crate::ui::viewport::MAX_ZOOM);
    // A drag of nodes too, until its end.
    state.apply(Action::Edit(EditAction::MoveBy {
        ids: vec!["lb-01".into()],
        dx: 8.0,
        dy: 0.0,
    }));
    assert!(state.gesture_under_way());
    state.apply(Action::Edit(EditAction::EndMove));
    assert!(!state.gesture_under_way());
}

#[test]
fn refusals_say_why_in_the_pages_words() {
    let mut state = after(&[Action::Work(WorkAction::NewDesign)]);
    for (action, words) in [
        (
            EditAction::DeleteSelected,
            "select something to delete first",
        ),
        (EditAction::Copy, "select one or more nodes to copy"),
        (EditAction::Paste, "copy something first"),
        (EditAction::Redo, "nothing to redo"),
    ] {
        state.apply(Action::Edit(action));
        assert_eq!(state.error().as_deref(), Some(words));
    }
    state.apply(Action::View(ViewAction::ShowTab(Tab::Findings)));
    assert!(state.refusal.is_some(), "a tab keeps the refusal shown");
    state.apply(Action::Edit(EditAction::Undo));
    assert_eq!(state.refusal, None, "a success clears it");
    state.apply(Action::Work(WorkAction::Open("{".into())));
    let error = state.error().unwrap_or_default();
    assert!(error.starts_with("could not open the file: "), "{error}");
}

/// Each stage opens with the request it is built to serve: HTTPS where the load balancer ends
/// TLS (stages 2 and 3), plain HTTP before; load runs and comparisons use the same choice.
#[test]
fn each_stage_opens_with_the_protocol_it_is_built_for_and_runs_share_it() {
    let mut state = AppState::default();
    for (stage, https) in [(0, false), (1, false), (2, true), (3, true)] {
        state.apply(Action::Work(WorkAction::SelectStage(stage)));
        assert_eq!(state.world.request.https, https, "stage {stage}");
    }
    state.apply(Action::World(WorldAction::SetHttps(false)));
    state.apply(Action::LoadTest(LoadTestAction::Compare {
        pair: "vrrp:vip".to_owned(),
    }));
    let comparison = state.load_test.comparison.clone().expect("compared");
    let settings = comparison.sides[0]
        .result
        .settings
        .clone()
        .expect("settings");
    assert!(!settings.https, "the comparison uses the page's choice");
    // Load settings from a link set the page's choice.
    let from_link = LoadSettings {
        https: true,
        ..LoadSettings::default()
    };
    state.apply(Action::LoadTest(LoadTestAction::SetSettings(from_link)));
    assert!(state.world.request.https);
}

/// "active" and "passive" come from keepalived's states at the moment shown, not from names:
/// after lb-01 crashes and the VRRP gap passes, lb-02 is the active one; in the active-active
/// copy both are active, each MASTER of its own address.
#[test]
fn active_and_passive_labels_follow_keepalived_at_the_moment_shown() {
    let roles = |state: &AppState| -> Vec<(String, String)> {
        state
            .marks()
            .vrrp_roles
            .iter()
            .map(|(h, r)| (h.clone(), r.clone()))
            .collect()
    };
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(h, r)| ((*h).to_owned(), (*r).to_owned()))
            .collect()
    };
    let mut state = after(&[Action::Work(WorkAction::SelectStage(3))]);
    assert_eq!(
        roles(&state),
        pairs(&[
            ("lb-01", "active · MASTER of 8.8.8.8"),
            ("lb-02", "passive · BACKUP")
        ])
    );
    state.apply(Action::World(WorldAction::Apply(Input::HostDown(
        "lb-01".into(),
    ))));
    state.apply(Action::World(WorldAction::Wait(SimDuration::from_secs(5))));
    assert_eq!(
        roles(&state),
        pairs(&[
            ("lb-01", "keepalived down"),
            ("lb-02", "active · MASTER of 8.8.8.8")
        ])
    );
    let mut state = after(&[Action::Work(WorkAction::SelectStage(3))]);
    state.apply(Action::Edit(EditAction::Change(
        crate::ui::edit::Edit::Share {
            pair: "vrrp:vip".to_owned(),
            to: crate::sim::redundancy::Sharing::ActiveActive,
        },
    )));
    assert_eq!(
        roles(&state),
        pairs(&[
            ("lb-01", "active · MASTER of 8.8.8.8"),
            ("lb-02", "active · MASTER of 8.8.8.9")
        ])
    );
}

/// A new drawing is shown whole: the first visit, a stage picked, a new design and a file or
/// link opened each ask the canvas to fit it (`fit` changes to a non-zero value); restored
/// work keeps its own pan and zoom (issue 15, item 6).
#[test]
fn a_new_drawing_asks_for_a_fit_and_restored_work_keeps_its_view() {
    let mut state = AppState::default();
    let mut seen = vec![state.view.fit];
    let file = crate::ui::session::Saved::of(&after(&[Action::Work(WorkAction::SelectStage(2))]))
        .to_json();
    for action in [
        Action::Work(WorkAction::SelectStage(3)),
        Action::Work(WorkAction::NewDesign),
        Action::Work(WorkAction::Open(file.clone())),
    ] {
        state.apply(action);
        seen.push(state.view.fit);
    }
    assert!(seen.iter().all(|&f| f > 0), "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] != w[1]), "{seen:?}");
    // A pan or an edit asks for nothing.
    let before = state.view.fit;
    state.apply(Action::Work(WorkAction::SelectStage(1)));
    let picked = state.view.fit;
    assert_ne!(picked, before);
    state.apply(Action::Edit(EditAction::DeleteSelected));
    assert_eq!(state.view.fit, picked);
    // Restored work with a view: its own pan and zoom stand.
    let saved = crate::ui::session::Saved::from_json(&file).expect("saved");
    assert!(saved.document.view.is_some());
    state.apply(Action::Work(WorkAction::Restore(Box::new(saved))));
    assert_eq!(state.view.fit, 0);
}

/// "Connect from here" (issue 15, item 7): the next node or service picked is the other end,
/// as if a port had been dragged onto it; Escape cancels; a refused connection says why. The
/// page's status line reads each step out.
#[test]
fn connect_from_here_makes_the_link_with_the_next_pick() {
    let links = |s: &AppState| s.work.topology.links.len();
    let mut state = after(&[Action::Work(WorkAction::SelectStage(3))]);
    let before = links(&state);
    state.apply(ViewAction::ConnectFrom("lb-01".into()).into());
    assert_eq!(state.view.connecting.as_deref(), Some("lb-01"));
    state.apply(ViewAction::Select(Selection::Node("lb-02".into())).into());
    assert_eq!(links(&state), before + 1);
    assert_eq!(state.view.connecting, None);
    assert_eq!(
        state.view.announce.as_deref(),
        Some("Connected lb-01 to lb-02.")
    );
    // One undo step, as a drag would be.
    state.apply(EditAction::Undo.into());
    assert_eq!(links(&state), before);
    // Escape cancels: nothing is connected, and the next pick only selects.
    state.apply(ViewAction::ConnectFrom("lb-01".into()).into());
    state.apply(ViewAction::ClearSelection.into());
    assert_eq!(state.view.connecting, None);
    assert_eq!(
        state.view.announce.as_deref(),
        Some("No connection made from lb-01.")
    );
    state.apply(ViewAction::Select(Selection::Node("lb-02".into())).into());
    assert_eq!(links(&state), before);
    assert_eq!(state.view.selection, Some(Selection::Node("lb-02".into())));
    // A refused connection keeps the design and says why.
    state.apply(ViewAction::ConnectFrom("web-01".into()).into());
    state.apply(ViewAction::Select(Selection::Node("web-01".into())).into());
    assert_eq!(links(&state), before);
    let told = state.view.announce.clone().unwrap_or_default();
    assert!(
        told.starts_with("No connection made from web-01 to web-01: "),
        "{told}"
    );
    assert!(state.error().is_some());
    // An unknown id is refused.
    state.apply(ViewAction::ConnectFrom("nope".into()).into());
    assert_eq!(state.view.connecting, None);
    assert!(state.error().is_some());
}
