//! The reachability matrix: may each source (the internet, then every host) open a TCP
//! connection to each host and port, and which firewall rule decides. ✓ and ✗ carry the
//! answer besides the colour; the rule is the cell's tooltip, and focusing or clicking a cell
//! writes it out under the table.

use std::rc::Rc;

use yew::prelude::*;

use crate::sim::reach::{self, ReachCell};
use crate::sim::topology::Topology;

#[derive(Properties, PartialEq)]
pub struct ReachMatrixProps {
    pub topology: Rc<Topology>,
}

/// The destinations, grouped by host in the matrix's order: (host, [(port, service)]).
type Columns = Vec<(String, Vec<(u16, Option<String>)>)>;

fn columns(cells: &[ReachCell]) -> Columns {
    let mut out: Columns = Vec::new();
    for cell in cells {
        let column = (cell.port, cell.service.clone());
        match out.iter_mut().find(|(host, _)| *host == cell.to) {
            Some((_, ports)) if ports.iter().any(|(p, _)| *p == cell.port) => {}
            Some((_, ports)) => ports.push(column),
            None => out.push((cell.to.clone(), vec![column])),
        }
    }
    out
}

fn sources(cells: &[ReachCell]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for cell in cells {
        if !out.contains(&cell.from.as_str()) {
            out.push(&cell.from);
        }
    }
    out
}

/// One sentence for a cell: "internet → lb-01:443 (lb-01.haproxy): ✓ allowed, by …".
fn cell_sentence(cell: &ReachCell) -> String {
    let service = cell
        .service
        .as_deref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    let verdict = if cell.allowed {
        "✓ allowed"
    } else {
        "✗ denied"
    };
    format!(
        "{} → {}:{}{service}: {verdict} · {}",
        cell.from, cell.to, cell.port, cell.rule
    )
}

#[component]
pub fn ReachMatrix(props: &ReachMatrixProps) -> Html {
    let cells = use_memo(props.topology.clone(), |t| reach::matrix(t));
    // The cell written out under the table, by (from, to, port), so it survives a new design.
    let picked = use_state_eq(|| None::<(String, String, u16)>);
    // The cells in (from, to, port) order, searched by halves: a map of that key type put its
    // own code into the WebAssembly. Of equal keys the last cell counts, as a map filled in
    // order keeps it.
    let key = |i: usize| {
        cells
            .get(i)
            .map(|c: &ReachCell| (c.from.as_str(), c.to.as_str(), c.port))
    };
    let order = crate::sim::sort::positions(cells.len(), &mut |a, b| key(a).cmp(&key(b)));
    let find = |from: &str, to: &str, port: u16| {
        let wanted = Some((from, to, port));
        let end = order.partition_point(|&i| key(i) <= wanted);
        end.checked_sub(1)
            .and_then(|j| order.get(j).copied())
            .filter(|&i| key(i) == wanted)
    };
    let columns = columns(&cells);
    if columns.is_empty() {
        return html! {
            <section class="panel reach" aria-label="Reachability">
                <h2>{ "Reachability" }</h2>
                <p class="empty-list">{ "No host listens on any port yet." }</p>
            </section>
        };
    }
    let open: Vec<String> = cells
        .iter()
        .filter(|c| c.from == reach::INTERNET && c.allowed)
        .map(|c| format!("{}:{}", c.to, c.port))
        .collect();
    let cell_view = |from: &str, to: &str, port: u16| {
        let Some(i) = find(from, to, port) else {
            return html! { <td class="reach-cell none">{ "" }</td> };
        };
        let Some(cell) = cells.get(i) else {
            return html! { <td class="reach-cell none">{ "" }</td> };
        };
        let (class, mark) = match (cell.allowed, from == to) {
            (true, true) => ("self", "✓"),
            (true, false) => ("allowed", "✓"),
            (false, _) => ("denied", "✗"),
        };
        let key = (cell.from.clone(), cell.to.clone(), cell.port);
        let is_picked = picked.as_ref() == Some(&key);
        let show = {
            let picked = picked.clone();
            move || picked.set(Some(key.clone()))
        };
        let onfocus = {
            let show = show.clone();
            Callback::from(move |_: FocusEvent| show())
        };
        html! {
            <td class={classes!("reach-cell", class, is_picked.then_some("picked"))}
                data-from={cell.from.clone()} data-to={cell.to.clone()} data-port={cell.port.to_string()}
                title={cell_sentence(cell)}>
                <button type="button" class="cell-button" aria-label={cell_sentence(cell)}
                    {onfocus} onclick={Callback::from(move |_: MouseEvent| show())}>
                    { mark }
                </button>
            </td>
        }
    };
    let detail = picked
        .as_ref()
        .and_then(|(f, t, p)| find(f, t, *p))
        .and_then(|i| cells.get(i))
        .map(|cell| {
        html! { <p class={classes!("reach-detail", if cell.allowed { "allowed" } else { "denied" })} role="status">{ cell_sentence(cell) }</p> }
    });
    html! {
        <section class="panel reach" aria-label="Reachability">
            <h2>{ "Reachability" }</h2>
            <p class="note">{ "Can a new TCP connection get through the destination's firewall? Rows are sources (the internet as 203.0.113.7, then each host from its own address); columns are each host's listening ports. A host reaching itself uses loopback." }</p>
            <p class="reach-open">
                <strong>{ "Open to the internet: " }</strong>
                { if open.is_empty() { "nothing".to_owned() } else { open.join(", ") } }
            </p>
            <div class="reach-scroll">
                <table class="reach-table">
                    <thead>
                        <tr>
                            <th rowspan="2" scope="col" class="corner">{ "from ↓ to →" }</th>
                            { for columns.iter().map(|(host, ports)| html! {
                                <th scope="colgroup" colspan={ports.len().to_string()} class="to-host">{ host.clone() }</th>
                            }) }
                        </tr>
                        <tr>
                            { for columns.iter().flat_map(|(_, ports)| ports.iter()).map(|(port, service)| html! {
                                <th scope="col" class="to-port" title={service.clone().unwrap_or_default()}>{ format!(":{port}") }</th>
                            }) }
                        </tr>
                    </thead>
                    <tbody>
                        { for sources(&cells).into_iter().map(|from| html! {
                            <tr data-source={from.to_owned()}>
                                <th scope="row">{ from.to_owned() }</th>
                                { for columns.iter().flat_map(|(host, ports)| ports.iter().map(move |(port, _)| (host, *port)))
                                    .map(|(host, port)| cell_view(from, host, port)) }
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
            <p class="reach-key">
                <span class="key allowed">{ "✓ allowed" }</span>
                <span class="key denied">{ "✗ denied" }</span>
                <span class="key self">{ "✓ loopback (itself)" }</span>
                { " · focus or click a cell for its rule" }
            </p>
            { for detail }
        </section>
    }
}
