//! The export: the files a team would deploy for this design, listed by host; the selected one
//! with syntax colouring, Copy and Download; and every file as one zip archive.

use std::rc::Rc;

use yew::prelude::*;

use crate::sim::export::{self, ExportFile, FileKind};
use crate::sim::topology::Topology;
use crate::ui::archive;
use crate::ui::state::{Action, ViewAction};
use crate::web::components::code_view;
use crate::web::components::download;

#[derive(Properties, PartialEq)]
pub struct ExportPanelProps {
    pub topology: Rc<Topology>,
    /// The path of the file shown; the first file when it is `None` or not in the export.
    pub selected: Option<String>,
    pub dispatch: Callback<Action>,
}

/// The real tool Stacksim's tests run on each kind of file.
fn checked_by(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Haproxy => "checked by haproxy -c in the test suite",
        FileKind::Keepalived => "checked by keepalived --config-test in the test suite",
        FileKind::Nginx => "checked by nginx -t in the test suite",
        FileKind::Nftables => "checked by nft -c in the test suite",
        FileKind::Ufw => "checked by ufw --dry-run in the test suite",
        FileKind::DnsZone => "checked by named-checkzone in the test suite",
        FileKind::PhpFpm => "checked by php-fpm8.2 -t in the test suite",
        FileKind::Mysql => "not checked by a tool (Debian ships MariaDB, not MySQL 8)",
    }
}

/// The files grouped by host, in export order; zone-wide files under "dns".
fn groups(files: &[ExportFile]) -> Vec<(String, Vec<&ExportFile>)> {
    let mut out: Vec<(String, Vec<&ExportFile>)> = Vec::new();
    for file in files {
        let host = file.host.clone().unwrap_or_else(|| "dns".to_owned());
        match out.iter_mut().find(|(h, _)| *h == host) {
            Some((_, list)) => list.push(file),
            None => out.push((host, vec![file])),
        }
    }
    out
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// What Copy or Download last said, for which file.
#[derive(Clone, PartialEq)]
struct Status {
    path: String,
    ok: bool,
    text: String,
}

#[component]
pub fn ExportPanel(props: &ExportPanelProps) -> Html {
    let ExportPanelProps {
        topology,
        selected,
        dispatch,
    } = props;
    let files = use_memo(topology.clone(), |t| export::export(t));
    let status = use_state_eq(|| None::<Status>);
    let code = use_node_ref();
    let shown = selected
        .as_deref()
        .and_then(|p| files.iter().find(|f| f.path == p))
        .or_else(|| files.first());
    // The shown file's coloured tokens, made again only when another text is shown.
    let tokens = use_memo(
        shown.map(|f| (f.kind, f.contents.clone())),
        |shown| match shown {
            Some((kind, contents)) => code_view::tokens(*kind, contents),
            None => Vec::new(),
        },
    );
    let slug = archive::slug(&topology.name);
    let say = {
        let status = status.clone();
        move |path: &str, ok: bool, text: String| {
            status.set(Some(Status {
                path: path.to_owned(),
                ok,
                text,
            }))
        }
    };
    let on_copy = shown.map(|file| {
        let (path, text, say, code) = (
            file.path.clone(),
            file.contents.clone(),
            say.clone(),
            code.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            say(&path, true, "Copying…".to_owned());
            let (path, say, code) = (path.clone(), say.clone(), code.clone());
            let done = Callback::from(move |result: Result<(), String>| match result {
                Ok(()) => say(&path, true, format!("Copied {path} to the clipboard.")),
                Err(why) => {
                    if let Some(pre) = code.get() {
                        download::select_contents(&pre);
                    }
                    say(
                        &path,
                        false,
                        format!("Not copied: {why}. The text is selected: press Ctrl+C (⌘C)."),
                    );
                }
            });
            download::copy_text(text.clone(), done);
        })
    });
    let on_download = shown.map(|file| {
        let (path, text, say) = (file.path.clone(), file.contents.clone(), say.clone());
        let name = format!("{slug}-{}", path.replace('/', "-"));
        Callback::from(move |_: MouseEvent| {
            match download::download(&name, text.as_bytes(), "text/plain;charset=utf-8") {
                Ok(()) => say(&path, true, format!("Saved as {name}.")),
                Err(why) => say(&path, false, why),
            }
        })
    });
    let on_download_all = {
        let (files, say, shown_path) = (
            files.clone(),
            say.clone(),
            shown.map(|f| f.path.clone()).unwrap_or_default(),
        );
        let slug = slug.clone();
        Callback::from(move |_: MouseEvent| {
            let name = format!("{slug}.zip");
            let entries: Vec<(String, &[u8])> = files
                .iter()
                .map(|f| (format!("{slug}/{}", f.path), f.contents.as_bytes()))
                .collect();
            let zipped = archive::zip(entries.iter().map(|(p, b)| (p.as_str(), *b)));
            let result = zipped
                .map_err(|e| e.to_string())
                .and_then(|bytes| download::download(&name, &bytes, "application/zip"));
            match result {
                Ok(()) => say(
                    &shown_path,
                    true,
                    format!("Saved all {} files as {name}.", files.len()),
                ),
                Err(why) => say(&shown_path, false, why),
            }
        })
    };
    let status_line = status
        .as_ref()
        .filter(|s| shown.is_some_and(|f| f.path == s.path))
        .map(|s| html! {
            <p class={classes!("copy-status", if s.ok { "ok" } else { "failed" })} role="status">{ s.text.clone() }</p>
        });
    html! {
        <section class="panel export" aria-label="Export">
            <h2>{ "Export: the files to deploy" }</h2>
            <p class="note">
                { "Every value comes from this design. Stacksim's test suite runs the real tools on these files (haproxy -c, nginx -t, keepalived --config-test, nft -c, named-checkzone, ufw --dry-run, php-fpm8.2 -t) and starts real HAProxy on one. The comment at the top of each file says what Stacksim simplifies." }
            </p>
            if files.is_empty() {
                <p class="empty-list">{ "Nothing to export: the design has no hosts and no DNS zone." }</p>
            }
            <div class="file-groups">
                { for groups(&files).into_iter().map(|(host, list)| html! {
                    <div class="file-group" data-host={host.clone()}>
                        <span class="file-host">{ host }</span>
                        { for list.into_iter().map(|file| {
                            let active = shown.is_some_and(|s| s.path == file.path);
                            let path = file.path.clone();
                            html! {
                                <button type="button" class={classes!("seg", "file-pick", active.then_some("active"))}
                                    data-path={file.path.clone()} aria-pressed={active.to_string()}
                                    title={format!("{} · {}", file.kind.label(), checked_by(file.kind))}
                                    onclick={dispatch.reform(move |_: MouseEvent| Action::View(ViewAction::ShowFile(path.clone())))}>
                                    { file_name(&file.path).to_owned() }
                                </button>
                            }
                        }) }
                    </div>
                }) }
            </div>
            if let Some(file) = shown {
                <div class="file-view" data-shown={file.path.clone()}>
                    <div class="file-bar">
                        <span class="file-path mono">{ file.path.clone() }</span>
                        <span class="file-kind">{ format!("{} · {}", file.kind.label(), checked_by(file.kind)) }</span>
                        <span class="file-actions">
                            <button type="button" class="ctl" data-action="copy" onclick={on_copy}>{ "Copy" }</button>
                            <button type="button" class="ctl" data-action="download" onclick={on_download}>{ "Download" }</button>
                        </span>
                    </div>
                    { for status_line }
                    { code_view::code_view(&tokens, &code) }
                </div>
            }
            if !files.is_empty() {
                <p class="download-all">
                    <button type="button" class="primary" data-action="download-all" onclick={on_download_all}>
                        { format!("Download all ({} files, .zip)", files.len()) }
                    </button>
                </p>
            }
        </section>
    }
}
