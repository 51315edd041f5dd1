//! HAProxy health checks (domain rules B1.12 and B1.14–B1.18): the `rise`/`fall` counter of
//! `check.c`, the check intervals, and one server's check loop.
//!
//! This module owns *when a checked server is marked UP or DOWN*. It never reads a clock: the
//! engine creates a [`Checker`] per checked server, runs each check at
//! [`Checker::next_check_at`] with what the server would answer ([`CheckResult`]), and feeds
//! the resulting UP/DOWN state to the balancer. Servers without `check` are never checked and
//! always count as available (B1.13); that is the engine's business, there is no checker for
//! them.
//!
//! Timing follows `check.c`: a check that completes at time c schedules the next one at
//! c + the interval chosen *after* updating the counter (`srv_getinter`): `inter` while fully
//! UP, `downinter` while fully DOWN, `fastinter` otherwise (in transition, or at start-up
//! before the first check). Unset `fastinter` and `downinter` fall back to `inter`.
//! A passed or refused check completes at the instant it starts (a LAN round trip is far
//! below the check intervals); a hung one completes at its timeout (B1.16). HAProxy's
//! `spread-checks` jitter is not modelled: the engine chooses each server's first check time.

use crate::time::{SimDuration, SimTime};
use crate::topology::HealthCheck;

/// The largest `rise` or `fall` accepted; larger values count as this, so that
/// `rise + fall − 1` always fits the counter.
pub const MAX_RISE_FALL: u8 = 128;

/// The shortest interval between two checks; shorter settings count as this, so that a check
/// loop always moves time forward (HAProxy refuses 0).
pub const MIN_INTERVAL: SimDuration = SimDuration::from_millis(1);

/// A server's health counter (`check->health` in HAProxy's `check.c`).
///
/// `health` runs from 0 to rise+fall−1 and the server is UP iff health ≥ rise (B1.15). A
/// failure decrements it and drops it to 0 once it falls below `rise`; a success increments it
/// and lifts it to rise+fall−1 once it reaches `rise`. So only *consecutive* failures (or
/// successes) change the state. `rise` and `fall` are clamped to 1..=[`MAX_RISE_FALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthCounter {
    health: u8,
    rise: u8,
    fall: u8,
}

/// Where a server is between its states, as HAProxy's stats page shows it ("UP 2/3" going
/// down, "DOWN 1/2" coming back).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckProgress {
    /// Fully UP or fully DOWN: no check has moved the counter lately.
    Steady,
    /// Still UP, but the last `failed` checks in a row failed; `fall` of them mark it DOWN.
    Failing { failed: u8, fall: u8 },
    /// Still DOWN, but the last `passed` checks in a row passed; `rise` of them mark it UP.
    Rising { passed: u8, rise: u8 },
}

/// What one health check changed that is worth telling, as HAProxy's log and stats page tell
/// it. A passing check of a fully UP server and a failing one of a fully DOWN server change
/// nothing and are not news.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckNews {
    /// A check of an UP server failed: `failed` of the `fall` failures in a row that mark it
    /// DOWN (`down`: this one did).
    Failed { failed: u8, fall: u8, down: bool },
    /// A check of a DOWN server passed: `passed` of the `rise` successes in a row that mark it
    /// UP (`up`: this one did).
    Passed { passed: u8, rise: u8, up: bool },
    /// A check of an UP server passed after `failed` failures: the count starts over.
    FailingCleared { failed: u8, fall: u8 },
    /// A check of a DOWN server failed after `passed` successes: the count starts over.
    RisingReset { passed: u8, rise: u8 },
}

impl CheckNews {
    /// The news of one check, given the counter before and after it.
    pub fn of(before: HealthCounter, after: HealthCounter, passed: bool) -> Option<CheckNews> {
        let (rise, fall) = (after.rise, after.fall);
        match (before.is_up(), passed) {
            (true, false) => Some(CheckNews::Failed {
                failed: if after.is_up() {
                    after.max() - after.health
                } else {
                    fall
                },
                fall,
                down: !after.is_up(),
            }),
            (false, true) => Some(CheckNews::Passed {
                passed: if after.is_up() { rise } else { after.health },
                rise,
                up: after.is_up(),
            }),
            (true, true) => match before.progress() {
                CheckProgress::Failing { failed, fall } => {
                    Some(CheckNews::FailingCleared { failed, fall })
                }
                _ => None,
            },
            (false, false) => match before.progress() {
                CheckProgress::Rising { passed, rise } => {
                    Some(CheckNews::RisingReset { passed, rise })
                }
                _ => None,
            },
        }
    }

    /// In words, given why a failed check failed: "check 2/3 failed: connection refused",
    /// "check 2/2 passed: marked UP".
    pub fn describe(&self, failure: &str) -> String {
        match *self {
            CheckNews::Failed { failed, fall, down } => format!(
                "check {failed}/{fall} failed: {failure}{}",
                if down { ": marked DOWN" } else { "" }
            ),
            CheckNews::Passed { passed, rise, up } => format!(
                "check {passed}/{rise} passed{}",
                if up { ": marked UP" } else { "" }
            ),
            CheckNews::FailingCleared { failed, fall } => format!(
                "check passed: the {failed}/{fall} failures in a row no longer count (only consecutive failures mark it DOWN)"
            ),
            CheckNews::RisingReset { passed, rise } => format!(
                "check failed: {failure}: the {passed}/{rise} passes in a row no longer count (only consecutive passes mark it UP)"
            ),
        }
    }
}

/// A change of a server's state, reported by [`HealthCounter::record`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// The server was DOWN and is now UP.
    WentUp,
    /// The server was UP and is now DOWN.
    WentDown,
}

fn clamp_rise_fall(n: u8) -> u8 {
    n.clamp(1, MAX_RISE_FALL)
}

impl HealthCounter {
    fn with_health(rise: u8, fall: u8, health: impl FnOnce(u8, u8) -> u8) -> Self {
        let (rise, fall) = (clamp_rise_fall(rise), clamp_rise_fall(fall));
        HealthCounter {
            health: health(rise, fall),
            rise,
            fall,
        }
    }

    /// A server as HAProxy starts it (B1.18): health = rise, "start OK but check
    /// immediately". It is UP, and one failed check marks it DOWN.
    pub fn at_start(rise: u8, fall: u8) -> Self {
        Self::with_health(rise, fall, |rise, _| rise)
    }

    /// A server that has passed enough checks: health = rise+fall−1, so `fall` consecutive
    /// failures mark it DOWN.
    pub fn fully_up(rise: u8, fall: u8) -> Self {
        Self::with_health(rise, fall, |rise, fall| rise + (fall - 1))
    }

    /// A server that has failed enough checks: health = 0, so `rise` consecutive successes
    /// mark it UP.
    pub fn fully_down(rise: u8, fall: u8) -> Self {
        Self::with_health(rise, fall, |_, _| 0)
    }

    /// Whether the server is marked UP: health ≥ rise.
    pub fn is_up(&self) -> bool {
        self.health >= self.rise
    }

    /// The counter, 0..=rise+fall−1.
    pub fn health(&self) -> u8 {
        self.health
    }

    /// `rise`, as clamped.
    pub fn rise(&self) -> u8 {
        self.rise
    }

    /// `fall`, as clamped.
    pub fn fall(&self) -> u8 {
        self.fall
    }

    /// rise+fall−1: the health of a fully UP server.
    pub fn max(&self) -> u8 {
        self.rise + (self.fall - 1)
    }

    /// UP with the counter at its top: the next interval is `inter`.
    pub fn is_fully_up(&self) -> bool {
        self.health == self.max()
    }

    /// DOWN with the counter at 0: the next interval is `downinter`.
    pub fn is_fully_down(&self) -> bool {
        self.health == 0
    }

    /// How far the server is from changing state: failed checks in a row while UP, passed
    /// ones while DOWN.
    pub fn progress(&self) -> CheckProgress {
        if self.is_fully_up() || self.is_fully_down() {
            CheckProgress::Steady
        } else if self.is_up() {
            CheckProgress::Failing {
                failed: self.max() - self.health,
                fall: self.fall,
            }
        } else {
            CheckProgress::Rising {
                passed: self.health,
                rise: self.rise,
            }
        }
    }

    /// Counts one check's result and says whether the server changed state.
    pub fn record(&mut self, success: bool) -> Option<Transition> {
        let was_up = self.is_up();
        if success {
            if self.health < self.max() {
                self.health += 1;
                if self.health >= self.rise {
                    self.health = self.max();
                }
            }
        } else if self.health > 0 {
            self.health -= 1;
            if self.health < self.rise {
                self.health = 0;
            }
        }
        match (was_up, self.is_up()) {
            (false, true) => Some(Transition::WentUp),
            (true, false) => Some(Transition::WentDown),
            _ => None,
        }
    }
}

/// When checks run and how long a hung one takes to fail (B1.14, B1.16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckTiming {
    /// `inter`: between checks while the server is fully UP (default 2000 ms).
    pub inter: SimDuration,
    /// `fastinter`: while in transition or not yet checked; `None` falls back to `inter`.
    pub fastinter: Option<SimDuration>,
    /// `downinter`: while fully DOWN; `None` falls back to `inter`.
    pub downinter: Option<SimDuration>,
    /// `timeout check`; `None` makes `inter` the timeout of the whole check.
    pub timeout_check: Option<SimDuration>,
    /// `timeout connect`, which bounds a check's connection when `timeout check` is set;
    /// zero means unset.
    pub timeout_connect: SimDuration,
}

impl Default for CheckTiming {
    /// HAProxy's defaults: `inter 2000`, no `fastinter`, `downinter` or `timeout check`, and
    /// `timeout connect 5s` (see [`crate::balancer::DEFAULT_TIMEOUT_CONNECT`]).
    fn default() -> Self {
        CheckTiming {
            inter: SimDuration::from_millis(2000),
            fastinter: None,
            downinter: None,
            timeout_check: None,
            timeout_connect: crate::balancer::DEFAULT_TIMEOUT_CONNECT,
        }
    }
}

impl CheckTiming {
    /// The defaults with a design's `inter`.
    pub fn from_config(config: &HealthCheck) -> CheckTiming {
        CheckTiming {
            inter: SimDuration::from_millis(u64::from(config.inter_ms)),
            ..CheckTiming::default()
        }
    }

    /// The interval before the next check, given the counter after the latest one
    /// (`srv_getinter`): `inter` fully UP, `downinter` fully DOWN, `fastinter` otherwise.
    pub fn interval(&self, counter: &HealthCounter) -> SimDuration {
        let interval = if counter.is_fully_up() {
            self.inter
        } else if counter.is_fully_down() {
            self.downinter.unwrap_or(self.inter)
        } else {
            self.fastinter.unwrap_or(self.inter)
        };
        interval.max(MIN_INTERVAL)
    }

    /// How long a check of a hung server takes to fail: `inter` without `timeout check`,
    /// otherwise min(`timeout connect`, `inter`) + `timeout check` (B1.16).
    pub fn hung_timeout(&self) -> SimDuration {
        let inter = self.inter.max(MIN_INTERVAL);
        match self.timeout_check {
            None => inter,
            Some(check) => {
                let connect = if self.timeout_connect == SimDuration::ZERO {
                    inter
                } else {
                    self.timeout_connect.min(inter)
                };
                connect + check
            }
        }
    }
}

/// What a server does with one health check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckResult {
    /// It answers correctly.
    Passed,
    /// The connection is refused (or reset): the check fails at once.
    Refused,
    /// Nothing answers: the check fails at its timeout ([`CheckTiming::hung_timeout`]).
    Hung,
}

/// One server's health-check loop, driven by the engine with times passed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checker {
    timing: CheckTiming,
    counter: HealthCounter,
    next: SimTime,
    /// When the server was last marked UP by a check (not at start-up); for slowstart.
    up_since: Option<SimTime>,
    /// When the latest check completed.
    last_completed: Option<SimTime>,
    /// The counter before the latest check: what HAProxy shows until that check completes.
    before: HealthCounter,
}

impl Checker {
    /// A check loop whose first check runs at `first_check_at`. `start_up`: the server starts
    /// as HAProxy starts it ([`HealthCounter::at_start`], one failure marks it DOWN); otherwise
    /// it starts fully UP ([`HealthCounter::fully_up`]).
    pub fn new(
        timing: CheckTiming,
        rise: u8,
        fall: u8,
        first_check_at: SimTime,
        start_up: bool,
    ) -> Checker {
        let counter = if start_up {
            HealthCounter::at_start(rise, fall)
        } else {
            HealthCounter::fully_up(rise, fall)
        };
        Checker::with_counter(timing, counter, first_check_at)
    }

    /// A check loop starting from any counter, e.g. [`HealthCounter::fully_down`].
    pub fn with_counter(
        timing: CheckTiming,
        counter: HealthCounter,
        first_check_at: SimTime,
    ) -> Checker {
        Checker {
            timing,
            counter,
            next: first_check_at,
            up_since: None,
            last_completed: None,
            before: counter,
        }
    }

    /// When the next check starts.
    pub fn next_check_at(&self) -> SimTime {
        self.next
    }

    /// Runs the check due at [`Checker::next_check_at`], given what the server does with it.
    /// Returns when the check completed (a hung one at its timeout) and any change of state,
    /// and schedules the next check one interval after the completion.
    pub fn run_check(&mut self, result: CheckResult) -> (SimTime, Option<Transition>) {
        let completed = match result {
            CheckResult::Passed | CheckResult::Refused => self.next,
            CheckResult::Hung => self.next + self.timing.hung_timeout(),
        };
        self.before = self.counter;
        let transition = self.counter.record(result == CheckResult::Passed);
        match transition {
            Some(Transition::WentUp) => self.up_since = Some(completed),
            Some(Transition::WentDown) => self.up_since = None,
            None => {}
        }
        self.last_completed = Some(completed);
        self.next = completed + self.timing.interval(&self.counter);
        (completed, transition)
    }

    /// The counter's progress at `now` ([`HealthCounter::progress`]): a check counts once it
    /// has completed (a hung one at its timeout), as HAProxy counts it.
    pub fn progress_at(&self, now: SimTime) -> CheckProgress {
        match self.last_completed {
            Some(completed) if now < completed => self.before.progress(),
            _ => self.counter.progress(),
        }
    }

    /// What the latest check changed that is worth telling ([`CheckNews::of`]).
    pub fn latest_news(&self, passed: bool) -> Option<CheckNews> {
        CheckNews::of(self.before, self.counter, passed)
    }

    /// Lets the check due at [`Checker::next_check_at`] not happen (say the load balancer
    /// itself is down): the counter is left alone and the next check is one interval later.
    /// Returns the new [`Checker::next_check_at`].
    pub fn skip_check(&mut self) -> SimTime {
        self.next += self.timing.interval(&self.counter);
        self.next
    }

    /// Whether the server is marked UP.
    pub fn is_up(&self) -> bool {
        self.counter.is_up()
    }

    /// The health counter.
    pub fn counter(&self) -> &HealthCounter {
        &self.counter
    }

    /// The check timing.
    pub fn timing(&self) -> &CheckTiming {
        &self.timing
    }

    /// `slowstart` (B1.12): the weight to give the balancer (dynamic algorithms only) after the
    /// latest check. After the server came back UP, it rises linearly from 1 to `weight` over
    /// `slowstart`, updated at each check; a server UP since start-up, a zero `slowstart` or a
    /// DOWN server gets `weight` as is.
    pub fn slowstart_weight(&self, weight: u16, slowstart: SimDuration) -> u16 {
        let (Some(since), Some(now)) = (self.up_since, self.last_completed) else {
            return weight;
        };
        let elapsed = now - since;
        if !self.is_up() || weight == 0 || elapsed >= slowstart {
            return weight;
        }
        // ceil(weight × elapsed ÷ slowstart), at least 1; below `weight` since elapsed < slowstart.
        let scaled = (u128::from(weight) * u128::from(elapsed.as_micros()))
            .div_ceil(u128::from(slowstart.as_micros()));
        u16::try_from(scaled).map_or(weight, |w| w.clamp(1, weight))
    }
}
