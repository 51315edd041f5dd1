//! The pure core of Stacksim: the design model, the stage presets, the rules of the real systems
//! and the discrete-event engine that runs requests through a design.
//!
//! Working with the core has three steps:
//! 1. **Describe a design** as a [`topology::Topology`]: hosts with addresses and services,
//!    request-carrying links, firewalls, certificates, agents, DNS and virtual IPs. The four
//!    stages of the exercise come ready-made from [`presets`]; [`format`] reads and writes them
//!    as JSON and checks that a design hangs together.
//! 2. **Push inputs** (send a request, fail a host, advance time) into the engine.
//! 3. **Read the results** back as data: traces, outcomes, counters.
//!
//! Each real system's behaviour lives in its own module, as small state machines and pure
//! functions that the engine drives: [`firewall`] (ufw), [`dns`] (resolver cache), [`balancer`]
//! (HAProxy `balance` and retries), [`health`] (HAProxy checks), [`vrrp`] (keepalived),
//! [`replication`] (MySQL) and [`tcp`] (a client's SYN retransmissions). Their tests pin the statements of the domain rules.
//!
//! Nothing here touches the browser, a clock or an OS random source: time ([`time::SimTime`])
//! and randomness (a seed) are arguments. That is what makes the core testable natively and
//! deterministic everywhere.

pub mod balancer;
pub mod by_id;
pub mod cause;
pub mod dns;
pub mod engine;
pub mod export;
pub mod findings;
pub mod firewall;
pub mod format;
pub mod health;
pub mod model;
pub mod number;
pub mod presets;
pub mod queue;
pub mod reach;
pub mod redundancy;
pub mod replication;
pub mod sort;
pub mod stats;
pub mod tcp;
pub mod time;
pub mod timeline;
pub mod topology;
pub mod trace;
pub mod vrrp;
