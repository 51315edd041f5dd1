//! The inspector's fields: a labelled text input that parses what was typed and commits it on
//! change (blur) or Enter, a checkbox and a select, each with its refusal shown next to it.
//!
//! A field never changes the design itself: its `commit` callback parses the text, builds an
//! [`Edit`] and applies it through an [`Editor`], which checks the edit on the current design
//! first ([`edit::apply`]) and only then dispatches [`Action::Edit(EditAction::Change)`]. A refusal (text that does
//! not parse, or an edit the design refuses) keeps the typed text and shows the sentence with
//! `role="alert"`; the design is untouched. When the design's value changes (an edit, undo,
//! another selection) the field shows it again.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::sim::topology::Topology;
use crate::ui::edit::{self, Edit};
use crate::ui::fields::FieldError;
use crate::ui::state::{Action, EditAction, Refusal as Refused};

/// What a field reports when its value is refused: the sentence to show.
pub type Refusal = Result<(), String>;

/// A text field's parse-and-build: the typed text to the edit it makes, or why not.
type TextEdit = Box<dyn Fn(&str) -> Result<Edit, FieldError>>;

/// Applies edits to the design the inspector shows, refusing them with a sentence first.
#[derive(Clone, PartialEq)]
pub struct Editor {
    pub topology: Rc<Topology>,
    pub dispatch: Callback<Action>,
    /// The design's version, passed to every text field.
    pub generation: Generation,
}

impl Editor {
    /// Dispatches `edit` if the design accepts it; otherwise says why and dispatches nothing.
    pub fn apply(&self, edit: Edit) -> Refusal {
        edit::apply(&self.topology, &edit).map_err(|err| err.to_string())?;
        self.dispatch.emit(Action::Edit(EditAction::Change(edit)));
        Ok(())
    }

    /// A text field's commit: `parse` the text, `build` the edit, apply it.
    pub fn text<T: 'static>(
        &self,
        parse: impl Fn(&str) -> Result<T, FieldError> + 'static,
        build: impl Fn(T) -> Edit + 'static,
    ) -> Callback<String, Refusal> {
        self.text_edit(Box::new(move |text: &str| parse(text).map(&build)))
    }

    /// [`Editor::text`]'s callback, written once rather than for every field.
    fn text_edit(&self, edit: TextEdit) -> Callback<String, Refusal> {
        let editor = self.clone();
        Callback::from(move |text: String| {
            editor.apply(edit(&text).map_err(|err| err.to_string())?)
        })
    }

    /// A checkbox's or a select's commit: `build` the edit (or refuse with a sentence).
    pub fn pick<T: 'static>(
        &self,
        build: impl Fn(T) -> Result<Edit, String> + 'static,
    ) -> Callback<T, Refusal> {
        self.pick_edit(Box::new(build))
    }

    /// [`Editor::pick`]'s callback, written once for each type of value.
    fn pick_edit<T: 'static>(
        &self,
        build: Box<dyn Fn(T) -> Result<Edit, String>>,
    ) -> Callback<T, Refusal> {
        let editor = self.clone();
        Callback::from(move |value: T| editor.apply(build(value)?))
    }

    /// A button's click: applies `edit`; a refusal goes to the page's alert line.
    pub fn button(&self, edit: Edit) -> Callback<MouseEvent> {
        let editor = self.clone();
        Callback::from(move |_: MouseEvent| {
            if let Err(message) = editor.apply(edit.clone()) {
                editor
                    .dispatch
                    .emit(Action::Refuse(Refused::Field(message)));
            }
        })
    }
}

/// A copy of `B` (a host, a service, a rule list…) that edits are made from: `with` changes one
/// part of a fresh copy and wraps it into the edit that replaces the whole.
pub struct Patch<B> {
    base: Rc<B>,
    wrap: Rc<dyn Fn(B) -> Edit>,
}

impl<B> Clone for Patch<B> {
    fn clone(&self) -> Self {
        Patch {
            base: self.base.clone(),
            wrap: self.wrap.clone(),
        }
    }
}

impl<B: Clone + 'static> Patch<B> {
    pub fn new(base: B, wrap: impl Fn(B) -> Edit + 'static) -> Patch<B> {
        Patch {
            base: Rc::new(base),
            wrap: Rc::new(wrap),
        }
    }

    /// The value edits start from.
    pub fn base(&self) -> &B {
        &self.base
    }

    /// The edit that sets one part of the base with `set`.
    pub fn with<T>(&self, set: impl Fn(&mut B, T) + 'static) -> impl Fn(T) -> Edit + 'static {
        let patch = self.clone();
        move |value: T| {
            let mut next = (*patch.base).clone();
            set(&mut next, value);
            (patch.wrap)(next)
        }
    }

    /// The edit that changes the base with `change` (for buttons).
    pub fn edit(&self, change: impl FnOnce(&mut B)) -> Edit {
        let mut next = (*self.base).clone();
        change(&mut next);
        (self.wrap)(next)
    }
}

/// A fresh id for an error message element (`aria-describedby`).
fn next_id() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!("field-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Counts the versions of the design the inspector has shown; passed to every text field (a
/// prop, not a context: a `ContextProvider` is one more component type in the wasm) so that it
/// forgets what was typed when the design changes (an edit, undo, a load).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Generation(pub u64);

/// The design's version and the field's value in it.
type Base = (Generation, AttrValue);

/// The last text committed, over which base.
type Committed = Rc<RefCell<Option<(Base, String)>>>;

/// Typed text that differs from the design's value, with the `base` (generation and value) it
/// was typed over, and why it was refused.
#[derive(Clone, Debug, PartialEq)]
struct Draft {
    base: Base,
    text: String,
    error: Option<String>,
}

#[derive(Properties, PartialEq)]
pub struct TextFieldProps {
    pub label: AttrValue,
    /// The design's current value, as text.
    pub value: AttrValue,
    /// `data-control`: what this field edits (for tests and styles).
    pub control: AttrValue,
    /// Parses and applies the text; `Err` is the sentence shown next to the field.
    pub commit: Callback<String, Refusal>,
    /// A word after the field, such as `ms`.
    #[prop_or_default]
    pub unit: Option<AttrValue>,
    #[prop_or_default]
    pub placeholder: Option<AttrValue>,
    /// In a table row: the label is only read out (`aria-label`), not shown.
    #[prop_or_default]
    pub compact: bool,
    #[prop_or(AttrValue::Static("text"))]
    pub inputmode: AttrValue,
    /// The design's version ([`Editor::generation`]).
    pub generation: Generation,
}

/// A labelled text input that parses on change or Enter and shows its refusal inline.
#[component]
pub fn TextField(props: &TextFieldProps) -> Html {
    let draft = use_state_eq(|| None::<Draft>);
    // What was last committed, over which base: Enter and the change event that follows it
    // must not apply the same edit twice. Typing forgets it.
    let committed = use_mut_ref(|| None::<(Base, String)>);
    let error_id = use_state(next_id);
    let base = (props.generation, props.value.clone());
    let shown = draft.as_ref().filter(|d| d.base == base);
    let text = shown.map_or_else(|| props.value.to_string(), |d| d.text.clone());
    let error = shown.and_then(|d| d.error.clone());

    let commit = {
        let (draft, committed) = (draft.clone(), committed.clone());
        let (base, on_commit) = (base.clone(), props.commit.clone());
        move |text: String| commit_text(&draft, &committed, &base, &on_commit, text)
    };
    let onchange = {
        let commit = commit.clone();
        Callback::from(move |event: Event| {
            if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
                commit(input.value());
            }
        })
    };
    let onkeydown = {
        let (draft, value) = (draft.clone(), props.value.clone());
        Callback::from(move |event: KeyboardEvent| match event.key().as_str() {
            "Enter" => {
                if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
                    commit(input.value());
                }
            }
            "Escape" => {
                // Back to the design's value.
                draft.set(None);
                if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
                    input.set_value(&value);
                }
            }
            _ => {}
        })
    };
    let oninput = {
        let (draft, base) = (draft.clone(), base.clone());
        Callback::from(move |event: InputEvent| {
            committed.borrow_mut().take();
            if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
                let error = draft
                    .as_ref()
                    .filter(|d| d.base == base)
                    .and_then(|d| d.error.clone());
                draft.set(Some(Draft {
                    base: base.clone(),
                    text: input.value(),
                    error,
                }));
            }
        })
    };
    let invalid = error.is_some();
    let input = html! {
        <input type="text" value={text} data-control={props.control.clone()}
            inputmode={props.inputmode.clone()} spellcheck="false" autocomplete="off"
            placeholder={props.placeholder.clone()}
            aria-label={props.compact.then(|| props.label.clone())}
            aria-invalid={invalid.to_string()}
            aria-describedby={invalid.then(|| AttrValue::from((*error_id).clone()))}
            {onchange} {onkeydown} {oninput} />
    };
    let unit = props
        .unit
        .as_ref()
        .map(|unit| html! { <span class="field-unit">{ unit.clone() }</span> });
    let message = error.map(|error| {
        html! { <p class="field-error" role="alert" id={(*error_id).clone()}>{ error }</p> }
    });
    if props.compact {
        html! {
            <div class={classes!("field", "compact", invalid.then_some("invalid"))}>
                { input }{ for unit }{ for message }
            </div>
        }
    } else {
        html! {
            <div class={classes!("field", invalid.then_some("invalid"))}>
                <label>
                    <span class="field-label">{ props.label.clone() }</span>
                    <span class="field-input">{ input }{ for unit }</span>
                </label>
                { for message }
            </div>
        }
    }
}

fn commit_text(
    draft: &UseStateHandle<Option<Draft>>,
    committed: &Committed,
    base: &Base,
    on_commit: &Callback<String, Refusal>,
    text: String,
) {
    if text == base.1.as_str() {
        // The design's own value: nothing to change, nothing wrong.
        draft.set(None);
        return;
    }
    let key = (base.clone(), text.clone());
    if committed.borrow().as_ref() == Some(&key) {
        return;
    }
    *committed.borrow_mut() = Some(key);
    match on_commit.emit(text.clone()) {
        Ok(()) => draft.set(None),
        Err(error) => draft.set(Some(Draft {
            base: base.clone(),
            text,
            error: Some(error),
        })),
    }
}

#[derive(Properties, PartialEq)]
pub struct CheckFieldProps {
    pub label: AttrValue,
    pub checked: bool,
    pub control: AttrValue,
    pub commit: Callback<bool, Refusal>,
    #[prop_or_default]
    pub compact: bool,
}

/// A checkbox that applies at once; a refused change is undone and says why.
#[component]
pub fn CheckField(props: &CheckFieldProps) -> Html {
    let error = use_state_eq(|| None::<(bool, String)>);
    let onchange = {
        let (error, commit, checked) = (error.clone(), props.commit.clone(), props.checked);
        Callback::from(move |event: Event| {
            let Some(input) = event.target_dyn_into::<HtmlInputElement>() else {
                return;
            };
            match commit.emit(input.checked()) {
                Ok(()) => error.set(None),
                Err(message) => {
                    input.set_checked(checked);
                    error.set(Some((checked, message)));
                }
            }
        })
    };
    // A message about an older value of the design is stale.
    let message = error
        .as_ref()
        .filter(|(was, _)| *was == props.checked)
        .map(|(_, message)| message.clone());
    html! {
        <div class={classes!("field", "check", props.compact.then_some("compact"))}>
            <label>
                <input type="checkbox" checked={props.checked} data-control={props.control.clone()}
                    aria-label={props.compact.then(|| props.label.clone())} {onchange} />
                if !props.compact {
                    <span class="field-label">{ props.label.clone() }</span>
                }
            </label>
            if let Some(message) = message {
                <p class="field-error" role="alert">{ message }</p>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct SelectFieldProps {
    pub label: AttrValue,
    /// The value of the option the design has.
    pub value: AttrValue,
    /// `(value, label)` of each option.
    pub options: Vec<(AttrValue, AttrValue)>,
    pub control: AttrValue,
    pub commit: Callback<String, Refusal>,
    #[prop_or_default]
    pub compact: bool,
}

/// A select that applies at once; it always shows the design's value.
#[component]
pub fn SelectField(props: &SelectFieldProps) -> Html {
    let error = use_state_eq(|| None::<(AttrValue, String)>);
    let select = use_node_ref();
    {
        // An option's `selected` attribute does not move a select the user has touched; the
        // property does.
        let (select, value) = (select.clone(), props.value.clone());
        use_effect(move || {
            if let Some(select) = select.cast::<HtmlSelectElement>()
                && select.value() != value.as_str()
            {
                select.set_value(&value);
            }
        });
    }
    let onchange = {
        let (error, commit, value) = (error.clone(), props.commit.clone(), props.value.clone());
        Callback::from(move |event: Event| {
            let Some(select) = event.target_dyn_into::<HtmlSelectElement>() else {
                return;
            };
            match commit.emit(select.value()) {
                Ok(()) => error.set(None),
                Err(message) => {
                    select.set_value(&value);
                    error.set(Some((value.clone(), message)));
                }
            }
        })
    };
    let message = error
        .as_ref()
        .filter(|(was, _)| *was == props.value)
        .map(|(_, message)| message.clone());
    let control = html! {
        <select ref={select} data-control={props.control.clone()}
            aria-label={props.compact.then(|| props.label.clone())} {onchange}>
            { for props.options.iter().map(|(value, label)| html! {
                <option value={value.clone()} selected={*value == props.value}>{ label.clone() }</option>
            }) }
        </select>
    };
    html! {
        <div class={classes!("field", "select", props.compact.then_some("compact"))}>
            if props.compact {
                { control }
            } else {
                <label>
                    <span class="field-label">{ props.label.clone() }</span>
                    <span class="field-input">{ control }</span>
                </label>
            }
            if let Some(message) = message {
                <p class="field-error" role="alert">{ message }</p>
            }
        </div>
    }
}

/// `(value, label)` pairs for a [`SelectField`] from plain strings.
pub fn options<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<(AttrValue, AttrValue)> {
    pairs
        .into_iter()
        .map(|(value, label)| {
            (
                AttrValue::from(value.to_owned()),
                AttrValue::from(label.to_owned()),
            )
        })
        .collect()
}

/// The id of a node or service, renamed with [`Edit::Rename`] (every reference follows).
pub fn id_field(editor: &Editor, id: &str) -> Html {
    let from = id.to_owned();
    let commit = editor.text(crate::ui::fields::parse_id, move |to| Edit::Rename {
        id: from.clone(),
        to,
    });
    html! {
        <TextField generation={editor.generation} label="Id" value={id.to_owned()} control="id" {commit} />
    }
}

/// A small button inside a form.
pub fn small_button(
    label: &str,
    control: &'static str,
    title: String,
    onclick: Callback<MouseEvent>,
) -> Html {
    html! {
        <button type="button" class="ctl small" data-control={control} aria-label={title.clone()}
            {title} {onclick}>
            { label.to_owned() }
        </button>
    }
}

/// A select that adds something: its first option is the prompt, picking another calls
/// `on_pick` with its value and goes back to the prompt.
pub fn add_select(
    prompt: &str,
    control: &'static str,
    choices: &[String],
    on_pick: Callback<String>,
) -> Html {
    let onchange = Callback::from(move |event: Event| {
        if let Some(select) = event.target_dyn_into::<HtmlSelectElement>() {
            let value = select.value();
            select.set_value("");
            if !value.is_empty() {
                on_pick.emit(value);
            }
        }
    });
    html! {
        <select class="add-select" data-control={control} aria-label={prompt.to_owned()} {onchange}
            disabled={choices.is_empty()}>
            <option value="" selected=true>{ prompt.to_owned() }</option>
            { for choices.iter().map(|choice| html! {
                <option value={choice.clone()}>{ choice.clone() }</option>
            }) }
        </select>
    }
}
