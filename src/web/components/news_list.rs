//! What happened to the simulated world, in time order: what the user did (a crash, a cut)
//! and what the systems did about it, each health check that counts ("check 2/3 failed:
//! connection refused"), a server marked DOWN, keepalived changing state, a virtual IP moving.
//! Read from the replay ([`Run::news`]); nothing here decides anything.

use std::rc::Rc;

use web_sys::HtmlElement;
use yew::prelude::*;

use crate::ui::playback::Run;
use crate::web::components::send_bar::clock_text;

#[derive(Properties, PartialEq)]
pub struct NewsListProps {
    pub run: Rc<Run>,
}

/// Keeps the newest line in view inside the list's own scroll box.
fn scroll_to_end(list: &NodeRef) {
    if let Some(list) = list.cast::<HtmlElement>() {
        list.set_scroll_top(list.scroll_height());
    }
}

#[component]
pub fn NewsList(props: &NewsListProps) -> Html {
    let list = use_node_ref();
    {
        let list = list.clone();
        use_effect_with(props.run.news.len(), move |_| scroll_to_end(&list));
    }
    let news = &props.run.news;
    html! {
        <section class="panel news" aria-label="What happened">
            <h3>{ "What happened" }</h3>
            if news.is_empty() {
                <p class="note empty-news">{ "Nothing has happened to the world yet. Take a host down (click it on the diagram), then Wait: each health check that counts and each change of state appears here." }</p>
            } else {
                <ol class="news-list" ref={list} aria-live="polite" aria-relevant="additions">
                    { for news.iter().map(|n| html! {
                        <li class={classes!("news-item", format!("news-{}", n.kind.label()))}
                            data-news={n.kind.label()}>
                            <span class="when">{ clock_text(n.at) }</span>
                            <span class="place">{ n.place.clone() }</span>
                            <span class="text">{ n.text.clone() }</span>
                        </li>
                    }) }
                </ol>
            }
        </section>
    }
}
