//! Load tests on the design: the last one's result, the one being computed, and the settings
//! the load panel starts from and the share link carries.

use std::rc::Rc;

use super::{AppState, Done, Outcome};
use crate::ui::compare::{self, Comparison};
use crate::ui::load_run::{self, LoadResult, LoadSettings};

/// The load tests of the design on screen.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadTest {
    /// The last load test on this design (computed at once by [`LoadTestAction::Run`]);
    /// `None`: none yet.
    pub last: Option<Rc<LoadResult>>,
    /// The test being computed, as far as it got (drawn on the diagram while it runs).
    pub live: Option<Rc<LoadResult>>,
    /// The settings of the last test started (or from a share link): the load panel starts
    /// from them and the share link carries them.
    pub settings: Option<LoadSettings>,
    /// The last comparison of a pair's two variants ([`LoadTestAction::Compare`]).
    pub comparison: Option<Rc<Comparison>>,
}

/// Load tests: run one, its progress, its settings.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadTestAction {
    /// Run this load on the design, all at once, and keep its series; refused settings keep
    /// the previous result.
    Run(LoadSettings),
    /// A test computed a slice per frame (by the load panel) has finished.
    Finished(Rc<LoadResult>),
    /// The test being computed, so far (`None`: stopped).
    Live(Option<Rc<LoadResult>>),
    /// The settings of a test just started, or opened from a link.
    SetSettings(LoadSettings),
    /// Run the load panel's settings on the design and on its copy with this pair switched to
    /// the other variant, side by side ([`compare::compare`]).
    Compare { pair: String },
    /// Put the comparison away.
    CloseComparison,
}

impl AppState {
    pub(super) fn apply_load_test(&mut self, action: LoadTestAction) -> Outcome {
        let load_test = &mut self.load_test;
        match action {
            LoadTestAction::Run(settings) => {
                let result = load_run::run(&self.work.topology, &settings)?;
                load_test.last = Some(Rc::new(result));
                Ok(Done::Clears)
            }
            LoadTestAction::Finished(result) => {
                load_test.last = Some(result);
                load_test.live = None;
                Ok(Done::Clears)
            }
            LoadTestAction::Live(result) => {
                load_test.live = result;
                Ok(Done::Keeps)
            }
            LoadTestAction::SetSettings(settings) => {
                // One protocol choice: settings from a link set the Send button's too.
                self.world.request.https = settings.https;
                load_test.settings = Some(settings);
                Ok(Done::Keeps)
            }
            LoadTestAction::Compare { pair } => {
                let mut settings = load_test.settings.clone().unwrap_or_default();
                // One protocol choice for the Send button, load runs and comparisons.
                settings.https = self.world.request.https;
                let comparison = compare::compare(&self.work.topology, &settings, &pair)?;
                load_test.comparison = Some(Rc::new(comparison));
                Ok(Done::Clears)
            }
            LoadTestAction::CloseComparison => {
                load_test.comparison = None;
                Ok(Done::Keeps)
            }
        }
    }
}
