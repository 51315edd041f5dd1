//! A host's firewall as an ordered table: rules are tried top to bottom and the first match
//! decides, so rows can be added, removed and moved up and down; each rule's action,
//! protocol, source network, port and comment are fields. Also the default policy for
//! incoming packets no rule matches, and adding or removing the whole firewall.

use yew::prelude::*;

use crate::sim::format::MAX_RULES;
use crate::sim::topology::{
    Cidr, Firewall, Host, Node, NodeKind, Proto, Rule, ServiceKind, Verdict,
};
use crate::ui::edit::Edit;
use crate::ui::fields;
use crate::web::components::field::{Editor, Patch, SelectField, TextField, options, small_button};

fn action_key(action: Verdict) -> &'static str {
    match action {
        Verdict::Allow => "allow",
        Verdict::Deny => "deny",
        Verdict::Reject => "reject",
    }
}

fn parse_action(key: &str) -> Result<Verdict, String> {
    match key {
        "allow" => Ok(Verdict::Allow),
        "deny" => Ok(Verdict::Deny),
        "reject" => Ok(Verdict::Reject),
        other => Err(format!("'{other}' is not allow, deny or reject")),
    }
}

fn proto_key(proto: Proto) -> &'static str {
    match proto {
        Proto::Tcp => "tcp",
        Proto::Udp => "udp",
        Proto::Any => "any",
    }
}

fn parse_proto(key: &str) -> Result<Proto, String> {
    match key {
        "tcp" => Ok(Proto::Tcp),
        "udp" => Ok(Proto::Udp),
        "any" => Ok(Proto::Any),
        other => Err(format!("'{other}' is not tcp, udp or any")),
    }
}

/// The firewall a host gets when one is added: deny by default, and allow the ports its
/// services listen on from anywhere (the user narrows them down).
pub fn new_firewall(host: &Host) -> Firewall {
    let mut rules: Vec<Rule> = Vec::new();
    let mut allow = |port: u16, comment: &str| {
        if !rules.iter().any(|r| r.port == Some(port)) {
            rules.push(Rule {
                action: Verdict::Allow,
                proto: Proto::Tcp,
                from: Cidr::ANY,
                port: Some(port),
                comment: comment.to_owned(),
            });
        }
    };
    for service in &host.services {
        match &service.kind {
            ServiceKind::LoadBalancer(lb) => {
                allow(lb.http_port, &service.id);
                if lb.certificate.is_some() {
                    allow(443, &service.id);
                }
            }
            ServiceKind::WebServer(web) => {
                allow(web.listen, &service.id);
                if web.certificate.is_some() {
                    allow(443, &service.id);
                }
            }
            ServiceKind::AppServer(app) => allow(app.port, &service.id),
            ServiceKind::Database(db) => allow(db.port, &service.id),
            ServiceKind::AppFiles { .. } => {}
        }
    }
    Firewall {
        default_incoming: Verdict::Deny,
        rules,
    }
}

/// The firewall of `node`, a host (other nodes draw nothing). A plain function (its fields are
/// the components with state), not a component.
pub fn firewall_table(node: &Node, editor: &Editor) -> Html {
    let NodeKind::Host(host) = &node.kind else {
        return html! {};
    };
    let host_patch = {
        let node = node.clone();
        Patch::new(host.clone(), move |host| {
            Edit::ReplaceNode(Node {
                kind: NodeKind::Host(host),
                ..node.clone()
            })
        })
    };
    let Some(firewall) = &host.firewall else {
        let add = editor.button(host_patch.edit(|h| h.firewall = Some(new_firewall(h))));
        return html! {
            <div class="form-section firewall">
                <h4>{ "Firewall" }</h4>
                <p class="note">{ "No firewall: every port is open to everyone." }</p>
                { small_button("Add firewall", "add-firewall",
                    "Add a firewall that denies by default and allows this host's service ports".to_owned(), add) }
            </div>
        };
    };
    let patch = {
        let host_patch = host_patch.clone();
        Patch::new(firewall.clone(), move |fw| {
            host_patch.edit(|h| h.firewall = Some(fw))
        })
    };
    let default = {
        let build = patch.with(|fw: &mut Firewall, a| fw.default_incoming = a);
        editor.pick(move |key: String| Ok(build(parse_action(&key)?)))
    };
    let count = firewall.rules.len();
    let rows = firewall
        .rules
        .iter()
        .enumerate()
        .map(|(i, rule)| rule_row(editor, &patch, i, count, rule));
    let add = editor.button(patch.edit(|fw| {
        fw.rules.push(Rule {
            action: Verdict::Allow,
            proto: Proto::Tcp,
            from: Cidr::ANY,
            port: Some(80),
            comment: String::new(),
        });
    }));
    let remove = editor.button(host_patch.edit(|h| h.firewall = None));
    let actions = options([
        ("allow", "allow"),
        ("deny", "deny (drop)"),
        ("reject", "reject"),
    ]);
    html! {
        <div class="form-section firewall">
            <h4>{ "Firewall" }</h4>
            <p class="note">{ "Rules are tried top to bottom; the first that matches decides. Replies and loopback always pass." }</p>
            <div class="table-scroll">
            <table class="edit-table rules">
                <thead>
                    <tr>
                        <th>{ "#" }</th><th>{ "Action" }</th><th>{ "Proto" }</th><th>{ "From" }</th>
                        <th>{ "Port" }</th><th>{ "Comment" }</th><th></th>
                    </tr>
                </thead>
                <tbody>{ for rows }</tbody>
            </table>
            </div>
            if count < MAX_RULES {
                { small_button("Add rule", "add-rule", "Add a rule at the bottom".to_owned(), add) }
            }
            <SelectField label="Anything else incoming" value={action_key(firewall.default_incoming)}
                options={actions} control="default-incoming" commit={default} />
            { small_button("Remove firewall", "remove-firewall", "Remove the firewall: every port open".to_owned(), remove) }
        </div>
    }
}

fn rule_row(editor: &Editor, patch: &Patch<Firewall>, i: usize, count: usize, rule: &Rule) -> Html {
    let n = i + 1;
    let with = |set: fn(&mut Rule, String) -> Result<(), String>| {
        let build = patch.clone();
        editor.pick(move |v: String| {
            let mut result = Ok(());
            let edit = build.edit(|fw| {
                if let Some(r) = fw.rules.get_mut(i) {
                    result = set(r, v);
                }
            });
            result.map(|()| edit)
        })
    };
    let action = with(|r, v| {
        r.action = parse_action(&v)?;
        Ok(())
    });
    let proto = with(|r, v| {
        r.proto = parse_proto(&v)?;
        Ok(())
    });
    let from = editor.text(
        fields::parse_cidr,
        patch.with(move |fw: &mut Firewall, c| {
            if let Some(r) = fw.rules.get_mut(i) {
                r.from = c;
            }
        }),
    );
    let port = editor.text(
        fields::parse_optional_port,
        patch.with(move |fw: &mut Firewall, p| {
            if let Some(r) = fw.rules.get_mut(i) {
                r.port = p;
            }
        }),
    );
    let comment = editor.text(
        fields::parse_optional_text,
        patch.with(move |fw: &mut Firewall, c| {
            if let Some(r) = fw.rules.get_mut(i) {
                r.comment = c;
            }
        }),
    );
    let up = editor.button(patch.edit(|fw| fw.rules.swap(i, i.saturating_sub(1))));
    let down = editor.button(patch.edit(|fw| {
        if i + 1 < fw.rules.len() {
            fw.rules.swap(i, i + 1);
        }
    }));
    let remove = editor.button(patch.edit(|fw| {
        fw.rules.remove(i);
    }));
    let port_text = rule.port.map(|p| p.to_string()).unwrap_or_default();
    html! {
        <tr data-rule={i.to_string()}>
            <td class="rule-number">{ n }</td>
            <td><SelectField compact=true label={format!("Action of rule {n}")} value={action_key(rule.action)}
                options={options([("allow", "allow"), ("deny", "deny"), ("reject", "reject")])}
                control="rule-action" commit={action} /></td>
            <td><SelectField compact=true label={format!("Protocol of rule {n}")} value={proto_key(rule.proto)}
                options={options([("tcp", "tcp"), ("udp", "udp"), ("any", "any")])}
                control="rule-proto" commit={proto} /></td>
            <td><TextField generation={editor.generation} compact=true label={format!("Source network of rule {n}")} value={rule.from.to_string()}
                control="rule-from" commit={from} /></td>
            <td><TextField generation={editor.generation} compact=true label={format!("Port of rule {n} (empty: any)")} value={port_text}
                placeholder="any" control="rule-port" inputmode="numeric" commit={port} /></td>
            <td><TextField generation={editor.generation} compact=true label={format!("Comment of rule {n}")} value={rule.comment.clone()}
                control="rule-comment" commit={comment} /></td>
            <td class="row-buttons">
                if i > 0 {
                    { small_button("↑", "rule-up", format!("Move rule {n} up"), up) }
                }
                if i + 1 < count {
                    { small_button("↓", "rule-down", format!("Move rule {n} down"), down) }
                }
                { small_button("✕", "remove-rule", format!("Remove rule {n}"), remove) }
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::presets;

    fn host(stage: u8, id: &str) -> Host {
        let topology = presets::topology(stage).expect("stage");
        match topology.node(id).map(|n| n.kind.clone()) {
            Some(NodeKind::Host(host)) => host,
            other => panic!("{id} is not a host: {other:?}"),
        }
    }

    #[test]
    fn a_new_firewall_denies_by_default_and_allows_the_services_ports() {
        let fw = new_firewall(&host(1, "server-01"));
        assert_eq!(fw.default_incoming, Verdict::Deny);
        let rules: Vec<String> = fw.rules.iter().map(ToString::to_string).collect();
        assert_eq!(
            rules,
            [
                "allow tcp/80 from any",
                "allow tcp/9000 from any",
                "allow tcp/3306 from any"
            ]
        );
        // A balancer with a certificate gets 443 too, once.
        let fw = new_firewall(&host(2, "lb-01"));
        let ports: Vec<Option<u16>> = fw.rules.iter().map(|r| r.port).collect();
        assert_eq!(ports, [Some(80), Some(443)]);
    }

    #[test]
    fn menu_keys_round_trip() {
        for action in [Verdict::Allow, Verdict::Deny, Verdict::Reject] {
            assert_eq!(parse_action(action_key(action)), Ok(action));
        }
        for proto in [Proto::Tcp, Proto::Udp, Proto::Any] {
            assert_eq!(parse_proto(proto_key(proto)), Ok(proto));
        }
        assert!(parse_action("drop").is_err());
        assert!(parse_proto("icmp").is_err());
    }
}
