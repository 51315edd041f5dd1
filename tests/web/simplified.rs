//! The request panel's "what is simplified" list: the whole of `ui::simplifications`, as text.

use stacksim::ui::simplifications::SIMPLIFICATIONS;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::*;

#[wasm_bindgen_test]
async fn opening_the_simplified_panel_shows_every_simplification() {
    let root = mount().await;
    let details = find(&root, "details.simplified");
    assert!(!details.has_attribute("open"), "closed until asked");
    click(&root, "details.simplified summary").await;
    assert!(details.has_attribute("open"), "the summary opens the list");
    let shown = texts(&root, "details.simplified li");
    let expected: Vec<String> = SIMPLIFICATIONS
        .iter()
        .map(|s| format!("{}: {}", s.title, s.text))
        .collect();
    assert_eq!(shown, expected);
    let bold = texts(&root, "details.simplified li strong");
    assert_eq!(
        bold,
        SIMPLIFICATIONS.iter().map(|s| s.title).collect::<Vec<_>>()
    );
}
