//! The one `<svg>` of the page: every wire, then every node on top.

use yew::prelude::*;

use crate::components::node_view::NodeView;
use crate::layout::{Layout, WireKind, wires};
use crate::sim::topology::Topology;

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub topology: Topology,
    pub layout: Layout,
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

#[component]
pub fn Diagram(props: &DiagramProps) -> Html {
    let DiagramProps { topology, layout } = props;
    let lines = wires(topology, layout);
    html! {
        <div class="diagram-scroll">
            <svg
                class="diagram"
                viewBox={layout.view_box()}
                width={format!("{}", layout.width.ceil())}
                height={format!("{}", layout.height.ceil())}
                role="img"
                aria-label={format!("Diagram of {}", topology.name)}
            >
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5"
                        markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
                    </marker>
                </defs>
                <g class="wires">
                    { for lines.into_iter().map(|wire| {
                        let arrow = matches!(wire.kind, WireKind::Request | WireKind::Entry | WireKind::Replication);
                        html! {
                            <path
                                key={format!("{:?}:{}>{}", wire.kind, wire.from, wire.to)}
                                class={classes!("wire", wire_class(wire.kind))}
                                d={wire.path}
                                data-from={wire.from}
                                data-to={wire.to}
                                marker-end={arrow.then_some("url(#arrow)")}
                            />
                        }
                    }) }
                </g>
                <g class="nodes">
                    { for topology.nodes.iter().filter_map(|node| {
                        let rect = *layout.boxes.get(&node.id)?;
                        Some(html! { <NodeView key={node.id.clone()} node={node.clone()} {rect} /> })
                    }) }
                </g>
            </svg>
        </div>
    }
}
