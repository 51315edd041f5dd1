//! Untraced load: its mix and shape over time, and its Poisson arrivals.

use rand::Rng;

use crate::time::SimDuration;
use crate::trace::{RequestKind, RequestSpec};

use super::{Ev, LoadRun, Simulation};

/// The mix of a load run, in percent (they need not add up to 100; they are weights).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mix {
    pub static_pct: u32,
    pub read_pct: u32,
    pub write_pct: u32,
}

impl Default for Mix {
    fn default() -> Self {
        Mix {
            static_pct: 30,
            read_pct: 60,
            write_pct: 10,
        }
    }
}

/// Untraced requests at a rate: only counters are kept, so millions can run quickly.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Load {
    /// Requests per second of simulated time (Poisson arrivals).
    pub rps: f64,
    pub count: u64,
    pub mix: Mix,
    pub https: bool,
    /// Keys are drawn from `0..keys`.
    pub keys: u64,
    /// Percent of HTTPS requests that open a new TLS session (a full handshake on the load
    /// balancer's CPU); the others reuse a kept-alive connection [est].
    pub new_session_pct: u32,
    /// How the rate changes over the run; `rps` is the starting (or base) rate.
    pub shape: Shape,
}

/// How a load's rate changes over time, counted from the moment the load starts. Arrivals
/// stay Poisson, with the rate of the moment (a non-homogeneous Poisson process, drawn by
/// inverting the integrated rate: one random number per arrival, as for a constant rate).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Shape {
    /// `Load::rps` all along.
    #[default]
    Constant,
    /// From `Load::rps` to `to_rps` in a straight line over `over`, then `to_rps`.
    Ramp { to_rps: f64, over: SimDuration },
    /// `Load::rps`, but `rps` from `from` until `until`.
    Spike {
        rps: f64,
        from: SimDuration,
        until: SimDuration,
    },
}

/// A stretch of linear rate: (start s, end s, rate at start, rate at end).
type Piece = (f64, f64, f64, f64);

impl Shape {
    /// The linear pieces (at most two) and the rate after the last one.
    fn pieces(self, base: f64) -> ([Piece; 2], usize, f64) {
        let clean = |r: f64| if r.is_finite() { r.max(0.0) } else { 0.0 };
        let base = clean(base);
        let none = (0.0, 0.0, 0.0, 0.0);
        match self {
            Shape::Constant => ([none; 2], 0, base),
            Shape::Ramp { to_rps, over } => {
                let to = clean(to_rps);
                let end = over.as_micros() as f64 / 1e6;
                ([(0.0, end, base, to), none], 1, to)
            }
            Shape::Spike { rps, from, until } => {
                let a = from.as_micros() as f64 / 1e6;
                let b = (until.as_micros() as f64 / 1e6).max(a);
                let r = clean(rps);
                ([(0.0, a, base, base), (a, b, r, r)], 2, base)
            }
        }
    }

    /// The rate `t` seconds after the start, with `base` as `Load::rps`.
    pub fn rate_at(self, base: f64, t: f64) -> f64 {
        let (pieces, n, tail) = self.pieces(base);
        for &(s, e, r0, r1) in &pieces[..n] {
            if t >= s && t < e {
                return r0 + (r1 - r0) * (t - s) / (e - s);
            }
        }
        tail
    }

    /// The expected number of arrivals in the first `seconds` (the integral of the rate).
    pub fn expected(self, base: f64, seconds: f64) -> f64 {
        let (pieces, n, tail) = self.pieces(base);
        let mut total = 0.0;
        let mut last = 0.0;
        for &(s, e, r0, r1) in &pieces[..n] {
            if e > s && seconds > s {
                let upto = seconds.min(e);
                let r_upto = r0 + (r1 - r0) * (upto - s) / (e - s);
                total += (r0 + r_upto) / 2.0 * (upto - s);
            }
            last = e.max(last);
        }
        total + tail * (seconds - last).max(0.0)
    }

    /// Seconds from `t` until the integrated rate has grown by `need`; `None` if it never does
    /// (the rate stays at zero).
    fn gap(self, base: f64, t: f64, need: f64) -> Option<f64> {
        let (pieces, n, tail) = self.pieces(base);
        let mut need = need;
        let mut at = t;
        for &(s, e, r0, r1) in &pieces[..n] {
            if e <= at || e <= s {
                continue;
            }
            let a = at.max(s);
            let slope = (r1 - r0) / (e - s);
            let ra = r0 + slope * (a - s);
            let area = (ra + r1) / 2.0 * (e - a);
            if area >= need {
                // ra·d + slope·d²/2 = need, in the form that stays exact for slope = 0.
                let root = (ra * ra + 2.0 * slope * need).max(0.0).sqrt();
                return Some(a + 2.0 * need / (ra + root) - t);
            }
            need -= area;
            at = e;
        }
        (tail > 0.0).then(|| at + need / tail - t)
    }

    /// Whether the rate is above zero at some moment.
    fn ever_sends(self, base: f64) -> bool {
        let (pieces, n, tail) = self.pieces(base);
        tail > 0.0
            || pieces[..n]
                .iter()
                .any(|p| p.1 > p.0 && (p.2 > 0.0 || p.3 > 0.0))
    }
}

impl Load {
    /// `count` requests at `rps` with the default mix, plain HTTP, 1000 keys, 10 % new TLS
    /// sessions.
    pub fn new(rps: f64, count: u64) -> Load {
        Load {
            rps,
            count,
            mix: Mix::default(),
            https: false,
            keys: 1000,
            new_session_pct: 10,
            shape: Shape::Constant,
        }
    }
}

impl Simulation {
    /// Schedules an untraced load; arrivals start at the current time.
    pub fn start_load(&mut self, load: Load) {
        let idx = self.loads.len() as u32;
        self.loads.push(LoadRun {
            load,
            sent: 0,
            start: self.now,
        });
        let sends = match load.shape {
            Shape::Constant => load.rps > 0.0,
            shape => shape.ever_sends(load.rps),
        };
        if load.count > 0 && sends {
            self.queue.push(self.now, Ev::NextArrival { load: idx });
        }
    }

    pub(super) fn next_arrival(&mut self, load_idx: usize) {
        let Some(run) = self.loads.get_mut(load_idx) else {
            return;
        };
        if run.sent >= run.load.count {
            return;
        }
        run.sent += 1;
        let more = run.sent < run.load.count;
        let load = run.load;
        let start = run.start;
        let mix = load.mix;
        let total = (mix.static_pct + mix.read_pct + mix.write_pct).max(1);
        let draw = self.rng.random_range(0..total);
        let kind = if draw < mix.static_pct {
            RequestKind::Static
        } else if draw < mix.static_pct + mix.read_pct {
            RequestKind::Read
        } else {
            RequestKind::Write
        };
        let key = self.rng.random_range(0..load.keys.max(1));
        let new_session = !load.https || self.rng.random_range(0..100) < load.new_session_pct;
        self.send(
            RequestSpec {
                kind,
                https: load.https,
                key,
            },
            false,
            new_session,
        );
        if more {
            // Exponential gaps between arrivals: a Poisson process at `rps`.
            let u: f64 = self.rng.random_range(f64::EPSILON..1.0);
            let gap_us = match load.shape {
                Shape::Constant => -u.ln() / load.rps * 1_000_000.0,
                shape => {
                    let t = (self.now - start).as_micros() as f64 / 1e6;
                    match shape.gap(load.rps, t, -u.ln()) {
                        Some(gap_s) => gap_s * 1_000_000.0,
                        // The rate stays at zero from here: the load sends nothing more.
                        None => return,
                    }
                }
            };
            let at = self.now + SimDuration::from_micros(gap_us as u64);
            self.queue.push(
                at,
                Ev::NextArrival {
                    load: load_idx as u32,
                },
            );
        }
    }
}
