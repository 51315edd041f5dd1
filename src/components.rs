//! Small view components. They draw what they are given and turn DOM events into actions;
//! no rule of the simulation lives here.

pub mod diagram;
pub mod legend;
pub mod node_view;
pub mod stage_panel;
pub mod stage_picker;
