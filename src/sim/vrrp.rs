//! keepalived/VRRP active-passive failover (domain rules B2): who holds a virtual IP, and when a
//! backup claims it after the MASTER dies.
//!
//! This module owns one VRRP group's state machine ([`VrrpGroup`]) and the timer arithmetic of
//! keepalived's `include/vrrp.h` ([`skew_time`], [`master_down_interval`]). It never schedules
//! anything itself: when a backup must wait for its Master_Down_Timer, it hands the caller a
//! [`Takeover`] to schedule, and the caller gives it back through [`VrrpGroup::take_over`] when
//! it falls due. A takeover that events have since overtaken is stale and ignored.
//!
//! The model, stated once:
//! * At t=0 the highest-priority member is MASTER (ties: the first declared) and has sent an
//!   advertisement; it sends one every `advert_int` from the instant it became MASTER.
//! * When the MASTER dies, nobody holds the VIP. Every alive backup's Master_Down_Timer runs
//!   from the last advertisement it heard; the one whose timer expires first (the highest
//!   priority, B2.4) becomes MASTER at `last advert + master_down_interval(its priority)`.
//! * A member that comes back while nobody is MASTER has heard no advertisement, so its timer
//!   runs from its return; it takes over only if that expires before the pending takeover.
//! * A member that comes back while someone is MASTER preempts at once if `preempt` is on and
//!   its priority is higher (B2.6; keepalived forces a new election on the first lower-priority
//!   advertisement it hears, which we model as immediate). With `nopreempt` it stays BACKUP.
//! * The address owner (priority 255, B2.7) takes the VIP at once whenever it comes up.
//! * Ties between equal timers go to the higher priority, then to the first declared member
//!   (real VRRP compares primary IP addresses, which this module does not know).

use std::fmt::Write as _;

use super::time::{SimDuration, SimTime};
use super::topology::Vip;

/// The VRRP protocol version of a group (keepalived `vrrp_version`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VrrpVersion {
    /// RFC 3768, keepalived's default for IPv4: whole-second advertisement intervals.
    #[default]
    V2,
    /// RFC 5798, used for IPv6: centisecond advertisement intervals, skew scaled by them.
    V3,
}

/// The default advertisement interval, `VRRP_ADVER_DFL` (1 s, B2.1).
pub const DEFAULT_ADVERT_INT: SimDuration = SimDuration::from_secs(1);

/// The default priority, `VRRP_PRIO_DFL` (B2.1).
pub const DEFAULT_PRIORITY: u8 = 100;

/// The priority of the address owner, which takes the VIP as soon as it is up (B2.7).
pub const OWNER_PRIORITY: u8 = 255;

/// Advertisements a backup misses before it declares the MASTER down, `VRRP_DOWN_TIMER_ADVERTS`.
pub const DOWN_TIMER_ADVERTS: u64 = 3;

const MICROS_PER_SEC: u64 = 1_000_000;
const MICROS_PER_CENTISEC: u64 = 10_000;

/// A VRRPv2 advertisement interval: whole seconds, 1–255 (B2.5); 0 is clamped to 1.
pub fn advert_interval_v2(seconds: u8) -> SimDuration {
    SimDuration::from_secs(u64::from(seconds.max(1)))
}

/// A VRRPv3 advertisement interval in centiseconds, 1–4095 (the 12-bit field of RFC 5798);
/// out-of-range values are clamped. `advert_interval_v3(92)` is keepalived's `advert_int 0.92`.
pub fn advert_interval_v3(centiseconds: u16) -> SimDuration {
    SimDuration::from_micros(u64::from(centiseconds.clamp(1, 4095)) * MICROS_PER_CENTISEC)
}

/// Skew_Time (B2.2), floored to the microsecond like keepalived's `VRRP_TIMER_SKEW`:
/// VRRPv2 `(256 − priority)/256 s`, VRRPv3 `(256 − priority) × advert_int / 256`.
/// `priority` is the backup's own (B2.6).
pub fn skew_time(priority: u8, advert_int: SimDuration, version: VrrpVersion) -> SimDuration {
    let behind = 256 - u128::from(priority);
    let unit = match version {
        VrrpVersion::V2 => u128::from(MICROS_PER_SEC),
        VrrpVersion::V3 => u128::from(advert_int.as_micros()),
    };
    // behind/256 <= 1, so the quotient always fits back into a u64.
    let micros = u64::try_from(unit * behind / 256).unwrap_or(u64::MAX);
    SimDuration::from_micros(micros)
}

/// Master_Down_Interval = 3 × advert_int + Skew_Time (B2.2): how long a backup waits after the
/// last advertisement it heard before it becomes MASTER.
pub fn master_down_interval(
    priority: u8,
    advert_int: SimDuration,
    version: VrrpVersion,
) -> SimDuration {
    advert_int.times(DOWN_TIMER_ADVERTS) + skew_time(priority, advert_int, version)
}

/// A backup's Master_Down_Timer, for the caller to schedule: at `at`, call
/// [`VrrpGroup::take_over`] with it. Each one is unique; once the group has moved on (another
/// takeover was planned, the member died, someone took the VIP) it is stale and ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Takeover {
    /// The member that becomes MASTER.
    pub member: usize,
    /// When its Master_Down_Timer expires.
    pub at: SimTime,
    generation: u64,
}

#[derive(Clone, Debug)]
struct Member {
    priority: u8,
    alive: bool,
    /// Where this member's Master_Down_Timer runs from while nobody is MASTER: the last
    /// advertisement it heard, or the instant it came back.
    timer_from: SimTime,
}

/// One VRRP group (a keepalived `vrrp_instance` on each member host) holding one virtual IP.
#[derive(Clone, Debug)]
pub struct VrrpGroup {
    members: Vec<Member>,
    advert_int: SimDuration,
    preempt: bool,
    version: VrrpVersion,
    master: Option<usize>,
    /// When the current MASTER took over; its advertisements go out from then on.
    master_since: SimTime,
    /// The last advertisement of the MASTER that died, while nobody holds the VIP.
    last_advert: SimTime,
    pending: Option<Takeover>,
    generations: u64,
}

impl VrrpGroup {
    /// A group of members with these priorities (index = member). At t=0 the highest-priority
    /// member is MASTER (ties: first). Adverts go out every advert_int from t=0.
    ///
    /// `advert_int` is normalised as keepalived does: VRRPv2 rounds it to the nearest whole
    /// second within 1–255 s (B2.5), VRRPv3 to the nearest centisecond within 0.01–40.95 s.
    pub fn new(
        priorities: &[u8],
        advert_int: SimDuration,
        preempt: bool,
        version: VrrpVersion,
    ) -> VrrpGroup {
        let members: Vec<Member> = priorities
            .iter()
            .map(|&priority| Member {
                priority,
                alive: true,
                timer_from: SimTime::ZERO,
            })
            .collect();
        let mut master: Option<usize> = None;
        for (index, member) in members.iter().enumerate() {
            if master.is_none_or(|best| member.priority > members[best].priority) {
                master = Some(index);
            }
        }
        VrrpGroup {
            members,
            advert_int: normalise_advert_int(advert_int, version),
            preempt,
            version,
            master,
            master_since: SimTime::ZERO,
            last_advert: SimTime::ZERO,
            pending: None,
            generations: 0,
        }
    }

    /// The group a design's [`Vip`] describes: its members' priorities in order, its
    /// whole-second `advert_int_s`, its `preempt` flag, VRRPv2.
    pub fn from_vip(vip: &Vip) -> VrrpGroup {
        let priorities: Vec<u8> = vip.members.iter().map(|m| m.priority).collect();
        VrrpGroup::new(
            &priorities,
            advert_interval_v2(vip.advert_int_s),
            vip.preempt,
            VrrpVersion::V2,
        )
    }

    /// Who holds the VIP now; None during the gap (B2.8: traffic to the VIP is lost then).
    pub fn master(&self) -> Option<usize> {
        self.master
    }

    /// Whether this member is up; false for an unknown index.
    pub fn is_alive(&self, member: usize) -> bool {
        self.members.get(member).is_some_and(|m| m.alive)
    }

    /// This member's configured priority, or None for an unknown index.
    pub fn priority(&self, member: usize) -> Option<u8> {
        self.members.get(member).map(|m| m.priority)
    }

    /// How many members the group has.
    pub fn member_count(&self) -> usize {
        self.members.len()
    }

    /// The advertisement interval in force (after normalisation, see [`VrrpGroup::new`]).
    pub fn advert_int(&self) -> SimDuration {
        self.advert_int
    }

    /// The takeover the group is waiting for, if any; any other is stale.
    pub fn pending(&self) -> Option<Takeover> {
        self.pending
    }

    /// This member's Master_Down_Interval in this group (B2.2), or None for an unknown index.
    pub fn master_down_interval(&self, member: usize) -> Option<SimDuration> {
        self.members
            .get(member)
            .map(|m| master_down_interval(m.priority, self.advert_int, self.version))
    }

    /// A member dies at `now`. If it was MASTER: the VIP is held by nobody, and the alive backup
    /// with the highest priority takes over at last_advert + its master_down_interval
    /// (B2.3/B2.4): returns that Takeover for the caller to schedule.
    ///
    /// If the member that was due to take over dies during the gap, the next one's takeover is
    /// returned instead (the earlier one is now stale). A backup dying while a MASTER holds the
    /// VIP changes nothing else. Unknown or already-dead members are ignored (None).
    pub fn member_down(&mut self, member: usize, now: SimTime) -> Option<Takeover> {
        if !self.is_alive(member) {
            return None;
        }
        if self.master == Some(member) {
            let last_advert = self.last_advert_at_or_before(now);
            self.last_advert = last_advert;
            self.master = None;
            for m in &mut self.members {
                m.timer_from = last_advert;
            }
        }
        if let Some(m) = self.members.get_mut(member) {
            m.alive = false;
        }
        if self.master.is_none() {
            self.plan_takeover(now)
        } else {
            None
        }
    }

    /// Called by the engine when a Takeover falls due; ignores stale ones (returns false).
    ///
    /// A takeover is refused (false) when it is not the pending one or when `now` is before its
    /// `at` (it then stays pending). On success its member becomes MASTER at `now` and starts
    /// advertising. With `preempt`, if a higher-priority member came back during the gap, that
    /// member preempts on the first advertisement, at once (B2.6), so it ends up MASTER.
    pub fn take_over(&mut self, takeover: &Takeover, now: SimTime) -> bool {
        if self.pending != Some(*takeover) || now < takeover.at || !self.is_alive(takeover.member) {
            return false;
        }
        self.become_master(takeover.member, now);
        if self.preempt
            && let Some(best) = self.highest_alive()
            && self.members[best].priority > self.members[takeover.member].priority
        {
            self.become_master(best, now);
        }
        true
    }

    /// A member comes back at `now`. Exactly:
    /// * priority 255 (the address owner, B2.7) takes MASTER at once, from anyone;
    /// * otherwise, while a MASTER holds the VIP: with preempt and a higher priority than the
    ///   MASTER it takes MASTER at once (B2.6); with nopreempt, or a priority not higher, it
    ///   stays BACKUP. Nothing to schedule either way (None);
    /// * while nobody is MASTER: it has heard no advertisement, so its Master_Down_Timer runs
    ///   from `now`. If that expires before the pending takeover (or none is pending), its
    ///   Takeover at `now + its master down interval` is returned and the old one goes stale;
    ///   otherwise None and the pending one stands (with preempt, a higher-priority returner
    ///   then preempts when that takeover happens, see [`VrrpGroup::take_over`]).
    ///
    /// Unknown or already-alive members are ignored (None).
    pub fn member_up(&mut self, member: usize, now: SimTime) -> Option<Takeover> {
        let priority = {
            let m = self.members.get_mut(member).filter(|m| !m.alive)?;
            m.alive = true;
            m.timer_from = now;
            m.priority
        };
        match self.master {
            Some(current) => {
                let higher = priority > self.members[current].priority;
                if higher && (self.preempt || priority == OWNER_PRIORITY) {
                    self.become_master(member, now);
                }
                None
            }
            None if priority == OWNER_PRIORITY => {
                self.become_master(member, now);
                None
            }
            None => self.plan_takeover(now),
        }
    }

    /// The last advertisement sent at or before `now`: the MASTER's latest (one every
    /// advert_int since it took over), or, while nobody is MASTER, the dead MASTER's last one.
    /// Instants before the current MASTER took over count as its takeover instant.
    pub fn last_advert_at_or_before(&self, now: SimTime) -> SimTime {
        if self.master.is_none() {
            return self.last_advert;
        }
        let since = self.master_since;
        let step = self.advert_int.as_micros().max(1);
        let adverts = (now - since).as_micros() / step;
        since + SimDuration::from_micros(adverts * step)
    }

    /// One line for the trace, e.g. "lb-01 is MASTER (priority 150); lb-02 BACKUP (100)".
    /// The MASTER comes first, then the others in order; during the gap it reads
    /// "nobody holds the VIP; lb-02 takes over at t=3.609 s; lb-01 DOWN (150); lb-02 BACKUP (100)".
    /// Members without a name are called `member N`.
    pub fn explain(&self, names: &[&str]) -> String {
        let name = |index: usize| -> String {
            names
                .get(index)
                .map_or_else(|| format!("member {index}"), |n| (*n).to_owned())
        };
        let mut parts: Vec<String> = Vec::with_capacity(self.members.len() + 1);
        match self.master {
            Some(master) => parts.push(format!(
                "{} is MASTER (priority {})",
                name(master),
                self.members[master].priority
            )),
            None => {
                let mut gap = String::from("nobody holds the VIP");
                if let Some(takeover) = self.pending {
                    let _ = write!(
                        gap,
                        "; {} takes over at {}",
                        name(takeover.member),
                        takeover.at
                    );
                }
                parts.push(gap);
            }
        }
        for (index, member) in self.members.iter().enumerate() {
            if Some(index) == self.master {
                continue;
            }
            let state = if member.alive { "BACKUP" } else { "DOWN" };
            parts.push(format!("{} {state} ({})", name(index), member.priority));
        }
        parts.join("; ")
    }

    fn become_master(&mut self, member: usize, now: SimTime) {
        self.master = Some(member);
        self.master_since = now;
        self.pending = None;
    }

    /// The alive member with the highest priority (ties: first).
    fn highest_alive(&self) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (index, member) in self.members.iter().enumerate() {
            if member.alive && best.is_none_or(|b| member.priority > self.members[b].priority) {
                best = Some(index);
            }
        }
        best
    }

    /// While nobody is MASTER: the alive member whose Master_Down_Timer expires first becomes
    /// the pending takeover. Returns it if it changed (the old one is then stale).
    fn plan_takeover(&mut self, now: SimTime) -> Option<Takeover> {
        let mut best: Option<(SimTime, usize)> = None;
        for (index, member) in self.members.iter().enumerate() {
            if !member.alive {
                continue;
            }
            let expires = member.timer_from
                + master_down_interval(member.priority, self.advert_int, self.version);
            let better = best.is_none_or(|(at, b)| {
                expires < at || (expires == at && member.priority > self.members[b].priority)
            });
            if better {
                best = Some((expires, index));
            }
        }
        let Some((expires, member)) = best else {
            self.pending = None;
            return None;
        };
        // The same member's timer has not moved (it only restarts when the member comes back,
        // and then it was not pending): keep its takeover, even if the caller is late with it.
        if self.pending.is_some_and(|p| p.member == member) {
            return None;
        }
        let at = expires.max(now);
        self.generations += 1;
        let takeover = Takeover {
            member,
            at,
            generation: self.generations,
        };
        self.pending = Some(takeover);
        Some(takeover)
    }
}

/// keepalived's normalisation of `advert_int` (B2.5): whole seconds 1–255 for VRRPv2 (rounded
/// to the nearest), centiseconds 1–4095 for VRRPv3.
fn normalise_advert_int(advert_int: SimDuration, version: VrrpVersion) -> SimDuration {
    let (unit, max) = match version {
        VrrpVersion::V2 => (MICROS_PER_SEC, 255),
        VrrpVersion::V3 => (MICROS_PER_CENTISEC, 4095),
    };
    let units = (advert_int.as_micros().saturating_add(unit / 2) / unit).clamp(1, max);
    SimDuration::from_micros(units * unit)
}
