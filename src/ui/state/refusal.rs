//! [`Refusal`]: why an action was refused, as the page says it.

use crate::ui::compare::CompareError;
use crate::ui::document::OpenError;
use crate::ui::edit::EditError;
use crate::ui::load_run::{LinkSettingsError, SettingsError};
use crate::ui::playback::ReplayError;

/// Why the last action was refused. Its `Display` is the sentence the page shows.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error("there is no stage {0}; stages go from 0 to 3")]
    NoStage(u8),
    /// The design refused an edit.
    #[error(transparent)]
    Edit(#[from] EditError),
    /// The simulated world refused an input (an unknown host, service or link).
    #[error(transparent)]
    Input(#[from] ReplayError),
    #[error("the finding '{0}' has nothing to prove")]
    NothingToProve(String),
    #[error("there is no finding '{0}' in this design")]
    NoFinding(String),
    /// A load test's settings do not hold.
    #[error(transparent)]
    LoadTest(#[from] SettingsError),
    /// A comparison of a pair's variants could not run.
    #[error(transparent)]
    Compare(#[from] CompareError),
    /// A link's load test settings could not be read.
    #[error("the link's load settings were not used: {0}")]
    LinkLoadSettings(LinkSettingsError),
    #[error("select something to delete first")]
    NothingToDelete,
    #[error("select one or more nodes to copy")]
    NothingToCopy,
    #[error("copy something first")]
    NothingToPaste,
    #[error("nothing to undo")]
    NothingToUndo,
    #[error("nothing to redo")]
    NothingToRedo,
    #[error("could not open the file: {0}")]
    Open(OpenError),
    /// The file (named) is not text.
    #[error("could not open the file: {0} could not be read as text")]
    Unreadable(String),
    #[error("the share link could not be opened ({0}); your own work is shown instead")]
    ShareLink(OpenError),
    #[error("drop the monitoring agent onto a server")]
    AgentOffServer,
    #[error("select a server first, or drag the monitoring agent onto one")]
    AgentWithoutServer,
    /// A value typed into a field, refused with the field's sentence.
    #[error("{0}")]
    Field(String),
    /// A file that could not be read, saved or drawn, as the browser shell words it.
    #[error("{0}")]
    File(String),
    /// The autosave could not be opened (see [`crate::ui::session::Damaged`]).
    #[error("{0}")]
    Autosave(String),
}
