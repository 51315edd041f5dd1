//! The engine's event queue: a hierarchical timing wheel on the time in microseconds, first-in
//! first-out among events scheduled for the same instant (the order nexosim's `PriorityQueue`
//! gives, and the binary heap this replaced).
//!
//! The time is read as a low part of twelve bits and seven digits of eight bits above it.
//! Level 0 has a slot per microsecond of the current 4096 µs window; level `k` has a slot per
//! value of digit `k`. An event waits at the level of the highest digit in which its time
//! differs from `last` (the time the queue has reached), in the slot of its own digit there, so
//! every event of a level comes before every event of a higher one, and slots of a level are in
//! time order. When level 0 is empty, the first slot of the lowest non-empty level is spread
//! over the levels below it: an event moves down at most seven times, one scheduled less than
//! 4 ms ahead (a hop on the LAN, a database reply, most service times) never, and one less than
//! a second ahead (the client's round trips) at most once.
//!
//! Every waiting event is a node of one arena (`Vec`), and a slot is a linked list of nodes in
//! scheduling order: scheduling takes a freed node (no per-slot buffer grows), and moving a
//! slot down relinks its nodes without copying the events.
//!
//! This relies on the queue being monotone: nothing is scheduled before `last`. The engine only
//! schedules at or after its clock, and `last` never passes the time of the event just popped
//! or the `until` the clock is being moved to; an event scheduled earlier all the same is kept
//! in a small fallback list, sorted by time, and still comes out first.
//!
//! FIFO among equal times needs no sequence numbers: an event's slot depends only on its time
//! and `last`, so events of the same time always share a slot; each is appended when scheduled
//! and a slot moves down in order, so events of the same time stay in scheduling order.
//! That tie-break is what makes runs reproducible: two events at the same `SimTime` always come
//! out in the order they were scheduled, whatever the queue's internal layout.

use crate::time::SimTime;

/// Bits of the time level 0 covers: its slots are the microseconds of a 4096 µs window, so an
/// event less than about 4 ms ahead (a hop on the LAN, a database reply, most service times)
/// is placed once and never moves.
const BITS0: u32 = 12;
/// Slots of level 0.
const SLOTS0: usize = 1 << BITS0;
/// Bits per digit of the time above level 0.
const BITS: u32 = 8;
/// Slots per level above level 0.
const SLOTS: usize = 1 << BITS;
/// Levels: 12 bits, then 7 digits of 8 bits, cover 64 bits.
const LEVELS: usize = 8;
/// No node: the end of a list.
const NIL: u32 = u32::MAX;

/// An event on the wheel, with its time in microseconds and the next node of its slot's list
/// (or of the free list). A free node keeps the copy of its last event: events are `Copy`, so
/// taking one out is a plain read.
struct Node<E> {
    at: u64,
    next: u32,
    event: E,
}

/// Which slots of a level hold events: a bit per slot, and a bit per word of those.
#[derive(Clone, Copy)]
struct Occupied<const WORDS: usize> {
    words: [u64; WORDS],
    nonzero: u64,
}

impl<const WORDS: usize> Default for Occupied<WORDS> {
    fn default() -> Self {
        Occupied {
            words: [0; WORDS],
            nonzero: 0,
        }
    }
}

impl<const WORDS: usize> Occupied<WORDS> {
    #[inline(always)]
    fn set(&mut self, slot: usize) {
        let word = slot / 64 % WORDS;
        self.words[word] |= 1 << (slot % 64);
        self.nonzero |= 1 << word;
    }

    #[inline(always)]
    fn clear(&mut self, slot: usize) {
        let word = slot / 64 % WORDS;
        self.words[word] &= !(1 << (slot % 64));
        if self.words[word] == 0 {
            self.nonzero &= !(1 << word);
        }
    }

    fn is_empty(&self) -> bool {
        self.nonzero == 0
    }

    /// The first slot holding events.
    #[inline(always)]
    fn first(&self) -> Option<usize> {
        let word = self.nonzero.trailing_zeros() as usize;
        let bits = *self.words.get(word)?;
        Some(word * 64 + bits.trailing_zeros() as usize)
    }
}

/// The first and last node of a slot's list (`NIL` when empty).
#[derive(Clone, Copy)]
struct Ends {
    head: u32,
    tail: u32,
}

const EMPTY: Ends = Ends {
    head: NIL,
    tail: NIL,
};

/// Events waiting for their time.
pub struct EventQueue<E> {
    /// The time the queue has reached: every event on the wheel is at or after it.
    last: u64,
    /// Every event on the wheel, in one arena: a slot is a singly linked list of nodes in
    /// scheduling order, so moving an event down a level relinks it without copying it, and
    /// scheduling reuses a freed node instead of growing a per-slot buffer.
    nodes: Vec<Node<E>>,
    /// The freed nodes, most recently freed first (they are warm in the cache).
    free: u32,
    /// Level 0's slots (`slots[d]`) hold the events of each microsecond of `last`'s 4096 µs
    /// window; level `k > 0`'s (`slots[SLOTS0 + (k - 1) * SLOTS + d]`) hold the events whose
    /// time differs from `last` first in digit `k`, and has `d` there.
    slots: Box<[Ends; SLOTS0 + (LEVELS - 1) * SLOTS]>,
    occupied0: Occupied<{ SLOTS0 / 64 }>,
    /// `occupied[k - 1]`: level `k > 0`.
    occupied: [Occupied<{ SLOTS / 64 }>; LEVELS - 1],
    /// Bit `k - 1` is set when level `k > 0` holds events.
    levels: u8,
    /// Events scheduled before `last`, which all come before the others, latest first (the
    /// next is last; among equal times the first scheduled is nearest the end), each with its
    /// node in the arena (linked nowhere). The engine never schedules any; this keeps the
    /// order right if it ever does.
    early: Vec<(u64, u32)>,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            last: 0,
            nodes: Vec::new(),
            free: NIL,
            slots: Box::new([EMPTY; SLOTS0 + (LEVELS - 1) * SLOTS]),
            occupied0: Occupied::default(),
            occupied: [Occupied::default(); LEVELS - 1],
            levels: 0,
            early: Vec::new(),
        }
    }
}

/// Where level `level > 0`'s digit starts in the time.
#[inline(always)]
fn shift(level: usize) -> u32 {
    BITS0 + (level as u32 - 1) * BITS
}

impl<E: Copy> EventQueue<E> {
    /// Schedules `event` at `at`.
    pub fn push(&mut self, at: SimTime, event: E) {
        let at = at.as_micros();
        let node = self.node(at, event);
        if at < self.last {
            return self.push_early(at, node);
        }
        self.place(at, node);
    }

    /// A node holding `event` at `at`, linked nowhere: a freed one, or a new one.
    #[inline(always)]
    fn node(&mut self, at: u64, event: E) -> u32 {
        let index = self.free;
        match self.nodes.get_mut(index as usize) {
            Some(node) => {
                self.free = node.next;
                node.at = at;
                node.next = NIL;
                node.event = event;
                index
            }
            None => self.grow(at, event),
        }
    }

    /// A new node for `event` at `at`, when no freed one is left.
    #[cold]
    #[inline(never)]
    fn grow(&mut self, at: u64, event: E) -> u32 {
        self.nodes.push(Node {
            at,
            next: NIL,
            event,
        });
        (self.nodes.len() - 1) as u32
    }

    /// An event scheduled before `last` (in `node`): into the fallback list, before every
    /// event of its time already waiting there, so after them in popping order.
    #[cold]
    #[inline(never)]
    fn push_early(&mut self, at: u64, node: u32) {
        let index = self.early.partition_point(|&(t, _)| t > at);
        self.early.insert(index, (at, node));
    }

    /// Appends node `index`, at `at` (at or after `last`), to its slot on the wheel. The
    /// node's `next` must already be `NIL`. A slot that was empty returns at once: most events
    /// are alone in their microsecond, and there is no previous node to link.
    #[inline(always)]
    fn place(&mut self, at: u64, index: u32) {
        let differ = at ^ self.last;
        let tail = if differ < SLOTS0 as u64 {
            let slot = at as usize % SLOTS0;
            let ends = &mut self.slots[slot];
            let tail = std::mem::replace(&mut ends.tail, index);
            if tail == NIL {
                ends.head = index;
                self.occupied0.set(slot);
                return;
            }
            tail
        } else {
            let high = 63 - differ.leading_zeros();
            let level = ((high - BITS0) / BITS + 1) as usize;
            self.levels |= 1 << (level - 1);
            let digit = (at >> shift(level)) as usize % SLOTS;
            let Some(ends) = self.slots.get_mut(SLOTS0 + (level - 1) * SLOTS + digit) else {
                return;
            };
            let tail = std::mem::replace(&mut ends.tail, index);
            if tail == NIL {
                ends.head = index;
                if let Some(occupied) = self.occupied.get_mut(level - 1) {
                    occupied.set(digit);
                }
                return;
            }
            tail
        };
        if let Some(node) = self.nodes.get_mut(tail as usize) {
            node.next = index;
        }
    }

    /// The lowest level above 0 holding events, its first slot, and the time that slot starts
    /// at (`last` with the digits up to that level's replaced by the slot's).
    #[inline(always)]
    fn first_above(&self) -> Option<(usize, usize, u64)> {
        let level = self.levels.trailing_zeros() as usize + 1;
        let digit = self.occupied.get(level - 1)?.first()?;
        let low = shift(level);
        let top = low + BITS;
        let below = if top >= u64::BITS {
            u64::MAX
        } else {
            (1u64 << top) - 1
        };
        Some((level, digit, self.last & !below | (digit as u64) << low))
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        if let Some(&(at, _)) = self.early.last() {
            return Some(SimTime::from_micros(at));
        }
        if let Some(slot) = self.occupied0.first() {
            return Some(SimTime::from_micros(
                self.last & !(SLOTS0 as u64 - 1) | slot as u64,
            ));
        }
        let (level, digit, _) = self.first_above()?;
        let mut index = self.slots[SLOTS0 + (level - 1) * SLOTS + digit].head;
        let mut first = u64::MAX;
        while let Some(node) = self.nodes.get(index as usize) {
            first = first.min(node.at);
            index = node.next;
        }
        Some(SimTime::from_micros(first))
    }

    /// Removes and returns the next event if it is due at or before `until`. Inlined where
    /// the engine's loops call it: most events come out of level 0 with nothing scheduled
    /// early, in a few instructions; the rest is [`EventQueue::pop_slow`].
    ///
    /// Both ways give the event's time and its node, freed but still holding the event, which
    /// is read here once: had [`EventQueue::pop_slow`] returned the event, the two ways would
    /// meet in memory and the caller would put the event together again byte by byte.
    #[inline(always)]
    pub fn pop_until(&mut self, until: SimTime) -> Option<(SimTime, E)> {
        let (at, event) = if self.early.is_empty()
            && let Some(slot) = self.occupied0.first()
        {
            let at = self.last & !(SLOTS0 as u64 - 1) | slot as u64;
            if at > until.as_micros() {
                return None;
            }
            let index = self.take(slot, at)?;
            (at, self.nodes.get(index as usize)?.event)
        } else {
            let (at, index) = self.pop_slow(until)?;
            (at, self.nodes.get(index as usize)?.event)
        };
        Some((SimTime::from_micros(at), event))
    }

    /// Takes the first node of level 0's `slot`, at `at`, moves `last` there and frees the
    /// node (which keeps its event until the next push).
    #[inline(always)]
    fn take(&mut self, slot: usize, at: u64) -> Option<u32> {
        self.last = at;
        let ends = &mut self.slots[slot % SLOTS0];
        let index = ends.head;
        let node = self.nodes.get_mut(index as usize)?;
        ends.head = node.next;
        if node.next == NIL {
            ends.tail = NIL;
            self.occupied0.clear(slot);
        }
        node.next = self.free;
        self.free = index;
        Some(index)
    }

    /// [`EventQueue::pop_until`] when an event was scheduled early or level 0 is empty: the
    /// time and the freed node of the next event due by `until`.
    #[inline(never)]
    fn pop_slow(&mut self, until: SimTime) -> Option<(u64, u32)> {
        let until = until.as_micros();
        if let Some(&(at, index)) = self.early.last() {
            if at > until {
                return None;
            }
            self.early.pop();
            let node = self.nodes.get_mut(index as usize)?;
            node.next = self.free;
            self.free = index;
            return Some((at, index));
        }
        loop {
            if let Some(slot) = self.occupied0.first() {
                let at = self.last & !(SLOTS0 as u64 - 1) | slot as u64;
                if at > until {
                    return None;
                }
                return Some((at, self.take(slot, at)?));
            }
            // Level 0 is empty: move the first slot of the lowest non-empty level down, unless
            // even its start is not due (`last` must not pass a time the caller may still
            // schedule at: its clock stops at `until`).
            let (level, digit, start) = self.first_above()?;
            if start > until {
                return None;
            }
            self.last = start;
            let occupied = &mut self.occupied[level - 1];
            occupied.clear(digit);
            if occupied.is_empty() {
                self.levels &= !(1 << (level - 1));
            }
            let ends =
                std::mem::replace(&mut self.slots[SLOTS0 + (level - 1) * SLOTS + digit], EMPTY);
            let mut index = ends.head;
            while let Some(node) = self.nodes.get_mut(index as usize) {
                let (at, next) = (node.at, node.next);
                node.next = NIL;
                self.place(at, index);
                index = next;
            }
        }
    }

    /// How many events wait: the nodes not on the free list (the early ones included). It
    /// walks the free list (the hot path keeps no count).
    pub fn len(&self) -> usize {
        let mut free = 0;
        let mut index = self.free;
        while let Some(node) = self.nodes.get(index as usize) {
            free += 1;
            index = node.next;
        }
        self.nodes.len() - free
    }

    pub fn is_empty(&self) -> bool {
        self.occupied0.is_empty() && self.levels == 0 && self.early.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A step of a queue script: schedule an event, or take the next one due by a time and
    /// expect what comes out.
    enum Step {
        Push(u64, &'static str),
        Pop(u64, Option<(u64, &'static str)>),
    }
    use Step::{Pop, Push};

    /// The ordering contract, case by case: earliest first, first-in first-out among equal
    /// times (however far ahead, and whether scheduled before or after the queue reached
    /// nearby times), pushes and pops interleaved, nothing after the horizon.
    #[test]
    fn ordering_contract() {
        let cases: &[(&str, &[Step])] = &[
            (
                "time order",
                &[
                    Push(30, "a"),
                    Push(10, "b"),
                    Push(20, "c"),
                    Pop(100, Some((10, "b"))),
                    Pop(100, Some((20, "c"))),
                    Pop(100, Some((30, "a"))),
                    Pop(100, None),
                ],
            ),
            (
                "FIFO among equal times",
                &[
                    Push(5, "x"),
                    Push(5, "y"),
                    Push(1, "w"),
                    Push(5, "z"),
                    Pop(5, Some((1, "w"))),
                    Pop(5, Some((5, "x"))),
                    Pop(5, Some((5, "y"))),
                    Pop(5, Some((5, "z"))),
                ],
            ),
            (
                "FIFO among equal far times, scheduled before and after nearer pops",
                &[
                    Push(70_000, "first"),
                    Push(300, "near"),
                    Pop(1_000, Some((300, "near"))),
                    Push(70_000, "second"),
                    Push(69_999, "before"),
                    Push(70_000, "third"),
                    Pop(100_000, Some((69_999, "before"))),
                    Pop(100_000, Some((70_000, "first"))),
                    Pop(100_000, Some((70_000, "second"))),
                    Pop(100_000, Some((70_000, "third"))),
                ],
            ),
            (
                "an event scheduled at the time just popped comes after the ones already there",
                &[
                    Push(50, "a"),
                    Push(50, "b"),
                    Pop(50, Some((50, "a"))),
                    Push(50, "c"),
                    Push(51, "d"),
                    Pop(60, Some((50, "b"))),
                    Pop(60, Some((50, "c"))),
                    Pop(60, Some((51, "d"))),
                ],
            ),
            (
                "interleaved pushes and pops across slot and level boundaries",
                &[
                    Push(255, "255"),
                    Push(256, "256"),
                    Pop(255, Some((255, "255"))),
                    Push(65_536, "65536"),
                    Push(257, "257"),
                    Push(65_535, "65535"),
                    Pop(u64::MAX, Some((256, "256"))),
                    Pop(u64::MAX, Some((257, "257"))),
                    Push(65_535, "65535 again"),
                    Pop(u64::MAX, Some((65_535, "65535"))),
                    Pop(u64::MAX, Some((65_535, "65535 again"))),
                    Pop(u64::MAX, Some((65_536, "65536"))),
                ],
            ),
            (
                "interleaved pushes and pops across level 0's window and level 1's slots",
                &[
                    Push(4_095, "4095"),
                    Push(4_096, "4096"),
                    Pop(4_095, Some((4_095, "4095"))),
                    Push(1 << 20, "2^20"),
                    Push(4_097, "4097"),
                    Push((1 << 20) - 1, "2^20 - 1"),
                    Pop(u64::MAX, Some((4_096, "4096"))),
                    Pop(u64::MAX, Some((4_097, "4097"))),
                    Push((1 << 20) - 1, "2^20 - 1 again"),
                    Pop(u64::MAX, Some(((1 << 20) - 1, "2^20 - 1"))),
                    Pop(u64::MAX, Some(((1 << 20) - 1, "2^20 - 1 again"))),
                    Pop(u64::MAX, Some((1 << 20, "2^20"))),
                ],
            ),
            (
                "nothing after the horizon",
                &[
                    Push(100, "a"),
                    Pop(99, None),
                    Push(99, "b"),
                    Pop(99, Some((99, "b"))),
                    Pop(99, None),
                    Pop(100, Some((100, "a"))),
                ],
            ),
            (
                "the far future",
                &[
                    Push(u64::MAX, "max"),
                    Push(1 << 40, "2^40"),
                    Push(70_000, "70000"),
                    Push(u64::MAX, "max again"),
                    Pop(u64::MAX, Some((70_000, "70000"))),
                    Pop(u64::MAX, Some((1 << 40, "2^40"))),
                    Pop(u64::MAX, Some((u64::MAX, "max"))),
                    Pop(u64::MAX, Some((u64::MAX, "max again"))),
                ],
            ),
            (
                "scheduled in the past: first, then FIFO among equal times",
                &[
                    Push(10, "10"),
                    Push(20, "20"),
                    Pop(10, Some((10, "10"))),
                    Push(3, "3"),
                    Push(3, "3 again"),
                    Push(10, "10 again"),
                    Pop(100, Some((3, "3"))),
                    Pop(100, Some((3, "3 again"))),
                    Pop(100, Some((10, "10 again"))),
                    Pop(100, Some((20, "20"))),
                ],
            ),
        ];
        for (name, steps) in cases {
            let mut queue = EventQueue::default();
            let mut waiting = 0;
            for (i, step) in steps.iter().enumerate() {
                match *step {
                    Push(at, event) => {
                        queue.push(SimTime::from_micros(at), event);
                        waiting += 1;
                    }
                    Pop(until, want) => {
                        let got = queue
                            .pop_until(SimTime::from_micros(until))
                            .map(|(at, event)| (at.as_micros(), event));
                        assert_eq!(got, want, "{name}, step {i}");
                        waiting -= usize::from(got.is_some());
                    }
                }
                assert_eq!(queue.len(), waiting, "{name}, step {i}: len");
            }
        }
    }

    #[test]
    fn equal_times_scheduled_before_and_after_moving_down_stay_in_order() {
        // The first 9000 waits on level 1 (digit 2) while `last` is 0, then again after 4400
        // (digit 1) has moved down and come out; the others join it there, and all move down
        // together.
        let mut queue = EventQueue::default();
        queue.push(SimTime::from_micros(9_000), "first 9000");
        queue.push(SimTime::from_micros(4_400), "4400");
        assert_eq!(
            queue.pop_until(SimTime::from_micros(4_400)),
            Some((SimTime::from_micros(4_400), "4400"))
        );
        queue.push(SimTime::from_micros(9_000), "second 9000");
        queue.push(SimTime::from_micros(8_500), "8500");
        queue.push(SimTime::from_micros(9_000), "third 9000");
        queue.push(SimTime::from_micros(4_400), "4400 again");
        assert_eq!(queue.peek_time(), Some(SimTime::from_micros(4_400)));
        let mut out = Vec::new();
        while let Some((_, event)) = queue.pop_until(SimTime::from_secs(1)) {
            out.push(event);
        }
        assert_eq!(
            out,
            [
                "4400 again",
                "8500",
                "first 9000",
                "second 9000",
                "third 9000"
            ]
        );
    }
}

/// The timing wheel against the binary heap it replaced, on random schedules.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use std::cmp::Ordering;
    use std::collections::BinaryHeap;

    use proptest::prelude::*;

    use super::*;

    /// An event of the reference heap, with its key: the time in the high 64 bits
    /// and a scheduling sequence number in the low 64, so that one integer comparison orders by
    /// time, then FIFO.
    struct Early<E> {
        key: u128,
        event: E,
    }

    impl<E> PartialEq for Early<E> {
        fn eq(&self, other: &Self) -> bool {
            self.key == other.key
        }
    }

    impl<E> Eq for Early<E> {}

    impl<E> PartialOrd for Early<E> {
        fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }

    impl<E> Ord for Early<E> {
        /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest, then the first scheduled.
        fn cmp(&self, other: &Self) -> Ordering {
            other.key.cmp(&self.key)
        }
    }

    /// The previous queue: a binary heap on the packed `(time, seq)` key.
    #[derive(Default)]
    struct Reference {
        heap: BinaryHeap<Early<u32>>,
        next_seq: u64,
    }

    impl Reference {
        fn push(&mut self, at: u64, event: u32) {
            let key = (u128::from(at) << 64) | u128::from(self.next_seq);
            self.next_seq += 1;
            self.heap.push(Early { key, event });
        }

        fn peek_time(&self) -> Option<u64> {
            self.heap.peek().map(|e| (e.key >> 64) as u64)
        }

        fn pop_until(&mut self, until: u64) -> Option<(u64, u32)> {
            if self.peek_time()? > until {
                return None;
            }
            self.heap.pop().map(|e| ((e.key >> 64) as u64, e.event))
        }
    }

    #[derive(Clone, Debug)]
    enum Op {
        /// Schedule at the clock plus this delay (0 is frequent, to make many equal times).
        Push { delay: u64 },
        /// Schedule before the clock (the fallback), by this much.
        PushEarly { back: u64 },
        /// Take out every event due by the clock plus this much, then move the clock there,
        /// as `Simulation::advance_to` does.
        Advance { by: u64 },
        /// Take out one event, whenever it is due, as `Simulation::run_until_quiet` does.
        PopOne,
    }

    fn delay() -> impl Strategy<Value = u64> {
        prop_oneof![
            3 => Just(0u64),
            3 => 0u64..4,
            3 => prop::sample::select(vec![250u64, 500, 750, 1_000, 4_095, 4_096, 5_000, 10_000]),
            2 => 0u64..100_000,
            1 => 0u64..40_000_000,
            1 => Just(1u64 << 40),
            1 => Just(u64::MAX),
        ]
    }

    fn op(early: bool) -> impl Strategy<Value = Op> {
        let early_weight = if early { 1 } else { 0 };
        prop_oneof![
            8 => delay().prop_map(|delay| Op::Push { delay }),
            early_weight => (1u64..1_000).prop_map(|back| Op::PushEarly { back }),
            2 => delay().prop_map(|by| Op::Advance { by }),
            6 => Just(Op::PopOne),
        ]
    }

    /// Runs `ops` on both queues and checks that every answer is the same.
    fn same_as_reference(ops: &[Op]) -> Result<(), TestCaseError> {
        let mut queue = EventQueue::default();
        let mut reference = Reference::default();
        let mut clock = 0u64;
        let mut next = 0u32;
        let check_pop = |queue: &mut EventQueue<u32>, reference: &mut Reference, until: u64| {
            let got = queue
                .pop_until(SimTime::from_micros(until))
                .map(|(at, e)| (at.as_micros(), e));
            let want = reference.pop_until(until);
            prop_assert_eq!(got, want);
            Ok(got)
        };
        for op in ops {
            match *op {
                Op::Push { delay } => {
                    let at = clock.saturating_add(delay);
                    queue.push(SimTime::from_micros(at), next);
                    reference.push(at, next);
                    next += 1;
                }
                Op::PushEarly { back } => {
                    let at = clock.saturating_sub(back);
                    queue.push(SimTime::from_micros(at), next);
                    reference.push(at, next);
                    next += 1;
                }
                Op::Advance { by } => {
                    let until = clock.saturating_add(by);
                    while let Some((at, _)) = check_pop(&mut queue, &mut reference, until)? {
                        clock = clock.max(at);
                    }
                    clock = until;
                }
                Op::PopOne => {
                    if let Some((at, _)) = check_pop(&mut queue, &mut reference, u64::MAX)? {
                        clock = clock.max(at);
                    }
                }
            }
            prop_assert_eq!(
                queue.peek_time().map(SimTime::as_micros),
                reference.peek_time()
            );
            prop_assert_eq!(queue.len(), reference.heap.len());
        }
        while check_pop(&mut queue, &mut reference, u64::MAX)?.is_some() {}
        prop_assert!(queue.is_empty());
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn pops_the_same_sequence_as_a_binary_heap(ops in prop::collection::vec(op(false), 0..400)) {
            same_as_reference(&ops)?;
        }

        #[test]
        fn events_scheduled_in_the_past_keep_the_order(ops in prop::collection::vec(op(true), 0..400)) {
            same_as_reference(&ops)?;
        }
    }
}
