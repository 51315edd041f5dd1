//! keepalived/VRRP active-passive failover (domain rules B2): who holds a virtual IP, when a
//! backup claims it, and keepalived's track script (`vrrp_script`, B2.11).
//!
//! This module owns one VRRP group's state machine ([`VrrpGroup`]), the timer arithmetic of
//! keepalived's `include/vrrp.h` ([`skew_time`], [`master_down_interval`]) and the counter of a
//! track script ([`TrackScript`], [`CHK_HAPROXY`]). It never schedules anything itself: when a
//! backup's Master_Down_Timer will make it MASTER, the group keeps that [`Takeover`] as
//! [`VrrpGroup::pending`] for the caller to schedule, and the caller gives it back through
//! [`VrrpGroup::take_over`] when it falls due. A takeover that events have since overtaken is
//! stale and ignored.
//!
//! The model, stated once (keepalived 2.2.7, `vrrp.c` and `vrrp_scheduler.c`, measured on
//! Debian 12):
//! * At t=0 the highest-priority member is MASTER (ties: the first declared) and has sent an
//!   advertisement; it sends one every `advert_int` from the instant it became MASTER.
//! * A BACKUP's Master_Down_Timer expires `master_down_interval(its priority)` after it was
//!   last reset. Adverts from a MASTER it defers to reset it (a priority at least its own, or
//!   any MASTER with `nopreempt`); with preemption on, a lower-priority advert is discarded
//!   ("received lower priority advert … discarding") and the timer runs on. When it expires,
//!   that member becomes MASTER, and the old MASTER, hearing a higher priority, goes BACKUP.
//! * A crashed MASTER ([`VrrpGroup::member_down`]) just falls silent: every backup's timer
//!   runs from its last advertisement (B2.3/B2.4).
//! * A MASTER that stops cleanly ([`VrrpGroup::member_stop`], B2.10) or whose track script
//!   fails ([`VrrpGroup::member_fault`], FAULT state, B2.11) sends a priority-0 advert: every
//!   backup's timer is set to its Skew_Time only.
//! * A member that starts ([`VrrpGroup::member_up`]: keepalived restarted, or leaving FAULT)
//!   enters BACKUP with a fresh timer. So a higher-priority member that returns takes MASTER
//!   back one Master_Down_Interval later, not at once (B2.6: 3.41 s for priority 150); with
//!   `nopreempt` it stays BACKUP.
//! * The address owner (priority 255, B2.7) takes the VIP at once whenever it comes up.
//! * Ties between equal timers go to the higher priority, then to the first declared member
//!   (real VRRP compares primary IP addresses, which this module does not know).
//! * Adverts travel instantly (a LAN hop is a quarter of a millisecond); keepalived's own
//!   start-up and scheduling (tens of milliseconds on a real host) are not modelled.

use super::time::{SimDuration, SimTime};
use super::topology::{Host, ServiceKind, Vip};

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

/// keepalived's state of one member's VRRP instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberState {
    /// Holds the VIP and advertises.
    Master,
    /// Listens for adverts; becomes MASTER when its Master_Down_Timer expires.
    Backup,
    /// keepalived runs but a tracked script failed: the instance takes no part (B2.11).
    Fault,
    /// keepalived is not running (the host crashed or was stopped).
    Down,
}

impl MemberState {
    /// The word keepalived logs for the state ("MASTER", "BACKUP", "FAULT"), "DOWN" when it
    /// does not run.
    pub fn word(self) -> &'static str {
        match self {
            MemberState::Master => "MASTER",
            MemberState::Backup => "BACKUP",
            MemberState::Fault => "FAULT",
            MemberState::Down => "DOWN",
        }
    }
}

#[derive(Clone, Debug)]
struct Member {
    priority: u8,
    state: MemberState,
    /// While BACKUP: when its Master_Down_Timer expires; None while the adverts of a MASTER it
    /// defers to keep resetting it.
    expires: Option<SimTime>,
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
    /// member is MASTER (ties: first), the others BACKUP. Adverts go out every advert_int from
    /// t=0.
    ///
    /// `advert_int` is normalised as keepalived does: VRRPv2 rounds it to the nearest whole
    /// second within 1–255 s (B2.5), VRRPv3 to the nearest centisecond within 0.01–40.95 s.
    pub fn new(
        priorities: &[u8],
        advert_int: SimDuration,
        preempt: bool,
        version: VrrpVersion,
    ) -> VrrpGroup {
        let mut master: Option<usize> = None;
        for (index, &priority) in priorities.iter().enumerate() {
            if master.is_none_or(|best| priority > priorities[best]) {
                master = Some(index);
            }
        }
        let members: Vec<Member> = priorities
            .iter()
            .enumerate()
            .map(|(index, &priority)| Member {
                priority,
                state: if Some(index) == master {
                    MemberState::Master
                } else {
                    MemberState::Backup
                },
                expires: None,
            })
            .collect();
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

    /// Who holds the VIP now; None during the gap (B2.8: nobody answers for the VIP then).
    pub fn master(&self) -> Option<usize> {
        self.master
    }

    /// Whether keepalived runs on this member (MASTER, BACKUP or FAULT); false for an unknown
    /// index.
    pub fn is_alive(&self, member: usize) -> bool {
        self.state(member)
            .is_some_and(|state| state != MemberState::Down)
    }

    /// This member's state, or None for an unknown index.
    pub fn state(&self, member: usize) -> Option<MemberState> {
        self.members.get(member).map(|m| m.state)
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

    /// Whether a higher-priority member that comes back takes MASTER (no `nopreempt`).
    pub fn preempt(&self) -> bool {
        self.preempt
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

    /// This member's Skew_Time in this group (B2.2): how long it waits after a priority-0
    /// advert. None for an unknown index.
    pub fn skew_time(&self, member: usize) -> Option<SimDuration> {
        self.members
            .get(member)
            .map(|m| skew_time(m.priority, self.advert_int, self.version))
    }

    /// A member crashes at `now` (host down, keepalived killed): it falls silent. If it was
    /// MASTER, nobody holds the VIP and every backup's timer runs from the last advertisement
    /// (B2.3/B2.4); the alive backup with the highest priority takes over first.
    ///
    /// Returns the new pending takeover if it changed (the old one is then stale): the next
    /// backup's when the one due to take over dies during the gap. A backup dying while a
    /// MASTER holds the VIP changes nothing else. Unknown or already-down members: None.
    pub fn member_down(&mut self, member: usize, now: SimTime) -> Option<Takeover> {
        if !self.is_alive(member) {
            return None;
        }
        if self.master == Some(member) {
            let last_advert = self.last_advert_at_or_before(now);
            self.last_advert = last_advert;
            self.master = None;
            let (advert_int, version) = (self.advert_int, self.version);
            for m in &mut self.members {
                if m.state == MemberState::Backup && m.expires.is_none() {
                    m.expires =
                        Some(last_advert + master_down_interval(m.priority, advert_int, version));
                }
            }
        }
        self.set_state(member, MemberState::Down);
        self.plan_takeover(now)
    }

    /// A member's keepalived stops cleanly at `now` (`systemctl stop keepalived`, a host shut
    /// down cleanly, B2.10): a MASTER first sends a priority-0 advert, so every backup takes
    /// over after its Skew_Time only (0.609 s for priority 100). Then the member is down.
    ///
    /// Returns the new pending takeover if it changed. Unknown or already-down members: None.
    pub fn member_stop(&mut self, member: usize, now: SimTime) -> Option<Takeover> {
        if !self.is_alive(member) {
            return None;
        }
        if self.master == Some(member) {
            self.priority_zero_advert(now);
        }
        self.set_state(member, MemberState::Down);
        self.plan_takeover(now)
    }

    /// A member's tracked script failed `fall` times at `now` (B2.11): its instance enters
    /// FAULT. A MASTER sends a priority-0 advert as it leaves (keepalived's
    /// `vrrp_state_leave_master`), so the backups take over after their Skew_Time. A member
    /// that was down (keepalived starting with a failing script) enters FAULT silently.
    ///
    /// Returns the new pending takeover if it changed. Unknown members or members already in
    /// FAULT: None.
    pub fn member_fault(&mut self, member: usize, now: SimTime) -> Option<Takeover> {
        if self.state(member).is_none_or(|s| s == MemberState::Fault) {
            return None;
        }
        if self.master == Some(member) {
            self.priority_zero_advert(now);
        }
        self.set_state(member, MemberState::Fault);
        self.plan_takeover(now)
    }

    /// Called by the engine when a Takeover falls due; ignores stale ones (returns false).
    ///
    /// A takeover is refused (false) when it is not the pending one or when `now` is before its
    /// `at` (it then stays pending). On success its member becomes MASTER at `now` and starts
    /// advertising; a MASTER it replaces (a lower priority, preempted) goes BACKUP. A
    /// higher-priority BACKUP whose own timer is running (it came back, and discards the new
    /// MASTER's adverts) then becomes the pending takeover.
    pub fn take_over(&mut self, takeover: &Takeover, now: SimTime) -> bool {
        if self.pending != Some(*takeover)
            || now < takeover.at
            || self.state(takeover.member) != Some(MemberState::Backup)
        {
            return false;
        }
        self.become_master(takeover.member, now);
        true
    }

    /// A member's VRRP instance starts at `now`: keepalived (re)started, or its track script
    /// succeeded `rise` times and it leaves FAULT. Exactly:
    /// * priority 255 (the address owner, B2.7) takes MASTER at once, from anyone;
    /// * otherwise it enters BACKUP with a fresh Master_Down_Timer (`now` + its
    ///   master_down_interval). While a MASTER it defers to holds the VIP (a priority at least
    ///   its own, or `nopreempt`), that MASTER's adverts keep resetting it: it stays BACKUP.
    ///   Else it discards the adverts and takes over when the timer expires (B2.6: measured
    ///   3.50 s after a restart for priority 150, 3.41 s of timer and keepalived's start-up).
    ///
    /// Returns the new pending takeover if it changed. Unknown members, or members already
    /// MASTER or BACKUP: None.
    pub fn member_up(&mut self, member: usize, now: SimTime) -> Option<Takeover> {
        let state = self.state(member)?;
        if matches!(state, MemberState::Master | MemberState::Backup) {
            return None;
        }
        let interval = self.master_down_interval(member)?;
        let priority = self.members[member].priority;
        let held = self.master.is_some_and(|m| self.defers(member, m));
        if let Some(m) = self.members.get_mut(member) {
            m.state = MemberState::Backup;
            m.expires = if held { None } else { Some(now + interval) };
        }
        if priority == OWNER_PRIORITY {
            let before = self.pending;
            self.become_master(member, now);
            return self.pending.filter(|p| Some(*p) != before);
        }
        self.plan_takeover(now)
    }

    /// The last advertisement sent at or before `now`: the MASTER's latest (one every
    /// advert_int since it took over), or, while nobody is MASTER, the last one sent.
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
    /// The MASTER (or the gap) comes first, then the pending takeover, then the others in
    /// order. During the gap it reads "nobody holds the VIP; lb-02 takes over at t=3.609 s;
    /// lb-01 DOWN (150); lb-02 BACKUP (100)"; while a returned primary waits for its timer,
    /// "lb-02 is MASTER (priority 100); lb-01 takes over at t=13.414 s; lb-01 BACKUP (150)".
    /// Members without a name are called `member N`.
    pub fn explain(&self, names: &[&str]) -> String {
        let name = |index: usize| -> String {
            names
                .get(index)
                .map_or_else(|| format!("member {index}"), |n| (*n).to_owned())
        };
        let mut parts: Vec<String> = Vec::with_capacity(self.members.len() + 2);
        match self.master {
            Some(master) => parts.push(format!(
                "{} is MASTER (priority {})",
                name(master),
                self.members[master].priority
            )),
            None => parts.push(String::from("nobody holds the VIP")),
        }
        if let Some(takeover) = self.pending {
            parts.push(format!(
                "{} takes over at {}",
                name(takeover.member),
                takeover.at
            ));
        }
        for (index, member) in self.members.iter().enumerate() {
            if Some(index) == self.master {
                continue;
            }
            parts.push(format!(
                "{} {} ({})",
                name(index),
                member.state.word(),
                member.priority
            ));
        }
        parts.join("; ")
    }

    /// Whether BACKUP `backup` resets its timer on `master`'s adverts: with `nopreempt`
    /// always, otherwise when the advert's priority is at least its own.
    fn defers(&self, backup: usize, master: usize) -> bool {
        !self.preempt || self.members[master].priority >= self.members[backup].priority
    }

    fn set_state(&mut self, member: usize, state: MemberState) {
        if let Some(m) = self.members.get_mut(member) {
            m.state = state;
            m.expires = None;
        }
        if self.master == Some(member) && state != MemberState::Master {
            self.master = None;
        }
    }

    /// The MASTER leaves with a priority-0 advert at `now`: nobody holds the VIP, and every
    /// backup's timer is set to its Skew_Time.
    fn priority_zero_advert(&mut self, now: SimTime) {
        self.master = None;
        self.last_advert = now;
        let (advert_int, version) = (self.advert_int, self.version);
        for m in &mut self.members {
            if m.state == MemberState::Backup {
                m.expires = Some(now + skew_time(m.priority, advert_int, version));
            }
        }
    }

    /// `member` becomes MASTER at `now` and sends its first advert: a MASTER it replaces goes
    /// BACKUP, and every backup that defers to it stops its timer. A backup that does not (a
    /// higher priority, with preemption) keeps its timer running.
    fn become_master(&mut self, member: usize, now: SimTime) {
        if let Some(old) = self.master.filter(|&old| old != member)
            && let Some(m) = self.members.get_mut(old)
        {
            m.state = MemberState::Backup;
        }
        self.master = Some(member);
        self.master_since = now;
        self.pending = None;
        if let Some(m) = self.members.get_mut(member) {
            m.state = MemberState::Master;
            m.expires = None;
        }
        for index in 0..self.members.len() {
            if self.members[index].state != MemberState::Backup {
                continue;
            }
            if self.defers(index, member) {
                self.members[index].expires = None;
            } else if self.members[index].expires.is_none() {
                let interval = master_down_interval(
                    self.members[index].priority,
                    self.advert_int,
                    self.version,
                );
                self.members[index].expires = Some(now + interval);
            }
        }
        self.plan_takeover(now);
    }

    /// The BACKUP whose Master_Down_Timer runs out first becomes the pending takeover.
    /// Returns it if it changed (the old one is then stale).
    fn plan_takeover(&mut self, now: SimTime) -> Option<Takeover> {
        let mut best: Option<(SimTime, usize)> = None;
        for (index, member) in self.members.iter().enumerate() {
            let Some(expires) = member.expires else {
                continue;
            };
            if member.state != MemberState::Backup {
                continue;
            }
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
        let at = expires.max(now);
        // The same member's timer has not moved: keep its takeover, even if the caller is
        // late with it.
        if self
            .pending
            .is_some_and(|p| p.member == member && (p.at == at || (expires <= p.at && p.at <= now)))
        {
            return None;
        }
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

/// A keepalived `vrrp_script` as Stacksim writes it into `keepalived.conf` and runs it in the
/// engine: one owner of the numbers, so the export and the simulation cannot disagree.
/// Without `weight`, a script that fails `fall` times puts the instance in FAULT and one that
/// then succeeds `rise` times brings it back (keepalived.conf(5)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrackScriptSpec {
    /// The `vrrp_script` block's name.
    pub name: &'static str,
    /// The program and arguments keepalived runs.
    pub script: &'static str,
    /// `interval`: seconds from one run's start to the next.
    pub interval_s: u8,
    /// `fall`: consecutive failures that fault the instance.
    pub fall: u8,
    /// `rise`: consecutive successes that bring it back.
    pub rise: u8,
}

impl TrackScriptSpec {
    /// `interval` as a duration (at least 1 s, as keepalived requires).
    pub fn interval(&self) -> SimDuration {
        SimDuration::from_secs(u64::from(self.interval_s.max(1)))
    }
}

/// The track script of a load balancer's keepalived: succeeds while an `haproxy` process runs.
/// `pgrep -x` rather than `pidof`: with `enable_script_security` keepalived executes the
/// resolved path, and Debian's `/bin/pidof` is a link to `killall5`, which then fails every
/// time (measured with keepalived 2.2.7).
pub const CHK_HAPROXY: TrackScriptSpec = TrackScriptSpec {
    name: "chk_haproxy",
    script: "/usr/bin/pgrep -x haproxy",
    interval_s: 2,
    fall: 2,
    rise: 2,
};

/// The track script keepalived on this host runs, if any: [`CHK_HAPROXY`] when the host runs
/// HAProxy. The export writes it and the engine runs it.
pub fn track_script(host: &Host) -> Option<TrackScriptSpec> {
    host.services
        .iter()
        .any(|s| matches!(s.kind, ServiceKind::LoadBalancer(_)))
        .then_some(CHK_HAPROXY)
}

/// A change of a track script's verdict, reported by [`TrackScript::record`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptVerdict {
    /// keepalived logs "VRRP_Script(…) succeeded": the instance may leave FAULT.
    Succeeded,
    /// keepalived logs "VRRP_Script(…) failed": the instance enters FAULT.
    Failed,
}

/// keepalived's counter of one track script (`vrrp_script_child_thread`): `result` runs from 0
/// to rise+fall−1 and the script is good iff result ≥ rise. A success counts up (and jumps to
/// the top once it reaches `rise`), a failure counts down (and drops to 0 below `rise`), so
/// only consecutive results change the verdict. A script that has just started (INIT) sits at
/// rise−1 and its first result decides at once ("one success is enough").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrackScript {
    spec: TrackScriptSpec,
    result: u8,
    init: bool,
}

impl TrackScript {
    /// A script that has been passing for a while (a running system): result = rise+fall−1, so
    /// `fall` consecutive failures fault the instance.
    pub fn passing(spec: TrackScriptSpec) -> TrackScript {
        let (rise, fall) = (spec.rise.max(1), spec.fall.max(1));
        TrackScript {
            spec,
            result: rise.saturating_add(fall - 1),
            init: false,
        }
    }

    /// A script as keepalived starts it (INIT): result = rise−1.
    pub fn starting(spec: TrackScriptSpec) -> TrackScript {
        TrackScript {
            spec,
            result: spec.rise.max(1) - 1,
            init: true,
        }
    }

    /// What it runs.
    pub fn spec(&self) -> TrackScriptSpec {
        self.spec
    }

    /// Whether the script counts as passing: result ≥ rise.
    pub fn is_good(&self) -> bool {
        self.result >= self.spec.rise.max(1)
    }

    /// Whether more runs with the same outcome would change nothing: at the top while the
    /// check passes, at 0 while it fails.
    pub fn is_settled(&self, success: bool) -> bool {
        if success {
            self.result == self.top()
        } else {
            self.result == 0 && !self.init
        }
    }

    /// The counter, 0..=rise+fall−1.
    pub fn result(&self) -> u8 {
        self.result
    }

    /// Counts one run's result and says whether the verdict changed.
    pub fn record(&mut self, success: bool) -> Option<ScriptVerdict> {
        let rise = self.spec.rise.max(1);
        let mut verdict = None;
        if success {
            if self.result < rise - 1 {
                self.result += 1;
            } else if self.result != self.top() {
                if self.result < rise {
                    verdict = Some(ScriptVerdict::Succeeded);
                }
                self.result = self.top();
            }
        } else if self.result > rise {
            self.result -= 1;
        } else {
            if self.result == rise || self.init {
                verdict = Some(ScriptVerdict::Failed);
            }
            self.result = 0;
        }
        self.init = false;
        verdict
    }

    fn top(&self) -> u8 {
        self.spec
            .rise
            .max(1)
            .saturating_add(self.spec.fall.max(1) - 1)
    }
}

/// The first run of a script started at `origin` (runs at origin, origin + interval, …) that
/// comes strictly after `t`.
pub fn next_run_after(origin: SimTime, interval: SimDuration, t: SimTime) -> SimTime {
    if t < origin {
        return origin;
    }
    let step = interval.as_micros().max(1);
    let done = (t - origin).as_micros() / step + 1;
    origin + SimDuration::from_micros(done.saturating_mul(step))
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
