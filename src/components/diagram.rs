//! The one `<svg>` of the page: every wire, then every node on top, then whatever moves
//! (the request dot, passed in as children).

use std::rc::Rc;

use yew::prelude::*;

use crate::components::node_view::NodeView;
use crate::layout::{Layout, Wire, WireKind, wires};
use crate::sim::topology::Topology;
use crate::state::{Marks, Selection};

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub topology: Topology,
    pub layout: Layout,
    #[prop_or_default]
    pub marks: Rc<Marks>,
    /// A click on a node, a service or a request link.
    #[prop_or_default]
    pub on_select: Callback<Selection>,
    /// Drawn on top of everything (the request dot).
    #[prop_or_default]
    pub children: Html,
}

fn wire_class(kind: WireKind) -> &'static str {
    match kind {
        WireKind::Request => "wire-request",
        WireKind::Lookup => "wire-lookup",
        WireKind::Entry => "wire-entry",
        WireKind::Vrrp => "wire-vrrp",
        WireKind::Replication => "wire-replication",
        WireKind::Metrics => "wire-metrics",
    }
}

fn wire_view(wire: Wire, marks: &Marks, on_select: &Callback<Selection>) -> Html {
    let arrow = matches!(
        wire.kind,
        WireKind::Request | WireKind::Entry | WireKind::Replication
    );
    let key = format!("{:?}:{}>{}", wire.kind, wire.from, wire.to);
    let pair = (wire.from.clone(), wire.to.clone());
    let class = classes!(
        "wire",
        wire_class(wire.kind),
        marks.last_picks.contains(&pair).then_some("last-pick"),
        marks.cut.contains(&pair).then_some("cut"),
        (marks.selected_link.as_ref() == Some(&pair)).then_some("selected"),
    );
    let line = html! {
        <path {class} d={wire.path.clone()} data-from={wire.from.clone()} data-to={wire.to.clone()}
            marker-end={arrow.then_some("url(#arrow)")} />
    };
    if wire.kind != WireKind::Request {
        return html! { <g key={key}>{ line }</g> };
    }
    // Links can be clicked (to cut them); a wide invisible stroke makes them easy to hit.
    let onclick = on_select.reform(move |_: MouseEvent| Selection::Link {
        from: pair.0.clone(),
        to: pair.1.clone(),
    });
    html! {
        <g key={key} class="wire-link" {onclick}>
            <title>{ format!("{} → {} (click to cut or restore)", wire.from, wire.to) }</title>
            <path class="wire-hit" d={wire.path} />
            { line }
        </g>
    }
}

#[component]
pub fn Diagram(props: &DiagramProps) -> Html {
    let DiagramProps {
        topology,
        layout,
        marks,
        on_select,
        children,
    } = props;
    let lines = wires(topology, layout);
    html! {
        <div class="diagram-scroll">
            <svg
                class="diagram"
                viewBox={layout.view_box()}
                width={format!("{}", layout.width.ceil())}
                height={format!("{}", layout.height.ceil())}
                role="group"
                aria-label={format!("Diagram of {}", topology.name)}
            >
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5"
                        markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
                    </marker>
                </defs>
                <g class="wires">
                    { for lines.into_iter().map(|wire| wire_view(wire, marks, on_select)) }
                </g>
                <g class="nodes">
                    { for topology.nodes.iter().filter_map(|node| {
                        let rect = *layout.boxes.get(&node.id)?;
                        Some(html! {
                            <NodeView key={node.id.clone()} node={node.clone()} {rect}
                                marks={marks.clone()} on_select={on_select.clone()} />
                        })
                    }) }
                </g>
                <g class="overlay">{ children.clone() }</g>
            </svg>
        </div>
    }
}
