//! Opening a TCP connection (domain rule B6a): when an unanswered SYN is sent again, and when
//! the attempt gives up.
//!
//! Linux sends the first SYN, then resends it each time the retransmission timer expires. The
//! initial timer is 1 s (RFC 6298 §2.1 and §5.5) and doubles at each expiry, for at most
//! `net.ipv4.tcp_syn_retries` resends (default 6): SYNs leave at 0, 1, 3, 7, 15, 31 and 63 s
//! and the kernel gives up 127 s after the first. A program may give up sooner with a connect
//! timeout of its own; the SYNs it would send after that are never sent.
//!
//! Who uses it, and with which timeout:
//! - the client (the browser) connecting to the site, with [`BROWSER_CONNECT_TIMEOUT`]: a SYN
//!   that nobody answers (a virtual IP nobody holds during a VRRP failover, a dead host, a
//!   firewall `deny`) is resent until an answer comes or the browser gives up (B6a.1, B2.9);
//! - HAProxy connecting to a server, with its `timeout connect`: within it, the kernel resends
//!   the SYN too (at 1 s and 3 s for the usual 5 s).
//!
//! A SYN answered by a reset (nothing listens, a `reject` rule) fails at once: that is the
//! caller's decision when the answer arrives, not a timer (B6a.2).

use crate::time::SimDuration;

/// Linux's initial retransmission timeout for a SYN: 1 s (RFC 6298 §2.1, §5.5).
pub const INITIAL_RTO: SimDuration = SimDuration::from_secs(1);

/// Linux's `net.ipv4.tcp_syn_retries`: SYNs resent before the kernel gives up (default 6).
pub const LINUX_SYN_RETRIES: u8 = 6;

/// How long the simulated browser waits for an answer to its SYNs before it shows an error:
/// 90 s, Firefox's default `network.http.connection-timeout`. Chrome on Linux leaves the
/// decision to the kernel (127 s); the simulator keeps one value for every client. With the
/// Linux resends, the browser sends SYNs at 0, 1, 3, 7, 15, 31 and 63 s and gives up at 90 s.
pub const BROWSER_CONNECT_TIMEOUT: SimDuration = SimDuration::from_secs(90);

/// When the SYNs of one connect attempt leave and when the attempt gives up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SynSchedule {
    /// The first retransmission timeout; each later one is twice the one before.
    pub initial_rto: SimDuration,
    /// How many times the SYN may be resent (`tcp_syn_retries`).
    pub retries: u8,
    /// The program's own connect timeout, counted from the first SYN; `None` leaves it to the
    /// kernel.
    pub timeout: Option<SimDuration>,
}

impl Default for SynSchedule {
    /// Linux's defaults with no timeout of the program's own: the kernel gives up at 127 s.
    fn default() -> Self {
        SynSchedule {
            initial_rto: INITIAL_RTO,
            retries: LINUX_SYN_RETRIES,
            timeout: None,
        }
    }
}

impl SynSchedule {
    /// Linux's resends, and a program that gives up after `timeout` (zero: no timeout of its
    /// own, as HAProxy without `timeout connect`).
    pub fn with_timeout(timeout: SimDuration) -> SynSchedule {
        SynSchedule {
            timeout: (timeout > SimDuration::ZERO).then_some(timeout),
            ..SynSchedule::default()
        }
    }

    /// The browser's schedule: Linux's resends and [`BROWSER_CONNECT_TIMEOUT`].
    pub fn browser() -> SynSchedule {
        SynSchedule::with_timeout(BROWSER_CONNECT_TIMEOUT)
    }

    /// The retransmission timeout that expires before SYN `n` is resent (n ≥ 1):
    /// `initial_rto` × 2ⁿ⁻¹; zero for the first SYN.
    pub fn wait_before(&self, n: u8) -> SimDuration {
        match n {
            0 => SimDuration::ZERO,
            n => self.initial_rto.times(1u64 << (u32::from(n) - 1).min(40)),
        }
    }

    /// When SYN `n` leaves (0 is the first), counted from the first: `initial_rto` × (2ⁿ − 1).
    /// `None` when it is never sent: beyond the retries, or not before the timeout.
    pub fn send_at(&self, n: u8) -> Option<SimDuration> {
        if n > self.retries {
            return None;
        }
        let at = self.initial_rto.times((1u64 << u32::from(n).min(40)) - 1);
        (n == 0 || self.timeout.is_none_or(|t| at < t)).then_some(at)
    }

    /// When the attempt fails if no SYN is answered, counted from the first SYN: the kernel's
    /// limit (the last resend's timer expires, `initial_rto` × (2^(retries+1) − 1), 127 s for
    /// Linux) or the program's timeout, whichever comes first.
    pub fn gives_up_at(&self) -> SimDuration {
        let kernel = self
            .initial_rto
            .times((1u64 << (u32::from(self.retries) + 1).min(40)) - 1);
        self.timeout.map_or(kernel, |t| t.min(kernel))
    }

    /// How many SYNs are sent in all when none is answered.
    pub fn syns_sent(&self) -> usize {
        (0..=self.retries)
            .take_while(|&n| self.send_at(n).is_some())
            .count()
    }
}
