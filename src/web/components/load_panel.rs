//! The load tab: the settings, rate shape and scenario of a load run, Run / Pause / Stop with
//! a progress bar of simulated time, the charts of the run (live while it runs) and the
//! monitoring dashboard. The form is local until Run. Given the design (`topology`), the run
//! is computed here a slice per animation frame by a [`LoadRunner`] kept in a `use_mut_ref`
//! (never in `AppState`); the finished result goes to `on_finished`. Without the design, Run
//! dispatches `Action::LoadTest(LoadTestAction::Run)`, which computes it at once.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_render::{AnimationFrame, request_animation_frame};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::sim::number::{fixed, shortest};
use crate::sim::topology::Topology;
use crate::ui::charts::histogram;
use crate::ui::fields::parse_f64;
use crate::ui::load_run::{
    LATENCY_SAMPLES, LoadResult, LoadRunner, LoadSettings, MAX_REQUESTS, MAX_SECONDS, Progress,
    RateShape, Step, StepKind, TargetKind, targets,
};
use crate::ui::state::{Action, LoadTestAction, WorldAction};
use crate::web::components::histogram::Histogram;
use crate::web::components::line_chart::LineChart;

#[derive(Properties, PartialEq)]
pub struct LoadPanelProps {
    /// The design's hosts, for the scenario.
    pub hosts: Rc<Vec<String>>,
    /// The last finished run kept by the page.
    pub result: Option<Rc<LoadResult>>,
    pub dispatch: Callback<Action>,
    /// The design: with it, runs are computed here in slices (see the module doc).
    #[prop_or_default]
    pub topology: Option<Rc<Topology>>,
    /// Receives a finished run; without it the panel keeps the run itself.
    #[prop_or_default]
    pub on_finished: Option<Callback<Rc<LoadResult>>>,
    /// Receives the run so far a few times a second while it runs, and `None` when it stops.
    #[prop_or_default]
    pub on_live: Option<Callback<Option<Rc<LoadResult>>>>,
    /// The settings the form starts with (e.g. from the share link).
    #[prop_or_default]
    pub settings: Option<LoadSettings>,
    /// Receives the settings of every run started (e.g. for the share link).
    #[prop_or_default]
    pub on_settings: Option<Callback<LoadSettings>>,
    /// The page's one protocol choice (the Send button's): with it, the HTTPS box shows and
    /// changes that choice, and every run uses it; without it the form keeps its own.
    #[prop_or_default]
    pub https: Option<bool>,
}

/// A scenario step as typed.
#[derive(Clone, Debug, PartialEq)]
struct StepForm {
    at: String,
    /// A [`StepKind::key`].
    kind: String,
    target: String,
    /// The slow-down factor of a slow host.
    factor: String,
}

/// The form as typed.
#[derive(Clone, Debug, PartialEq)]
struct Form {
    rps: String,
    seconds: String,
    static_pct: String,
    read_pct: String,
    write_pct: String,
    https: bool,
    seed: String,
    /// "constant", "ramp" or "spike".
    shape: String,
    to_rps: String,
    spike_rps: String,
    spike_from: String,
    spike_until: String,
    steps: Vec<StepForm>,
}

impl From<&LoadSettings> for Form {
    fn from(s: &LoadSettings) -> Form {
        let (shape, to_rps, spike) = match &s.shape {
            RateShape::Constant => ("constant", 1000.0, (1000.0, 5.0, 10.0)),
            RateShape::Ramp { to_rps } => ("ramp", *to_rps, (1000.0, 5.0, 10.0)),
            RateShape::Spike {
                spike_rps,
                from_s,
                until_s,
            } => ("spike", 1000.0, (*spike_rps, *from_s, *until_s)),
        };
        Form {
            rps: shortest(s.rps).to_string(),
            seconds: shortest(s.seconds).to_string(),
            static_pct: shortest(s.static_pct).to_string(),
            read_pct: shortest(s.read_pct).to_string(),
            write_pct: shortest(s.write_pct).to_string(),
            https: s.https,
            seed: shortest(s.seed).to_string(),
            shape: shape.to_owned(),
            to_rps: shortest(to_rps).to_string(),
            spike_rps: shortest(spike.0).to_string(),
            spike_from: shortest(spike.1).to_string(),
            spike_until: shortest(spike.2).to_string(),
            steps: s
                .steps
                .iter()
                .map(|e| StepForm {
                    at: shortest(e.at_s).to_string(),
                    kind: e.kind.key().to_owned(),
                    factor: match e.kind {
                        StepKind::SlowHost { factor } => shortest(factor).to_string(),
                        _ => "2".to_owned(),
                    },
                    target: e.target.clone(),
                })
                .collect(),
        }
    }
}

/// A typed number; anything else becomes NaN, which the checks refuse with a message.
fn number(text: &str) -> f64 {
    parse_f64(text.trim()).unwrap_or(f64::NAN)
}

impl StepForm {
    fn step(&self) -> Step {
        Step {
            at_s: number(&self.at),
            kind: StepKind::from_key(&self.kind, number(&self.factor))
                .unwrap_or(StepKind::HostDown),
            target: self.target.clone(),
        }
    }
}

impl Form {
    fn settings(&self) -> LoadSettings {
        let shape = match self.shape.as_str() {
            "ramp" => RateShape::Ramp {
                to_rps: number(&self.to_rps),
            },
            "spike" => RateShape::Spike {
                spike_rps: number(&self.spike_rps),
                from_s: number(&self.spike_from),
                until_s: number(&self.spike_until),
            },
            _ => RateShape::Constant,
        };
        LoadSettings {
            rps: number(&self.rps),
            seconds: number(&self.seconds),
            static_pct: number(&self.static_pct),
            read_pct: number(&self.read_pct),
            write_pct: number(&self.write_pct),
            https: self.https,
            seed: number(&self.seed),
            shape,
            steps: self.steps.iter().map(StepForm::step).collect(),
        }
    }
}

fn input_value(event: &Event) -> String {
    event
        .target_dyn_into::<HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

fn select_value(event: &Event) -> String {
    event
        .target_dyn_into::<HtmlSelectElement>()
        .map(|s| s.value())
        .unwrap_or_default()
}

/// Where a run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Idle,
    Running,
    Paused,
}

/// The frame waiting to run, and the one that ran last (dropped one frame later, never while
/// its own callback runs).
#[derive(Default)]
struct Frames {
    next: Option<AnimationFrame>,
    ran: Option<AnimationFrame>,
}

/// Calls `tick` on every animation frame for as long as it returns `true`.
fn animate(frames: Rc<RefCell<Frames>>, tick: Rc<dyn Fn() -> bool>) {
    let handle = {
        let frames = frames.clone();
        request_animation_frame(move |_| {
            if tick() {
                animate(frames, tick);
            }
        })
    };
    let mut frames = frames.borrow_mut();
    frames.ran = frames.next.take();
    frames.next = Some(handle);
}

fn wall_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Wall milliseconds of simulation per frame: what is left of a 60 Hz frame for drawing.
const FRAME_WORK_MS: f64 = 8.0;
/// How often the charts of a running run are redrawn, in wall milliseconds.
const LIVE_EVERY_MS: f64 = 250.0;

/// The step kinds the editor offers: every kind given the design, host kinds without it.
fn offered_kinds(with_design: bool) -> Vec<StepKind> {
    StepKind::all()
        .into_iter()
        .filter(|k| with_design || k.target_kind() == TargetKind::Host)
        .collect()
}

#[component]
pub fn LoadPanel(props: &LoadPanelProps) -> Html {
    let LoadPanelProps {
        hosts,
        result,
        dispatch,
        topology,
        on_finished,
        on_live,
        settings,
        on_settings,
        https,
    } = props;
    let shared_https = *https;
    let form = {
        let initial = settings
            .clone()
            .or_else(|| result.as_ref().and_then(|r| r.settings.clone()))
            .unwrap_or_default();
        use_state(move || Form::from(&initial))
    };
    let status = use_state_eq(|| Status::Idle);
    let progress = use_state_eq(|| None::<Progress>);
    let live = use_state(|| None::<Rc<LoadResult>>);
    let kept = use_state(|| None::<Rc<LoadResult>>);
    let error = use_state_eq(|| None::<String>);
    let runner = use_mut_ref(|| None::<LoadRunner>);
    let frames = use_mut_ref(Frames::default);
    // A new design ends a run of the old one and forgets its result.
    {
        let (runner, status, progress, live, kept, on_live) = (
            runner.clone(),
            status.clone(),
            progress.clone(),
            live.clone(),
            kept.clone(),
            on_live.clone(),
        );
        use_effect_with(topology.clone(), move |_| {
            let had_run = runner.borrow_mut().take().is_some();
            status.set(Status::Idle);
            progress.set(None);
            live.set(None);
            kept.set(None);
            if had_run && let Some(cb) = &on_live {
                cb.emit(None);
            }
        });
    }
    // The frame loop runs while the status is Running.
    {
        let (runner, status_h, progress, live, kept) = (
            runner.clone(),
            status.clone(),
            progress.clone(),
            live.clone(),
            kept.clone(),
        );
        let (on_finished, on_live) = (on_finished.clone(), on_live.clone());
        use_effect_with(*status, move |now| {
            if *now == Status::Running {
                let budget = Cell::new(20_000_u64);
                let shown_at = Cell::new(wall_ms());
                let tick = move || {
                    let mut slot = runner.borrow_mut();
                    let Some(run) = slot.as_mut() else {
                        return false;
                    };
                    let start = wall_ms();
                    let done = run.step(budget.get());
                    let spent = (wall_ms() - start).max(0.1);
                    // Aim at FRAME_WORK_MS of simulation per frame.
                    let next = budget.get() as f64 * (FRAME_WORK_MS / spent).clamp(0.5, 2.0);
                    budget.set((next as u64).clamp(2_000, 4_000_000));
                    progress.set(Some(done));
                    if done.done {
                        let finished = Rc::new(run.snapshot());
                        *slot = None;
                        live.set(None);
                        if let Some(cb) = &on_live {
                            cb.emit(None);
                        }
                        match &on_finished {
                            Some(cb) => {
                                kept.set(None);
                                cb.emit(finished);
                            }
                            None => kept.set(Some(finished)),
                        }
                        status_h.set(Status::Idle);
                        return false;
                    }
                    if wall_ms() - shown_at.get() >= LIVE_EVERY_MS {
                        shown_at.set(wall_ms());
                        let snapshot = Rc::new(run.snapshot());
                        if let Some(cb) = &on_live {
                            cb.emit(Some(snapshot.clone()));
                        }
                        live.set(Some(snapshot));
                    }
                    true
                };
                animate(frames.clone(), Rc::new(tick));
            }
            move || {
                // Dropping the pending frame cancels it.
                frames.borrow_mut().next = None;
            }
        });
    }
    let field = |name: &'static str,
                 label: &'static str,
                 value: &str,
                 set: fn(&mut Form, String)| {
        let form = form.clone();
        let onchange = Callback::from(move |event: Event| {
            let mut next = (*form).clone();
            set(&mut next, input_value(&event));
            form.set(next);
        });
        html! {
            <label class="load-field">
                { label }
                <input type="number" {name} value={value.to_owned()} {onchange} data-control={name} />
            </label>
        }
    };
    let on_https = {
        let form = form.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            let checked = event
                .target_dyn_into::<HtmlInputElement>()
                .is_some_and(|i| i.checked());
            if shared_https.is_some() {
                dispatch.emit(Action::World(WorldAction::SetHttps(checked)));
                return;
            }
            form.set(Form {
                https: checked,
                ..(*form).clone()
            });
        })
    };
    let on_shape = {
        let form = form.clone();
        Callback::from(move |event: Event| {
            form.set(Form {
                shape: select_value(&event),
                ..(*form).clone()
            });
        })
    };
    let with_design = topology.is_some();
    let targets_of = {
        let topology = topology.clone();
        let hosts = hosts.clone();
        move |kind: &str| -> Vec<String> {
            let what = StepKind::from_key(kind, 1.0).map_or(TargetKind::Host, |k| k.target_kind());
            match (&topology, what) {
                (Some(t), what) => targets(t, what),
                (None, TargetKind::Host) => (*hosts).clone(),
                (None, _) => Vec::new(),
            }
        }
    };
    let on_add = {
        let form = form.clone();
        let first = targets_of("host-down").first().cloned().unwrap_or_default();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*form).clone();
            next.steps.push(StepForm {
                at: "10".to_owned(),
                kind: "host-down".to_owned(),
                target: first.clone(),
                factor: "2".to_owned(),
            });
            form.set(next);
        })
    };
    let on_run = {
        let (form, runner, status, progress, error, topology, dispatch, on_settings) = (
            form.clone(),
            runner.clone(),
            status.clone(),
            progress.clone(),
            error.clone(),
            topology.clone(),
            dispatch.clone(),
            on_settings.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let mut settings = form.settings();
            if let Some(https) = shared_https {
                settings.https = https;
            }
            let Some(topology) = &topology else {
                dispatch.emit(Action::LoadTest(LoadTestAction::Run(settings)));
                return;
            };
            match LoadRunner::new(topology, &settings) {
                Ok(run) => {
                    progress.set(Some(run.progress()));
                    *runner.borrow_mut() = Some(run);
                    error.set(None);
                    status.set(Status::Running);
                    if let Some(cb) = &on_settings {
                        cb.emit(settings);
                    }
                }
                Err(refusal) => error.set(Some(refusal.to_string())),
            }
        })
    };
    let on_pause = {
        let status = status.clone();
        Callback::from(move |_: MouseEvent| match *status {
            Status::Running => status.set(Status::Paused),
            Status::Paused => status.set(Status::Running),
            Status::Idle => {}
        })
    };
    let on_stop = {
        let (runner, status, progress, live, on_live) = (
            runner.clone(),
            status.clone(),
            progress.clone(),
            live.clone(),
            on_live.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            *runner.borrow_mut() = None;
            status.set(Status::Idle);
            progress.set(None);
            live.set(None);
            if let Some(cb) = &on_live {
                cb.emit(None);
            }
        })
    };
    let seconds = number(&form.seconds);
    let steps = form.steps.iter().enumerate().map(|(i, step)| {
        let update = |f: fn(&mut StepForm, String)| {
            let form = form.clone();
            Callback::from(move |value: String| {
                let mut next = (*form).clone();
                if let Some(step) = next.steps.get_mut(i) {
                    f(step, value);
                }
                form.set(next);
            })
        };
        let on_at = update(|s, v| s.at = v).reform(|e: Event| input_value(&e));
        let on_factor = update(|s, v| s.factor = v).reform(|e: Event| input_value(&e));
        let on_target = update(|s, v| s.target = v).reform(|e: Event| select_value(&e));
        let on_kind = {
            let form = form.clone();
            let targets_of = targets_of.clone();
            Callback::from(move |e: Event| {
                let kind = select_value(&e);
                let choices = targets_of(&kind);
                let mut next = (*form).clone();
                if let Some(step) = next.steps.get_mut(i) {
                    if !choices.contains(&step.target) {
                        step.target = choices.first().cloned().unwrap_or_default();
                    }
                    step.kind = kind;
                }
                form.set(next);
            })
        };
        let on_remove = {
            let form = form.clone();
            Callback::from(move |_: MouseEvent| {
                let mut next = (*form).clone();
                if i < next.steps.len() {
                    next.steps.remove(i);
                }
                form.set(next);
            })
        };
        let choices = targets_of(&step.kind);
        let checked = step.step();
        let problem = match topology {
            Some(t) => checked
                .check(i + 1, seconds, t)
                .err()
                .map(|err| err.to_string()),
            None => {
                let at_ok = checked.at_s.is_finite()
                    && checked.at_s >= 0.0
                    && checked.at_s <= MAX_SECONDS
                    && (!seconds.is_finite() || checked.at_s <= seconds);
                if !at_ok {
                    Some(format!(
                        "step {}: the time must be from 0 s to the end of the run",
                        i + 1
                    ))
                } else if !choices.contains(&step.target) {
                    Some(format!(
                        "step {}: there is no host '{}' in this design",
                        i + 1,
                        step.target
                    ))
                } else {
                    None
                }
            }
        };
        let slow = step.kind == "slow-host";
        html! {
            <li class={classes!("scenario-step", problem.is_some().then_some("invalid"))}
                data-step={i.to_string()}>
                { "at " }
                <input type="number" class="step-at" value={step.at.clone()} onchange={on_at}
                    aria-label="seconds" />
                { " s: " }
                <select class="step-what" onchange={on_kind} aria-label="what happens">
                    { for offered_kinds(with_design).iter().map(|k| html! {
                        <option value={k.key()} selected={k.key() == step.kind}>{ k.label() }</option>
                    }) }
                </select>
                if slow {
                    <input type="number" class="step-factor" value={step.factor.clone()}
                        onchange={on_factor} aria-label="slow-down factor" min="1" />
                }
                <select class="step-target" onchange={on_target} aria-label="target">
                    if !choices.contains(&step.target) {
                        <option value={step.target.clone()} selected=true>{ step.target.clone() }</option>
                    }
                    { for choices.iter().map(|c| html! {
                        <option value={c.clone()} selected={*c == step.target}>{ c.clone() }</option>
                    }) }
                </select>
                <button type="button" class="step-remove" onclick={on_remove}
                    aria-label="remove this step">{ "×" }</button>
                if let Some(problem) = problem {
                    <p class="step-error" role="alert">{ problem }</p>
                }
            </li>
        }
    });
    let running = *status != Status::Idle;
    let shown = (*live)
        .clone()
        .or_else(|| (*kept).clone())
        .or_else(|| result.clone());
    let bar = progress.as_ref().filter(|_| running).map(|p| {
        let pct = p.fraction() * 100.0;
        html! {
            // A native <progress>: the page's Content-Security-Policy refuses style attributes.
            <div class="load-progress" aria-valuenow={fixed(pct, 0).to_string()}>
                <progress class="load-progress-fill" max="100" value={fixed(pct, 1).to_string()}
                    aria-label="simulated time"></progress>
                <span class="load-progress-text">
                    { format!("{} s of {} s simulated{}", fixed(p.now_s.min(p.total_s), 1), shortest(p.total_s),
                        if *status == Status::Paused { " (paused)" } else { "" }) }
                </span>
            </div>
        }
    });
    html! {
        <div class="panel load-panel">
            <h2>{ "Load run" }</h2>
            <p class="hint">
                { format!("At most {MAX_REQUESTS} requests per run and {} s. Runs are seeded: the same settings give the same run.", shortest(MAX_SECONDS)) }
            </p>
            <p class="hint">
                { "While this tab is open the diagram shows the run's last second: line width by the requests the simulator sent over each line, queue gauges, down hosts greyed, and a sample of moving requests." }
            </p>
            <div class="load-form">
                { field("rps", "Requests/s", &form.rps, |f, v| f.rps = v) }
                { field("seconds", "Duration (s)", &form.seconds, |f, v| f.seconds = v) }
                { field("static", "Static %", &form.static_pct, |f, v| f.static_pct = v) }
                { field("read", "Read %", &form.read_pct, |f, v| f.read_pct = v) }
                { field("write", "Write %", &form.write_pct, |f, v| f.write_pct = v) }
                { field("seed", "Seed", &form.seed, |f, v| f.seed = v) }
                <label class="load-field">
                    <input type="checkbox" name="https" data-control="https" checked={shared_https.unwrap_or(form.https)}
                        onchange={on_https} />
                    { " HTTPS" }
                </label>
            </div>
            <div class="load-form load-shape">
                <label class="load-field">
                    { "Rate" }
                    <select data-control="shape" onchange={on_shape}>
                        <option value="constant" selected={form.shape == "constant"}>{ "constant" }</option>
                        <option value="ramp" selected={form.shape == "ramp"}>{ "ramp up/down" }</option>
                        <option value="spike" selected={form.shape == "spike"}>{ "spike" }</option>
                    </select>
                </label>
                if form.shape == "ramp" {
                    { field("to-rps", "…to requests/s (at the end)", &form.to_rps, |f, v| f.to_rps = v) }
                }
                if form.shape == "spike" {
                    { field("spike-rps", "Spike requests/s", &form.spike_rps, |f, v| f.spike_rps = v) }
                    { field("spike-from", "from (s)", &form.spike_from, |f, v| f.spike_from = v) }
                    { field("spike-until", "until (s)", &form.spike_until, |f, v| f.spike_until = v) }
                }
            </div>
            <h3>{ "Scenario" }</h3>
            <ol class="scenario">{ for steps }</ol>
            <div class="load-actions">
                <button type="button" data-action="add-step" onclick={on_add}>{ "Add step" }</button>
                <button type="button" class="primary" data-action="run-load" onclick={on_run}
                    disabled={running}>{ "Run" }</button>
                if with_design {
                    <button type="button" data-action="pause-load" onclick={on_pause} disabled={!running}>
                        { if *status == Status::Paused { "Resume" } else { "Pause" } }
                    </button>
                    <button type="button" data-action="stop-load" onclick={on_stop} disabled={!running}>
                        { "Stop" }
                    </button>
                }
            </div>
            { for bar }
            if let Some(message) = &*error {
                <p class="load-error" role="alert">{ message.clone() }</p>
            }
            { for shown.as_ref().map(|r| results(r)) }
        </div>
    }
}

/// A series whose missing values were not measured: a gap (NaN) on the chart.
fn gaps(values: &[Option<f64>]) -> Vec<f64> {
    values.iter().map(|v| v.unwrap_or(f64::NAN)).collect()
}

fn results(r: &LoadResult) -> Html {
    // The axis is the run; every time chart marks the scenario's steps.
    let seconds = r.run_seconds();
    let marks = Rc::new(
        r.settings
            .as_ref()
            .map(LoadSettings::marks)
            .unwrap_or_default(),
    );
    let chart = |id: &'static str,
                 title: &'static str,
                 unit: &'static str,
                 series: Vec<(&str, Vec<f64>)>| {
        let series = Rc::new(
            series
                .into_iter()
                .map(|(n, v)| (n.to_owned(), v))
                .collect::<Vec<_>>(),
        );
        html! { <LineChart id={id} title={title} unit={unit} {series} {seconds} marks={marks.clone()} /> }
    };
    let backends = Rc::new(r.backends.clone());
    // Each of the quantiles stands for the same share of the requests served.
    let weight = r.total_served as f64 / LATENCY_SAMPLES as f64;
    let latency_bins = Rc::new(histogram(&r.latency_ms, weight, 24));
    let queues = Rc::new(r.queues.clone());
    html! {
        <section class="load-results" aria-label="Load run results">
            <p class="load-totals" data-finished={r.finished.to_string()} data-sent={r.total_sent.to_string()}
                data-served={r.total_served.to_string()} data-errors={r.total_errors.to_string()}
                data-syn-resent={r.total_syn_resent.to_string()}
                data-served-late={r.total_served_late.to_string()}>
                { format!("{}{} sent, {} served, {} errors; {} resent their SYN ({} of them served late)",
                    if r.finished { "" } else { "So far: " },
                    r.total_sent, r.total_served, r.total_errors, r.total_syn_resent,
                    r.total_served_late) }
            </p>
            if let Some(sentence) = r.cause_sentence() {
                <p class="load-cause" role="status">{ sentence }</p>
            }
            <p class="hint">{ "Each second counts the requests sent in it, however long they took to succeed or fail." }</p>
            { chart("throughput", "Throughput and errors, by the second the request was sent", "req/s",
                vec![("served", r.served.clone()), ("errors", r.errors.clone())]) }
            { chart("latency", "Latency p50 / p95 / p99 of the requests served", "ms",
                vec![("p50", gaps(&r.p50)), ("p95", gaps(&r.p95)), ("p99", gaps(&r.p99))]) }
            <Histogram id="latency-histogram" title="Latency of the requests served" unit="ms"
                counts="requests" bins={latency_bins} />
            <LineChart id="backends" title="Requests per web server" unit="req/s"
                series={backends} {seconds} marks={marks.clone()} />
            <LineChart id="queues" title="Queue depth per component (those that queued)"
                unit="waiting" series={queues} {seconds} marks={marks.clone()} />
            { chart("lag", "Replica lag: how far behind the primary the replica is", "ms",
                vec![("lag", gaps(&r.lag_ms))]) }
            { chart("stale", "Stale reads: reads a replica answered before it had the write", "reads/s",
                vec![("stale reads", r.stale_reads.clone())]) }
            { chart("syn", "Requests whose SYN went unanswered and was resent (VRRP gap, dead host, dropping firewall)", "req/s",
                vec![("SYN resent", r.syn_resent.clone())]) }
            { dashboard(r) }
        </section>
    }
}

fn dashboard(r: &LoadResult) -> Html {
    html! {
        <section class="dashboard" aria-label="Monitoring dashboard">
            <h3>{ "Monitoring dashboard" }</h3>
            <p class="hint">{ "What the collector received from the agents during the run." }</p>
            if r.monitoring.is_empty() {
                <p class="dashboard-empty">{ "No host has an agent: the collector received nothing." }</p>
            } else {
                <table class="monitoring">
                    <thead><tr>
                        <th>{ "Host" }</th><th>{ "Reports" }</th><th>{ "Requests" }</th>
                        <th>{ "Errors" }</th><th>{ "Last queue" }</th><th>{ "Lag (s)" }</th>
                    </tr></thead>
                    <tbody>
                        { for r.monitoring.iter().map(|m| html! {
                            <tr data-host={m.host.clone()}>
                                <td>{ m.host.clone() }</td>
                                <td data-col="reports">{ m.reports }</td>
                                <td data-col="requests">{ m.requests }</td>
                                <td data-col="errors">{ m.errors }</td>
                                <td data-col="queue">{ m.queue_depth }</td>
                                <td data-col="lag">{ m.lag_s.map_or("—".to_owned(), |l| l.to_string()) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
            <h3>{ "Blind spots" }</h3>
            if r.blind_spots.is_empty() {
                <p class="hint">{ "Every host has an agent." }</p>
            } else {
                <ul class="blind-spots">
                    { for r.blind_spots.iter().map(|h| html! {
                        <li data-host={h.clone()}>{ format!("{h}: no agent, nobody sees its metrics") }</li>
                    }) }
                </ul>
            }
        </section>
    }
}
