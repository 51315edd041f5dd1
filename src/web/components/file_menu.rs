//! The work as files and links: New, Open, Save, Share link, and the diagram as SVG or PNG.
//!
//! Opening reads the file's text and hands it to the reducer ([`Action::Work(WorkAction::Open)`]), which keeps
//! the work untouched and says why when the file is not a design. Saving and sharing write the
//! reducer's [`Document`]; nothing here knows the format.

use base64::Engine;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlCanvasElement, HtmlImageElement, HtmlInputElement};
use yew::prelude::*;

use crate::sim::number::shortest;

use crate::ui::load_run::LoadSettings;
use crate::ui::session::WorkId;
use crate::ui::state::{Action, Refusal, WorkAction, WorkDocument};
use crate::web::components::download::{copy_text, download};
use crate::web::components::recent_menu::recent_menu;

#[derive(Properties, PartialEq)]
pub struct FileMenuProps {
    pub document: WorkDocument,
    /// The drawing's size, for the exported pictures.
    pub width: f64,
    pub height: f64,
    /// The last load run's settings: the share link carries them too.
    #[prop_or_default]
    pub load_test: Option<LoadSettings>,
    /// The work on screen (marked in Recent work).
    #[prop_or_default]
    pub work: WorkId,
    pub dispatch: Callback<Action>,
}

#[component]
pub fn FileMenu(props: &FileMenuProps) -> Html {
    let FileMenuProps {
        document,
        width,
        height,
        load_test,
        work,
        dispatch,
    } = props;
    let status = use_state(|| None::<String>);
    let recent = use_state(|| None);
    let input = use_node_ref();
    let root = use_node_ref();
    let stem = crate::ui::archive::slug(&document.topology.name);
    let on_new = dispatch.reform(|_: MouseEvent| Action::Work(WorkAction::NewDesign));
    let on_open = {
        let input = input.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(input) = input.cast::<HtmlInputElement>() {
                input.click();
            }
        })
    };
    let on_file = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            let Some(input) = event.target_dyn_into::<HtmlInputElement>() else {
                return;
            };
            let file = input.files().and_then(|files| files.get(0));
            // The same file may be chosen again after fixing it.
            input.set_value("");
            let Some(file) = file else {
                return;
            };
            let dispatch = dispatch.clone();
            let name = file.name();
            yew::platform::spawn_local(async move {
                match JsFuture::from(file.text())
                    .await
                    .ok()
                    .and_then(|t| t.as_string())
                {
                    Some(text) => dispatch.emit(Action::Work(WorkAction::Open(text))),
                    None => dispatch.emit(Action::Refuse(Refusal::Unreadable(name))),
                }
            });
        })
    };
    let on_save = {
        let (document, stem, dispatch) = (document.clone(), stem.clone(), dispatch.clone());
        Callback::from(move |_: MouseEvent| {
            let name = format!("{stem}.stacksim.json");
            if let Err(err) = download(
                &name,
                document.document().to_json().as_bytes(),
                "application/json",
            ) {
                dispatch.emit(Action::Refuse(Refusal::File(err)));
            }
        })
    };
    let link = use_state(|| None::<String>);
    let on_share = {
        let (document, status, load_test, link) = (
            document.clone(),
            status.clone(),
            load_test.clone(),
            link.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some(location) = web_sys::window().map(|w| w.location()) else {
                return;
            };
            // The address bar is left alone: a reload opens the autosave, which follows edits
            // made after sharing.
            let base = location.href().unwrap_or_default();
            let base = base.split('#').next().unwrap_or_default();
            let mut url = format!("{base}#{}", document.document().to_fragment());
            if let Some(settings) = &load_test {
                url.push('&');
                url.push_str(&settings.to_fragment());
            }
            link.set(Some(url.clone()));
            let status = status.clone();
            copy_text(
                url,
                Callback::from(move |done: Result<(), String>| {
                    status.set(Some(match done {
                        Ok(()) => "Link copied: it holds the whole design.".to_owned(),
                        Err(why) => format!("Copy the link by hand ({why})."),
                    }))
                }),
            );
        })
    };
    let picture = |png: bool| {
        let (stem, dispatch, status) = (stem.clone(), dispatch.clone(), status.clone());
        let root = root.clone();
        let (width, height) = (*width, *height);
        Callback::from(move |_: MouseEvent| {
            let result = diagram_svg(&root, width, height).and_then(|svg| {
                if png {
                    save_png(svg, width, height, format!("{stem}.png"), dispatch.clone())
                } else {
                    download(&format!("{stem}.svg"), svg.as_bytes(), "image/svg+xml")
                }
            });
            match result {
                Ok(()) => status.set(None),
                Err(err) => dispatch.emit(Action::Refuse(Refusal::File(err))),
            }
        })
    };
    html! {
        <div ref={root.clone()} class="file-menu" role="toolbar" aria-label="File">
            <button type="button" class="ctl" data-control="new" onclick={on_new}
                title="Start from an empty canvas (undo gets the work back)">{ "New" }</button>
            <button type="button" class="ctl" data-control="open" onclick={on_open}
                title="Open a saved design (.json)">{ "Open…" }</button>
            { recent_menu(work, dispatch, &recent) }
            <input ref={input} type="file" accept=".json,application/json" hidden=true
                data-control="open-file" onchange={on_file} />
            <button type="button" class="ctl" data-control="save" onclick={on_save}
                title="Download the design with its layout as JSON">{ "Save" }</button>
            <button type="button" class="ctl" data-control="share" onclick={on_share}
                title="A link that holds the whole design">{ "Share link" }</button>
            <button type="button" class="ctl" data-control="export-svg" onclick={picture(false)}
                title="The diagram as an SVG picture">{ "SVG" }</button>
            <button type="button" class="ctl" data-control="export-png" onclick={picture(true)}
                title="The diagram as a PNG picture">{ "PNG" }</button>
            if let Some(url) = &*link {
                <input class="share-url" type="text" readonly=true data-control="share-url"
                    aria-label="Share link" value={url.clone()}
                    onfocus={Callback::from(|event: FocusEvent| {
                        if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
                            input.select();
                        }
                    })} />
            }
            if let Some(text) = &*status {
                <span class="file-status" role="status">{ text }</span>
            }
        </div>
    }
}

fn diagram_svg(menu: &NodeRef, width: f64, height: f64) -> Result<String, String> {
    // The diagram of this menu's app (a page may hold more than one, as the tests do).
    let app = menu
        .cast::<web_sys::Element>()
        .and_then(|m| m.closest(".app").ok().flatten())
        .ok_or_else(|| "could not export the diagram: the menu is not in the app".to_owned())?;
    standalone_svg(&app, width, height)
}

/// The diagram inside `scope` as a standalone SVG document of the whole drawing
/// (`width` × `height`), with the page's styles inlined: an SVG file cannot see the page's
/// stylesheet.
pub fn standalone_svg(scope: &web_sys::Element, width: f64, height: f64) -> Result<String, String> {
    let fail = |what: &str| format!("could not export the diagram: {what}");
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| fail("no document"))?;
    let svg = scope
        .query_selector("svg.diagram")
        .ok()
        .flatten()
        .ok_or_else(|| fail("there is no diagram on the page"))?;
    let copy = svg
        .clone_node_with_deep(true)
        .ok()
        .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
        .ok_or_else(|| fail("the diagram could not be copied"))?;
    let (w, h) = (width.ceil().max(1.0), height.ceil().max(1.0));
    let set = |name: &str, value: &str| copy.set_attribute(name, value).map_err(|_| fail(name));
    set("xmlns", "http://www.w3.org/2000/svg")?;
    let (w, h) = (shortest(w).to_string(), shortest(h).to_string());
    set("viewBox", &format!("0 0 {w} {h}"))?;
    set("width", &w)?;
    set("height", &h)?;
    let style = document
        .create_element("style")
        .map_err(|_| fail("no style element"))?;
    style.set_text_content(Some(&page_css(&document)));
    copy.insert_before(&style, copy.first_child().as_ref())
        .map_err(|_| fail("the styles could not be added"))?;
    let serializer = web_sys::XmlSerializer::new().map_err(|_| fail("no XML serializer"))?;
    serializer
        .serialize_to_string(&copy)
        .map_err(|_| fail("the diagram could not be written out"))
}

/// The text of every rule of the page's own stylesheets.
fn page_css(document: &web_sys::Document) -> String {
    let mut css = String::new();
    let sheets = js_sys::Reflect::get(document, &JsValue::from_str("styleSheets"))
        .ok()
        .map(|v| js_sys::Array::from(&v))
        .unwrap_or_default();
    for sheet in sheets.iter() {
        let rules = js_sys::Reflect::get(&sheet, &JsValue::from_str("cssRules"))
            .ok()
            .filter(|r| !r.is_undefined() && !r.is_null())
            .map(|v| js_sys::Array::from(&v))
            .unwrap_or_default();
        for rule in rules.iter() {
            if let Some(text) = js_sys::Reflect::get(&rule, &JsValue::from_str("cssText"))
                .ok()
                .and_then(|t| t.as_string())
            {
                css.push_str(&text);
                css.push('\n');
            }
        }
    }
    css
}

/// Draws `svg` on a canvas at twice its size and saves it as a PNG.
fn save_png(
    svg: String,
    width: f64,
    height: f64,
    name: String,
    dispatch: Callback<Action>,
) -> Result<(), String> {
    let fail = |what: &str| format!("could not export the PNG: {what}");
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| fail("no document"))?;
    let image = HtmlImageElement::new().map_err(|_| fail("no image element"))?;
    let canvas = document
        .create_element("canvas")
        .ok()
        .and_then(|c| c.dyn_into::<HtmlCanvasElement>().ok())
        .ok_or_else(|| fail("no canvas element"))?;
    let scale = 2.0;
    canvas.set_width((width * scale).ceil().clamp(1.0, 16_384.0) as u32);
    canvas.set_height((height * scale).ceil().clamp(1.0, 16_384.0) as u32);
    let loaded = image.clone();
    let onload = Closure::once_into_js(move || {
        let result = (|| -> Result<(), String> {
            let context = canvas
                .get_context("2d")
                .ok()
                .flatten()
                .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
                .ok_or_else(|| fail("no 2D canvas"))?;
            context.set_fill_style_str("#ffffff");
            context.fill_rect(0.0, 0.0, width * scale, height * scale);
            context
                .draw_image_with_html_image_element_and_dw_and_dh(
                    &loaded,
                    0.0,
                    0.0,
                    width * scale,
                    height * scale,
                )
                .map_err(|_| fail("the picture could not be drawn"))?;
            let data = canvas
                .to_data_url_with_type("image/png")
                .map_err(|_| fail("the canvas refused to give its pixels"))?;
            let base64 = data
                .split_once(',')
                .map(|(_, b)| b)
                .ok_or_else(|| fail("the canvas gave no data"))?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(base64)
                .map_err(|_| fail("the PNG could not be decoded"))?;
            download(&name, &bytes, "image/png")
        })();
        if let Err(err) = result {
            dispatch.emit(Action::Refuse(Refusal::File(err)));
        }
    });
    image.set_onload(Some(onload.unchecked_ref()));
    let encoded = js_sys::encode_uri_component(&svg);
    image.set_src(&format!("data:image/svg+xml;charset=utf-8,{encoded}"));
    Ok(())
}
