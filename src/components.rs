//! Small view components. They draw what they are given and turn DOM events into actions;
//! no rule of the simulation lives here.

pub mod balancer_panel;
pub mod code_view;
pub mod diagram;
pub mod download;
pub mod event_list;
pub mod export_panel;
pub mod finding_item;
pub mod findings_panel;
pub mod hop_details;
pub mod inspector;
pub mod legend;
pub mod line_chart;
pub mod load_panel;
pub mod node_view;
pub mod player;
pub mod reach_matrix;
pub mod request_dot;
pub mod request_history;
pub mod request_panel;
pub mod send_bar;
pub mod side_tabs;
pub mod stage_diff;
pub mod stage_panel;
pub mod stage_picker;
