//! The engine's event queue: a binary heap ordered by time, first-in first-out among events
//! scheduled for the same instant (after nexosim's `PriorityQueue`).
//!
//! The FIFO tie-break is what makes runs reproducible: two events at the same `SimTime` always
//! come out in the order they were scheduled, whatever the heap's internal layout.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::sim::time::SimTime;

/// An event with its key: the time in the high 64 bits and the scheduling sequence number in
/// the low 64, so that one integer comparison orders events by time, then FIFO.
struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    fn at(&self) -> SimTime {
        SimTime::from_micros((self.key >> 64) as u64)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest, then the first scheduled.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// Events waiting for their time.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `at`.
    pub fn push(&mut self, at: SimTime, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let key = (u128::from(at.as_micros()) << 64) | u128::from(seq);
        self.heap.push(Entry { key, event });
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(Entry::at)
    }

    /// Removes and returns the next event if it is due at or before `until`.
    pub fn pop_until(&mut self, until: SimTime) -> Option<(SimTime, E)> {
        if self.peek_time()? > until {
            return None;
        }
        self.heap.pop().map(|entry| (entry.at(), entry.event))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_fifo_among_equal_times() {
        let mut queue = EventQueue::default();
        queue.push(SimTime::from_millis(5), "c");
        queue.push(SimTime::from_millis(1), "a");
        queue.push(SimTime::from_millis(5), "d");
        queue.push(SimTime::from_millis(1), "b");
        queue.push(SimTime::from_millis(5), "e");
        let mut out = Vec::new();
        while let Some((_, event)) = queue.pop_until(SimTime::from_secs(1)) {
            out.push(event);
        }
        assert_eq!(out, ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn events_after_the_horizon_stay_queued() {
        let mut queue = EventQueue::default();
        queue.push(SimTime::from_millis(10), 1);
        assert_eq!(queue.pop_until(SimTime::from_millis(9)), None);
        assert_eq!(queue.len(), 1);
        assert_eq!(
            queue.pop_until(SimTime::from_millis(10)),
            Some((SimTime::from_millis(10), 1))
        );
        assert!(queue.is_empty());
    }
}
