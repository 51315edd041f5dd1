//! The inspector's form for a node: its id and name, then by kind the client's or
//! collector's address, the DNS zone and its records, a host's addresses, monitoring agent and
//! firewall ([`firewall_table`]), or a virtual IP's VRRP settings and members.

use std::net::Ipv4Addr;

use yew::prelude::*;

use crate::sim::format::MAX_LIST;
use crate::sim::topology::{Agent, DnsRecord, DnsZone, Host, Node, NodeKind, Vip, VrrpMember};
use crate::ui::edit::Edit;
use crate::ui::fields;
use crate::web::components::field::{
    CheckField, Editor, Patch, SelectField, TextField, add_select, id_field, options, small_button,
};
use crate::web::components::firewall_table::firewall_table;

/// Edits of one kind of node (`K` is a host, a zone or a VIP) replace the whole node.
fn kind_patch<K: Clone + 'static>(node: &Node, kind: &K, wrap: fn(K) -> NodeKind) -> Patch<K> {
    let node = node.clone();
    Patch::new(kind.clone(), move |kind| {
        Edit::ReplaceNode(Node {
            kind: wrap(kind),
            ..node.clone()
        })
    })
}

/// The form of `node`. A plain function (its fields are the components with state), not a
/// component.
pub fn node_form(node: &Node, editor: &Editor) -> Html {
    let patch = Patch::new(node.clone(), Edit::ReplaceNode);
    let name = editor.text(
        fields::parse_text,
        patch.with(|n: &mut Node, name| n.name = name),
    );
    let body = match &node.kind {
        NodeKind::Client { ip } => {
            let commit = editor.text(
                fields::parse_ip,
                patch.with(|n: &mut Node, new| {
                    if let NodeKind::Client { ip } = &mut n.kind {
                        *ip = new;
                    }
                }),
            );
            html! { <TextField generation={editor.generation} label="Address" value={ip.to_string()} control="client-ip" {commit} /> }
        }
        NodeKind::Collector { ip, product } => {
            let ip_commit = editor.text(
                fields::parse_ip,
                patch.with(|n: &mut Node, new| {
                    if let NodeKind::Collector { ip, .. } = &mut n.kind {
                        *ip = new;
                    }
                }),
            );
            let product_commit = editor.text(
                fields::parse_text,
                patch.with(|n: &mut Node, new| {
                    if let NodeKind::Collector { product, .. } = &mut n.kind {
                        *product = new;
                    }
                }),
            );
            html! {
                <>
                    <TextField generation={editor.generation} label="Address" value={ip.to_string()} control="collector-ip" commit={ip_commit} />
                    <TextField generation={editor.generation} label="Product" value={product.clone()} control="collector-product" commit={product_commit} />
                </>
            }
        }
        NodeKind::Dns(zone) => dns_fields(editor, &kind_patch(node, zone, NodeKind::Dns)),
        NodeKind::Host(host) => html! {
            <>
                { host_fields(editor, &kind_patch(node, host, NodeKind::Host)) }
                { firewall_table(node, editor) }
            </>
        },
        NodeKind::Vip(vip) => vip_fields(editor, &kind_patch(node, vip, NodeKind::Vip)),
    };
    html! {
        <div class="form node-form">
            { id_field(editor, &node.id) }
            <TextField generation={editor.generation} label="Name" value={node.name.clone()} control="name" commit={name} />
            { body }
        </div>
    }
}

fn dns_fields(editor: &Editor, patch: &Patch<DnsZone>) -> Html {
    let zone = patch.base();
    let domain = editor.text(
        fields::parse_domain,
        patch.with(|z: &mut DnsZone, d| z.domain = d),
    );
    let rows = zone.records.iter().enumerate().map(|(i, record)| {
        let name = editor.text(
            fields::parse_record_name,
            patch.with(move |z: &mut DnsZone, v| {
                if let Some(r) = z.records.get_mut(i) {
                    r.name = v;
                }
            }),
        );
        let address = editor.text(
            fields::parse_ip,
            patch.with(move |z: &mut DnsZone, v| {
                if let Some(r) = z.records.get_mut(i) {
                    r.address = v;
                }
            }),
        );
        let ttl = editor.text(
            |t| fields::parse_number(t, 0u32, 2_147_483_647, " s"),
            patch.with(move |z: &mut DnsZone, v| {
                if let Some(r) = z.records.get_mut(i) {
                    r.ttl = v;
                }
            }),
        );
        let remove = editor.button(patch.edit(|z| {
            z.records.remove(i);
        }));
        let n = i + 1;
        html! {
            <tr data-record={i.to_string()}>
                <td><TextField generation={editor.generation} compact=true label={format!("Name of record {n}")} value={record.name.clone()} control="record-name" commit={name} /></td>
                <td><TextField generation={editor.generation} compact=true label={format!("Address of record {n}")} value={record.address.to_string()} control="record-address" commit={address} /></td>
                <td><TextField generation={editor.generation} compact=true label={format!("TTL of record {n} in seconds")} value={record.ttl.to_string()} control="record-ttl" inputmode="numeric" commit={ttl} /></td>
                <td>{ small_button("✕", "remove-record", format!("Remove record {n}"), remove) }</td>
            </tr>
        }
    });
    let add = editor.button(patch.edit(|z| {
        let address = z
            .records
            .first()
            .map_or(Ipv4Addr::new(8, 8, 8, 8), |r| r.address);
        let name = (2..)
            .map(|n| format!("www{n}"))
            .find(|name| !z.records.iter().any(|r| r.name == *name))
            .unwrap_or_default();
        z.records.push(DnsRecord {
            name,
            address,
            ttl: 300,
        });
    }));
    html! {
        <>
            <TextField generation={editor.generation} label="Domain" value={zone.domain.clone()} control="domain" commit={domain} />
            <h4>{ "A records" }</h4>
            <table class="edit-table records">
                <thead><tr><th>{ "Name" }</th><th>{ "Address" }</th><th>{ "TTL (s)" }</th><th></th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            if zone.records.len() < MAX_LIST {
                { small_button("Add record", "add-record", "Add an A record".to_owned(), add) }
            }
        </>
    }
}

fn host_fields(editor: &Editor, patch: &Patch<Host>) -> Html {
    let host = patch.base();
    let ip = editor.text(fields::parse_ip, patch.with(|h: &mut Host, ip| h.ip = ip));
    let public = editor.text(
        fields::parse_optional_ip,
        patch.with(|h: &mut Host, ip| h.public_ip = ip),
    );
    let public_ip = host.public_ip.map(|ip| ip.to_string()).unwrap_or_default();
    html! {
        <>
            <TextField generation={editor.generation} label="Address" value={host.ip.to_string()} control="host-ip" commit={ip} />
            <TextField generation={editor.generation} label="Public address" value={public_ip} control="host-public-ip"
                placeholder="none" commit={public} />
            { agent_fields(editor, patch) }
        </>
    }
}

fn agent_fields(editor: &Editor, patch: &Patch<Host>) -> Html {
    let collectors: Vec<String> = editor
        .topology
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Collector { .. }))
        .map(|n| n.id.clone())
        .collect();
    let Some(agent) = &patch.base().agent else {
        return match collectors.first() {
            Some(collector) => {
                let collector = collector.clone();
                let add = editor.button(patch.edit(move |h| {
                    h.agent = Some(Agent {
                        collector,
                        ..crate::sim::presets::agent()
                    });
                }));
                html! {
                    <div class="form-section">
                        <h4>{ "Monitoring agent" }</h4>
                        { small_button("Add agent", "add-agent", "Add a monitoring agent".to_owned(), add) }
                    </div>
                }
            }
            None => html! {
                <div class="form-section">
                    <h4>{ "Monitoring agent" }</h4>
                    <p class="note">{ "Add a collector to the design first: an agent reports to one." }</p>
                </div>
            },
        };
    };
    let with_agent = |set: fn(&mut Agent, String)| {
        patch.with(move |h: &mut Host, v: String| {
            if let Some(a) = &mut h.agent {
                set(a, v);
            }
        })
    };
    let product = editor.text(fields::parse_text, with_agent(|a, v| a.product = v));
    let interval = editor.text(
        |t| fields::parse_number(t, 1u16, 3_600, " s"),
        patch.with(|h: &mut Host, v| {
            if let Some(a) = &mut h.agent {
                a.interval_s = v;
            }
        }),
    );
    let collector = {
        let build = with_agent(|a, v| a.collector = v);
        editor.pick(move |v: String| Ok(build(v)))
    };
    let remove = editor.button(patch.edit(|h| h.agent = None));
    let choices = collectors.iter().map(|c| (c.as_str(), c.as_str()));
    html! {
        <div class="form-section">
            <h4>{ "Monitoring agent" }</h4>
            <TextField generation={editor.generation} label="Product" value={agent.product.clone()} control="agent-product" commit={product} />
            <TextField generation={editor.generation} label="Interval" value={agent.interval_s.to_string()} control="agent-interval"
                unit="s" inputmode="numeric" commit={interval} />
            <SelectField label="Reports to" value={agent.collector.clone()} options={options(choices)}
                control="agent-collector" commit={collector} />
            { small_button("Remove agent", "remove-agent", "Remove the monitoring agent".to_owned(), remove) }
        </div>
    }
}

fn vip_fields(editor: &Editor, patch: &Patch<Vip>) -> Html {
    let vip = patch.base();
    let ip = editor.text(fields::parse_ip, patch.with(|v: &mut Vip, ip| v.ip = ip));
    let advert = editor.text(
        |t| fields::parse_number(t, 1u8, u8::MAX, " s"),
        patch.with(|v: &mut Vip, n| v.advert_int_s = n),
    );
    let preempt = {
        let build = patch.with(|v: &mut Vip, on| v.preempt = on);
        editor.pick(move |on: bool| Ok(build(on)))
    };
    let rows = vip.members.iter().enumerate().map(|(i, member)| {
        let priority = editor.text(
            |t| fields::parse_number(t, 1u8, u8::MAX, ""),
            patch.with(move |v: &mut Vip, p| {
                if let Some(m) = v.members.get_mut(i) {
                    m.priority = p;
                }
            }),
        );
        let remove = editor.button(patch.edit(|v| {
            v.members.remove(i);
        }));
        html! {
            <tr data-member={member.host.clone()}>
                <td>{ member.host.clone() }</td>
                <td><TextField generation={editor.generation} compact=true label={format!("VRRP priority of {}", member.host)}
                    value={member.priority.to_string()} control="priority" inputmode="numeric" commit={priority} /></td>
                <td>{ small_button("✕", "remove-member", format!("Remove {} from the group", member.host), remove) }</td>
            </tr>
        }
    });
    let candidates: Vec<String> = editor
        .topology
        .hosts()
        .map(|(node, _)| node.id.clone())
        .filter(|id| !vip.members.iter().any(|m| m.host == *id))
        .collect();
    let add = {
        let (editor, build) = (editor.clone(), patch.clone());
        Callback::from(move |host: String| {
            let edit = build.edit(|v| {
                v.members.push(VrrpMember {
                    host,
                    priority: 100,
                })
            });
            if let Err(message) = editor.apply(edit) {
                editor.dispatch.emit(crate::ui::state::Action::Refuse(
                    crate::ui::state::Refusal::Field(message),
                ));
            }
        })
    };
    html! {
        <>
            <TextField generation={editor.generation} label="Virtual address" value={vip.ip.to_string()} control="vip-ip" commit={ip} />
            <TextField generation={editor.generation} label="Advert interval" value={vip.advert_int_s.to_string()} control="advert-int"
                unit="s" inputmode="numeric" commit={advert} />
            <CheckField label="Preempt (a higher priority takes MASTER back)" checked={vip.preempt}
                control="preempt" commit={preempt} />
            <h4>{ "VRRP members" }</h4>
            <table class="edit-table members">
                <thead><tr><th>{ "Host" }</th><th>{ "Priority" }</th><th></th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            if vip.members.len() < MAX_LIST {
                { add_select("Add a member…", "add-member", &candidates, add) }
            }
        </>
    }
}
