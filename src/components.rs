//! Small view components. They draw what they are given and turn DOM events into actions;
//! no rule of the simulation lives here.

pub mod balancer_panel;
pub mod diagram;
pub mod event_list;
pub mod hop_details;
pub mod inspector;
pub mod legend;
pub mod node_view;
pub mod player;
pub mod request_dot;
pub mod request_history;
pub mod request_panel;
pub mod send_bar;
pub mod stage_panel;
pub mod stage_picker;
