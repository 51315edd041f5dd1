//! The playback cursor: which request is shown in the event list, which hop of it, whether it
//! plays and how fast.

use super::{AppState, Done, Outcome};

/// Which request is shown in the event list, and where its playback is.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Playback {
    /// Index into `run.traces`.
    pub trace: Option<usize>,
    /// The current hop: the dot travels to it, its row and place are highlighted. `None`:
    /// before the first hop.
    pub hop: Option<usize>,
    pub playing: bool,
    pub speed: Speed,
}

/// Playback speed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Speed {
    Half,
    #[default]
    Normal,
    Double,
    Quadruple,
}

impl Speed {
    pub const ALL: [Speed; 4] = [Speed::Half, Speed::Normal, Speed::Double, Speed::Quadruple];

    pub fn factor(self) -> f64 {
        match self {
            Speed::Half => 0.5,
            Speed::Normal => 1.0,
            Speed::Double => 2.0,
            Speed::Quadruple => 4.0,
        }
    }
}

/// Moving the cursor on the request shown.
#[derive(Clone, Debug, PartialEq)]
pub enum PlaybackAction {
    /// Show request number `n` (in the order sent), paused at its end.
    ShowTrace(usize),
    /// Jump to hop `n` of the shown request, paused.
    ShowHop(usize),
    Play,
    Pause,
    TogglePlay,
    StepForward,
    StepBack,
    /// Back to before the first hop, paused.
    Reset,
    SetSpeed(Speed),
    /// The animation finished showing `hop` of `trace`: go on to the next (ignored unless that
    /// is still what is playing).
    Advance {
        trace: usize,
        hop: usize,
    },
}

impl AppState {
    pub(super) fn apply_playback(&mut self, action: PlaybackAction) -> Outcome {
        let n = self.n_hops();
        let playback = &mut self.playback;
        match action {
            PlaybackAction::ShowTrace(t) => {
                if let Some(trace) = self.world.run.traces.get(t) {
                    playback.trace = Some(t);
                    playback.hop = trace.hops.len().checked_sub(1);
                    playback.playing = false;
                }
            }
            PlaybackAction::ShowHop(h) => {
                if h < n {
                    playback.hop = Some(h);
                    playback.playing = false;
                }
            }
            PlaybackAction::Play => self.play(),
            PlaybackAction::Pause => playback.playing = false,
            PlaybackAction::TogglePlay => {
                if playback.playing {
                    playback.playing = false;
                } else {
                    self.play();
                }
            }
            PlaybackAction::StepForward => {
                playback.playing = false;
                if n > 0 {
                    playback.hop = Some(playback.hop.map_or(0, |h| (h + 1).min(n - 1)));
                }
            }
            PlaybackAction::StepBack => {
                playback.playing = false;
                playback.hop = playback.hop.and_then(|h| h.checked_sub(1));
            }
            PlaybackAction::Reset => {
                playback.playing = false;
                playback.hop = None;
            }
            PlaybackAction::SetSpeed(speed) => playback.speed = speed,
            PlaybackAction::Advance { trace, hop } => {
                let current = playback.trace == Some(trace) && playback.hop == Some(hop);
                if playback.playing && current {
                    if hop + 1 < n {
                        playback.hop = Some(hop + 1);
                    } else {
                        playback.playing = false;
                    }
                }
            }
        }
        Ok(Done::Keeps)
    }

    pub(super) fn play(&mut self) {
        if self.playback.trace.is_none() {
            self.playback.trace = self.world.run.traces.len().checked_sub(1);
        }
        let n = self.n_hops();
        if n == 0 {
            return;
        }
        self.playback.hop = match self.playback.hop {
            Some(h) if h + 1 < n => Some(h),
            _ => Some(0),
        };
        self.playback.playing = true;
    }
}
