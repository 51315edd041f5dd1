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

#[derive(Properties, PartialEq)]
pub struct CanvasToolbarProps {
    pub zoom: f64,
    pub can_undo: bool,
    pub can_redo: bool,
    pub on_tool: Callback<Tool>,
}

#[component]
pub fn CanvasToolbar(props: &CanvasToolbarProps) -> Html {
    let button = |tool: Tool, text: &'static str, title: &'static str, enabled: bool| {
        let onclick = props.on_tool.reform(move |_: MouseEvent| tool);
        html! {
            <button type="button" class="ctl tool" data-tool={tool.key()} {title}
                aria-label={title} disabled={!enabled} {onclick}>{ text }</button>
        }
    };
    html! {
        <div class="canvas-toolbar" role="toolbar" aria-label="Canvas">
            <span class="tool-group">
                { button(Tool::Undo, "↶ Undo", "Undo (Ctrl+Z)", props.can_undo) }
                { button(Tool::Redo, "↷ Redo", "Redo (Ctrl+Shift+Z or Ctrl+Y)", props.can_redo) }
            </span>
            <span class="tool-group">
                { button(Tool::ZoomOut, "−", "Zoom out", true) }
                <output class="zoom-level" aria-label="Zoom">
                    { format!("{} %", fixed(props.zoom * 100.0, 0)) }
                </output>
                { button(Tool::ZoomIn, "+", "Zoom in", true) }
                { button(Tool::Fit, "Fit", "Fit the drawing to the canvas", true) }
            </span>
        </div>
    }
}
