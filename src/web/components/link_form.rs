//! The inspector's form for a link: a link leaving a load balancer is one of its `server`
//! lines, with a weight, a backup flag and a health check; other links have no settings.

use yew::prelude::*;

use crate::sim::format::MAX_WEIGHT;
use crate::sim::topology::{Link, ServiceKind};
use crate::ui::edit::Edit;
use crate::ui::fields;
use crate::web::components::field::{CheckField, Editor, Patch, TextField};

/// The form of `link`. A plain function (its fields are the components with state), not a
/// component.
pub fn link_form(link: &Link, editor: &Editor) -> Html {
    let from_balancer = matches!(
        editor.topology.service(&link.from),
        Some((_, s)) if matches!(s.kind, ServiceKind::LoadBalancer(_))
    );
    if !from_balancer {
        return html! {
            <p class="note">{ "This link carries requests. Weight, backup and health checks belong to links leaving a load balancer." }</p>
        };
    }
    let patch = Patch::new(link.clone(), Edit::ReplaceLink);
    let weight = editor.text(
        |t| fields::parse_number(t, 0u16, MAX_WEIGHT, ""),
        patch.with(|l: &mut Link, w| l.weight = w),
    );
    let backup = {
        let build = patch.with(|l: &mut Link, on| l.backup = on);
        editor.pick(move |on: bool| Ok(build(on)))
    };
    let check = {
        let build = patch.with(|l: &mut Link, on| l.check = on);
        editor.pick(move |on: bool| Ok(build(on)))
    };
    html! {
        <div class="form link-form">
            <TextField generation={editor.generation} label="Weight" value={link.weight.to_string()} control="weight"
                inputmode="numeric" commit={weight} />
            <CheckField label="Backup (used only when no other server is up)" checked={link.backup}
                control="backup" commit={backup} />
            <CheckField label="Health check" checked={link.check} control="check" commit={check} />
        </div>
    }
}
