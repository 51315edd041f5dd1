//! The load tab: the settings and scenario of a load run, its charts and the monitoring
//! dashboard. The form is local until Run; the run itself lives in `AppState`.

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::components::line_chart::LineChart;
use crate::load_run::{LoadResult, LoadSettings, MAX_REQUESTS, Step};
use crate::state::Action;

#[derive(Properties, PartialEq)]
pub struct LoadPanelProps {
    /// The design's hosts, for the scenario.
    pub hosts: Rc<Vec<String>>,
    pub result: Option<Rc<LoadResult>>,
    pub dispatch: Callback<Action>,
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
    steps: Vec<StepForm>,
}

/// A scenario step as typed: (seconds, host, up).
type StepForm = (String, String, bool);

/// Writes a typed value into one part of a step.
type EditStep = dyn Fn(&mut StepForm, String);

impl From<&LoadSettings> for Form {
    fn from(s: &LoadSettings) -> Form {
        Form {
            rps: s.rps.to_string(),
            seconds: s.seconds.to_string(),
            static_pct: s.static_pct.to_string(),
            read_pct: s.read_pct.to_string(),
            write_pct: s.write_pct.to_string(),
            https: s.https,
            seed: s.seed.to_string(),
            steps: s
                .scenario
                .iter()
                .map(|st| (st.at_s.to_string(), st.host.clone(), st.up))
                .collect(),
        }
    }
}

/// A typed number; anything else becomes NaN, which the reducer refuses with a message.
fn number(text: &str) -> f64 {
    text.trim().parse().unwrap_or(f64::NAN)
}

impl Form {
    fn settings(&self) -> LoadSettings {
        LoadSettings {
            rps: number(&self.rps),
            seconds: number(&self.seconds),
            static_pct: number(&self.static_pct),
            read_pct: number(&self.read_pct),
            write_pct: number(&self.write_pct),
            https: self.https,
            seed: number(&self.seed),
            shape: Default::default(),
            events: Vec::new(),
            scenario: self
                .steps
                .iter()
                .map(|(at, host, up)| Step {
                    at_s: number(at),
                    host: host.clone(),
                    up: *up,
                })
                .collect(),
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

#[component]
pub fn LoadPanel(props: &LoadPanelProps) -> Html {
    let LoadPanelProps {
        hosts,
        result,
        dispatch,
    } = props;
    let form = {
        let initial = result
            .as_ref()
            .and_then(|r| r.settings.clone())
            .unwrap_or_default();
        use_state(move || Form::from(&initial))
    };
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
        Callback::from(move |event: Event| {
            let checked = event
                .target_dyn_into::<HtmlInputElement>()
                .is_some_and(|i| i.checked());
            form.set(Form {
                https: checked,
                ..(*form).clone()
            });
        })
    };
    let on_add = {
        let form = form.clone();
        let first = hosts.first().cloned().unwrap_or_default();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*form).clone();
            next.steps.push(("10".to_owned(), first.clone(), false));
            form.set(next);
        })
    };
    let on_run = {
        let form = form.clone();
        dispatch.reform(move |_: MouseEvent| Action::RunLoad(form.settings()))
    };
    let steps = form.steps.iter().enumerate().map(|(i, (at, host, up))| {
        let update = |f: Box<EditStep>| {
            let form = form.clone();
            Callback::from(move |value: String| {
                let mut next = (*form).clone();
                if let Some(step) = next.steps.get_mut(i) {
                    f(step, value);
                }
                form.set(next);
            })
        };
        let on_at = update(Box::new(|s, v| s.0 = v)).reform(|e: Event| input_value(&e));
        let on_host = update(Box::new(|s, v| s.1 = v)).reform(|e: Event| select_value(&e));
        let on_what = update(Box::new(|s, v| s.2 = v == "up")).reform(|e: Event| select_value(&e));
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
        html! {
            <li class="scenario-step" data-step={i.to_string()}>
                { "at " }
                <input type="number" class="step-at" value={at.clone()} onchange={on_at}
                    aria-label="seconds" />
                { " s: " }
                <select class="step-what" onchange={on_what} aria-label="what happens">
                    <option value="down" selected={!*up}>{ "take down" }</option>
                    <option value="up" selected={*up}>{ "bring up" }</option>
                </select>
                <select class="step-host" onchange={on_host} aria-label="host">
                    { for hosts.iter().map(|h| html! {
                        <option value={h.clone()} selected={h == host}>{ h.clone() }</option>
                    }) }
                </select>
                <button type="button" class="step-remove" onclick={on_remove}
                    aria-label="remove this step">{ "×" }</button>
            </li>
        }
    });
    html! {
        <div class="panel load-panel">
            <h2>{ "Load run" }</h2>
            <p class="hint">
                { format!("The whole run is computed at once when you press Run; at most {MAX_REQUESTS} requests (rate × duration) and 600 s.") }
            </p>
            <div class="load-form">
                { field("rps", "Requests/s", &form.rps, |f, v| f.rps = v) }
                { field("seconds", "Duration (s)", &form.seconds, |f, v| f.seconds = v) }
                { field("static", "Static %", &form.static_pct, |f, v| f.static_pct = v) }
                { field("read", "Read %", &form.read_pct, |f, v| f.read_pct = v) }
                { field("write", "Write %", &form.write_pct, |f, v| f.write_pct = v) }
                { field("seed", "Seed", &form.seed, |f, v| f.seed = v) }
                <label class="load-field">
                    <input type="checkbox" name="https" data-control="https" checked={form.https}
                        onchange={on_https} />
                    { " HTTPS" }
                </label>
            </div>
            <h3>{ "Scenario" }</h3>
            <ol class="scenario">{ for steps }</ol>
            <div class="load-actions">
                <button type="button" data-action="add-step" onclick={on_add}>{ "Add step" }</button>
                <button type="button" class="primary" data-action="run-load" onclick={on_run}>{ "Run" }</button>
            </div>
            { for result.as_ref().map(|r| results(r)) }
        </div>
    }
}

fn results(r: &LoadResult) -> Html {
    let seconds = r.seconds.len() as f64;
    let chart = |id: &'static str,
                 title: &'static str,
                 unit: &'static str,
                 series: Vec<(&str, &Vec<f64>)>| {
        let series = Rc::new(
            series
                .into_iter()
                .map(|(n, v)| (n.to_owned(), v.clone()))
                .collect::<Vec<_>>(),
        );
        html! { <LineChart id={id} title={title} unit={unit} {series} {seconds} /> }
    };
    let backends = Rc::new(r.backends.clone());
    let queues = Rc::new(r.queues.clone());
    html! {
        <section class="load-results" aria-label="Load run results">
            <p class="load-totals" data-sent={r.total_sent.to_string()}
                data-served={r.total_served.to_string()} data-errors={r.total_errors.to_string()}
                data-vip-lost={r.total_vip_lost.to_string()}>
                { format!("{} sent, {} served, {} errors, {} lost in VIP failover",
                    r.total_sent, r.total_served, r.total_errors, r.total_vip_lost) }
            </p>
            { chart("throughput", "Throughput and errors", "req/s",
                vec![("served", &r.served), ("errors", &r.errors)]) }
            { chart("latency", "Latency p50 / p95 / p99", "ms",
                vec![("p50", &r.p50), ("p95", &r.p95), ("p99", &r.p99)]) }
            <LineChart id="backends" title="Requests per web server" unit="req/s"
                series={backends} {seconds} />
            <LineChart id="queues" title="Queue depth per component (those that queued)"
                unit="waiting" series={queues} {seconds} />
            { chart("replication", "Replica lag and stale reads", "ms or reads/s",
                vec![("lag (ms)", &r.lag_ms), ("stale reads", &r.stale_reads)]) }
            { chart("vip", "Requests lost during VIP failover", "req/s",
                vec![("vip lost", &r.vip_lost)]) }
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
