//! The part of the drawing the canvas shows: pan and zoom, as pure maths.

use serde::{Deserialize, Serialize};

/// Where the canvas looks: the drawing point at its top-left corner and the zoom factor.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct View {
    pub x: f64,
    pub y: f64,
    pub zoom: f64,
}

impl Default for View {
    fn default() -> Self {
        View {
            x: 0.0,
            y: 0.0,
            zoom: 1.0,
        }
    }
}

/// The smallest zoom factor (the drawing at a tenth of its size).
pub const MIN_ZOOM: f64 = 0.1;
/// The largest zoom factor.
pub const MAX_ZOOM: f64 = 8.0;
