fn main() {
    // First, so that a bug anywhere after this shows the banner instead of a dead page.
    stacksim::panic::install();
    yew::Renderer::<stacksim::app::App>::new().render();
}
