//! B2, keepalived/VRRP: who holds the VIP, and when a backup claims it after the MASTER dies.

use stacksim::sim::time::{SimDuration, SimTime};
use stacksim::sim::topology::{Vip, VrrpMember};
use stacksim::sim::vrrp::{
    DEFAULT_ADVERT_INT, DEFAULT_PRIORITY, VrrpGroup, VrrpVersion, advert_interval_v2,
    advert_interval_v3, master_down_interval, skew_time,
};
use wasm_bindgen_test::wasm_bindgen_test;

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

/// B2.6: with preempt (the default) the primary (150) takes MASTER back at once when it returns.
#[wasm_bindgen_test(unsupported = test)]
fn primary_returning_preempts_at_once() {
    let mut vip = group(&[150, 100], true);
    check(&mut vip, 500_000, 1, 3_609_375);
    assert_eq!(
        vip.member_up(0, us(10_000_000)),
        None,
        "nothing to schedule"
    );
    assert_eq!(vip.master(), Some(0));
    assert_eq!(vip.last_advert_at_or_before(us(10_500_000)), us(10_000_000));
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
/// backup still wins the race, then the returner preempts it on its first advert.
#[wasm_bindgen_test(unsupported = test)]
fn primary_returning_during_the_gap_preempts_the_new_master() {
    let mut vip = group(&[150, 100], true);
    let takeover = vip.member_down(0, us(500_000)).expect("backup scheduled");
    assert_eq!(
        vip.member_up(0, us(1_000_000)),
        None,
        "its timer ends later"
    );
    assert!(vip.take_over(&takeover, takeover.at));
    assert_eq!(vip.master(), Some(0));

    let mut vip = group(&[150, 100], false);
    let takeover = vip.member_down(0, us(500_000)).expect("backup scheduled");
    assert_eq!(vip.member_up(0, us(1_000_000)), None);
    assert!(vip.take_over(&takeover, takeover.at));
    assert_eq!(vip.master(), Some(1), "nopreempt");
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
