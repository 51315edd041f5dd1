//! HAProxy's `balance` decision (domain rules B1.1–B1.11) and its connection retries (B1.19).
//!
//! This module owns *which server gets the next request*, given which servers are up right now.
//! It does not own health: the caller passes `available[i]` (UP per [`crate::health`] and
//! reachable). A server without `check` is never health-checked and always counts as available
//! (B1.13): setting its `available` entry is the engine's job, not this module's.
//!
//! # Who takes part in a pick
//!
//! As in HAProxy's `recount_servers` and `update_backend_weight` (`backend.c`), a server is
//! *usable* when it is available **and** its weight is above 0. A weight-0 server never gets
//! load-balanced traffic (B1.3) and, like in HAProxy, does not count as an active server: if
//! every active server is down or at weight 0, the backups take over. Backup servers are used
//! only when no active server is usable, and then only the **first** usable backup, in
//! declaration order (B1.11; `option allbackups` is not modelled). A missing `available` entry
//! counts as not available.
//!
//! # Algorithms, and which order each one gives
//!
//! * `roundrobin`: HAProxy's own **fast weighted round robin** (`lb_fwrr.c`), emulated step by
//!   step. Every server has an effective weight of 16 × its weight (`BE_WEIGHT_SCALE`) and a
//!   next position `npos` on a window that starts at the total effective weight and advances by
//!   one per pick (`curr_pos`). Servers wait in three trees: *init* (sorted by weight, heaviest
//!   first, declaration order on ties), *current* (sorted by `npos`, then by weight) and *next*
//!   (servers whose position fell beyond the window). A pick takes the first server of
//!   *current* if its position has come, otherwise the first one of *init* (a server entering
//!   the rotation); when both are empty the *next* tree becomes *init* for a new window. The
//!   picked server then moves on by total weight ÷ its weight (`fwrr_update_position`, with
//!   the remainder carried in `rweight`). From a fresh start this gives **A,A,A,B** for 3:1
//!   and **A,A,A,B,A,A,C** for 5:1:1, the orders measured on HAProxy 2.6 (B1.6), A,B,C for
//!   equal weights, and every window of Σw picks gives server i exactly wᵢ (B1.1, B1.2).
//!   Weights are dynamic: [`Balancer::set_weight`] moves the server as
//!   `fwrr_update_server_weight` does (B1.4). A server going DOWN leaves the trees and one
//!   coming back is queued at HAProxy's position for it (`fwrr_set_server_status_up`), so it
//!   is reintegrated at once but not necessarily in its old slot (B1.8).
//!
//!   Where it simplifies: HAProxy applies a state change when the health check decides it;
//!   this type learns of it at the next pick, through `available`, and applies the changes
//!   in declaration order then. The backup group's tree is not modelled (only the first usable
//!   backup is ever used, B1.11), nor are `maxconn` and queueing (so no server is ever
//!   "saturated"), nor thread groups (HAProxy 2.6 has one). Tree keys are kept in 64 bits
//!   where HAProxy truncates them to 32, which only differs beyond about 2,000 servers at
//!   weight 256.
//! * `static-rr`: an exact emulation of HAProxy's map (`init_server_map` and
//!   `recalc_server_map` in `lb_map.c`). Weights are divided by their greatest common divisor
//!   once, at construction; the map holds one slot per unit of weight of the usable servers,
//!   filled by a scoring pass that favours the first-declared server on ties: 3:1 gives
//!   A,A,A,B and 5:1:1 gives A,A,A,B,A,A,C (B1.6). Picks walk the map with a cursor that, as in
//!   `map_get_server_rr`, survives rebuilds. The map is rebuilt as soon as the set of usable
//!   servers changes, so a server that comes back is reinserted at once (B1.8). Weights are
//!   fixed: `set_weight` has no effect (B1.5).
//! * `leastconn`: the usable server with the least load, where load is connections ÷ weight
//!   (HAProxy's `lb_fwlc.c` key, compared exactly instead of scaled to integers); with equal
//!   weights that is simply the fewest connections. Ties go round robin: the search starts just
//!   after the previously picked server (B1.9). The caller reports connections with
//!   [`Balancer::connection_started`] and [`Balancer::connection_finished`].
//! * `first`: the usable server with the lowest index whose connections are below its
//!   `maxconn` (no `maxconn` means unlimited). Weights are ignored, except that weight 0 still
//!   means "not load-balanced" (B1.10). When every usable active server is full, HAProxy would
//!   queue the request in the backend; [`Balancer::pick`] returns `None` and
//!   [`Balancer::any_usable`] tells the two cases apart.
//!
//! `maxconn` is honoured by `first` only; the other algorithms ignore it here (in HAProxy they
//! skip full servers and queue when all are full).
//!
//! # Cost
//!
//! [`Balancer::pick`] never allocates and is O(n) in the number of servers (for `roundrobin`,
//! a few scans for the first server of a tree instead of HAProxy's O(log n) ebtree lookups). The only
//! super-linear work is the `static-rr` map rebuild, O(Σw · n) into storage reserved at
//! construction, and only when the set of usable servers changes.

use std::fmt::Write as _;

use crate::format::MAX_WEIGHT;
use crate::time::SimDuration;
use crate::topology::{Balance, Haproxy, Link};

/// One HAProxy `server` line, as far as load balancing cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerSpec {
    /// `weight`, 0..=256 (larger values count as 256). 0 means never load-balanced (B1.3).
    pub weight: u16,
    /// `backup`: used only when no active server is usable (B1.11).
    pub backup: bool,
    /// `maxconn`: the most concurrent connections `first` sends it; `None` is unlimited.
    pub maxconn: Option<u32>,
}

impl Default for ServerSpec {
    /// HAProxy's defaults: weight 1, active, no `maxconn`.
    fn default() -> Self {
        ServerSpec {
            weight: 1,
            backup: false,
            maxconn: None,
        }
    }
}

impl ServerSpec {
    /// An active server with this weight and no `maxconn`.
    pub fn active(weight: u16) -> ServerSpec {
        ServerSpec {
            weight,
            ..ServerSpec::default()
        }
    }

    /// A backup server with this weight and no `maxconn`.
    pub fn backup(weight: u16) -> ServerSpec {
        ServerSpec {
            weight,
            backup: true,
            maxconn: None,
        }
    }

    /// The server line a load balancer's link stands for (weight and backup; no `maxconn`).
    pub fn from_link(link: &Link) -> ServerSpec {
        ServerSpec {
            weight: link.weight,
            backup: link.backup,
            maxconn: None,
        }
    }
}

/// The outcome of one [`Balancer::pick`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pick {
    /// Index of the chosen server, in declaration order.
    pub server: usize,
    /// The server is a backup, used because no active server is usable.
    pub from_backup: bool,
    /// Servers passed over because not available: the active servers with a weight above 0
    /// that are down, plus, for a backup pick, the backups declared before the chosen one that
    /// are down.
    pub skipped: u32,
}

/// One server's balancing state.
#[derive(Clone, Copy, Debug)]
struct Server {
    /// The weight in force (changed by `set_weight` for dynamic algorithms).
    weight: u16,
    /// The weight in the static-rr map: the declared weight divided by the backend's GCD.
    map_weight: u16,
    backup: bool,
    maxconn: Option<u32>,
    connections: u32,
    /// roundrobin's place in HAProxy's fwrr trees.
    fwrr: FwrrServer,
    /// static-rr map construction's score (HAProxy `wscore`).
    wscore: i64,
    /// Whether the static-rr map was built with this server usable.
    in_map: bool,
}

/// HAProxy's `BE_WEIGHT_SCALE`: a server's effective weight is its weight times this.
const WEIGHT_SCALE: i64 = 16;

/// HAProxy's `SRV_EWGHT_MAX`: the largest effective weight (256 × 16).
const MAX_EWEIGHT: i64 = 256 * WEIGHT_SCALE;

/// HAProxy's `SRV_UWGHT_RANGE`: the factor of `npos` in a *current* tree key.
const POSITION_FACTOR: i64 = 256;

/// One of the three trees of HAProxy's fwrr group. *Init* and *next* are `T0` and `T1` in
/// turn ([`Fwrr::init`], [`Fwrr::next`]), swapped when a window ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tree {
    Current,
    T0,
    T1,
}

/// A server's fwrr state (HAProxy's `npos`, `lpos`, `rweight`, `lb_node` and `lb_tree`).
#[derive(Clone, Copy, Debug, Default)]
struct FwrrServer {
    /// The tree the server belongs to; `None` while it is out of the rotation (down or at
    /// weight 0). Like HAProxy's `lb_tree`, it is kept while the server is briefly dequeued
    /// during a pick.
    tree: Option<Tree>,
    /// Whether the server is linked in `tree` (HAProxy's node is in the ebtree).
    queued: bool,
    /// Sort key in its tree: lower first.
    key: i64,
    /// Insertion stamp: among equal keys the earlier inserted comes first, as ebtrees return
    /// duplicates in insertion order.
    stamp: u64,
    /// Next position in the window.
    npos: i64,
    /// Last position (where it was picked).
    lpos: i64,
    /// Remainder of total weight ÷ its weight carried between picks.
    rweight: i64,
}

/// The active servers' fwrr group (HAProxy's `struct fwrr_group` plus `next_weight`).
#[derive(Clone, Copy, Debug)]
struct Fwrr {
    /// Whether the trees have been built (at the first pick, from the servers usable then,
    /// as HAProxy's `fwrr_init_server_groups` does at start-up).
    started: bool,
    /// Which of `T0`/`T1` is the *init* tree; the other one is *next*.
    init: Tree,
    next: Tree,
    /// The position reached in the current window.
    curr_pos: i64,
    /// The total effective weight the current window was opened with.
    curr_weight: i64,
    /// The total effective weight of the usable active servers now.
    next_weight: i64,
    /// The next insertion stamp.
    stamp: u64,
}

impl Default for Fwrr {
    fn default() -> Self {
        Fwrr {
            started: false,
            init: Tree::T0,
            next: Tree::T1,
            curr_pos: 0,
            curr_weight: 0,
            next_weight: 0,
            stamp: 0,
        }
    }
}

/// What [`Balancer::explain`] needs to know about the latest pick.
#[derive(Clone, Copy, Debug, Default)]
struct LastPick {
    server: usize,
    /// static-rr: the map slot used (0-based) and the map's size.
    slot: usize,
    map_len: usize,
    /// Connections the server had when it was picked.
    connections: u32,
    /// first: usable active servers with a lower index that were full.
    full_before: u32,
}

/// One backend's load-balancing state: HAProxy's `balance` over its `server` lines.
#[derive(Clone, Debug)]
pub struct Balancer {
    algorithm: Balance,
    servers: Box<[Server]>,
    /// static-rr map: server indices, one slot per unit of (reduced) weight. Its capacity is
    /// reserved at construction, so rebuilding it never allocates.
    map: Vec<usize>,
    map_built: bool,
    /// static-rr: the next map slot (`rr_idx`).
    rr_idx: usize,
    /// leastconn: the previous pick; tie searches start after it.
    cursor: usize,
    /// roundrobin: the fwrr group of the active servers.
    fwrr: Fwrr,
    last: Option<LastPick>,
}

fn clamp_weight(weight: u16) -> u16 {
    weight.min(MAX_WEIGHT)
}

fn gcd(mut a: u16, mut b: u16) -> u16 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[inline(always)]
fn is_available(available: &[bool], i: usize) -> bool {
    available.get(i).copied().unwrap_or(false)
}

impl Balancer {
    /// A backend balancing over `servers`, in declaration order. No request picked yet.
    pub fn new(algorithm: Balance, servers: &[ServerSpec]) -> Balancer {
        let divisor = servers
            .iter()
            .map(|s| clamp_weight(s.weight))
            .fold(0, gcd)
            .max(1);
        let servers: Box<[Server]> = servers
            .iter()
            .map(|spec| {
                let weight = clamp_weight(spec.weight);
                Server {
                    weight,
                    map_weight: weight / divisor,
                    backup: spec.backup,
                    maxconn: spec.maxconn,
                    connections: 0,
                    fwrr: FwrrServer::default(),
                    wscore: 0,
                    in_map: false,
                }
            })
            .collect();
        let map_capacity = if algorithm == Balance::StaticRr {
            servers
                .iter()
                .filter(|s| !s.backup)
                .map(|s| usize::from(s.map_weight))
                .sum()
        } else {
            0
        };
        Balancer {
            algorithm,
            servers,
            map: Vec::with_capacity(map_capacity),
            map_built: false,
            rr_idx: 0,
            cursor: usize::MAX,
            fwrr: Fwrr::default(),
            last: None,
        }
    }

    /// The `balance` algorithm.
    pub fn algorithm(&self) -> Balance {
        self.algorithm
    }

    /// How many servers the backend has.
    pub fn server_count(&self) -> usize {
        self.servers.len()
    }

    /// Server `server`'s weight in force (for static-rr, the declared one); `None` if there is
    /// no such server.
    pub fn weight(&self, server: usize) -> Option<u16> {
        self.servers.get(server).map(|s| s.weight)
    }

    /// The weight that decides whether a server takes part: static-rr's is fixed.
    #[inline(always)]
    fn lb_weight(&self, server: &Server) -> u16 {
        if self.algorithm == Balance::StaticRr {
            server.map_weight
        } else {
            server.weight
        }
    }

    fn usable(&self, i: usize, available: &[bool]) -> bool {
        self.servers
            .get(i)
            .is_some_and(|s| self.lb_weight(s) > 0 && is_available(available, i))
    }

    /// Whether some server can take load-balanced traffic at all. `false` is HAProxy's
    /// "503 Service Unavailable: no server available"; when it is `true` and
    /// [`Balancer::pick`] still returns `None`, every usable server is full (`first`) and
    /// HAProxy would queue the request.
    pub fn any_usable(&self, available: &[bool]) -> bool {
        (0..self.servers.len()).any(|i| self.usable(i, available))
    }

    /// How many active (non-backup) servers are usable: available, with a weight above 0.
    /// HAProxy's `srv_act`, which decides whether a failed connection is redispatched at once
    /// ([`RetryPolicy`]).
    pub fn usable_active(&self, available: &[bool]) -> usize {
        (0..self.servers.len())
            .filter(|&i| !self.servers[i].backup && self.usable(i, available))
            .count()
    }

    /// Picks the server for the next request. `available[i]` says server i is UP per health
    /// checks (and reachable). `None` means "503 no server available" (or, for `first`, that
    /// every usable server is at `maxconn`). Never allocates.
    pub fn pick(&mut self, available: &[bool]) -> Option<Pick> {
        self.pick_inner(available, None)
    }

    /// Like [`Balancer::pick`], but passes over server `avoid` if any other active server can
    /// take the request: HAProxy's `srvtoavoid`, used when redispatching a failed connection
    /// (B1.19). If `avoid` is the only choice, it is returned.
    pub fn pick_avoiding(&mut self, available: &[bool], avoid: usize) -> Option<Pick> {
        match self.pick_inner(available, Some(avoid)) {
            Some(pick) => Some(pick),
            None => self.pick_inner(available, None),
        }
    }

    fn pick_inner(&mut self, available: &[bool], avoid: Option<usize>) -> Option<Pick> {
        // One pass counts the active servers that are down and sees whether roundrobin's
        // rotation still matches who is usable (a server is in it exactly when it is usable
        // after `fwrr_sync`), so that the usual pick, nothing changed, skips the sync.
        let mut down_active = 0u32;
        let mut any_active = false;
        let mut changed = false;
        for (i, s) in self.servers.iter().enumerate() {
            let in_rotation = s.fwrr.tree.is_some();
            if s.backup || self.lb_weight(s) == 0 {
                changed |= in_rotation;
                continue;
            }
            let up = is_available(available, i);
            changed |= up != in_rotation;
            if up {
                any_active = true;
            } else {
                down_active += 1;
            }
        }
        if self.algorithm == Balance::RoundRobin && (changed || !self.fwrr.started) {
            self.fwrr_sync(available);
        }
        if !any_active {
            return self.pick_backup(available, down_active);
        }
        let (server, detail) = match self.algorithm {
            Balance::RoundRobin => (self.fwrr_pick(avoid)?, LastPick::default()),
            Balance::StaticRr => self.static_rr(available, avoid)?,
            Balance::LeastConn => (self.least_conn(available, avoid)?, LastPick::default()),
            Balance::First => self.first(available, avoid)?,
        };
        let connections = self.connections(server);
        self.last = Some(LastPick {
            server,
            connections,
            ..detail
        });
        Some(Pick {
            server,
            from_backup: false,
            skipped: down_active,
        })
    }

    fn pick_backup(&mut self, available: &[bool], down_active: u32) -> Option<Pick> {
        let mut skipped = down_active;
        for (i, s) in self.servers.iter().enumerate() {
            if !s.backup || self.lb_weight(s) == 0 {
                continue;
            }
            if is_available(available, i) {
                self.last = Some(LastPick {
                    server: i,
                    connections: s.connections,
                    ..LastPick::default()
                });
                return Some(Pick {
                    server: i,
                    from_backup: true,
                    skipped,
                });
            }
            skipped += 1;
        }
        None
    }

    /// Whether active server `i` may take this pick.
    #[inline(always)]
    fn candidate(&self, i: usize, available: &[bool], avoid: Option<usize>) -> bool {
        avoid != Some(i)
            && self
                .servers
                .get(i)
                .is_some_and(|s| !s.backup && self.lb_weight(s) > 0)
            && is_available(available, i)
    }

    // -----------------------------------------------------------------------------------------
    // roundrobin: HAProxy's fwrr (`lb_fwrr.c`).

    /// Server `i`'s effective weight in force (HAProxy's `eweight`).
    #[inline(always)]
    fn eweight(&self, i: usize) -> i64 {
        i64::from(self.servers[i].weight) * WEIGHT_SCALE
    }

    /// The first server linked in `tree`: lowest key, then earliest inserted.
    #[inline(always)]
    fn fwrr_first(&self, tree: Tree) -> Option<usize> {
        let mut best: Option<(usize, i64, u64)> = None;
        for (i, s) in self.servers.iter().enumerate() {
            let f = &s.fwrr;
            if !f.queued || f.tree != Some(tree) {
                continue;
            }
            if best.is_none_or(|(_, key, stamp)| (f.key, f.stamp) < (key, stamp)) {
                best = Some((i, f.key, f.stamp));
            }
        }
        best.map(|(i, _, _)| i)
    }

    /// Links server `i` into `tree` with `key` (`eb32_insert`).
    #[inline(always)]
    fn fwrr_insert(&mut self, i: usize, tree: Tree, key: i64) {
        let stamp = self.fwrr.stamp;
        self.fwrr.stamp += 1;
        let f = &mut self.servers[i].fwrr;
        f.tree = Some(tree);
        f.queued = true;
        f.key = key;
        f.stamp = stamp;
    }

    /// `fwrr_queue_by_weight`: heavier servers first.
    fn fwrr_queue_by_weight(&mut self, i: usize, tree: Tree) {
        let key = MAX_EWEIGHT - self.eweight(i);
        self.fwrr_insert(i, tree, key);
    }

    /// `fwrr_queue_srv`: into *current* at its next position, or into *next* if that position
    /// lies beyond this window and beyond the window the next one would open.
    #[inline(always)]
    fn fwrr_queue_srv(&mut self, i: usize) {
        let eweight = self.eweight(i);
        let g = self.fwrr;
        let f = &mut self.servers[i].fwrr;
        if eweight <= 0 {
            f.tree = None;
            f.queued = false;
        } else if f.npos >= 2 * g.curr_weight || f.npos >= g.curr_weight + g.next_weight {
            f.npos -= g.curr_weight;
            self.fwrr_queue_by_weight(i, g.next);
        } else {
            let key = POSITION_FACTOR * f.npos + (MAX_EWEIGHT + f.rweight - eweight) / WEIGHT_SCALE;
            self.fwrr_insert(i, Tree::Current, key);
        }
    }

    /// `fwrr_get_srv_init`: a server leaving *init* starts afresh.
    fn fwrr_get_srv_init(&mut self, i: usize) {
        let f = &mut self.servers[i].fwrr;
        f.npos = 0;
        f.rweight = 0;
    }

    /// `fwrr_get_srv`: makes `npos` relative to the current window before a server moves.
    fn fwrr_get_srv(&mut self, i: usize) {
        let g = self.fwrr;
        let f = &mut self.servers[i].fwrr;
        match f.tree {
            Some(tree) if tree == g.init => {
                f.npos = 0;
                f.rweight = 0;
            }
            Some(tree) if tree == g.next => f.npos += g.curr_weight,
            Some(_) => {}
            None => f.npos = g.curr_pos,
        }
    }

    /// `fwrr_init_server_groups`: one window of the total weight, every usable active server
    /// in *init* in declaration order.
    fn fwrr_start(&mut self, available: &[bool]) {
        let mut total = 0;
        for i in 0..self.servers.len() {
            self.servers[i].fwrr = FwrrServer::default();
            if self.candidate(i, available, None) {
                total += self.eweight(i);
            }
        }
        self.fwrr = Fwrr {
            started: true,
            curr_pos: total,
            curr_weight: total,
            next_weight: total,
            ..Fwrr::default()
        };
        for i in 0..self.servers.len() {
            if self.candidate(i, available, None) {
                self.fwrr_queue_by_weight(i, self.fwrr.init);
            }
        }
    }

    /// Applies the state changes seen since the previous pick, in declaration order:
    /// `fwrr_set_server_status_down` for a server no longer usable, `..._up` for one usable
    /// again.
    fn fwrr_sync(&mut self, available: &[bool]) {
        if !self.fwrr.started {
            self.fwrr_start(available);
            return;
        }
        for i in 0..self.servers.len() {
            let usable = self.candidate(i, available, None);
            let in_rotation = self.servers[i].fwrr.tree.is_some();
            if usable == in_rotation {
                continue;
            }
            let eweight = self.eweight(i);
            if usable {
                self.fwrr.next_weight += eweight;
                self.fwrr_get_srv(i);
                let g = self.fwrr;
                self.servers[i].fwrr.npos =
                    g.curr_pos + (g.next_weight + g.curr_weight - g.curr_pos) / eweight;
                self.fwrr_queue_srv(i);
            } else {
                self.fwrr_leave(i, eweight);
            }
        }
    }

    /// `fwrr_set_server_status_down`: server `i`, whose effective weight in the rotation was
    /// `eweight`, leaves every tree.
    fn fwrr_leave(&mut self, i: usize, eweight: i64) {
        let f = &mut self.servers[i].fwrr;
        f.tree = None;
        f.queued = false;
        self.fwrr.next_weight -= eweight;
    }

    /// `fwrr_update_server_weight`, after server `i`'s weight changed from `old`.
    fn fwrr_weight_changed(&mut self, i: usize, old: u16) {
        let Some(tree) = self.servers[i].fwrr.tree else {
            // Out of the rotation: the next pick brings it in if it is usable.
            return;
        };
        let old_eweight = i64::from(old) * WEIGHT_SCALE;
        let eweight = self.eweight(i);
        if eweight == 0 {
            self.fwrr_leave(i, old_eweight);
            return;
        }
        self.fwrr.next_weight += eweight - old_eweight;
        if tree == self.fwrr.init {
            self.fwrr_queue_by_weight(i, tree);
            return;
        }
        // In *current* or *next*: if it has not used up its places, move its next position.
        self.fwrr_get_srv(i);
        let g = self.fwrr;
        let f = &mut self.servers[i].fwrr;
        let previous = f.npos;
        let step = g.next_weight / eweight;
        f.npos = (f.lpos + step).min(previous);
        f.rweight = 0;
        if f.npos < g.curr_pos + 2 {
            f.npos = g.curr_pos + step;
        }
        self.fwrr_queue_srv(i);
    }

    /// `fwrr_get_server_from_group`: the first server of *current* if its turn has come,
    /// otherwise the first of *init*, otherwise whatever *current* has.
    fn fwrr_from_group(&mut self) -> Option<usize> {
        let first = self.fwrr_first(Tree::Current);
        if let Some(i) = first
            && self.servers[i].fwrr.npos <= self.fwrr.curr_pos
        {
            return Some(i);
        }
        if let Some(i) = self.fwrr_first(self.fwrr.init) {
            self.fwrr_get_srv_init(i);
            return Some(i);
        }
        first
    }

    /// `fwrr_update_position`: the picked server's next position, one step of
    /// total weight ÷ its weight further, the remainder carried in `rweight`.
    fn fwrr_update_position(&mut self, i: usize) {
        let eweight = self.eweight(i);
        if eweight == 0 {
            return;
        }
        let g = self.fwrr;
        let f = &mut self.servers[i].fwrr;
        if f.npos == 0 {
            f.npos = g.curr_pos;
        }
        f.lpos = f.npos;
        // One division: the remainder from the quotient (WebAssembly divides twice for `/`
        // and `%`, and a 64-bit division is slow).
        let step = g.next_weight / eweight;
        f.npos += step;
        f.rweight += g.next_weight - step * eweight;
        if f.rweight >= eweight {
            f.rweight -= eweight;
            f.npos += 1;
        }
    }

    /// `fwrr_get_next_server` over the active group, after [`Balancer::fwrr_sync`]. With
    /// `avoid`, the avoided server loses its turn (its position moves on) and the next one is
    /// taken; if it is the only one, it is taken anyway.
    fn fwrr_pick(&mut self, avoid: Option<usize>) -> Option<usize> {
        let mut switched = false;
        let mut avoided: Option<usize> = None;
        let chosen = loop {
            if self.fwrr.curr_weight == 0 {
                self.fwrr.curr_weight = self.fwrr.next_weight;
                self.fwrr.curr_pos = self.fwrr.next_weight;
            }
            let server = loop {
                if let Some(i) = self.fwrr_from_group() {
                    break Some(i);
                }
                if switched {
                    break None;
                }
                switched = true;
                let g = &mut self.fwrr;
                (g.init, g.next) = (g.next, g.init);
                g.curr_weight = g.next_weight;
                g.curr_pos = g.curr_weight;
            };
            let Some(i) = server else {
                break avoided;
            };
            self.fwrr_update_position(i);
            self.servers[i].fwrr.queued = false;
            self.fwrr.curr_pos += 1;
            if avoid != Some(i) || avoided.is_some() {
                break Some(i);
            }
            avoided = Some(i);
        };
        if let Some(i) = chosen {
            self.fwrr_queue_srv(i);
        }
        if let Some(skipped) = avoided
            && chosen != Some(skipped)
        {
            if switched {
                self.fwrr_queue_by_weight(skipped, self.fwrr.init);
            } else {
                self.fwrr_queue_srv(skipped);
            }
        }
        chosen
    }

    /// HAProxy's `recalc_server_map` over the usable active servers.
    fn rebuild_map(&mut self, available: &[bool]) {
        for i in 0..self.servers.len() {
            let in_map = self.candidate(i, available, None);
            let s = &mut self.servers[i];
            s.in_map = in_map;
            s.wscore = 0;
        }
        let total: i64 = self
            .servers
            .iter()
            .filter(|s| s.in_map)
            .map(|s| i64::from(s.map_weight))
            .sum();
        self.map.clear();
        for _ in 0..total {
            let mut best: Option<(usize, i64)> = None;
            for (i, s) in self.servers.iter_mut().enumerate() {
                if !s.in_map {
                    continue;
                }
                s.wscore += i64::from(s.map_weight);
                // Truncating division, as in C: the value is between 0 and 3.
                let v = (s.wscore + total) / total;
                if best.is_none_or(|(_, max)| v > max) {
                    best = Some((i, v));
                }
            }
            if let Some((winner, _)) = best {
                self.servers[winner].wscore -= total;
                self.map.push(winner);
            }
        }
        self.map_built = true;
    }

    fn static_rr(&mut self, available: &[bool], avoid: Option<usize>) -> Option<(usize, LastPick)> {
        let stale = !self.map_built
            || (0..self.servers.len())
                .any(|i| self.servers[i].in_map != self.candidate(i, available, None));
        if stale {
            self.rebuild_map(available);
        }
        let len = self.map.len();
        if len == 0 {
            return None;
        }
        if self.rr_idx >= len {
            self.rr_idx = 0;
        }
        for step in 0..len {
            let slot = (self.rr_idx + step) % len;
            let server = self.map[slot];
            if avoid != Some(server) {
                self.rr_idx = slot + 1;
                let detail = LastPick {
                    slot,
                    map_len: len,
                    ..LastPick::default()
                };
                return Some((server, detail));
            }
        }
        None
    }

    /// `true` if server `a`'s load (connections ÷ weight) is below server `b`'s.
    fn less_loaded(a: &Server, b: &Server) -> bool {
        u64::from(a.connections) * u64::from(b.weight)
            < u64::from(b.connections) * u64::from(a.weight)
    }

    fn least_conn(&mut self, available: &[bool], avoid: Option<usize>) -> Option<usize> {
        let n = self.servers.len();
        let start = self.cursor.wrapping_add(1) % n.max(1);
        let mut best: Option<usize> = None;
        for step in 0..n {
            let i = (start + step) % n;
            if !self.candidate(i, available, avoid) {
                continue;
            }
            if best.is_none_or(|b| Self::less_loaded(&self.servers[i], &self.servers[b])) {
                best = Some(i);
            }
        }
        let winner = best?;
        self.cursor = winner;
        Some(winner)
    }

    fn first(&mut self, available: &[bool], avoid: Option<usize>) -> Option<(usize, LastPick)> {
        let mut full_before = 0u32;
        for i in 0..self.servers.len() {
            if !self.candidate(i, available, avoid) {
                continue;
            }
            let s = &self.servers[i];
            if s.maxconn.is_none_or(|max| s.connections < max) {
                let detail = LastPick {
                    full_before,
                    ..LastPick::default()
                };
                return Some((i, detail));
            }
            full_before += 1;
        }
        None
    }

    /// Changes server `server`'s weight (clamped to 256) at runtime, as HAProxy's runtime API
    /// `set weight` does. `roundrobin`, `leastconn` and `first` apply it to later picks (B1.4;
    /// for `first` only 0 versus non-zero matters). `static-rr` ignores it (B1.5). An unknown
    /// server is ignored.
    pub fn set_weight(&mut self, server: usize, weight: u16) {
        if self.algorithm == Balance::StaticRr {
            return;
        }
        let Some(s) = self.servers.get_mut(server) else {
            return;
        };
        let old = s.weight;
        s.weight = clamp_weight(weight);
        if self.algorithm == Balance::RoundRobin && s.weight != old {
            self.fwrr_weight_changed(server, old);
        }
    }

    /// Server `server` opened a connection (for `leastconn` and `first`). Unknown servers are
    /// ignored.
    pub fn connection_started(&mut self, server: usize) {
        if let Some(s) = self.servers.get_mut(server) {
            s.connections = s.connections.saturating_add(1);
        }
    }

    /// One of server `server`'s connections closed. Unknown servers and servers with no
    /// connection are ignored.
    pub fn connection_finished(&mut self, server: usize) {
        if let Some(s) = self.servers.get_mut(server) {
            s.connections = s.connections.saturating_sub(1);
        }
    }

    /// Server `server`'s open connections (0 for an unknown server).
    pub fn connections(&self, server: usize) -> u32 {
        self.servers.get(server).map_or(0, |s| s.connections)
    }

    /// Says in one line why `pick` (the latest pick) went where it did, e.g.
    /// "roundrobin: web-02 (weight 1; web-01 DOWN, skipped)", "static-rr: web-01 (slot 3 of 4)",
    /// "leastconn: web-02 (2 connections, fewest)", "backup web-03: all active servers are
    /// down". `names[i]` names server i; `available` is what was passed to `pick`.
    pub fn explain(&self, pick: &Pick, names: &[&str], available: &[bool]) -> String {
        let mut text = String::new();
        let Some(server) = self.servers.get(pick.server) else {
            text.push_str(self.algorithm.keyword());
            text.push_str(": ");
            push_name(&mut text, names, pick.server);
            text.push_str(" (not a server of this backend)");
            return text;
        };
        // Details recorded at pick time, if `pick` is the latest pick.
        let last = self.last.filter(|last| last.server == pick.server);
        if pick.from_backup {
            text.push_str("backup ");
            push_name(&mut text, names, pick.server);
            let all_down = self
                .servers
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.backup)
                .all(|(i, _)| !is_available(available, i));
            text.push_str(if all_down {
                ": all active servers are down"
            } else {
                ": no active server is up with a weight above 0"
            });
            let skipped_backups = |i: usize| {
                self.servers[i].backup
                    && self.lb_weight(&self.servers[i]) > 0
                    && !is_available(available, i)
            };
            if (0..pick.server).any(skipped_backups) {
                text.push_str(" (backup ");
                push_list(
                    &mut text,
                    names,
                    (0..pick.server).filter(|&i| skipped_backups(i)),
                );
                text.push_str(" DOWN, skipped)");
            }
            return text;
        }
        text.push_str(self.algorithm.keyword());
        text.push_str(": ");
        push_name(&mut text, names, pick.server);
        text.push_str(" (");
        match self.algorithm {
            Balance::RoundRobin => {
                let _ = write!(text, "weight {}", server.weight);
            }
            Balance::StaticRr => match last {
                Some(last) => {
                    let _ = write!(text, "slot {} of {}", last.slot + 1, last.map_len);
                }
                None => {
                    let _ = write!(text, "weight {}", server.map_weight);
                }
            },
            Balance::LeastConn => {
                let connections = last.map_or(server.connections, |last| last.connections);
                let plural = if connections == 1 { "" } else { "s" };
                let weighted = self.servers.iter().enumerate().any(|(i, s)| {
                    !s.backup && self.usable(i, available) && s.weight != server.weight
                });
                if weighted {
                    let _ = write!(
                        text,
                        "{connections} connection{plural} at weight {}, least per weight",
                        server.weight
                    );
                } else {
                    let _ = write!(text, "{connections} connection{plural}, fewest");
                }
            }
            Balance::First => {
                text.push_str("lowest id with a free slot");
                if last.is_some_and(|last| last.full_before > 0) {
                    text.push_str("; ");
                    let full = (0..pick.server).filter(|&i| {
                        self.usable(i, available)
                            && !self.servers[i].backup
                            && self.servers[i]
                                .maxconn
                                .is_some_and(|max| self.servers[i].connections >= max)
                    });
                    push_list(&mut text, names, full);
                    text.push_str(" full");
                }
            }
        }
        let down = (0..self.servers.len()).filter(|&i| {
            let s = &self.servers[i];
            !s.backup && self.lb_weight(s) > 0 && !is_available(available, i)
        });
        let mut down = down.peekable();
        if down.peek().is_some() {
            text.push_str("; ");
            push_list(&mut text, names, down);
            text.push_str(" DOWN, skipped");
        }
        text.push(')');
        text
    }
}

fn push_name(text: &mut String, names: &[&str], i: usize) {
    match names.get(i) {
        Some(name) => text.push_str(name),
        None => {
            let _ = write!(text, "server #{i}");
        }
    }
}

fn push_list(text: &mut String, names: &[&str], servers: impl Iterator<Item = usize>) {
    for (n, i) in servers.enumerate() {
        if n > 0 {
            text.push_str(", ");
        }
        push_name(text, names, i);
    }
}

/// HAProxy's connection retries: `retries` and `option redispatch` (B1.19), as in HAProxy
/// 2.6 (`back_handle_st_cer` in `backend.c`, `stream_choose_redispatch` in `stream.h`).
///
/// Attempt 0 is the first connection; retries are numbered 1 to `retries`, so a server that
/// never answers costs `retries + 1` attempts before the 503.
///
/// - **Where a retry goes.** Without `redispatch`, to the same server. With `redispatch`
///   (and no persistence, which Stacksim does not model, and no hash-based algorithm, which it
///   has none of), HAProxy redispatches **every** retry as soon as more than one active server
///   is usable, picking another server with [`Balancer::pick_avoiding`] (`srvtoavoid`). With
///   a single usable active server it redispatches only the **last** retry
///   (`redispatch -1`, the default interval), or any retry whose server is no longer
///   running (marked DOWN).
/// - **How long before it.** After an *immediate* error (the server refused the connection,
///   or it is unreachable: a reset, an ICMP error) HAProxy waits min(`timeout connect`, 1 s)
///   before the retry (the turn-around state), but only when it retries the same server or
///   has at most one usable active server. After a connect *timeout* it retries at once: the
///   timeout was the wait.
///
/// Measured on HAProxy 2.6.12 (`retries 3`, `timeout connect 5s`, two servers, one failing,
/// `check` off): refused with redispatch, served in about 1 ms; refused without, 503 after
/// 3.006 s; SYNs dropped with redispatch, served after 5.0 s; without, 503 after 20.0 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// `retries`: connection retries after the first attempt (HAProxy default 3).
    pub retries: u8,
    /// `option redispatch`.
    pub redispatch: bool,
    /// `timeout connect`; zero means unset.
    pub timeout_connect: SimDuration,
}

/// How a connection attempt to a server failed, as HAProxy's stream sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectError {
    /// At once: a reset (nothing listens, a `reject` rule) or an unreachable network.
    Immediate,
    /// Nothing answered the SYNs before `timeout connect`.
    Timeout,
}

/// The `timeout connect` assumed when a design sets none: 5 s, as in Debian's packaged
/// `haproxy.cfg` (HAProxy itself has no default and warns).
pub const DEFAULT_TIMEOUT_CONNECT: SimDuration = SimDuration::from_secs(5);

/// HAProxy's cap on the turn-around timer before a retry on the same server.
const MAX_RETRY_DELAY: SimDuration = SimDuration::from_secs(1);

impl Default for RetryPolicy {
    /// `retries 3`, no redispatch, `timeout connect 5s`.
    fn default() -> Self {
        RetryPolicy {
            retries: 3,
            redispatch: false,
            timeout_connect: DEFAULT_TIMEOUT_CONNECT,
        }
    }
}

impl RetryPolicy {
    /// The retry settings of a HAProxy service, with [`DEFAULT_TIMEOUT_CONNECT`].
    pub fn from_haproxy(haproxy: &Haproxy) -> RetryPolicy {
        RetryPolicy {
            retries: haproxy.retries,
            redispatch: haproxy.redispatch,
            timeout_connect: DEFAULT_TIMEOUT_CONNECT,
        }
    }

    /// The turn-around wait before a retry: min(`timeout connect`, 1 s), or 1 s when
    /// `timeout connect` is unset (zero).
    pub fn retry_delay(&self) -> SimDuration {
        if self.timeout_connect == SimDuration::ZERO {
            MAX_RETRY_DELAY
        } else {
            self.timeout_connect.min(MAX_RETRY_DELAY)
        }
    }

    /// Whether retry number `attempt` (1..=`retries`) may happen at all.
    pub fn allows(&self, attempt: u8) -> bool {
        (1..=self.retries).contains(&attempt)
    }

    /// Whether retry number `attempt` goes to another server. `usable_active` is HAProxy's
    /// `srv_act`: the active (non-backup) servers that are available and have a weight, the
    /// failed one included ([`Balancer::usable_active`]); `server_running`: the failed server
    /// is not marked DOWN.
    pub fn redispatch_on(&self, attempt: u8, usable_active: usize, server_running: bool) -> bool {
        self.redispatch
            && self.allows(attempt)
            && (usable_active > 1 || attempt == self.retries || !server_running)
    }

    /// The wait before a retry after `error`: the turn-around ([`RetryPolicy::retry_delay`])
    /// after an immediate error when the retry goes to the same server (`redispatched` false)
    /// or HAProxy has at most one usable active server; nothing after a timeout.
    pub fn delay_before(
        &self,
        error: ConnectError,
        redispatched: bool,
        usable_active: usize,
    ) -> SimDuration {
        match error {
            ConnectError::Immediate if !redispatched || usable_active <= 1 => self.retry_delay(),
            _ => SimDuration::ZERO,
        }
    }
}
