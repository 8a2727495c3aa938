//! Lanes: work that keeps its order within a lane (a chat) and runs beside
//! the work of other lanes.
//!
//! Why: a platform adapter that handles updates one at a time lets one slow
//! command hold up every chat, and gives the store's group commit nothing
//! to gather. Handling everything at once breaks a chat's order (a thanks
//! counted before the answer it thanks). Lanes sit in between: one item
//! per lane runs at a time, every lane may run at once, and the items
//! waiting are counted so the adapter can stop fetching at a bound.
//!
//! The type only keeps the queues; the adapter drives the futures (so they
//! may borrow the adapter, with no task spawned per chat).

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// Queues of waiting items per lane; a lane present in the map has one
/// item running.
#[derive(Debug)]
pub struct Lanes<K, T> {
    busy: HashMap<K, VecDeque<T>>,
    /// Items running or waiting, in all lanes.
    len: usize,
}

impl<K: Eq + Hash + Clone, T> Default for Lanes<K, T> {
    fn default() -> Self {
        Lanes {
            busy: HashMap::new(),
            len: 0,
        }
    }
}

impl<K: Eq + Hash + Clone, T> Lanes<K, T> {
    /// Adds `item` to `lane`: returned when the lane was idle, so the
    /// caller starts it now; kept for later when the lane is busy.
    #[must_use]
    pub fn push(&mut self, lane: K, item: T) -> Option<T> {
        self.len += 1;
        match self.busy.get_mut(&lane) {
            Some(waiting) => {
                waiting.push_back(item);
                None
            }
            None => {
                self.busy.insert(lane, VecDeque::new());
                Some(item)
            }
        }
    }

    /// The running item of `lane` finished: the lane's next item, which the
    /// caller starts now, if one waits.
    #[must_use]
    pub fn finish(&mut self, lane: &K) -> Option<T> {
        self.len = self.len.saturating_sub(1);
        let waiting = self.busy.get_mut(lane)?;
        let next = waiting.pop_front();
        if next.is_none() {
            self.busy.remove(lane);
        }
        next
    }

    /// Items running or waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing runs or waits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lane_runs_one_item_at_a_time_in_order() {
        let mut lanes = Lanes::default();
        assert_eq!(lanes.push("a", 1), Some(1));
        assert_eq!(lanes.push("a", 2), None);
        assert_eq!(lanes.push("a", 3), None);
        assert_eq!(lanes.len(), 3);
        assert_eq!(lanes.finish(&"a"), Some(2));
        assert_eq!(lanes.finish(&"a"), Some(3));
        assert_eq!(lanes.finish(&"a"), None);
        assert!(lanes.is_empty());
        // Idle again: the next item starts at once.
        assert_eq!(lanes.push("a", 4), Some(4));
    }

    #[test]
    fn other_lanes_start_while_one_is_busy() {
        let mut lanes = Lanes::default();
        assert_eq!(lanes.push("slow", 1), Some(1));
        assert_eq!(lanes.push("slow", 2), None);
        assert_eq!(lanes.push("quick", 3), Some(3));
        assert_eq!(lanes.finish(&"quick"), None);
        assert_eq!(lanes.len(), 2);
        assert_eq!(lanes.finish(&"slow"), Some(2));
    }
}
