//! A file's text with light syntax colouring: each token of [`highlight::tokenize`] becomes a
//! text node, inside a `<span class="tok-…">` unless it is plain. Never markup from the text.

use yew::prelude::*;

use crate::sim::export::FileKind;
use crate::ui::highlight::{self, TokenKind};

/// The tokens of a file's `contents` (kept by the export panel between draws).
pub fn tokens(kind: FileKind, contents: &str) -> Vec<(TokenKind, String)> {
    highlight::tokenize(kind, contents)
        .into_iter()
        .map(|t| (t.kind, t.text.to_owned()))
        .collect()
}

/// The file's `tokens`; `node_ref` is the `<pre>`, for selecting its text when copying is not
/// possible. A plain function, not a component.
pub fn code_view(tokens: &[(TokenKind, String)], node_ref: &NodeRef) -> Html {
    html! {
        <pre class="code" tabindex="0" ref={node_ref.clone()}><code>
            { for tokens.iter().map(|(kind, text)| match kind.class() {
                Some(class) => html! { <span {class}>{ text.clone() }</span> },
                None => html! { { text.clone() } },
            }) }
        </code></pre>
    }
}
