//! A file's text with light syntax colouring: each token of [`highlight::tokenize`] becomes a
//! text node, inside a `<span class="tok-…">` unless it is plain. Never markup from the text.

use yew::prelude::*;

use crate::sim::export::FileKind;
use crate::ui::highlight::{self, TokenKind};

#[derive(Properties, PartialEq)]
pub struct CodeViewProps {
    pub kind: FileKind,
    pub contents: AttrValue,
    /// The `<pre>`, for selecting its text when copying is not possible.
    #[prop_or_default]
    pub node_ref: NodeRef,
}

#[component]
pub fn CodeView(props: &CodeViewProps) -> Html {
    let tokens = use_memo((props.kind, props.contents.clone()), |(kind, contents)| {
        highlight::tokenize(*kind, contents)
            .into_iter()
            .map(|t| (t.kind, t.text.to_owned()))
            .collect::<Vec<(TokenKind, String)>>()
    });
    html! {
        <pre class="code" tabindex="0" ref={props.node_ref.clone()}><code>
            { for tokens.iter().map(|(kind, text)| match kind.class() {
                Some(class) => html! { <span {class}>{ text.clone() }</span> },
                None => html! { { text.clone() } },
            }) }
        </code></pre>
    }
}
