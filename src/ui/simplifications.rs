//! What the simulation does more simply than the real systems, as plain data: one list that the
//! app's request panel shows in full and that README.md repeats word for word (a tidy test
//! compares them). Each item is a short title and what it means for the figures a user sees.

/// One way the model is simpler than the systems it stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Simplification {
    /// A few words, shown in bold.
    pub title: &'static str,
    /// What is simplified and what it changes, in a sentence or two.
    pub text: &'static str,
}

/// Every simplification, most visible first.
pub const SIMPLIFICATIONS: &[Simplification] = &[
    Simplification {
        title: "Fixed service times",
        text: "Each service spends a fixed time on a request (HAProxy 4 µs, Nginx 100 µs, \
               MySQL 150 µs, the application server its configured time), not a random one; \
               only the arrivals of a load run are random (Poisson).",
    },
    Simplification {
        title: "Fixed network delays",
        text: "A hop inside the data centre takes 0.25 ms and the internet 10 ms one way, \
               with no loss and no congestion.",
    },
    Simplification {
        title: "One connection per request",
        text: "A traced request always pays the TCP handshake, and the TLS one for HTTPS; in \
               a load run 10 % of HTTPS requests start a new TLS session and the rest reuse \
               kept-alive connections.",
    },
    Simplification {
        title: "Nothing queues on the way back",
        text: "The response returns along the request's path with network delay only.",
    },
    Simplification {
        title: "Who holds a worker",
        text: "A PHP worker stays busy while it waits for MySQL; Nginx and HAProxy hold no \
               worker while they wait for the next tier.",
    },
    Simplification {
        title: "Crashes and stops",
        text: "A crashed host answers nothing, so connections and checks time out; a stopped \
               service answers with a TCP reset and is refused at once; a host stopped cleanly \
               answers nothing either, but its keepalived first sends a priority-0 advert.",
    },
    Simplification {
        title: "Every client is one browser on Linux",
        text: "It resends an unanswered SYN after 1, 2, 4, 8, 16 and 32 s and gives up 90 s \
               after the first (Firefox's timeout); a request already inside a host that dies \
               is lost, and the browser gives up on it after 30 s.",
    },
    Simplification {
        title: "VRRP adverts have no phase of their own",
        text: "They go out every advert interval from the start or from a takeover, so a crash \
               at a whole second gets the longest gap (3.6 s) and a request sent right then is \
               served after its 7 s SYN resend; a real crash falls anywhere between two \
               adverts (gaps of 2.6 to 3.6 s).",
    },
    Simplification {
        title: "keepalived acts on time",
        text: "Its timers fire at their exact expiry and adverts arrive instantly: its own \
               start-up and scheduling delays (0.02 to 0.2 s measured), preempt_delay and \
               gratuitous ARP are not modelled, and the virtual IP moves the moment the backup \
               becomes MASTER.",
    },
    Simplification {
        title: "Simple checks",
        text: "HAProxy's health checks are TCP connects (no option httpchk); keepalived's \
               track script passes while any HAProxy of its host runs, every 2 s with fall 2 \
               and rise 2, from a phase drawn with the seed.",
    },
    Simplification {
        title: "Replication",
        text: "The lag is set per replica (with optional jitter per write) and shared by the \
               I/O and SQL threads; the single-threaded applier spends 200 µs per write, so \
               bursts above about 5,000 writes/s make the lag grow.",
    },
    Simplification {
        title: "One client, one private network, A records only",
        text: "The diagram's one client stands for every visitor; a private address is \
               reachable from private addresses only; DNS has only A records, and the zone \
               stands for the root, TLD and authoritative servers.",
    },
    Simplification {
        title: "Several addresses for one name",
        text: "When DNS answers www with several addresses (an active-active pair), the \
               resolver hands them out strictly in turn, where Unbound and BIND shuffle them \
               pseudo-randomly, and the browser uses the first one only: it does not try the \
               next address when a connection fails.",
    },
    Simplification {
        title: "Nginx keeps standbys",
        text: "Nginx passes dynamic requests to the first linked application server that runs; \
               the others are standbys, not load-balanced.",
    },
    Simplification {
        title: "ufw-like firewalls",
        text: "Rules allow, deny or reject by protocol, source network and destination port; \
               limit, IPv6 and outgoing rules are not modelled.",
    },
    Simplification {
        title: "HAProxy without persistence or queues",
        text: "Sticky sessions, hash-based balancing, option allbackups and reused server \
               connections are not modelled; maxconn is honoured by balance first only, and \
               no request ever waits in HAProxy's queue for a free server.",
    },
    Simplification {
        title: "keepalived's VRRPv2 over IPv4 only",
        text: "VRRPv3, IPv6, track-script weights and scripts other than the HAProxy check \
               are not modelled, nor is split brain (two MASTERs when adverts cannot pass).",
    },
    Simplification {
        title: "No database failover",
        text: "A replica is never promoted when the primary fails, and replication is always \
               asynchronous: semi-synchronous replication cannot be turned on.",
    },
    Simplification {
        title: "TLS ends at the front",
        text: "HTTPS ends at the first HAProxy or Nginx that presents the certificate, with a \
               TLS 1.3 handshake; re-encryption to the servers behind it, TLS passthrough and \
               TLS 1.2 are not modelled.",
    },
    Simplification {
        title: "DNS and TCP never lose a packet",
        text: "DNS queries are never lost (so there is no retry and no fallback to TCP), and \
               failed lookups are not cached; an open TCP connection never retransmits, and \
               the only ICMP error is the one a reject rule sends.",
    },
    Simplification {
        title: "Exported files",
        text: "keepalived's interface is a placeholder (eth0), certificates live at fixed \
               paths, Nginx passes everything dynamic to one front controller, the zone has \
               one name server, and the MySQL settings are not checked by a real tool.",
    },
    Simplification {
        title: "Load charts",
        text: "The latency histogram is drawn from 200 quantiles of the run (about 6 % \
               precision), and Stop abandons a run. A run sends its count of requests at a \
               random pace, so the last few may leave a fraction of a second after its end: \
               the charts count them in its last second. With more than six servers, the five \
               busiest get a line each and the others one line of their mean.",
    },
    Simplification {
        title: "Editing",
        text: "A new server gets the next free 10.0.0.x address and no public one.",
    },
];

#[cfg(test)]
mod tests {
    use super::SIMPLIFICATIONS;

    #[test]
    fn every_item_has_a_title_and_a_sentence_and_no_title_repeats() {
        let mut titles = Vec::new();
        for item in SIMPLIFICATIONS {
            assert!(
                !item.title.is_empty() && !item.title.ends_with('.'),
                "{item:?}"
            );
            assert!(item.text.ends_with('.'), "a sentence: {item:?}");
            assert!(!titles.contains(&item.title), "repeated: {item:?}");
            titles.push(item.title);
        }
    }
}
