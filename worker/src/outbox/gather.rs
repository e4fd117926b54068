//! First attempts of concurrent captures, gathered: group commit for the
//! outbox. A capture's first attempt costs a targets read and an attempt
//! record in D1 whether it carries one job or fifty, and its automation a
//! queue send, so the captures of one isolate share them. A capture whose jobs find a group slot free works
//! them at once (a lone lead waits for nothing). While every slot is busy,
//! the jobs of the captures that arrive wait together in one open group,
//! which the next request to finish its group works next, or else the next
//! capture to find a slot free. Under load the groups grow with the load,
//! as the queue's batches do, without a batch window; how many are at work
//! at once is the delivery concurrency setting (`DELIVERY_MAX_IN_FLIGHT`),
//! so a receiver that hangs holds up one group, not the isolate's.
//!
//! A capture that hands its jobs to the open group is done with them: the
//! request that works the group makes every fetch and D1 call for it, as
//! Workers ties each to the request that made it, and keeps the isolate
//! alive while it works. (A request that waited on another's group would
//! wait on nothing of its own: the runtime cancels such a request as hung,
//! and warns of a promise settled from another request's context.)
//!
//! Nothing here is the record: every job was claimed in D1 with a lease by
//! the batch that wrote it. Should the isolate end with a group open or at
//! work, those claims lapse and the sweeper re-enqueues the jobs, as for any
//! first attempt cut off.

use super::message::DeliveryMessage;
use crate::store::deliveries::DeliveryJob;
use leadsbot_shared::databases::DatabaseName;
use std::cell::RefCell;

/// The groups of one isolate: at most `max_running` at work, at most one
/// open. Plain state, so its rules are tested natively (`J` is `DeliveryJob`
/// in the worker).
struct Groups<J> {
    running: usize,
    open: Option<Vec<J>>,
}

/// What a capture's arrival makes of it.
#[derive(Debug, PartialEq)]
enum Arrival<J> {
    /// A slot was free: it works these jobs now (any that were waiting, then its own).
    Lead(Vec<J>),
    /// Its jobs wait in the open group, for whoever works it.
    Handed,
}

impl<J> Groups<J> {
    const fn new() -> Self {
        Self { running: 0, open: None }
    }

    fn arrive(&mut self, jobs: Vec<J>, max_running: usize) -> Arrival<J> {
        if self.running < max_running.max(1) {
            self.running += 1;
            let mut group = self.open.take().unwrap_or_default();
            group.extend(jobs);
            return Arrival::Lead(group);
        }
        self.open.get_or_insert_with(Vec::new).extend(jobs);
        Arrival::Handed
    }

    /// A group at work ended. With `go_on` its request works the open group
    /// next, in the same slot; otherwise (or with none open) the slot is
    /// given back, and the next capture to arrive takes the open group.
    fn next(&mut self, go_on: bool) -> Option<Vec<J>> {
        if go_on {
            if let Some(open) = self.open.take() {
                return Some(open);
            }
        }
        self.running = self.running.saturating_sub(1);
        None
    }
}

/// What a capture hands to a group: a job to attempt, or a message for the
/// queue (its automation), which the group sends with the others' in one batch.
pub enum Handed {
    Attempt(DeliveryJob),
    Enqueue(DeliveryMessage),
}

thread_local! {
    // An isolate runs on one thread: these are its groups. A group may hold
    // jobs of several databases; its request works each database's apart.
    static GROUPS: RefCell<Groups<(DatabaseName, Handed)>> = const { RefCell::new(Groups::new()) };
}

/// A group slot a request holds, and the jobs it is to work in it.
/// Dropping it (the work finished or cut off) gives the slot back, unless
/// `next` passed it on to the open group.
pub struct Group {
    items: Vec<(DatabaseName, Handed)>,
    holds_slot: bool,
}

/// One database's part of a group: the jobs to attempt there.
pub type DatabaseJobs = (DatabaseName, Vec<DeliveryJob>);

impl Group {
    /// The jobs every capture in the group handed to it to attempt, by
    /// database, and the messages to send to the queue.
    pub fn take(&mut self) -> (Vec<DatabaseJobs>, Vec<DeliveryMessage>) {
        let mut jobs: Vec<DatabaseJobs> = Vec::new();
        let mut messages = Vec::new();
        for (database, item) in std::mem::take(&mut self.items) {
            match item {
                Handed::Attempt(job) => match jobs.iter_mut().find(|(d, _)| *d == database) {
                    Some((_, of_database)) => of_database.push(job),
                    None => jobs.push((database, vec![job])),
                },
                Handed::Enqueue(message) => messages.push(message),
            }
        }
        (jobs, messages)
    }

    /// Ends this group; with `go_on`, returns the open group for this
    /// request to work next, in the same slot.
    pub fn next(mut self, go_on: bool) -> Option<Group> {
        self.holds_slot = false;
        GROUPS.with(|groups| groups.borrow_mut().next(go_on)).map(|items| Group { items, holds_slot: true })
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if self.holds_slot {
            GROUPS.with(|groups| groups.borrow_mut().next(false));
        }
    }
}

/// Hands what a capture leaves to be done after its response (its jobs in
/// `database`) to this isolate's groups, at most `max_running` at work.
/// `Some(group)` when this request is to work a group now (its own items and
/// any that were waiting); `None` when they went into the open group, for
/// the request that works it.
pub fn gather(database: &DatabaseName, items: Vec<Handed>, max_running: usize) -> Option<Group> {
    let items = items.into_iter().map(|item| (database.clone(), item)).collect();
    match GROUPS.with(|groups| groups.borrow_mut().arrive(items, max_running)) {
        Arrival::Lead(items) => Some(Group { items, holds_slot: true }),
        Arrival::Handed => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_capture_works_its_jobs_at_once() {
        let mut groups = Groups::new();
        assert_eq!(groups.arrive(vec![1], 2), Arrival::Lead(vec![1]));
        assert_eq!(groups.next(true), None);
        assert_eq!(groups.running, 0);
    }

    #[test]
    fn while_every_slot_is_busy_arrivals_wait_together_and_the_next_to_finish_works_them() {
        let mut groups = Groups::new();
        assert_eq!(groups.arrive(vec![1], 1), Arrival::Lead(vec![1]));
        assert_eq!(groups.arrive(vec![2], 1), Arrival::Handed);
        assert_eq!(groups.arrive(vec![3, 4], 1), Arrival::Handed);
        assert_eq!(groups.next(true), Some(vec![2, 3, 4]), "the open group, in the same slot");
        assert_eq!(groups.running, 1);
        assert_eq!(groups.arrive(vec![5], 1), Arrival::Handed, "while it works, the next group gathers");
        assert_eq!(groups.next(true), Some(vec![5]));
        assert_eq!(groups.next(true), None);
        assert_eq!(groups.running, 0);
    }

    #[test]
    fn with_two_slots_a_second_capture_works_beside_the_first() {
        let mut groups = Groups::new();
        assert_eq!(groups.arrive(vec![1], 2), Arrival::Lead(vec![1]));
        assert_eq!(groups.arrive(vec![2], 2), Arrival::Lead(vec![2]));
        assert_eq!(groups.arrive(vec![3], 2), Arrival::Handed);
        assert_eq!(groups.next(false), None, "out of time: the slot is given back");
        assert_eq!(groups.running, 1);
    }

    #[test]
    fn a_request_out_of_time_gives_its_slot_back_and_the_next_arrival_takes_the_open_group() {
        let mut groups = Groups::new();
        assert_eq!(groups.arrive(vec![1], 1), Arrival::Lead(vec![1]));
        assert_eq!(groups.arrive(vec![2], 1), Arrival::Handed);
        assert_eq!(groups.next(false), None);
        assert_eq!(groups.running, 0);
        assert_eq!(groups.arrive(vec![3], 1), Arrival::Lead(vec![2, 3]), "the waiting jobs first");
    }

    #[test]
    fn a_zero_setting_still_lets_one_group_work() {
        let mut groups = Groups::new();
        assert_eq!(groups.arrive(vec![1], 0), Arrival::Lead(vec![1]));
    }
}
