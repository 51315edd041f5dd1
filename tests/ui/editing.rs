//! Editing a design through the reducer: every edit action, undo and redo, refused connections,
//! documents and share links. Native and in the browsers (plain Rust, no DOM).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::net::Ipv4Addr;

use stacksim::sim::engine::Input;
use stacksim::sim::presets;
use stacksim::sim::topology::{DbRole, NodeKind, ServiceKind, Topology};
use stacksim::sim::trace::{Outcome, RequestKind, RequestSpec};
use stacksim::ui::document::Document;
use stacksim::ui::edit::{self, Edit, EditError, Part};
use stacksim::ui::layout::Point;
use stacksim::ui::state::{
    Action, AppState, EditAction, Selection, ViewAction, WorkAction, WorldAction,
};

fn stage(n: u8) -> Topology {
    presets::topology(n).unwrap_or_else(|| panic!("stage {n}"))
}

fn after(actions: impl IntoIterator<Item = Action>) -> AppState {
    let mut state = AppState::default();
    for action in actions {
        state.apply(action);
    }
    state
}

fn at(x: f64, y: f64) -> Point {
    Point { x, y }
}

fn connect(from: &str, to: &str) -> Action {
    Action::Edit(EditAction::Change(Edit::Connect {
        from: from.to_owned(),
        to: to.to_owned(),
    }))
}

#[track_caller]
fn refused(topology: &Topology, edit: Edit, expected: &str) {
    match edit::apply(topology, &edit) {
        Ok(_) => panic!("{edit:?} was accepted"),
        Err(err) => assert!(err.to_string().contains(expected), "{edit:?}: {err}"),
    }
}

#[test]
fn nonsense_connections_are_refused_with_the_reason() {
    let t = stage(3);
    let cases: &[(&str, &str, &str)] = &[
        ("db-01.mysql", "lb-01.haproxy", "MySQL answers queries"),
        ("web-01.nginx", "web-01.nginx", "to itself"),
        ("lb-01.haproxy", "web-01.nginx", "exists already"),
        ("lb-01.haproxy", "app-01.app", "put Nginx between them"),
        ("web-01.nginx", "db-01.mysql", "does not speak MySQL"),
        ("web-01.nginx", "lb-02.haproxy", "from the internet"),
        ("client", "dns", "finds the site through DNS"),
        ("web-01.nginx", "web-02.nginx", "not to another Nginx"),
        ("vip", "web-01", "runs no HAProxy"),
        ("nowhere", "web-01", "no 'nowhere'"),
        ("web-01", "dns", "drag from the DNS zone"),
    ];
    for (from, to, expected) in cases {
        refused(
            &t,
            Edit::Connect {
                from: (*from).to_owned(),
                to: (*to).to_owned(),
            },
            expected,
        );
    }
}

#[test]
fn connections_mean_what_they_join() {
    let t = stage(1);
    // Host to host: the first pair of services that makes sense.
    let mut with_web = edit::apply(&t, &Edit::Add(Part::Nginx)).unwrap_or_else(|e| panic!("{e}"));
    let web = "web-01";
    with_web = edit::apply(
        &with_web,
        &Edit::Connect {
            from: "lb-01".to_owned(),
            to: web.to_owned(),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        with_web
            .links
            .iter()
            .any(|l| l.from == "lb-01.haproxy" && l.to == "web-01.nginx")
    );
    // A host and the collector: an agent.
    let mut t3 = stage(3);
    t3.nodes.retain(|n| n.id != "collector");
    for node in &mut t3.nodes {
        if let NodeKind::Host(h) = &mut node.kind {
            h.agent = None;
        }
    }
    let t3 = edit::apply(&t3, &Edit::Add(Part::Collector)).unwrap_or_else(|e| panic!("{e}"));
    let t3 = edit::apply(
        &t3,
        &Edit::Connect {
            from: "collector".to_owned(),
            to: "db-01.mysql".to_owned(),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let agent = t3
        .hosts()
        .find(|(n, _)| n.id == "db-01")
        .and_then(|(_, h)| h.agent.clone());
    assert_eq!(agent.map(|a| a.collector), Some("collector".to_owned()));
    // Two databases: replication from the first to the second.
    let t0 = edit::apply(&stage(0), &Edit::Add(Part::Mysql)).unwrap_or_else(|e| panic!("{e}"));
    let t0 = edit::apply(
        &t0,
        &Edit::Connect {
            from: "server-01.mysql".to_owned(),
            to: "db-01.mysql".to_owned(),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let role = t0.service("db-01.mysql").map(|(_, s)| s.kind.clone());
    assert!(
        matches!(role, Some(ServiceKind::Database(db)) if matches!(&db.role, DbRole::Replica { source, .. } if source == "server-01.mysql")),
    );
    refused(
        &t0,
        Edit::Connect {
            from: "db-01.mysql".to_owned(),
            to: "server-01.mysql".to_owned(),
        },
        "round in a circle",
    );
}

#[test]
fn the_dns_zone_points_www_at_what_it_is_joined_to() {
    let t = edit::apply(&stage(3), &Edit::Add(Part::Haproxy)).unwrap_or_else(|e| panic!("{e}"));
    let ip = t
        .hosts()
        .find(|(n, _)| n.id == "lb-03")
        .map(|(_, h)| h.ip)
        .unwrap_or_else(|| panic!("lb-03"));
    let t = edit::apply(
        &t,
        &Edit::Connect {
            from: "dns".to_owned(),
            to: "lb-03.haproxy".to_owned(),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let www = t
        .dns()
        .and_then(|(_, z)| z.records.iter().find(|r| r.name == "www").cloned());
    assert_eq!(www.map(|r| r.address), Some(ip));
}

#[test]
fn delete_takes_what_refers_to_it_along() {
    let t = stage(3);
    let t = edit::apply(
        &t,
        &Edit::Delete(vec!["lb-01".to_owned(), "collector".to_owned()]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(t.node("lb-01").is_none());
    assert!(!t.links.iter().any(|l| l.from.starts_with("lb-01")));
    assert!(t.hosts().all(|(_, h)| h.agent.is_none()));
    let members: Vec<String> = t
        .nodes
        .iter()
        .filter_map(|n| match &n.kind {
            NodeKind::Vip(v) => Some(v.members.iter().map(|m| m.host.clone()).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(members, vec!["lb-02".to_owned()]);
    // A replica whose source is deleted becomes a primary.
    let t1 = edit::apply(&stage(1), &Edit::Delete(vec!["server-01.mysql".to_owned()]))
        .unwrap_or_else(|e| panic!("{e}"));
    let role = t1.service("server-02.mysql").map(|(_, s)| s.kind.clone());
    assert!(matches!(role, Some(ServiceKind::Database(db)) if db.role == DbRole::Primary));
}

#[test]
fn rename_and_move_keep_every_reference() {
    let t = edit::apply(
        &stage(3),
        &Edit::Rename {
            id: "web-01".to_owned(),
            to: "front-a".to_owned(),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(t.service("front-a.nginx").is_some());
    // Every reference follows: the links that named web-01's Nginx name front-a's, and the old
    // id is nowhere in the design any more but in free text (the host's display name, a firewall
    // rule's comment).
    let mentions = |t: &Topology, id: &str| -> Vec<String> {
        stacksim::sim::format::to_json(t)
            .lines()
            .filter(|l| l.contains(id) && !l.contains("\"name\":") && !l.contains("\"comment\":"))
            .map(str::to_owned)
            .collect()
    };
    let touching = |t: &Topology, id: &str| {
        t.links
            .iter()
            .filter(|l| l.from == id || l.to == id)
            .count()
    };
    assert_eq!(
        touching(&t, "front-a.nginx"),
        touching(&stage(3), "web-01.nginx")
    );
    assert_eq!(t.links.len(), stage(3).links.len());
    assert!(
        !mentions(&stage(3), "web-01").is_empty(),
        "the check sees ids"
    );
    assert_eq!(mentions(&t, "web-01"), Vec::<String>::new());
    refused(
        &t,
        Edit::Rename {
            id: "front-a".to_owned(),
            to: "web-02".to_owned(),
        },
        "is taken",
    );
    refused(
        &t,
        Edit::Rename {
            id: "front-a".to_owned(),
            to: "a b".to_owned(),
        },
        "an id must be",
    );
    let moved = edit::apply(
        &t,
        &Edit::MoveService {
            service: "front-a.nginx".to_owned(),
            to_host: "web-02".to_owned(),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(moved.service("front-a.nginx").is_none());
    let new_id = moved
        .service("web-02.nginx-2")
        .map(|(host, _)| host.id.clone());
    assert_eq!(new_id.as_deref(), Some("web-02"));
    assert_eq!(
        touching(&moved, "web-02.nginx-2"),
        touching(&t, "front-a.nginx")
    );
    assert_eq!(mentions(&moved, "front-a.nginx"), Vec::<String>::new());
}

#[test]
fn a_duplicate_address_is_refused_and_the_old_value_kept() {
    let t = stage(1);
    let mut node = t
        .node("server-01")
        .cloned()
        .unwrap_or_else(|| panic!("server-01"));
    let other = t
        .hosts()
        .find(|(n, _)| n.id == "server-02")
        .map(|(_, h)| h.ip)
        .unwrap_or_else(|| panic!("server-02"));
    if let NodeKind::Host(h) = &mut node.kind {
        h.ip = other;
    }
    let mut state = after([Action::Work(WorkAction::SelectStage(1))]);
    state.apply(Action::Edit(EditAction::Change(Edit::ReplaceNode(node))));
    assert!(
        state
            .error()
            .as_deref()
            .is_some_and(|e| e.contains("is already the address of server-02")),
        "{:?}",
        state.error()
    );
    assert_eq!(*state.work.topology, t);
    assert_eq!(state.work.stage, Some(1));
}

#[test]
fn every_edit_is_one_undo_step_and_redo_replays_it() {
    let mut state = after([Action::Work(WorkAction::SelectStage(1))]);
    let original = state.work.topology.clone();
    state.apply(Action::Edit(EditAction::Add {
        part: Part::Host,
        at: at(403.0, 41.0),
    }));
    assert_eq!(state.error(), None);
    assert_eq!(state.work.stage, None);
    assert_eq!(
        state.work.positions.get("server-03"),
        Some(&at(400.0, 40.0))
    );
    assert_eq!(
        state.view.selection,
        Some(Selection::Node("server-03".to_owned()))
    );
    let with_host = state.work.topology.clone();
    // A drag of three moves is one step.
    for _ in 0..3 {
        state.apply(Action::Edit(EditAction::MoveBy {
            ids: vec!["server-03".to_owned()],
            dx: 10.0,
            dy: 3.0,
        }));
    }
    state.apply(Action::Edit(EditAction::EndMove));
    assert_eq!(
        state.work.positions.get("server-03"),
        Some(&at(432.0, 48.0))
    );
    state.apply(Action::Edit(EditAction::Undo));
    assert_eq!(
        state.work.positions.get("server-03"),
        Some(&at(400.0, 40.0))
    );
    state.apply(Action::Edit(EditAction::Undo));
    assert_eq!(state.work.topology, original);
    assert_eq!(state.work.stage, Some(1));
    state.apply(Action::Edit(EditAction::Undo));
    assert_eq!(
        state.work.stage,
        Some(0),
        "the stage switch is undoable too"
    );
    state.apply(Action::Edit(EditAction::Redo));
    state.apply(Action::Edit(EditAction::Redo));
    assert_eq!(state.work.topology, with_host);
    state.apply(Action::Edit(EditAction::Redo));
    assert_eq!(
        state.work.positions.get("server-03"),
        Some(&at(432.0, 48.0))
    );
    state.apply(Action::Edit(EditAction::Redo));
    assert_eq!(state.error().as_deref(), Some("nothing to redo"));
    // A new edit forgets what was undone.
    state.apply(Action::Edit(EditAction::Undo));
    state.apply(Action::Edit(EditAction::Change(Edit::SetName(
        "Mine".to_owned(),
    ))));
    assert!(state.work.history.redo.is_empty());
}

#[test]
fn a_refused_edit_is_not_an_undo_step() {
    let mut state = after([Action::Work(WorkAction::SelectStage(3))]);
    let steps = state.work.history.undo.len();
    state.apply(connect("db-01.mysql", "lb-01.haproxy"));
    assert!(state.error().is_some());
    assert_eq!(state.work.history.undo.len(), steps);
    assert_eq!(state.work.stage, Some(3));
}

#[test]
fn delete_copy_and_paste_the_picked_nodes() {
    let mut state = after([Action::Work(WorkAction::SelectStage(3))]);
    state.apply(Action::View(ViewAction::Pick(vec![
        "web-01".to_owned(),
        "web-02".to_owned(),
    ])));
    assert_eq!(
        state.view.selection, None,
        "two picked: the inspector shows none"
    );
    state.apply(Action::Edit(EditAction::Copy));
    state.apply(Action::Edit(EditAction::Paste));
    assert!(state.work.topology.node("web-01-2").is_some());
    assert!(state.work.topology.node("web-02-2").is_some());
    let (p, q) = (
        state.work.positions["web-01"],
        state.work.positions["web-01-2"],
    );
    assert_eq!((q.x - p.x, q.y - p.y), (32.0, 32.0));
    assert_eq!(
        state.view.picked.iter().cloned().collect::<Vec<_>>(),
        vec!["web-01-2".to_owned(), "web-02-2".to_owned()]
    );
    state.apply(Action::Edit(EditAction::DeleteSelected));
    assert!(state.work.topology.node("web-01-2").is_none());
    assert_eq!(*state.work.topology, stage(3));
    // A selected link is deleted on its own.
    state.apply(Action::View(ViewAction::Select(Selection::Link {
        from: "web-01.nginx".to_owned(),
        to: "app-01.app".to_owned(),
    })));
    state.apply(Action::Edit(EditAction::DeleteSelected));
    assert_eq!(state.work.topology.links.len(), stage(3).links.len() - 1);
    state.apply(Action::Edit(EditAction::DeleteSelected));
    assert_eq!(
        state.error().as_deref(),
        Some("select something to delete first")
    );
}

#[test]
fn shift_click_adds_and_removes_picks() {
    let mut state = after([Action::Work(WorkAction::SelectStage(3))]);
    state.apply(Action::View(ViewAction::Select(Selection::Node(
        "web-01".to_owned(),
    ))));
    state.apply(Action::View(ViewAction::TogglePick("web-02".to_owned())));
    assert_eq!(state.view.picked.len(), 2);
    state.apply(Action::View(ViewAction::TogglePick("web-01".to_owned())));
    assert_eq!(
        state.view.selection,
        Some(Selection::Node("web-02".to_owned()))
    );
    state.apply(Action::View(ViewAction::TogglePick("ghost".to_owned())));
    assert_eq!(state.view.picked.len(), 1);
}

#[test]
fn editing_keeps_the_requests_sent_and_replays_them_on_the_new_design() {
    let read = RequestSpec::new(RequestKind::Read, false);
    let mut state = after([
        Action::Work(WorkAction::SelectStage(1)),
        Action::World(WorldAction::Send(read)),
        Action::World(WorldAction::Send(read)),
    ]);
    assert_eq!(state.world.run.traces.len(), 2);
    // Cutting server-02 out of the pool: both requests now go to server-01.
    state.apply(Action::Edit(EditAction::Change(Edit::DeleteLink {
        from: "lb-01.haproxy".to_owned(),
        to: "server-02.nginx".to_owned(),
    })));
    assert_eq!(state.world.run.traces.len(), 2);
    for trace in &state.world.run.traces {
        assert!(
            matches!(&trace.outcome, Some(Outcome::Served { backend: Some(b), .. }) if b == "server-01.nginx"),
            "{:?}",
            trace.outcome
        );
    }
    // An input naming what the design no longer has starts a new log.
    state.apply(Action::World(WorldAction::Apply(Input::HostDown(
        "server-02".to_owned(),
    ))));
    state.apply(Action::Edit(EditAction::Change(Edit::Delete(vec![
        "server-02".to_owned(),
    ]))));
    assert!(state.world.log.is_empty());
    assert_eq!(state.error(), None);
}

#[test]
fn stage_1_built_from_an_empty_canvas_simulates_like_the_preset() {
    let mut state = after([Action::Work(WorkAction::NewDesign)]);
    assert!(state.work.topology.nodes.is_empty());
    let add = |part| {
        Action::Edit(EditAction::Add {
            part,
            at: at(0.0, 0.0),
        })
    };
    let preset = stage(1);
    for action in [
        add(Part::Client),
        add(Part::Dns),
        add(Part::Haproxy),
        add(Part::Nginx),
        add(Part::Nginx),
    ] {
        state.apply(action);
        assert_eq!(state.error(), None);
    }
    for web in ["web-01", "web-02"] {
        for part in [Part::AppServer, Part::AppFiles, Part::Mysql] {
            state.apply(Action::Edit(EditAction::Change(Edit::AddTo {
                host: web.to_owned(),
                part,
            })));
        }
    }
    for action in [
        connect("dns", "lb-01"),
        connect("lb-01", "web-01"),
        connect("lb-01", "web-02"),
        connect("web-01.nginx", "web-01.app"),
        connect("web-02.nginx", "web-02.app"),
        connect("web-01.app", "web-01.mysql"),
        connect("web-02.app", "web-02.mysql"),
        connect("web-01.mysql", "web-02.mysql"),
        connect("web-02.app", "web-01.mysql"),
    ] {
        state.apply(action.clone());
        assert_eq!(state.error(), None, "{action:?}");
    }
    // The zone now points at the balancer's private 10.0.0.2, which the internet does not
    // route (the `private-address` finding says so): give the balancer the public address
    // 8.8.8.8 and point the zone at it again.
    assert!(
        state
            .analysis
            .findings
            .iter()
            .any(|f| f.id == "private-address"),
        "{:?}",
        state.analysis.findings
    );
    let mut lb = state.work.topology.node("lb-01").expect("lb-01").clone();
    if let NodeKind::Host(host) = &mut lb.kind {
        host.public_ip = Some(Ipv4Addr::new(8, 8, 8, 8));
    }
    state.apply(Action::Edit(EditAction::Change(Edit::ReplaceNode(lb))));
    state.apply(connect("dns", "lb-01"));
    assert_eq!(state.error(), None);
    assert!(
        !state
            .analysis
            .findings
            .iter()
            .any(|f| f.id == "private-address")
    );
    assert_eq!(state.work.topology.nodes.len(), preset.nodes.len());
    assert_eq!(state.work.topology.links.len(), preset.links.len());
    // The same requests, the same way through: round robin alternates over two servers whose
    // reads go to their own database and writes to the primary.
    let specs = [
        RequestSpec::new(RequestKind::Read, false),
        RequestSpec::new(RequestKind::Write, false),
        RequestSpec::new(RequestKind::Read, false),
        RequestSpec::new(RequestKind::Static, false),
    ];
    let mut built = state;
    let mut reference = after([Action::Work(WorkAction::SelectStage(1))]);
    for spec in specs {
        built.apply(Action::World(WorldAction::Send(spec)));
        reference.apply(Action::World(WorldAction::Send(spec)));
    }
    let rename = |s: &str| s.replace("server-", "web-");
    let shape = |state: &AppState, f: &dyn Fn(&str) -> String| -> Vec<(String, Vec<String>)> {
        state
            .world
            .run
            .traces
            .iter()
            .map(|t| {
                (
                    format!("{:?}", t.outcome.as_ref().map(|o| o.to_string()))
                        .replace("server-", "web-"),
                    t.hops.iter().map(|h| f(&h.place)).collect(),
                )
            })
            .collect()
    };
    assert_eq!(shape(&built, &|s| s.to_owned()), shape(&reference, &rename));
}

#[test]
fn documents_and_share_links_restore_the_work() {
    let mut state = after([
        Action::Work(WorkAction::SelectStage(2)),
        Action::Edit(EditAction::MoveBy {
            ids: vec!["lb-01".to_owned()],
            dx: 80.0,
            dy: 16.0,
        }),
        Action::Edit(EditAction::EndMove),
    ]);
    let doc = state.document();
    let fresh = after([Action::Work(WorkAction::OpenDocument(
        Document::from_json(&doc.to_json()).unwrap_or_else(|e| panic!("{e}")),
    ))]);
    assert_eq!(fresh.work.topology, state.work.topology);
    assert_eq!(fresh.work.positions, state.work.positions);
    let shared = Document::from_fragment(&format!("#{}", doc.to_fragment()))
        .and_then(Result::ok)
        .unwrap_or_else(|| panic!("link"));
    assert_eq!(shared.topology, *state.work.topology);
    assert_eq!(shared.positions, *state.work.positions);
    // A bad file keeps the work and says why.
    let before = state.work.topology.clone();
    state.apply(Action::Work(WorkAction::Open(
        "{\"stacksim\": 1, \"topology\": {\"version\": 1}}".to_owned(),
    )));
    assert!(
        state
            .error()
            .as_deref()
            .is_some_and(|e| e.starts_with("could not open the file: at topology")),
        "{:?}",
        state.error()
    );
    assert_eq!(state.work.topology, before);
    // A bare design opens with an automatic layout.
    state.apply(Action::Work(WorkAction::Open(
        stacksim::sim::format::to_json(&stage(3)),
    )));
    assert_eq!(*state.work.topology, stage(3));
    assert_eq!(state.work.positions.len(), stage(3).nodes.len());
    state.apply(Action::Edit(EditAction::Undo));
    assert_eq!(state.work.topology, before);
}

#[test]
fn impossible_edits_are_refused_whole_with_a_typed_error() {
    let own = |s: &str| s.to_owned();
    let cases = [
        (
            Edit::AddTo {
                host: own("dns"),
                part: Part::Nginx,
            },
            EditError::NotAHost(own("dns")),
        ),
        (
            Edit::AddTo {
                host: own("web-01"),
                part: Part::Client,
            },
            EditError::Refused(own(
                "a Client is a node of its own; drop it on empty canvas",
            )),
        ),
        // The first id exists, the second does not: nothing is deleted.
        (
            Edit::Delete(vec![own("web-01"), own("ghost")]),
            EditError::Unknown(own("ghost")),
        ),
        (
            Edit::DeleteLink {
                from: own("a"),
                to: own("b"),
            },
            EditError::Unknown(own("a → b")),
        ),
        (
            Edit::MoveService {
                service: own("web-01.nginx"),
                to_host: own("vip"),
            },
            EditError::NotAHost(own("vip")),
        ),
    ];
    for (edit, expected) in cases {
        assert_eq!(edit::apply(&stage(3), &edit), Err(expected), "{edit:?}");
        let mut state = after([Action::Work(WorkAction::SelectStage(3))]);
        let before = (
            state.work.topology.clone(),
            state.work.positions.clone(),
            state.work.history.undo.len(),
        );
        state.apply(Action::Edit(EditAction::Change(edit.clone())));
        assert!(state.error().is_some(), "{edit:?}");
        let now = (
            state.work.topology,
            state.work.positions,
            state.work.history.undo.len(),
        );
        assert_eq!(now, before, "{edit:?} left the work as it was");
    }
}

#[test]
fn a_dropped_part_goes_onto_the_server_under_it_or_into_a_node_of_its_own() {
    use edit::Placement::{NeedsServer, New, Onto};
    let t = stage(1);
    let onto = |host: &str, part| Onto {
        host: host.to_owned(),
        part,
    };
    // (part, what it is dropped on or added to, where it goes)
    let table = [
        (
            Part::Nginx,
            Some("server-01"),
            onto("server-01", Part::Nginx),
        ),
        (
            Part::Mysql,
            Some("server-01.app"),
            onto("server-01", Part::Mysql),
        ),
        (Part::Agent, Some("lb-01"), onto("lb-01", Part::Agent)),
        (
            Part::Agent,
            Some("lb-01.haproxy"),
            onto("lb-01", Part::Agent),
        ),
        (Part::Nginx, None, New(Part::Nginx)),
        (Part::Nginx, Some("client"), New(Part::Nginx)),
        (Part::Nginx, Some("nothing"), New(Part::Nginx)),
        (Part::Client, Some("server-01"), New(Part::Client)),
        (Part::Host, Some("server-01"), New(Part::Host)),
        (Part::Agent, None, NeedsServer),
        (Part::Agent, Some("dns"), NeedsServer),
    ];
    for (part, target, expected) in table {
        assert_eq!(
            edit::place_part(&t, part, target),
            expected,
            "{part:?} on {target:?}"
        );
    }
    assert_eq!(edit::drop_host(&t, "server-01.app"), Some("server-01"));
    assert_eq!(edit::drop_host(&t, "dns"), None);
}
