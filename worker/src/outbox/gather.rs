//! First attempts of concurrent captures, gathered: group commit for the
//! outbox. A capture's first attempt costs a targets read and an attempt
//! record in D1 whether it carries one job or fifty, so the captures of one
//! isolate share them. A capture whose jobs find a group slot free works
//! them at once (a lone lead waits for nothing). While every slot is busy,
//! the jobs of the captures that arrive wait together in one open group,
//! which the next request to finish its group works next, or else the next
//! capture to find a slot free. Under load the groups grow with the load,
//! as the queue's batches do, without a batch window; how many are at work
//! at once is the delivery concurrency setting (`DELIVERY_MAX_IN_FLIGHT`),
//! so a receiver that hangs holds up one group, not the isolate's.
//!
//! A request only ever does I/O for a group it works itself: Workers ties
//! each fetch and D1 call to the request that made it, so a request whose
//! jobs another works waits, doing nothing, until that group has ended.
//! Each keeps its `wait_until` alive until then, so the isolate is not
//! ended under a group that holds its jobs.
//!
//! Nothing here is the record: every job was claimed in D1 with a lease by
//! the batch that wrote it. Should the isolate end with a group open or at
//! work, those claims lapse and the sweeper re-enqueues the jobs, as for any
//! first attempt cut off.

use crate::store::deliveries::DeliveryJob;
use futures_channel::oneshot;
use std::cell::RefCell;

/// The groups of one isolate: at most `max_running` at work, at most one
/// open. Plain state, so its rules are tested natively (`J` is `DeliveryJob`
/// in the worker).
struct Groups<J> {
    running: usize,
    open: Option<Started<J>>,
}

/// A group's jobs and a line to each request whose jobs it holds but that
/// does not work it (closed, never sent on, when the group ends).
struct Started<J> {
    jobs: Vec<J>,
    members: Vec<oneshot::Sender<()>>,
}

/// What a capture's arrival makes of it.
enum Arrival<J> {
    /// A slot was free: it works this group now (any waiting jobs, then its own).
    Lead(Started<J>),
    /// Its jobs wait in the open group; the line closes when that group ends.
    Member(oneshot::Receiver<()>),
}

impl<J> Groups<J> {
    const fn new() -> Self {
        Self { running: 0, open: None }
    }

    fn arrive(&mut self, jobs: Vec<J>, max_running: usize) -> Arrival<J> {
        if self.running < max_running.max(1) {
            self.running += 1;
            let mut group = self.open.take().unwrap_or(Started { jobs: Vec::new(), members: Vec::new() });
            group.jobs.extend(jobs);
            return Arrival::Lead(group);
        }
        let open = self.open.get_or_insert_with(|| Started { jobs: Vec::new(), members: Vec::new() });
        open.jobs.extend(jobs);
        let (member, ended) = oneshot::channel();
        open.members.push(member);
        Arrival::Member(ended)
    }

    /// A group at work ended. With `go_on` its request works the open group
    /// next, in the same slot; otherwise (or with none open) the slot is
    /// given back, and the next capture to arrive takes the open group.
    fn next(&mut self, go_on: bool) -> Option<Started<J>> {
        if go_on {
            if let Some(open) = self.open.take() {
                return Some(open);
            }
        }
        self.running = self.running.saturating_sub(1);
        None
    }
}

thread_local! {
    // An isolate runs on one thread: these are its groups.
    static GROUPS: RefCell<Groups<DeliveryJob>> = const { RefCell::new(Groups::new()) };
}

/// A group a request works. Dropping it ends the group (finished or cut
/// off): its other requests are let go and its slot given back, unless
/// `next` passed the slot to the open group.
pub struct Group {
    started: Started<DeliveryJob>,
    holds_slot: bool,
}

impl Group {
    /// The jobs of every request in the group.
    pub fn take_jobs(&mut self) -> Vec<DeliveryJob> {
        std::mem::take(&mut self.started.jobs)
    }

    /// Ends this group; with `go_on`, returns the open group for this
    /// request to work next, in the same slot.
    pub fn next(mut self, go_on: bool) -> Option<Group> {
        self.started.members.clear();
        self.holds_slot = false;
        GROUPS.with(|groups| groups.borrow_mut().next(go_on)).map(|started| Group { started, holds_slot: true })
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if self.holds_slot {
            self.started.members.clear();
            GROUPS.with(|groups| groups.borrow_mut().next(false));
        }
    }
}

/// Hands a capture's claimed `jobs` to this isolate's groups, at most
/// `max_running` at work. `Some(group)` when this request is to work a
/// group (its own jobs and any that were waiting); `None` once the group
/// its jobs joined has ended.
pub async fn gather(jobs: Vec<DeliveryJob>, max_running: usize) -> Option<Group> {
    let arrival = GROUPS.with(|groups| groups.borrow_mut().arrive(jobs, max_running));
    match arrival {
        Arrival::Lead(started) => Some(Group { started, holds_slot: true }),
        Arrival::Member(ended) => {
            // Closed, never sent on, when the group ends.
            let _ = ended.await;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(arrival: Arrival<u32>) -> Started<u32> {
        match arrival {
            Arrival::Lead(started) => started,
            Arrival::Member(_) => panic!("expected to work a group at once"),
        }
    }

    fn member(arrival: Arrival<u32>) -> oneshot::Receiver<()> {
        match arrival {
            Arrival::Member(ended) => ended,
            Arrival::Lead(_) => panic!("expected to wait in the open group"),
        }
    }

    #[test]
    fn a_lone_capture_works_its_jobs_at_once() {
        let mut groups = Groups::new();
        assert_eq!(lead(groups.arrive(vec![1], 2)).jobs, vec![1]);
        assert!(groups.next(true).is_none());
        assert_eq!(groups.running, 0);
    }

    #[test]
    fn while_every_slot_is_busy_arrivals_wait_together_and_the_next_to_finish_works_them() {
        let mut groups = Groups::new();
        let _first = lead(groups.arrive(vec![1], 1));
        let mut second = member(groups.arrive(vec![2], 1));
        let mut third = member(groups.arrive(vec![3, 4], 1));
        assert_eq!(second.try_recv(), Ok(None), "waiting");

        let next = groups.next(true).expect("the open group");
        assert_eq!(next.jobs, vec![2, 3, 4]);
        assert_eq!(groups.running, 1, "in the same slot");
        let mut later = member(groups.arrive(vec![5], 1));
        assert_eq!(third.try_recv(), Ok(None), "its captures wait while it works");
        drop(next);
        assert!(second.try_recv().is_err() && third.try_recv().is_err(), "and are let go when it ends");

        let opened_meanwhile = groups.next(true).expect("the group opened meanwhile");
        assert_eq!(opened_meanwhile.jobs, vec![5]);
        assert_eq!(later.try_recv(), Ok(None));
        assert!(groups.next(true).is_none());
        assert_eq!(groups.running, 0);
    }

    #[test]
    fn a_request_out_of_time_gives_its_slot_back_and_the_next_arrival_takes_the_open_group() {
        let mut groups = Groups::new();
        let _first = lead(groups.arrive(vec![1], 1));
        let _waiting = member(groups.arrive(vec![2], 1));
        assert!(groups.next(false).is_none());
        assert_eq!(groups.running, 0);
        assert_eq!(lead(groups.arrive(vec![3], 1)).jobs, vec![2, 3], "the waiting jobs first");
    }

    #[test]
    fn a_zero_setting_still_lets_one_group_work() {
        let mut groups = Groups::new();
        lead(groups.arrive(vec![1], 0));
    }
}
