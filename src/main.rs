fn main() {
    // First, so that a bug anywhere after this shows the banner instead of a dead page.
    stacksim::web::panic::install();
    yew::Renderer::<stacksim::web::app::App>::new().render();
}
