//! The UI's whole state and the one reducer that changes it.
//!
//! Every user intent is an [`Action`]; [`AppState::apply`] is plain Rust and natively tested.
//! Yew's part is the three-line [`yew::Reducible`] impl at the bottom.

use std::rc::Rc;

use crate::layout::{Layout, auto_layout};
use crate::sim::presets;
use crate::sim::topology::Topology;

/// Everything the page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    /// The preset the current design came from, if it is still one.
    pub stage: Option<u8>,
    pub topology: Topology,
    pub layout: Layout,
    /// The last refused action, shown until the next successful one.
    pub error: Option<String>,
}

/// What a user can do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Replace the design with stage `n` of the exercise.
    SelectStage(u8),
}

impl Default for AppState {
    fn default() -> Self {
        let topology = presets::topology(0).unwrap_or_else(empty_topology);
        let layout = auto_layout(&topology);
        AppState {
            stage: Some(0),
            topology,
            layout,
            error: None,
        }
    }
}

fn empty_topology() -> Topology {
    Topology {
        version: crate::sim::topology::FORMAT_VERSION,
        name: "Empty design".to_owned(),
        nodes: Vec::new(),
        links: Vec::new(),
    }
}

impl AppState {
    /// Applies one action. A refused action leaves the design untouched and sets `error`.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::SelectStage(n) => match presets::topology(n) {
                Some(topology) => {
                    self.layout = auto_layout(&topology);
                    self.topology = topology;
                    self.stage = Some(n);
                    self.error = None;
                }
                None => self.error = Some(format!("there is no stage {n}; stages go from 0 to 3")),
            },
        }
    }
}

/// Reads `#stage=N` (the page's address fragment); anything else is ignored.
pub fn parse_stage_fragment(fragment: &str) -> Option<u8> {
    let value = fragment.trim_start_matches('#').strip_prefix("stage=")?;
    value.parse().ok().filter(|n| presets::stage(*n).is_some())
}

impl yew::Reducible for AppState {
    type Action = Action;

    fn reduce(mut self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::make_mut(&mut self).apply(action);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(actions: &[Action], stage: Option<u8>, n_nodes: usize, error: Option<&str>) {
        let mut state = AppState::default();
        for action in actions {
            state.apply(action.clone());
        }
        assert_eq!(state.stage, stage);
        assert_eq!(state.topology.nodes.len(), n_nodes);
        assert_eq!(state.layout.boxes.len(), n_nodes);
        assert_eq!(state.error.as_deref(), error);
    }

    #[test]
    fn starts_on_stage_0() {
        check(&[], Some(0), 3, None);
    }

    #[test]
    fn selecting_a_stage_replaces_design_and_layout() {
        check(&[Action::SelectStage(3)], Some(3), 10, None);
        check(
            &[Action::SelectStage(2), Action::SelectStage(1)],
            Some(1),
            5,
            None,
        );
    }

    #[test]
    fn stage_fragment_parses_only_known_stages() {
        assert_eq!(parse_stage_fragment("#stage=3"), Some(3));
        assert_eq!(parse_stage_fragment("stage=0"), Some(0));
        assert_eq!(parse_stage_fragment("#stage=4"), None);
        assert_eq!(parse_stage_fragment("#stage=-1"), None);
        assert_eq!(parse_stage_fragment("#<script>"), None);
        assert_eq!(parse_stage_fragment(""), None);
    }

    #[test]
    fn unknown_stage_is_refused_and_keeps_the_design() {
        check(
            &[Action::SelectStage(2), Action::SelectStage(9)],
            Some(2),
            6,
            Some("there is no stage 9; stages go from 0 to 3"),
        );
        check(
            &[Action::SelectStage(9), Action::SelectStage(1)],
            Some(1),
            5,
            None,
        );
    }
}
