fn main() {
    yew::Renderer::<stacksim::app::App>::new().render();
}
