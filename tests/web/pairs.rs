//! Active-active and active-passive on the page: each stage says what its pairs are, a switch
//! turns one into the other (undoably), and one click runs both side by side.

use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::*;

#[wasm_bindgen_test]
async fn stages_1_and_3_say_which_pairs_are_active_active_or_active_passive() {
    let root = mount().await;
    pick_stage(&root, 1).await;
    assert_eq!(
        texts(&root, "li.pair h4"),
        ["server-01 and server-02 are active-active"]
    );
    assert!(text(&root, "li.pair p").contains("so all 2 serve at once"));
    pick_stage(&root, 3).await;
    assert_eq!(
        texts(&root, "li.pair h4"),
        [
            "web-01 and web-02 are active-active",
            "lb-01 and lb-02 are active-passive"
        ]
    );
    let lb = text(&root, "li.pair[data-pair='vrrp:vip'] p");
    assert!(
        lb.contains("lb-02 claims the address 3.609 s later"),
        "{lb}"
    );
    // The comparison is reachable from both stages: one table, four aspects.
    click(&root, "details.comparison-table summary").await;
    assert_eq!(
        texts(&root, "details.comparison-table tbody th"),
        [
            "Capacity",
            "A failure costs",
            "What sits idle",
            "What it costs to run"
        ]
    );
}

#[wasm_bindgen_test]
async fn the_switch_makes_the_load_balancers_active_active_and_undo_brings_them_back() {
    let root = mount().await;
    pick_stage(&root, 3).await;
    assert_eq!(count(&root, "g.node[data-id='vip-2']"), 0);
    click(&root, "button[data-switch='vrrp:vip']").await;
    assert_eq!(
        attributes(&root, "li.pair[data-pair='vrrp:vip']", "data-sharing"),
        ["active-active"]
    );
    assert_eq!(
        text(&root, "li.pair[data-pair='vrrp:vip'] h4"),
        "lb-01 and lb-02 are active-active"
    );
    assert_eq!(
        count(&root, "g.node[data-id='vip-2']"),
        1,
        "a second virtual IP"
    );
    assert!(text(&root, "li.pair[data-pair='vrrp:vip'] p").contains("8.8.8.9 by lb-02"));
    click(&root, "button[data-tool='undo']").await;
    assert_eq!(
        attributes(&root, "li.pair[data-pair='vrrp:vip']", "data-sharing"),
        ["active-passive"]
    );
    assert_eq!(count(&root, "g.node[data-id='vip-2']"), 0);
}

#[wasm_bindgen_test]
async fn one_click_runs_both_variants_with_the_same_crash_side_by_side() {
    let root = mount().await;
    pick_stage(&root, 3).await;
    click(&root, "button[data-compare='vrrp:vip']").await;
    assert_eq!(
        attributes(&root, ".comparison-side", "data-side"),
        ["active-passive", "active-active"]
    );
    assert!(
        text(&root, ".comparison-load").contains("take host down lb-01 at 10 s"),
        "{}",
        text(&root, ".comparison-load")
    );
    let figure = |side: &str, what: &str| -> u64 {
        text(
            &root,
            &format!(".comparison-side[data-side='{side}'] {what}"),
        )
        .parse()
        .unwrap_or_else(|_| panic!("{side} {what} is a number"))
    };
    // Before the crash lb-01 took everything on the passive pair and half on the active one.
    let passive_lb01 = figure("active-passive", "dd[data-member='lb-01']");
    let active_lb01 = figure("active-active", "dd[data-member='lb-01']");
    assert!(
        passive_lb01 > active_lb01 * 3 / 2,
        "{passive_lb01} vs {active_lb01}"
    );
    // Fewer visitors wait out the failover when only half of them use lb-01's address.
    let passive_resent = figure("active-passive", "dd[data-figure='syn-resent']");
    let active_resent = figure("active-active", "dd[data-figure='syn-resent']");
    assert!(
        active_resent > 0 && active_resent * 3 < passive_resent * 2,
        "{passive_resent} vs {active_resent}"
    );
    assert_eq!(count(&root, ".comparison-side figure.chart"), 2);
    // Each side's chart marks the failure both runs had, at 10 s.
    assert_eq!(
        attributes(
            &root,
            ".comparison-side figure.chart g.step-mark",
            "data-at"
        ),
        ["10", "10"]
    );
    // The design itself is unchanged: the comparison switched a copy.
    assert_eq!(
        attributes(&root, "li.pair[data-pair='vrrp:vip']", "data-sharing"),
        ["active-passive"]
    );
}

#[wasm_bindgen_test]
async fn the_findings_tab_names_each_pairs_variant_and_capacity() {
    let root = mount().await;
    pick_stage(&root, 3).await;
    click(&root, "button[data-tab='findings']").await;
    assert_eq!(
        texts(&root, "li.pair-note h4"),
        [
            "web-01 and web-02 are active-active",
            "lb-01 and lb-02 are active-passive"
        ]
    );
    let lb = text(&root, "li.pair-note[data-note='pair:vrrp:vip']");
    assert!(
        lb.contains("Capacity as active-passive: about 24691 req/s"),
        "{lb}"
    );
}

/// The diagram says which load balancer is active from keepalived's state at the moment shown:
/// after lb-01 is taken down and the VRRP gap has passed, lb-02 is the active one.
#[wasm_bindgen_test]
async fn the_active_label_follows_the_failover() {
    let root = mount().await;
    pick_stage(&root, 3).await;
    let role = |root: &web_sys::Element, host: &str| {
        text(root, &format!("g.node[data-id='{host}'] .vrrp-role"))
    };
    assert_eq!(role(&root, "lb-01"), "active · MASTER of 8.8.8.8");
    assert_eq!(role(&root, "lb-02"), "passive · BACKUP");
    click_svg(&root, "g.node[data-id='lb-01']").await;
    click(&root, "button[data-control='take-down']").await;
    click(&root, "button[data-wait='10']").await;
    assert_eq!(role(&root, "lb-01"), "keepalived down");
    assert_eq!(role(&root, "lb-02"), "active · MASTER of 8.8.8.8");
    assert_eq!(text(&root, ".vip-holder").trim(), "held by lb-02");
}
