//! The pure core of Stacksim: the design model, the stage presets and (later) the engine that
//! runs requests through a design.
//!
//! Working with the core has three steps:
//! 1. **Describe a design** as a [`topology::Topology`]: hosts with addresses and services,
//!    request-carrying links, firewalls, certificates, agents, DNS and virtual IPs. The four
//!    stages of the exercise come ready-made from [`presets`]; [`format`] reads and writes them
//!    as JSON and checks that a design hangs together.
//! 2. **Push inputs** (send a request, fail a host, advance time) into the engine.
//! 3. **Read the results** back as data: traces, outcomes, counters.
//!
//! Nothing here touches the browser, a clock or an OS random source: time and randomness are
//! arguments. That is what makes the core testable natively and deterministic everywhere.

pub mod format;
pub mod presets;
pub mod topology;
