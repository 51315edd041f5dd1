//! Simulated time. The core never reads a clock: every instant is a [`SimTime`] passed in.
//!
//! Both types count whole microseconds, which is fine enough for a LAN hop (~250 µs) and
//! long enough for years of simulated time in a `u64`.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

use serde::{Deserialize, Serialize};

use crate::number::fixed;

/// An instant of simulated time, in microseconds since the simulation started.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SimTime(u64);

/// A span of simulated time, in microseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SimDuration(u64);

impl SimTime {
    /// The start of every simulation.
    pub const ZERO: SimTime = SimTime(0);

    pub const fn from_micros(us: u64) -> SimTime {
        SimTime(us)
    }

    pub const fn from_millis(ms: u64) -> SimTime {
        SimTime(ms * 1_000)
    }

    pub const fn from_secs(s: u64) -> SimTime {
        SimTime(s * 1_000_000)
    }

    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Milliseconds, with fractions.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }

    /// The time elapsed since `earlier`, or zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub const fn from_micros(us: u64) -> SimDuration {
        SimDuration(us)
    }

    pub const fn from_millis(ms: u64) -> SimDuration {
        SimDuration(ms * 1_000)
    }

    pub const fn from_secs(s: u64) -> SimDuration {
        SimDuration(s * 1_000_000)
    }

    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Milliseconds, with fractions.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }

    /// Seconds, with fractions.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }

    /// `self * n`, saturating. Inlined, and when both fit in 32 bits (every service time,
    /// latency and slow-down factor) a plain multiply: WebAssembly has no overflow flag, so a
    /// saturating 64-bit multiply is a call to a 128-bit multiply there.
    #[inline(always)]
    pub const fn times(self, n: u64) -> SimDuration {
        if (self.0 | n) >> 32 == 0 {
            SimDuration(self.0 * n)
        } else {
            self.times_wide(n)
        }
    }

    /// [`SimDuration::times`] of a large factor, out of line.
    #[inline(never)]
    const fn times_wide(self, n: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(n))
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;

    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, rhs: SimDuration) {
        *self = *self + rhs;
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;

    /// Saturating: an earlier minus a later time is zero.
    fn sub(self, rhs: SimTime) -> SimDuration {
        self.saturating_since(rhs)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;

    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for SimDuration {
    fn add_assign(&mut self, rhs: SimDuration) {
        *self = *self + rhs;
    }
}

impl Sub for SimDuration {
    type Output = SimDuration;

    /// Saturating at zero.
    fn sub(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(rhs.0))
    }
}

/// Human units: `450 µs`, `12.5 ms`, `3.609 s`.
fn human(us: u64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if us < 1_000 {
        write!(f, "{us} µs")
    } else if us < 1_000_000 {
        let ms = us as f64 / 1_000.0;
        let text = fixed(ms, 3).to_string();
        write!(f, "{} ms", text.trim_end_matches('0').trim_end_matches('.'))
    } else {
        let s = us as f64 / 1_000_000.0;
        let text = fixed(s, 3).to_string();
        write!(f, "{} s", text.trim_end_matches('0').trim_end_matches('.'))
    }
}

impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        human(self.0, f)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("t=")?;
        human(self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_instead_of_wrapping() {
        let t = SimTime::from_millis(5);
        assert_eq!(t - SimTime::from_millis(7), SimDuration::ZERO);
        assert_eq!(
            SimDuration::from_millis(1) - SimDuration::from_millis(2),
            SimDuration::ZERO
        );
        assert_eq!(
            SimTime::from_micros(u64::MAX) + SimDuration::from_secs(1),
            SimTime::from_micros(u64::MAX)
        );
    }

    #[test]
    fn durations_print_in_human_units() {
        assert_eq!(SimDuration::from_micros(450).to_string(), "450 µs");
        assert_eq!(SimDuration::from_micros(12_500).to_string(), "12.5 ms");
        assert_eq!(SimDuration::from_micros(3_609_375).to_string(), "3.609 s");
        assert_eq!(SimDuration::from_secs(2).to_string(), "2 s");
        assert_eq!(SimTime::from_millis(200).to_string(), "t=200 ms");
    }
}
