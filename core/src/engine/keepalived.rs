//! keepalived on the VRRP members: track scripts, starts and stops, takeovers, and the words
//! that report them.

use crate::time::SimTime;
use crate::vrrp::{ScriptVerdict, TrackScript, VrrpGroup, next_run_after};

use super::{Ev, Output, Simulation};

impl Simulation {
    /// Whether keepalived on `host` may hold a VIP ([`Model::vrrp_eligible`]: the host is up
    /// and its track script passes).
    pub(super) fn vrrp_healthy(&self, host: usize) -> bool {
        self.model.vrrp_eligible(host, |place| self.is_up(place))
    }

    /// Whether keepalived's track script on `host` succeeds now (`pgrep -x haproxy`): the
    /// rule of [`Model::vrrp_eligible`].
    pub(super) fn track_script_passes(&self, host: usize) -> bool {
        self.vrrp_healthy(host)
    }

    /// The VRRP groups `host` is a member of, with its member index in each.
    pub(super) fn memberships(&self, host: usize) -> Vec<(usize, usize)> {
        self.model
            .vips
            .iter()
            .enumerate()
            .filter_map(|(v, vip)| vip.members.iter().position(|&h| h == host).map(|m| (v, m)))
            .collect()
    }

    /// keepalived on `host` ends at `now`: killed with its host (a crash: it falls silent) or
    /// stopped cleanly (a MASTER sends a priority-0 advert first, B2.10). Its script stops.
    pub(super) fn keepalived_stops(&mut self, host: usize, clean: bool, now: SimTime) {
        if let Some(run) = self.scripts[host].as_mut() {
            run.next = None;
        }
        for (vip, member) in self.memberships(host) {
            let was_master = self.vrrp[vip].master() == Some(member);
            self.vrrp_change(vip, now, |group| {
                if clean {
                    group.member_stop(member, now);
                } else {
                    group.member_down(member, now);
                }
            });
            let name = self.model.host_id(host);
            let what = match (clean, was_master) {
                (true, true) => format!(
                    "{name} shuts down cleanly: keepalived sends a priority-0 advert, so each \
                     backup waits only its skew time"
                ),
                (true, false) => format!("{name} shuts down cleanly (it was not MASTER)"),
                (false, true) => format!(
                    "{name} crashed: keepalived falls silent, each backup waits its \
                     Master_Down_Interval from the last advert (3 × advert_int + skew)"
                ),
                (false, false) => format!("{name} crashed (it was not MASTER)"),
            };
            self.report_keepalived(vip, host, now, what);
        }
    }

    /// keepalived on `host` starts at `now` (the host came back). It runs its track script at
    /// once (a script that has just started needs one success); it enters BACKUP with a fresh
    /// Master_Down_Timer, or FAULT if the script fails (B2.6).
    pub(super) fn keepalived_starts(&mut self, host: usize, now: SimTime) {
        let passes = self.track_script_passes(host);
        let mut good = true;
        let mut script_words = String::new();
        if let Some(run) = self.scripts[host].as_mut() {
            let spec = run.script.spec();
            run.script = TrackScript::starting(spec);
            run.origin = now;
            run.next = None;
            run.streak = (passes, 1);
            run.script.record(passes);
            good = run.script.is_good();
            script_words = if passes {
                format!("; {} succeeds at once", spec.name)
            } else {
                format!("; {} fails (no haproxy process)", spec.name)
            };
        }
        for (vip, member) in self.memberships(host) {
            self.vrrp_change(vip, now, |group| {
                if good {
                    group.member_up(member, now);
                } else {
                    group.member_fault(member, now);
                }
            });
            let name = self.model.host_id(host);
            let state = if good {
                "enters BACKUP with a fresh Master_Down_Timer; it discards lower-priority adverts \
                 and defers to higher ones"
            } else {
                "enters FAULT"
            };
            let what = format!("keepalived starts on {name}{script_words}: {state}");
            self.report_keepalived(vip, host, now, what);
        }
        self.schedule_track_script(host, now);
    }

    /// HAProxy on `host` stopped or started: if that can change the track script's verdict,
    /// wake its next run.
    pub(super) fn wake_track_script(&mut self, host: usize, now: SimTime) {
        if self.host_up[host] {
            self.schedule_track_script(host, now);
        }
    }

    /// Schedules the script's next run after `now` unless one is pending or more runs would
    /// change nothing.
    pub(super) fn schedule_track_script(&mut self, host: usize, now: SimTime) {
        let passes = self.track_script_passes(host);
        let Some(run) = self.scripts[host].as_mut() else {
            return;
        };
        if run.next.is_some() || run.script.is_settled(passes) {
            return;
        }
        let at = next_run_after(run.origin, run.script.spec().interval(), now);
        run.next = Some(at);
        self.queue.push(at, Ev::Script { host: host as u32 });
    }

    /// keepalived on `host` runs its track script (B2.11): `fall` failures in a row fault its
    /// instances (a MASTER sends a priority-0 advert), `rise` successes bring them back as
    /// BACKUP.
    pub(super) fn run_track_script(&mut self, host: usize) {
        let now = self.now;
        let passes = self.track_script_passes(host);
        let Some(run) = self.scripts[host].as_mut().filter(|r| r.next == Some(now)) else {
            return;
        };
        run.next = None;
        run.streak = if run.streak.0 == passes {
            (passes, run.streak.1.saturating_add(1))
        } else {
            (passes, 1)
        };
        let verdict = run.script.record(passes);
        let spec = run.script.spec();
        let streak = run.streak.1;
        let name = self.model.host_id(host).to_owned();
        for (vip, member) in self.memberships(host) {
            let was_master = self.vrrp[vip].master() == Some(member);
            match verdict {
                Some(ScriptVerdict::Failed) => self.vrrp_change(vip, now, |group| {
                    group.member_fault(member, now);
                }),
                Some(ScriptVerdict::Succeeded) => self.vrrp_change(vip, now, |group| {
                    group.member_up(member, now);
                }),
                None => {}
            }
            let what = match verdict {
                Some(ScriptVerdict::Failed) if was_master => format!(
                    "{} on {name} failed {streak} times in a row (no haproxy process, fall {}): \
                     {name} enters FAULT and sends a priority-0 advert, giving up the VIP",
                    spec.name, spec.fall
                ),
                Some(ScriptVerdict::Failed) => format!(
                    "{} on {name} failed {streak} times in a row (no haproxy process, fall {}): \
                     {name} enters FAULT",
                    spec.name, spec.fall
                ),
                Some(ScriptVerdict::Succeeded) => format!(
                    "{} on {name} succeeded {streak} times in a row (rise {}): {name} leaves \
                     FAULT and enters BACKUP with a fresh Master_Down_Timer",
                    spec.name, spec.rise
                ),
                None if passes => format!(
                    "{} on {name} succeeded ({streak} of rise {}): {name} stays in FAULT",
                    spec.name, spec.rise
                ),
                None => format!(
                    "{} on {name} failed ({streak} of fall {}, no haproxy process): keepalived \
                     changes nothing yet, so a MASTER keeps the VIP and connections are refused",
                    spec.name, spec.fall
                ),
            };
            self.report_keepalived(vip, host, now, what);
        }
        self.schedule_track_script(host, now);
    }

    /// Applies `change` to VRRP group `vip` at `now`, reports a new holder and schedules a new
    /// pending takeover.
    pub(super) fn vrrp_change(
        &mut self,
        vip: usize,
        now: SimTime,
        change: impl FnOnce(&mut VrrpGroup),
    ) {
        let before = self.vrrp[vip].master();
        let pending = self.vrrp[vip].pending();
        change(&mut self.vrrp[vip]);
        if let Some(takeover) = self.vrrp[vip].pending()
            && Some(takeover) != pending
        {
            self.queue
                .push(takeover.at, Ev::Takeover { vip: vip as u32 });
        }
        self.report_vip_change(vip, before, now);
    }

    /// Reports what keepalived on `host` did, with the group's state after it.
    pub(super) fn report_keepalived(&mut self, vip: usize, host: usize, at: SimTime, what: String) {
        let names: Vec<&str> = self.model.vips[vip]
            .members
            .iter()
            .map(|&h| self.model.host_id(h))
            .collect();
        let state = self.vrrp[vip].explain(&names);
        self.outputs.push_back(Output::Keepalived {
            vip: self.model.vips[vip].id.clone(),
            host: self.model.host_id(host).to_owned(),
            at,
            what: format!("{what}. Now: {state}"),
        });
    }

    /// Words for the trace when VIP `vip` is held by `host` for a reason worth telling: its
    /// HAProxy is not running but its script has not yet failed `fall` times, or a
    /// higher-priority member is back and waits for its Master_Down_Timer to take over.
    pub(super) fn vrrp_hold_note(&self, vip: usize, host: usize) -> Option<String> {
        let mut note = String::new();
        if let Some(run) = self.scripts[host].as_ref()
            && !self.track_script_passes(host)
            && run.script.is_good()
        {
            let spec = run.script.spec();
            let failed = if run.streak.0 { 0 } else { run.streak.1 };
            let fault_at = next_run_after(run.origin, spec.interval(), self.now)
                + spec
                    .interval()
                    .times(u64::from(spec.fall.max(1).saturating_sub(1 + failed)));
            note = format!(
                "; HAProxy is not running there, but keepalived keeps the VIP until {} has \
                 failed {} times in a row ({failed} so far, runs every {} s: FAULT at {fault_at})",
                spec.name, spec.fall, spec.interval_s
            );
        }
        let group = &self.vrrp[vip];
        if let Some(takeover) = group.pending()
            && group.master().is_some()
        {
            let member = self.model.vips[vip].members[takeover.member];
            note.push_str(&format!(
                "; {} (priority {}) is back as BACKUP, discards these lower-priority adverts and \
                 takes over at {} when its own Master_Down_Timer expires",
                self.model.host_id(member),
                group.priority(takeover.member).unwrap_or(0),
                takeover.at
            ));
        }
        (!note.is_empty()).then_some(note)
    }

    pub(super) fn report_vip_change(
        &mut self,
        vip_idx: usize,
        before: Option<usize>,
        now: SimTime,
    ) {
        let after = self.vrrp[vip_idx].master();
        if after != before {
            let vip = &self.model.vips[vip_idx];
            let holder = after.map(|m| self.model.host_id(vip.members[m]).to_owned());
            self.outputs.push_back(Output::VipHolder {
                vip: vip.id.clone(),
                holder,
                at: now,
            });
        }
    }

    /// A VRRP group's pending takeover falls due: that BACKUP's Master_Down_Timer expired.
    pub(super) fn vrrp_timer_expires(&mut self, vip: usize) {
        let now = self.now;
        let Some(takeover) = self.vrrp[vip].pending() else {
            return;
        };
        let old = self.vrrp[vip].master();
        let mut taken = false;
        self.vrrp_change(vip, now, |group| taken = group.take_over(&takeover, now));
        if !taken {
            return;
        }
        let members = &self.model.vips[vip].members;
        let host = members[takeover.member];
        let name = self.model.host_id(host);
        let what = match old {
            Some(old) => format!(
                "{name}'s Master_Down_Timer expires while it discards {}'s lower-priority \
                 adverts: {name} becomes MASTER (preemption) and {} goes BACKUP",
                self.model.host_id(members[old]),
                self.model.host_id(members[old])
            ),
            None => format!("{name}'s Master_Down_Timer expires: {name} becomes MASTER"),
        };
        self.report_keepalived(vip, host, now, what);
    }
}
