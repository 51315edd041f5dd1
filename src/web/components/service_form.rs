//! The inspector's form for a service: its id, then HAProxy's algorithm, port, health checks,
//! retries and certificate; Nginx's port, static paths and certificate; the application
//! server's runtime, port, workers and service time; the code's path; MySQL's port, server-id
//! and replication role.

use yew::prelude::*;

use crate::sim::format::MAX_LIST;
use crate::sim::presets;
use crate::sim::topology::{
    AppServer, Balance, Certificate, DbRole, Haproxy, Mysql, Nginx, Service, ServiceKind,
};
use crate::ui::edit::Edit;
use crate::ui::fields;
use crate::web::components::field::{
    CheckField, Editor, Patch, SelectField, TextField, id_field, options, small_button,
};

/// Edits of one kind of service replace the whole service.
fn kind_patch<K: Clone + 'static>(
    service: &Service,
    kind: &K,
    wrap: fn(K) -> ServiceKind,
) -> Patch<K> {
    let id = service.id.clone();
    Patch::new(kind.clone(), move |kind| {
        Edit::ReplaceService(Service {
            id: id.clone(),
            kind: wrap(kind),
        })
    })
}

const BALANCES: [Balance; 4] = [
    Balance::RoundRobin,
    Balance::StaticRr,
    Balance::LeastConn,
    Balance::First,
];

/// The form of `service`. A plain function (its fields are the components with state), not a
/// component.
pub fn service_form(service: &Service, editor: &Editor) -> Html {
    let body = match &service.kind {
        ServiceKind::LoadBalancer(lb) => {
            haproxy_fields(editor, &kind_patch(service, lb, ServiceKind::LoadBalancer))
        }
        ServiceKind::WebServer(web) => {
            nginx_fields(editor, &kind_patch(service, web, ServiceKind::WebServer))
        }
        ServiceKind::AppServer(app) => {
            app_fields(editor, &kind_patch(service, app, ServiceKind::AppServer))
        }
        ServiceKind::AppFiles { path } => {
            let id = service.id.clone();
            let commit = editor.text(fields::parse_path, move |path| {
                Edit::ReplaceService(Service {
                    id: id.clone(),
                    kind: ServiceKind::AppFiles { path },
                })
            });
            html! { <TextField generation={editor.generation} label="Code path" value={path.clone()} control="code-path" {commit} /> }
        }
        ServiceKind::Database(db) => mysql_fields(
            editor,
            &kind_patch(service, db, ServiceKind::Database),
            &service.id,
        ),
    };
    html! {
        <div class="form service-form">
            { id_field(editor, &service.id) }
            { body }
        </div>
    }
}

fn port_field(
    editor: &Editor,
    label: &'static str,
    control: &'static str,
    port: u16,
    build: impl Fn(u16) -> Edit + 'static,
) -> Html {
    let commit = editor.text(fields::parse_port, build);
    html! {
        <TextField generation={editor.generation} {label} value={port.to_string()} {control} inputmode="numeric" {commit} />
    }
}

fn haproxy_fields(editor: &Editor, patch: &Patch<Haproxy>) -> Html {
    let lb = patch.base();
    let balance = {
        let build = patch.with(|h: &mut Haproxy, b| h.balance = b);
        editor.pick(move |key: String| {
            let balance = BALANCES
                .into_iter()
                .find(|b| b.keyword() == key)
                .ok_or_else(|| format!("'{key}' is not a balance algorithm"))?;
            Ok(build(balance))
        })
    };
    let algorithms = options([
        ("roundrobin", "roundrobin (weighted, dynamic)"),
        ("static-rr", "static-rr (weighted, fixed)"),
        ("leastconn", "leastconn"),
        ("first", "first"),
    ]);
    let inter = editor.text(
        |t| fields::parse_number(t, 1u32, 3_600_000, " ms"),
        patch.with(|h: &mut Haproxy, v| h.health_check.inter_ms = v),
    );
    let rise = editor.text(
        |t| fields::parse_number(t, 1u8, 128, ""),
        patch.with(|h: &mut Haproxy, v| h.health_check.rise = v),
    );
    let fall = editor.text(
        |t| fields::parse_number(t, 1u8, 128, ""),
        patch.with(|h: &mut Haproxy, v| h.health_check.fall = v),
    );
    let retries = editor.text(
        |t| fields::parse_number(t, 0u8, 100, ""),
        patch.with(|h: &mut Haproxy, v| h.retries = v),
    );
    let redispatch = {
        let build = patch.with(|h: &mut Haproxy, on| h.redispatch = on);
        editor.pick(move |on: bool| Ok(build(on)))
    };
    let redirect = {
        let build = patch.with(|h: &mut Haproxy, on| h.redirect_to_https = on);
        let has_cert = lb.certificate.is_some();
        editor.pick(move |on: bool| {
            if on && !has_cert {
                return Err("redirecting to HTTPS needs a certificate; add one first".to_owned());
            }
            Ok(build(on))
        })
    };
    let certificate = certificate_fields(
        editor,
        lb.certificate.as_ref(),
        patch.with(|h: &mut Haproxy, c: Option<Certificate>| {
            if c.is_none() {
                h.redirect_to_https = false;
            }
            h.certificate = c;
        }),
    );
    html! {
        <>
            <SelectField label="Balance" value={lb.balance.keyword()} options={algorithms}
                control="balance" commit={balance} />
            { port_field(editor, "HTTP port", "http-port", lb.http_port, patch.with(|h: &mut Haproxy, p| h.http_port = p)) }
            <div class="form-section">
                <h4>{ "Health checks" }</h4>
                <TextField generation={editor.generation} label="Interval (inter)" value={lb.health_check.inter_ms.to_string()} control="inter"
                    unit="ms" inputmode="numeric" commit={inter} />
                <TextField generation={editor.generation} label="Rise" value={lb.health_check.rise.to_string()} control="rise"
                    inputmode="numeric" commit={rise} />
                <TextField generation={editor.generation} label="Fall" value={lb.health_check.fall.to_string()} control="fall"
                    inputmode="numeric" commit={fall} />
                <TextField generation={editor.generation} label="Retries" value={lb.retries.to_string()} control="retries"
                    inputmode="numeric" commit={retries} />
                <CheckField label="Redispatch (a retry goes to another server)" checked={lb.redispatch}
                    control="redispatch" commit={redispatch} />
            </div>
            { certificate }
            <CheckField label="Redirect HTTP to HTTPS" checked={lb.redirect_to_https}
                control="redirect-https" commit={redirect} />
            <p class="note">{ "Weights, backup and checks of the servers are on the links leaving this balancer: click one." }</p>
        </>
    }
}

/// A certificate's fields, or a button adding one; `build` makes the edit that sets it.
fn certificate_fields(
    editor: &Editor,
    certificate: Option<&Certificate>,
    build: impl Fn(Option<Certificate>) -> Edit + 'static,
) -> Html {
    let Some(cert) = certificate else {
        let add = editor.button(build(Some(presets::certificate())));
        return html! {
            <div class="form-section">
                <h4>{ "Certificate" }</h4>
                <p class="note">{ "No certificate: HTTPS does not end here." }</p>
                { small_button("Add certificate", "add-certificate", "Add a certificate (HTTPS on :443)".to_owned(), add) }
            </div>
        };
    };
    let remove = editor.button(build(None));
    let build = std::rc::Rc::new(build);
    let with = |set: fn(&mut Certificate, String)| {
        let (build, cert) = (build.clone(), cert.clone());
        move |value: String| {
            let mut next = cert.clone();
            set(&mut next, value);
            build(Some(next))
        }
    };
    let name = editor.text(fields::parse_text, with(|c, v| c.common_name = v));
    let issuer = editor.text(fields::parse_text, with(|c, v| c.issuer = v));
    html! {
        <div class="form-section">
            <h4>{ "Certificate" }</h4>
            <TextField generation={editor.generation} label="Common name" value={cert.common_name.clone()} control="cert-name" commit={name} />
            <TextField generation={editor.generation} label="Issuer" value={cert.issuer.clone()} control="cert-issuer" commit={issuer} />
            { small_button("Remove certificate", "remove-certificate", "Remove the certificate".to_owned(), remove) }
        </div>
    }
}

fn nginx_fields(editor: &Editor, patch: &Patch<Nginx>) -> Html {
    let web = patch.base();
    let rows = web.static_paths.iter().enumerate().map(|(i, path)| {
        let commit = editor.text(
            fields::parse_path,
            patch.with(move |w: &mut Nginx, p| {
                if let Some(slot) = w.static_paths.get_mut(i) {
                    *slot = p;
                }
            }),
        );
        let remove = editor.button(patch.edit(|w| {
            w.static_paths.remove(i);
        }));
        html! {
            <li data-path={i.to_string()}>
                <TextField generation={editor.generation} compact=true label={format!("Static path {}", i + 1)} value={path.clone()}
                    control="static-path" {commit} />
                { small_button("✕", "remove-path", format!("Remove {path}"), remove) }
            </li>
        }
    });
    let add = editor.button(patch.edit(|w| {
        let path = (1..)
            .map(|n| {
                if n == 1 {
                    "/assets/".to_owned()
                } else {
                    format!("/assets{n}/")
                }
            })
            .find(|p| !w.static_paths.contains(p))
            .unwrap_or_default();
        w.static_paths.push(path);
    }));
    let certificate = certificate_fields(
        editor,
        web.certificate.as_ref(),
        patch.with(|w: &mut Nginx, c| w.certificate = c),
    );
    html! {
        <>
            { port_field(editor, "Listen port", "listen", web.listen, patch.with(|w: &mut Nginx, p| w.listen = p)) }
            <div class="form-section">
                <h4>{ "Static paths" }</h4>
                <p class="note">{ "URL prefixes served from disk; everything else goes to the application." }</p>
                <ul class="edit-list static-paths">{ for rows }</ul>
                if web.static_paths.len() < MAX_LIST {
                    { small_button("Add path", "add-path", "Add a static path".to_owned(), add) }
                }
            </div>
            { certificate }
        </>
    }
}

fn app_fields(editor: &Editor, patch: &Patch<AppServer>) -> Html {
    let app = patch.base();
    let runtime = editor.text(
        fields::parse_text,
        patch.with(|a: &mut AppServer, v| a.runtime = v),
    );
    let workers = editor.text(
        |t| fields::parse_number(t, 1u16, 10_000, ""),
        patch.with(|a: &mut AppServer, v| a.workers = v),
    );
    let time = editor.text(
        |t| fields::parse_millis_as_micros(t, 1, 60_000_000),
        patch.with(|a: &mut AppServer, v| a.service_time_us = v),
    );
    let replica = {
        let build = patch.with(|a: &mut AppServer, on| a.reads_to_replica = on);
        editor.pick(move |on: bool| Ok(build(on)))
    };
    html! {
        <>
            <TextField generation={editor.generation} label="Runtime" value={app.runtime.clone()} control="runtime" commit={runtime} />
            { port_field(editor, "Port", "app-port", app.port, patch.with(|a: &mut AppServer, p| a.port = p)) }
            <TextField generation={editor.generation} label="Workers" value={app.workers.to_string()} control="workers"
                inputmode="numeric" commit={workers} />
            <TextField generation={editor.generation} label="Service time" value={fields::format_millis(app.service_time_us)}
                control="service-time" unit="ms" inputmode="decimal" commit={time} />
            <CheckField label="Send reads to a replica" checked={app.reads_to_replica}
                control="reads-to-replica" commit={replica} />
        </>
    }
}

fn mysql_fields(editor: &Editor, patch: &Patch<Mysql>, own_id: &str) -> Html {
    let db = patch.base();
    let sources: Vec<String> = editor
        .topology
        .hosts()
        .flat_map(|(_, h)| h.services.iter())
        .filter(|s| s.id != own_id && matches!(s.kind, ServiceKind::Database(_)))
        .map(|s| s.id.clone())
        .collect();
    let server_id = editor.text(
        |t| fields::parse_number(t, 1u32, u32::MAX, ""),
        patch.with(|m: &mut Mysql, v| m.server_id = v),
    );
    let role = {
        let build = patch.with(|m: &mut Mysql, r| m.role = r);
        let first = sources.first().cloned();
        let current = db.role.clone();
        editor.pick(move |key: String| {
            let role = match (key.as_str(), &current) {
                ("primary", _) => DbRole::Primary,
                ("replica", DbRole::Replica { .. }) => current.clone(),
                ("replica", DbRole::Primary) => DbRole::Replica {
                    source: first
                        .clone()
                        .ok_or("there is no other database to replicate from; add one first")?,
                    lag_ms: 100,
                    lag_jitter_ms: 0,
                },
                _ => return Err(format!("'{key}' is not primary or replica")),
            };
            Ok(build(role))
        })
    };
    let (role_key, replica) = match &db.role {
        DbRole::Primary => ("primary", None),
        DbRole::Replica {
            source,
            lag_ms,
            lag_jitter_ms,
        } => ("replica", Some((source.clone(), *lag_ms, *lag_jitter_ms))),
    };
    let replica = replica.map(|(source, lag, jitter)| {
        let set_source = {
            let build = patch.with(|m: &mut Mysql, s: String| {
                if let DbRole::Replica { source, .. } = &mut m.role {
                    *source = s;
                }
            });
            editor.pick(move |s: String| Ok(build(s)))
        };
        let lag_commit = editor.text(
            |t| fields::parse_number(t, 0u32, 3_600_000, " ms"),
            patch.with(|m: &mut Mysql, v| {
                if let DbRole::Replica { lag_ms, .. } = &mut m.role {
                    *lag_ms = v;
                }
            }),
        );
        let jitter_commit = editor.text(
            |t| fields::parse_number(t, 0u32, 3_600_000, " ms"),
            patch.with(|m: &mut Mysql, v| {
                if let DbRole::Replica { lag_jitter_ms, .. } = &mut m.role {
                    *lag_jitter_ms = v;
                }
            }),
        );
        let choices = options(sources.iter().map(|s| (s.as_str(), s.as_str())));
        html! {
            <>
                <SelectField label="Replicates from" value={source} options={choices}
                    control="source" commit={set_source} />
                <TextField generation={editor.generation} label="Lag" value={lag.to_string()} control="lag" unit="ms"
                    inputmode="numeric" commit={lag_commit} />
                <TextField generation={editor.generation} label="Lag jitter (±)" value={jitter.to_string()} control="lag-jitter" unit="ms"
                    inputmode="numeric" commit={jitter_commit} />
            </>
        }
    });
    html! {
        <>
            { port_field(editor, "Port", "db-port", db.port, patch.with(|m: &mut Mysql, p| m.port = p)) }
            <TextField generation={editor.generation} label="server-id" value={db.server_id.to_string()} control="server-id"
                inputmode="numeric" commit={server_id} />
            <SelectField label="Role" value={role_key} options={options([("primary", "primary"), ("replica", "replica")])}
                control="role" commit={role} />
            { for replica }
        </>
    }
}
