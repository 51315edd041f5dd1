//! The canvas's toolbar: undo and redo, zoom out and in, and fit. (New is in the file menu.)

use yew::prelude::*;

use crate::sim::number::fixed;

/// A toolbar button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Undo,
    Redo,
    ZoomOut,
    ZoomIn,
    Fit,
}

impl Tool {
    /// The `data-tool` attribute.
    pub fn key(self) -> &'static str {
        match self {
            Tool::Undo => "undo",
            Tool::Redo => "redo",
            Tool::ZoomOut => "zoom-out",
            Tool::ZoomIn => "zoom-in",
            Tool::Fit => "fit",
        }
    }
}

/// The toolbar at `zoom`. A plain function, not a component: the diagram draws it with a new
/// `on_tool` each time, so a component's equal-props skip would never apply.
pub fn canvas_toolbar(zoom: f64, can_undo: bool, can_redo: bool, on_tool: &Callback<Tool>) -> Html {
    let button = |tool: Tool, text: &'static str, title: &'static str, enabled: bool| {
        let onclick = on_tool.reform(move |_: MouseEvent| tool);
        html! {
            <button type="button" class="ctl tool" data-tool={tool.key()} {title}
                aria-label={title} disabled={!enabled} {onclick}>{ text }</button>
        }
    };
    html! {
        <div class="canvas-toolbar" role="toolbar" aria-label="Canvas">
            <span class="tool-group">
                { button(Tool::Undo, "↶ Undo", "Undo (Ctrl+Z)", can_undo) }
                { button(Tool::Redo, "↷ Redo", "Redo (Ctrl+Shift+Z or Ctrl+Y)", can_redo) }
            </span>
            <span class="tool-group">
                { button(Tool::ZoomOut, "−", "Zoom out", true) }
                <output class="zoom-level" aria-label="Zoom">
                    { format!("{} %", fixed(zoom * 100.0, 0)) }
                </output>
                { button(Tool::ZoomIn, "+", "Zoom in", true) }
                { button(Tool::Fit, "Fit", "Fit the drawing to the canvas", true) }
            </span>
        </div>
    }
}
