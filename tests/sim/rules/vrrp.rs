//! B2, keepalived/VRRP: who holds the VIP, and when a backup claims it after the MASTER dies,
//! stops cleanly, loses HAProxy (track script) or a higher-priority member comes back.
//!
//! The measured figures come from keepalived 2.2.7 on Debian 12 with the stage-3 configs as
//! exported (domain rules B2.6, B2.10, B2.11).

use stacksim::sim::engine::{Config, Input, Output, Simulation};
use stacksim::sim::export;
use stacksim::sim::presets;
use stacksim::sim::time::{SimDuration, SimTime};
use stacksim::sim::topology::{Vip, VrrpMember};
use stacksim::sim::trace::{Outcome, RequestKind, RequestSpec};
use stacksim::sim::vrrp::{
    CHK_HAPROXY, DEFAULT_ADVERT_INT, DEFAULT_PRIORITY, MemberState, ScriptVerdict, TrackScript,
    VrrpGroup, VrrpVersion, advert_interval_v2, advert_interval_v3, master_down_interval,
    next_run_after, skew_time,
};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::fixtures::secs;

const ONE_S: SimDuration = SimDuration::from_secs(1);

fn group(priorities: &[u8], preempt: bool) -> VrrpGroup {
    VrrpGroup::new(priorities, ONE_S, preempt, VrrpVersion::V2)
}

fn us(micros: u64) -> SimTime {
    SimTime::from_micros(micros)
}

/// Kills the MASTER at `died_at_us` and checks that `member` takes over at `takes_over_at_us`:
/// nobody holds the VIP until then, an early call is refused, and the dead node never gets it.
#[track_caller]
fn check(group: &mut VrrpGroup, died_at_us: u64, member: usize, takes_over_at_us: u64) {
    let old = group.master().expect("a MASTER before the failure");
    let takeover = group
        .member_down(old, us(died_at_us))
        .expect("a backup is scheduled");
    assert_eq!(
        (takeover.member, takeover.at),
        (member, us(takes_over_at_us)),
        "who takes over, and when"
    );
    assert_eq!(group.master(), None, "nobody holds the VIP during the gap");
    assert!(
        !group.take_over(&takeover, us(takes_over_at_us - 1)),
        "too early"
    );
    assert_eq!(group.master(), None);
    assert!(group.take_over(&takeover, takeover.at));
    assert_eq!(group.master(), Some(member));
    assert!(!group.is_alive(old));
}

/// B2.3, B2.6: advert_int 1 s, backup priority 100: 3 + 156/256 s after the last advert. The
/// MASTER dies at 2.5 s, so the last advert went out at 2 s.
#[wasm_bindgen_test(unsupported = test)]
fn backup_priority_100_takes_over_3_609_s_after_last_advert() {
    assert_eq!(
        master_down_interval(100, ONE_S, VrrpVersion::V2),
        SimDuration::from_micros(3_609_375)
    );
    let mut vip = group(&[150, 100], true);
    assert_eq!(vip.last_advert_at_or_before(us(2_500_000)), us(2_000_000));
    check(&mut vip, 2_500_000, 1, 2_000_000 + 3_609_375);
}

/// B2.3: the man-page example, priority 128 waits 3.5 s.
#[wasm_bindgen_test(unsupported = test)]
fn priority_128_waits_3_5_s() {
    assert_eq!(
        master_down_interval(128, ONE_S, VrrpVersion::V2),
        SimDuration::from_millis(3_500)
    );
    check(&mut group(&[150, 128], true), 200_000, 1, 3_500_000);
}

/// B2.4: the highest-priority backup has the smallest skew: 120 beats 110 and 100.
#[wasm_bindgen_test(unsupported = test)]
fn highest_priority_backup_takes_over_first() {
    let mut vip = group(&[150, 100, 120, 110], true);
    check(&mut vip, 500_000, 2, 3_000_000 + 136 * 1_000_000 / 256);
}

/// B2.6: a restarted primary (150) starts as BACKUP, discards the backup's lower-priority
/// adverts and takes MASTER back when its own Master_Down_Timer expires: 3 + 106/256 s after
/// it returns, not at once.
#[wasm_bindgen_test(unsupported = test)]
fn restarted_primary_takes_over_when_its_own_master_down_timer_expires() {
    let mut vip = group(&[150, 100], true);
    check(&mut vip, 500_000, 1, 3_609_375);
    let takeover = vip
        .member_up(0, us(10_000_000))
        .expect("its own timer runs");
    assert_eq!(
        (takeover.member, takeover.at),
        (0, us(10_000_000 + 3_414_062))
    );
    assert_eq!(vip.master(), Some(1), "lb-02 keeps the VIP meanwhile");
    assert_eq!(vip.state(0), Some(MemberState::Backup));
    assert_eq!(
        vip.explain(&["lb-01", "lb-02"]),
        "lb-02 is MASTER (priority 100); lb-01 takes over at t=13.414 s; lb-01 BACKUP (150)"
    );
    assert!(!vip.take_over(&takeover, us(13_414_061)), "too early");
    assert!(vip.take_over(&takeover, takeover.at));
    assert_eq!(vip.master(), Some(0));
    assert_eq!(vip.state(1), Some(MemberState::Backup));
    assert_eq!(vip.pending(), None, "lb-02 defers to the higher priority");
    assert_eq!(vip.last_advert_at_or_before(us(14_000_000)), us(13_414_062));
}

/// B2.6 against the measurement: keepalived 2.2.7 took the VIP back 3.50 s after the restart
/// (3.50 s and 3.64 s in this repository's own runs). The model's 3.414 s is the timer alone;
/// the rest is keepalived starting (forking its VRRP process, reading the config, opening its
/// sockets, running chk_haproxy once), which the model leaves out: so the model may be early by
/// that start-up, never late.
#[wasm_bindgen_test(unsupported = test)]
fn restart_takeover_agrees_with_the_measured_3_50_s() {
    const MEASURED_S: f64 = 3.50;
    const START_UP_S: f64 = 0.25;
    let model = master_down_interval(150, ONE_S, VrrpVersion::V2).as_secs_f64();
    assert!(
        (0.0..=START_UP_S).contains(&(MEASURED_S - model)),
        "model {model} s, measured {MEASURED_S} s"
    );
}

/// B2.6: with nopreempt the backup keeps the VIP when the primary returns.
#[wasm_bindgen_test(unsupported = test)]
fn nopreempt_keeps_the_backup_master() {
    let mut vip = group(&[150, 100], false);
    check(&mut vip, 500_000, 1, 3_609_375);
    assert_eq!(vip.member_up(0, us(10_000_000)), None);
    assert_eq!(vip.master(), Some(1));
    assert_eq!(
        vip.explain(&["lb-01", "lb-02"]),
        "lb-02 is MASTER (priority 100); lb-01 BACKUP (150)"
    );
}

/// B2.8: during the Master_Down_Interval nobody holds the VIP, and the dead node never does again.
#[wasm_bindgen_test(unsupported = test)]
fn nobody_holds_the_vip_during_the_gap() {
    let mut vip = group(&[150, 100], true);
    let takeover = vip.member_down(0, us(1_200_000)).expect("backup scheduled");
    assert_eq!(takeover.at, us(1_000_000 + 3_609_375));
    for ms in (1_200..4_609).step_by(100) {
        assert_eq!(vip.master(), None, "at {ms} ms");
        assert!(!vip.take_over(&takeover, SimTime::from_millis(ms)));
    }
    assert_eq!(
        vip.explain(&["lb-01", "lb-02"]),
        "nobody holds the VIP; lb-02 takes over at t=4.609 s; lb-01 DOWN (150); lb-02 BACKUP (100)"
    );
    assert!(vip.take_over(&takeover, takeover.at));
    assert_eq!(vip.master(), Some(1));
    assert_eq!(
        vip.explain(&["lb-01", "lb-02"]),
        "lb-02 is MASTER (priority 100); lb-01 DOWN (150)"
    );
}

/// A takeover overtaken by events is ignored: the scheduled backup died during the gap, so the
/// next one (110) takes over from the same last advert.
#[wasm_bindgen_test(unsupported = test)]
fn stale_takeover_is_ignored() {
    let mut vip = group(&[150, 120, 110], true);
    let first = vip.member_down(0, us(500_000)).expect("120 scheduled");
    assert_eq!(first.member, 1);
    let second = vip.member_down(1, us(1_000_000)).expect("110 rescheduled");
    assert_eq!(
        (second.member, second.at),
        (2, us(3_000_000 + 146 * 1_000_000 / 256))
    );
    assert!(!vip.take_over(&first, first.at), "the dead member's timer");
    assert_eq!(vip.master(), None);
    assert!(vip.take_over(&second, second.at));
    assert!(
        !vip.take_over(&second, second.at),
        "a takeover happens once"
    );
    assert_eq!(vip.master(), Some(2));
}

/// B2.6: a higher-priority member that returns during the gap starts its own timer; the pending
/// backup still wins the race, then the returner, discarding its lower-priority adverts, takes
/// over when its own timer expires (1 s + 3.414 s). With nopreempt the backup keeps the VIP.
#[wasm_bindgen_test(unsupported = test)]
fn primary_returning_during_the_gap_preempts_the_new_master_when_its_timer_expires() {
    let mut vip = group(&[150, 100], true);
    let takeover = vip.member_down(0, us(500_000)).expect("backup scheduled");
    assert_eq!(
        vip.member_up(0, us(1_000_000)),
        None,
        "its timer ends later"
    );
    assert!(vip.take_over(&takeover, takeover.at));
    assert_eq!(vip.master(), Some(1));
    let preempt = vip.pending().expect("lb-01's own timer still runs");
    assert_eq!((preempt.member, preempt.at), (0, us(1_000_000 + 3_414_062)));
    assert!(vip.take_over(&preempt, preempt.at));
    assert_eq!(vip.master(), Some(0));

    let mut vip = group(&[150, 100], false);
    let takeover = vip.member_down(0, us(500_000)).expect("backup scheduled");
    assert_eq!(vip.member_up(0, us(1_000_000)), None);
    assert!(vip.take_over(&takeover, takeover.at));
    assert_eq!(vip.master(), Some(1), "nopreempt");
    assert_eq!(vip.pending(), None, "lb-01 defers with nopreempt");
}

/// B2.10: a MASTER that stops cleanly sends a priority-0 advert; each backup then waits only
/// its own Skew_Time, and the highest priority wins. A stopping BACKUP changes nothing.
#[wasm_bindgen_test(unsupported = test)]
fn clean_stop_backup_takes_over_after_its_skew_time() {
    // (priorities, stopped at µs, who takes over, after µs)
    let cases: [(&[u8], u64, usize, u64); 4] = [
        (&[150, 100], 10_300_000, 1, 609_375),
        (&[150, 128], 10_300_000, 1, 500_000),
        (&[150, 100, 200], 2_000_000, 0, 414_062),
        (&[200, 100, 120], 700_000, 2, 531_250),
    ];
    for (priorities, at, member, after) in cases {
        let mut vip = group(priorities, true);
        let master = vip.master().expect("a MASTER");
        let takeover = vip.member_stop(master, us(at)).expect("a backup waits");
        assert_eq!(
            (takeover.member, takeover.at),
            (member, us(at + after)),
            "{priorities:?}"
        );
        assert_eq!(vip.master(), None, "{priorities:?}");
        assert_eq!(vip.state(master), Some(MemberState::Down));
        assert!(vip.take_over(&takeover, takeover.at));
        assert_eq!(vip.master(), Some(member));
    }
    let mut vip = group(&[150, 100], true);
    assert_eq!(vip.member_stop(1, us(5_000_000)), None, "a BACKUP stops");
    assert_eq!(vip.master(), Some(0));
}

/// B2.10 against the measurement: the backup (100) was MASTER 0.63 s after keepalived on the
/// MASTER was stopped (0.66 s in this repository's own run). The model's 0.609 s is the skew
/// alone; keepalived's SIGTERM handling and timer scheduling add a few tens of milliseconds.
#[wasm_bindgen_test(unsupported = test)]
fn clean_stop_agrees_with_the_measured_0_63_s() {
    const MEASURED_S: f64 = 0.63;
    const SLACK_S: f64 = 0.05;
    let mut sim = stage_3(1);
    sim.handle(secs(10.3), Input::HostStop("lb-01".into()))
        .expect("known host");
    assert_eq!(sim.vip_holder("vip"), None, "right after the advert");
    let (moved, said) = holder_changes(&mut sim, secs(20.0));
    assert_eq!(
        moved,
        [
            (us(10_300_000), None),
            (us(10_909_375), Some("lb-02".into()))
        ]
    );
    let model = 0.609_375;
    assert!((MEASURED_S - model).abs() <= SLACK_S);
    assert!(
        said.iter().any(|w| w.contains("priority-0 advert")),
        "the engine explains it: {said:#?}"
    );
}

/// B2.6 in the engine: lb-01 crashes, lb-02 takes over; lb-01 comes back and takes the VIP
/// when its Master_Down_Timer expires (3.414 s, measured 3.50 s), not at once.
#[wasm_bindgen_test(unsupported = test)]
fn restarted_lb_01_takes_the_vip_back_after_its_master_down_interval() {
    let mut sim = stage_3(1);
    sim.handle(secs(10.0), Input::HostDown("lb-01".into()))
        .expect("known host");
    sim.handle(secs(20.0), Input::HostUp("lb-01".into()))
        .expect("known host");
    assert_eq!(sim.vip_holder("vip").as_deref(), Some("lb-02"));
    assert_eq!(
        sim.keepalived_state("vip", "lb-01"),
        Some(MemberState::Backup)
    );
    let served = send(&mut sim, secs(21.0));
    assert!(
        matches!(served.outcome, Some(Outcome::Served { .. })),
        "lb-02 still serves at 21 s: {:?}",
        served.outcome
    );
    assert!(
        served
            .hops
            .iter()
            .any(|h| h.reason.contains("held by lb-02")
                && h.reason.contains(
                    "lb-01 (priority 150) is back as BACKUP, discards these lower-priority adverts \
                 and takes over at t=23.414 s"
                )),
        "{:#?}",
        served.hops
    );
    let (moved, _) = holder_changes(&mut sim, secs(30.0));
    assert_eq!(
        moved,
        [
            (us(10_000_000), None),
            (us(13_609_375), Some("lb-02".into())),
            (us(23_414_062), Some("lb-01".into())),
        ]
    );
}

/// B2.11: keepalived's track script counts like `vrrp_script_child_thread`: `fall` failures in
/// a row fault the instance, `rise` successes in a row bring it back, mixed results change
/// nothing; a script that has just started decides on its first run.
#[wasm_bindgen_test(unsupported = test)]
fn track_script_counts_rise_and_fall_like_keepalived() {
    use ScriptVerdict::{Failed, Succeeded};
    // (start passing?, results, verdict after each)
    type Case = (bool, &'static [bool], &'static [Option<ScriptVerdict>]);
    let cases: [Case; 6] = [
        (true, &[false, false], &[None, Some(Failed)]),
        (true, &[false, true, false, true], &[None, None, None, None]),
        (
            true,
            &[false, false, true, true],
            &[None, Some(Failed), None, Some(Succeeded)],
        ),
        (
            true,
            &[false, false, true, false, true, true],
            &[None, Some(Failed), None, None, None, Some(Succeeded)],
        ),
        (false, &[true], &[Some(Succeeded)]),
        (
            false,
            &[false, true, true],
            &[Some(Failed), None, Some(Succeeded)],
        ),
    ];
    for (passing, results, verdicts) in cases {
        let mut script = if passing {
            TrackScript::passing(CHK_HAPROXY)
        } else {
            TrackScript::starting(CHK_HAPROXY)
        };
        let got: Vec<Option<ScriptVerdict>> = results.iter().map(|&r| script.record(r)).collect();
        assert_eq!(got, verdicts, "{passing} {results:?}");
    }
}

/// B2.11: the script keepalived runs every `interval` from its start; the next run after `t`.
#[wasm_bindgen_test(unsupported = test)]
fn track_script_runs_every_interval_from_its_start() {
    let two = SimDuration::from_secs(2);
    // (origin µs, after µs, next µs)
    let cases = [
        (300_000, 0, 300_000),
        (300_000, 300_000, 2_300_000),
        (300_000, 9_740_000, 10_300_000),
        (300_000, 10_300_001, 12_300_000),
        (20_000_000, 21_000_000, 22_000_000),
    ];
    for (origin, after, next) in cases {
        assert_eq!(next_run_after(us(origin), two, us(after)), us(next));
    }
}

/// B2.11 in the group: the instance's FAULT sends a priority-0 advert (the backup waits its
/// skew); leaving FAULT enters BACKUP with a fresh timer, so the primary takes over one
/// Master_Down_Interval later.
#[wasm_bindgen_test(unsupported = test)]
fn fault_gives_up_with_priority_0_and_recovery_waits_the_timer() {
    let mut vip = group(&[150, 100], true);
    let takeover = vip.member_fault(0, us(12_000_000)).expect("backup waits");
    assert_eq!((takeover.member, takeover.at), (1, us(12_609_375)));
    assert_eq!(vip.state(0), Some(MemberState::Fault));
    assert!(vip.is_alive(0), "keepalived still runs");
    assert!(vip.take_over(&takeover, takeover.at));
    assert_eq!(
        vip.explain(&["lb-01", "lb-02"]),
        "lb-02 is MASTER (priority 100); lb-01 FAULT (150)"
    );
    let back = vip.member_up(0, us(20_000_000)).expect("its timer runs");
    assert_eq!((back.member, back.at), (0, us(23_414_062)));
    assert!(vip.take_over(&back, back.at));
    assert_eq!(vip.master(), Some(0));
    assert_eq!(vip.member_fault(1, us(30_000_000)), None, "a BACKUP faults");
    assert_eq!(vip.master(), Some(0));
}

/// B2.11, measured: HAProxy died on lb-01 and keepalived kept the VIP 2.26 s (the second
/// failing run of chk_haproxy, interval 2, fall 2), then lb-02 was MASTER 0.63 s later. In
/// Stacksim each keepalived's script runs at a phase of its own, drawn with the seed (uniform
/// over one interval, as keepalived started at some unknown moment). Killing HAProxy 0.26 s
/// before a run reproduces the measurement: the VIP stays 2.26 s (clients are refused at
/// once meanwhile), then lb-02 takes over after its skew, 0.609 s (measured 0.63 s).
#[wasm_bindgen_test(unsupported = test)]
fn haproxy_dying_keeps_the_vip_until_chk_haproxy_fails_fall_times() {
    const MEASURED_KEPT_S: f64 = 2.26;
    const MEASURED_TAKEOVER_S: f64 = 0.63;
    let mut sim = stage_3(1);
    let run = sim
        .next_track_script_run("lb-01", secs(10.0))
        .expect("lb-01 tracks HAProxy");
    let died = us(run.as_micros() - 260_000);
    sim.handle(died, Input::ServiceDown("lb-01.haproxy".into()))
        .expect("known service");
    let refused = send(&mut sim, died + SimDuration::from_millis(500));
    assert!(
        matches!(refused.outcome, Some(Outcome::Refused { .. })),
        "{:?}",
        refused.outcome
    );
    let words: Vec<&str> = refused.hops.iter().map(|h| h.reason.as_str()).collect();
    assert!(
        words
            .iter()
            .any(|w| w.contains("held by lb-01") && w.contains("keeps the VIP until chk_haproxy")),
        "{words:#?}"
    );
    let (moved, said) = holder_changes(&mut sim, died + SimDuration::from_secs(10));
    let kept = died + SimDuration::from_millis(2_260);
    let taken = kept + SimDuration::from_micros(609_375);
    assert_eq!(moved, [(kept, None), (taken, Some("lb-02".into()))]);
    assert!(((taken - kept).as_secs_f64() - MEASURED_TAKEOVER_S).abs() <= 0.05);
    assert!(((kept - died).as_secs_f64() - MEASURED_KEPT_S).abs() < 1e-9);
    assert!(
        said.iter().any(|w| w.contains("failed (1 of fall 2")),
        "{said:#?}"
    );
    assert!(
        said.iter()
            .any(|w| w.contains("enters FAULT and sends a priority-0 advert")),
        "{said:#?}"
    );
}

/// B2.11 over phases: whatever the seed, the VIP stays between (fall − 1) and fall intervals
/// (2–4 s, measured 2.26 s) after HAProxy dies, and lb-02 takes it one skew time later.
#[wasm_bindgen_test(unsupported = test)]
fn haproxy_dying_faults_within_fall_intervals_for_every_phase() {
    for seed in 1..=20 {
        let mut sim = stage_3(seed);
        let died = secs(10.0);
        sim.handle(died, Input::ServiceDown("lb-01.haproxy".into()))
            .expect("known service");
        let (moved, _) = holder_changes(&mut sim, secs(20.0));
        let [(kept, None), (taken, Some(holder))] = moved.as_slice() else {
            panic!("seed {seed}: {moved:?}");
        };
        assert_eq!(holder, "lb-02");
        let kept_s = (*kept - died).as_secs_f64();
        assert!(kept_s > 2.0 && kept_s <= 4.0, "seed {seed}: {kept_s}");
        assert_eq!(*taken - *kept, SimDuration::from_micros(609_375));
    }
}

/// B2.11, measured: when HAProxy came back, lb-01 took the VIP back after 5.8 s: chk_haproxy
/// had to succeed `rise` (2) times, then lb-01 left FAULT as BACKUP and took over when its
/// Master_Down_Timer (3.414 s) expired. HAProxy returning 0.386 s before a run gives 5.8 s;
/// over every phase it is 5.4–7.4 s (7.14 s in this repository's own run).
#[wasm_bindgen_test(unsupported = test)]
fn haproxy_returning_reclaims_after_rise_then_the_master_down_timer() {
    const MEASURED_S: f64 = 5.8;
    let mut sim = stage_3(1);
    sim.handle(secs(10.0), Input::ServiceDown("lb-01.haproxy".into()))
        .expect("known service");
    let (moved, _) = holder_changes(&mut sim, secs(20.0));
    assert_eq!(moved.len(), 2, "lb-01 gave the VIP to lb-02: {moved:?}");
    assert_eq!(sim.vip_holder("vip").as_deref(), Some("lb-02"));
    assert_eq!(
        sim.keepalived_state("vip", "lb-01"),
        Some(MemberState::Fault)
    );
    let run = sim
        .next_track_script_run("lb-01", secs(30.0))
        .expect("lb-01 tracks HAProxy");
    let back = us(run.as_micros() - 386_000);
    sim.handle(back, Input::ServiceUp("lb-01.haproxy".into()))
        .expect("known service");
    let (moved, _) = holder_changes(&mut sim, back + SimDuration::from_secs(10));
    let reclaimed = run + SimDuration::from_secs(2) + SimDuration::from_micros(3_414_062);
    assert_eq!(moved, [(reclaimed, Some("lb-01".into()))]);
    assert!(((reclaimed - back).as_secs_f64() - MEASURED_S).abs() < 0.001);
    for seed in 1..=20 {
        let mut sim = stage_3(seed);
        sim.handle(secs(10.0), Input::ServiceDown("lb-01.haproxy".into()))
            .expect("known service");
        sim.handle(secs(20.0), Input::ServiceUp("lb-01.haproxy".into()))
            .expect("known service");
        let (moved, _) = holder_changes(&mut sim, secs(30.0));
        let [_, _, (at, Some(holder))] = moved.as_slice() else {
            panic!("seed {seed}: {moved:?}");
        };
        assert_eq!(holder, "lb-01");
        let after = (*at - secs(20.0)).as_secs_f64();
        assert!(after > 5.414 && after <= 7.415, "seed {seed}: {after}");
    }
}

/// One owner: the track script the engine runs is the one `keepalived.conf` is exported with
/// (interval 2, fall 2, rise 2, no weight: a failing script means FAULT).
#[wasm_bindgen_test(unsupported = test)]
fn the_exported_track_script_is_the_one_simulated() {
    let topology = presets::topology(3).expect("stage 3");
    let files = export::export(&topology);
    for lb in ["lb-01", "lb-02"] {
        let conf = &files
            .iter()
            .find(|f| f.path == format!("{lb}/keepalived.conf"))
            .expect("exported")
            .contents;
        for line in [
            format!("vrrp_script {} {{", CHK_HAPROXY.name),
            format!("    script \"{}\"", CHK_HAPROXY.script),
            format!("    interval {}", CHK_HAPROXY.interval_s),
            format!("    fall {}", CHK_HAPROXY.fall),
            format!("    rise {}", CHK_HAPROXY.rise),
        ] {
            assert!(conf.lines().any(|l| l == line), "{lb}: {line:?}\n{conf}");
        }
        assert!(!conf.contains("weight"), "{conf}");
        assert!(!conf.contains("does not model"), "{conf}");
    }
}

/// A member that comes back while nobody is alive waits its own Master_Down_Interval.
#[wasm_bindgen_test(unsupported = test)]
fn lone_survivor_takes_over_after_its_own_down_interval() {
    let mut vip = group(&[150, 100], true);
    vip.member_down(1, us(100_000));
    assert_eq!(vip.member_down(0, us(200_000)), None, "nobody left");
    let takeover = vip.member_up(1, us(5_000_000)).expect("its own timer");
    assert_eq!(takeover.at, us(5_000_000 + 3_609_375));
    assert!(vip.take_over(&takeover, takeover.at));
    assert_eq!(vip.master(), Some(1));
}

/// B2.7: the address owner (255) takes the VIP as soon as it is up, even with nopreempt.
#[wasm_bindgen_test(unsupported = test)]
fn address_owner_takes_the_vip_at_once() {
    let mut vip = group(&[255, 100], false);
    check(&mut vip, 100_000, 1, 3_000_000 + 156 * 1_000_000 / 256);
    assert_eq!(vip.member_up(0, us(9_000_000)), None);
    assert_eq!(vip.master(), Some(0));

    let mut vip = group(&[255, 100], false);
    let pending = vip.member_down(0, us(100_000)).expect("backup scheduled");
    assert_eq!(vip.member_up(0, us(1_000_000)), None);
    assert_eq!(vip.master(), Some(0), "owner back during the gap");
    assert!(!vip.take_over(&pending, pending.at), "now stale");
}

/// B2.2: VRRPv3 scales the skew by advert_int; VRRPv2 does not.
#[wasm_bindgen_test(unsupported = test)]
fn v3_skew_scales_with_advert() {
    let two_s = SimDuration::from_secs(2);
    assert_eq!(
        skew_time(100, two_s, VrrpVersion::V2),
        SimDuration::from_micros(609_375)
    );
    assert_eq!(
        skew_time(100, two_s, VrrpVersion::V3),
        SimDuration::from_micros(1_218_750)
    );
    assert_eq!(
        skew_time(100, ONE_S, VrrpVersion::V3),
        skew_time(100, ONE_S, VrrpVersion::V2)
    );
    let mut vip = VrrpGroup::new(&[150, 100], two_s, true, VrrpVersion::V3);
    check(&mut vip, 3_000_000, 1, 2_000_000 + 6_000_000 + 1_218_750);
}

/// B2.1: keepalived's defaults are advert_int 1 s, priority 100, VRRPv2.
#[wasm_bindgen_test(unsupported = test)]
fn defaults_are_1_s_priority_100_v2() {
    assert_eq!(DEFAULT_ADVERT_INT, ONE_S);
    assert_eq!(DEFAULT_PRIORITY, 100);
    assert_eq!(VrrpVersion::default(), VrrpVersion::V2);
}

/// B2.5: VRRPv2 intervals are whole seconds 1–255; VRRPv3 takes centiseconds such as 0.92 s.
#[wasm_bindgen_test(unsupported = test)]
fn advert_int_v2_is_whole_seconds_v3_centiseconds() {
    assert_eq!(advert_interval_v2(0), ONE_S);
    assert_eq!(advert_interval_v2(255), SimDuration::from_secs(255));
    assert_eq!(advert_interval_v3(92), SimDuration::from_millis(920));
    assert_eq!(advert_interval_v3(0), SimDuration::from_millis(10));
    let rounded = VrrpGroup::new(
        &[100],
        SimDuration::from_millis(1_600),
        true,
        VrrpVersion::V2,
    );
    assert_eq!(rounded.advert_int(), SimDuration::from_secs(2));
    let fine = VrrpGroup::new(&[100], SimDuration::from_millis(920), true, VrrpVersion::V3);
    assert_eq!(fine.advert_int(), SimDuration::from_millis(920));
}

/// B2.1 and the design model: a `Vip` becomes a VRRPv2 group with its priorities and preempt.
#[wasm_bindgen_test(unsupported = test)]
fn design_vip_becomes_a_group() {
    let vip = Vip {
        ip: "8.8.8.8".parse().expect("ip"),
        advert_int_s: 1,
        preempt: true,
        members: vec![
            VrrpMember {
                host: "lb-01".into(),
                priority: 150,
            },
            VrrpMember {
                host: "lb-02".into(),
                priority: 100,
            },
        ],
    };
    let mut group = VrrpGroup::from_vip(&vip);
    assert_eq!(
        group.explain(&["lb-01", "lb-02"]),
        "lb-01 is MASTER (priority 150); lb-02 BACKUP (100)"
    );
    check(&mut group, 0, 1, 3_609_375);
}

/// Bad indices are ignored and never panic; an empty group has no MASTER.
#[wasm_bindgen_test(unsupported = test)]
fn bad_member_indices_are_ignored() {
    let mut vip = group(&[150, 100], true);
    assert_eq!(vip.member_down(7, us(1)), None);
    assert_eq!(vip.member_up(7, us(1)), None);
    assert_eq!(vip.member_up(1, us(1)), None, "already alive");
    assert!(!vip.is_alive(7));
    assert_eq!(vip.master(), Some(0));
    assert_eq!(
        vip.explain(&[]),
        "member 0 is MASTER (priority 150); member 1 BACKUP (100)"
    );
    let empty = group(&[], true);
    assert_eq!(empty.master(), None);
    assert_eq!(empty.explain(&[]), "nobody holds the VIP");
}

fn stage_3(seed: u64) -> Simulation {
    let topology = presets::topology(3).expect("stage 3");
    let config = Config {
        seed,
        ..Config::default()
    };
    Simulation::new(&topology, config).expect("preset simulates")
}

/// Runs until `until`; returns every change of the VIP's holder (time, holder) and what
/// keepalived did, in the engine's words.
fn holder_changes(
    sim: &mut Simulation,
    until: SimTime,
) -> (Vec<(SimTime, Option<String>)>, Vec<String>) {
    sim.advance_to(until);
    let (mut holders, mut said) = (Vec::new(), Vec::new());
    while let Some(output) = sim.poll_output() {
        match output {
            Output::VipHolder { holder, at, .. } => holders.push((at, holder)),
            Output::Keepalived { what, .. } => said.push(what),
            _ => {}
        }
    }
    (holders, said)
}

/// Sends one HTTPS static request at `at` and runs until it finishes.
fn send(sim: &mut Simulation, at: SimTime) -> stacksim::sim::trace::Trace {
    let id = sim
        .handle(at, Input::Send(RequestSpec::new(RequestKind::Static, true)))
        .expect("send is accepted")
        .expect("an id");
    let mut done = None;
    for _ in 0..1000 {
        if let Some(trace) = sim.traces().iter().find(|t| t.id == id) {
            done = Some(trace.clone());
            break;
        }
        let next = sim.now() + SimDuration::from_millis(10);
        sim.advance_to(next);
    }
    done.expect("finished within 10 s")
}
