//! Running a run: its outbox row's "attempt" works through the actions in
//! order from the first not yet done. Internal actions (status, tags) are
//! applied through the same path as PATCH /leads/:id, atomically with their
//! action record (the changes of one lead's runs in a consumer batch are
//! chained into one write: see `LeadTurn`). A Telegram message or a
//! `workflow.action` webhook is a job of its own (`store::run_actions`):
//! the attempt renders what it sends, writes it with its event and its job
//! in the batch of its progress, and the run waits for the job, which has
//! its own retry schedule and attempt log and, once it settles, records the
//! action and releases the run. The run then resumes at the next action, or
//! fails with the action's reason.

use super::RunOut;
use crate::outbox::attempt::{Attempted, Call};
use crate::outbox::message::{enqueue, messages_for};
use crate::error::{ApiError, ApiResult};
use crate::automation::follow_ups::{schedule, FollowUpSpec};
use crate::leads::events::{self, WORKFLOW_ACTION, WORKFLOW_COMPLETED, WORKFLOW_EMAIL, WORKFLOW_FAILED, WORKFLOW_SLACK, WORKFLOW_TELEGRAM};
use crate::leads::{apply_patch, chain_patched, ChangeBy, LeadOut, LeadPatch, Patched};
use crate::store::deliveries::DeliveryJob;
use crate::store::leads::{LeadChain, LeadRow};
use crate::outbox::email::EmailPayload;
use crate::outbox::targets::Targets;
use crate::store::leads::Then;
use crate::store::run_actions::RaisedAction;
use crate::store::workflow_runs::{RunActionRow, RunRow, RunState};
use crate::store::Store;
use leadsbot_shared::job::JobKind;
use leadsbot_shared::workflow::{Action, EmailRecipient, WorkflowDefinition};
use serde_json::json;
use worker::{D1PreparedStatement, Env};

pub struct Runner<'a> {
    pub store: &'a Store,
    pub env: &'a Env,
    pub now: i64,
}

/// How an action's step ended.
enum Step {
    Done,
    /// Failed for good (nothing to retry): the run fails.
    Failed(String),
    /// Its job is written (or was already): the run waits for it to settle.
    Waits,
}

/// What one attempt of a run carries from action to action.
struct Progress<'t> {
    /// The run's lead, in the turn it shares with the lead's other runs.
    turn: &'t mut LeadTurn,
    /// Records of finished actions not written yet. They ride in the next
    /// write the attempt makes anyway (its next lead change, pending on the
    /// turn; an action's job; the run's end), so a run costs few round trips.
    unrecorded: Vec<Then>,
}

/// One lead through a turn: the runs of that lead in one consumer batch,
/// worked one after another. Their changes to the lead are not written one
/// by one: they wait, chained, for the turn's next write (a send's claim, a
/// follow-up) or its end, and go in that one batch, each guarded by the
/// revision the change before it wrote. Should the lead change under the
/// chain, it is built again on the lead as it now is; should it still not
/// be written, the runs whose changes it held are tried again.
#[derive(Default)]
pub struct LeadTurn {
    /// The lead as D1 has it: `None` until the turn's first run takes the
    /// batch's read of it (or reads it again, after a failed write);
    /// `Some(None)` once erased.
    stored: Option<Option<LeadRow>>,
    /// After a failed write: the next run reads the lead again.
    reread: bool,
    /// The lead as the turn's runs have left it (`stored` with `pending` applied).
    current: Option<LeadRow>,
    pending: Vec<PendingChange>,
    /// Runs (their outbox rows' ids) whose changes were not written: their attempts are made again.
    lost: Vec<String>,
}

/// A run's change to its lead, made but not written yet.
struct PendingChange {
    job_id: String,
    action: Action,
    now: i64,
    changed_by: String,
    cause: serde_json::Value,
    /// The records of the run's actions finished up to this one, this one's included.
    records: Vec<Then>,
}

impl LeadTurn {
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The runs (their jobs' ids) whose attempts are not what they say:
    /// changes they made were not written.
    pub fn lost_jobs(&self) -> Vec<String> {
        self.lost.clone()
    }

    fn lose_pending(&mut self) {
        self.lost.extend(self.pending.drain(..).map(|p| p.job_id));
        self.stored = None;
        self.current = None;
        self.reread = true;
    }
}

/// An action's job, what it sends rendered from the lead as the changes before it leave it.
struct Sending<'a> {
    workspace_id: &'a str,
    run_id: &'a str,
    idx: usize,
    channel: JobKind,
    target_id: &'a str,
    event_type: &'a str,
    render: &'a dyn Fn(&LeadRow) -> ApiResult<String>,
}

/// Builds and writes of a turn's chain before it is given up.
const MAX_CHAIN_WRITES: usize = 3;

impl Runner<'_> {
    /// The attempt, with the run's end (when it ended) to commit with its
    /// record. `turn` is its lead as the runs of the same lead before it in
    /// this batch left it; the caller ends the turn with `finish_turn`.
    pub async fn execute(&self, job: &DeliveryJob, targets: &Targets, turn: &mut LeadTurn) -> Attempted {
        let mut progress = Progress { turn, unrecorded: Vec::new() };
        self.go_on(job, targets, &mut progress).await.unwrap_or_else(|err| Call::not_sent(format!("the run could not go on: {err:?}")).into())
    }

    /// Writes what the turn's runs left pending. A failure is not an error
    /// here: the runs concerned are marked lost, to be tried again.
    pub async fn finish_turn(&self, turn: &mut LeadTurn) {
        if let Err(err) = self.flush(turn, Vec::new(), None).await {
            worker::console_error!("writing a turn's lead changes failed; its runs are tried again: {err:?}");
        }
    }

    async fn go_on(&self, job: &DeliveryJob, targets: &Targets, progress: &mut Progress<'_>) -> ApiResult<Attempted> {
        let Some(RunState { run, actions: mut states, lead }) = targets.run(job) else {
            return Ok(Call::stopped("the run no longer exists").into());
        };
        let turn = &mut *progress.turn;
        if turn.stored.is_none() {
            let lead = if turn.reread { self.store.lead(&run.workspace_id, &run.lead_id).await? } else { lead };
            turn.reread = false;
            turn.current = lead.clone();
            turn.stored = Some(lead);
        }
        if run.status != "running" {
            return Ok(Call::done().into());
        }
        let actions = WorkflowDefinition::parse_actions(&serde_json::from_str(&run.actions)?)
            .map_err(|e| ApiError::internal("stored run actions", format!("{e:?}")))?;
        for (idx, action) in actions.iter().enumerate() {
            match states.iter().find(|s| s.idx as usize == idx).map(|s| s.status.as_str()) {
                Some("pending") => {}
                // Its job failed for good (recorded as it settled): so does the run.
                Some("failed") => {
                    let then = self.finish(&run, "failed", &mut states, std::mem::take(&mut progress.unrecorded))?;
                    return Ok(Attempted { call: Call::stopped("a workflow action failed"), then });
                }
                _ => continue,
            }
            match self.step(job, targets, &run, idx, action, progress).await? {
                Step::Done => mark(&mut states, idx, "completed", None),
                Step::Failed(error) => {
                    let then = self.fail(&run, idx, &error, states, std::mem::take(&mut progress.unrecorded))?;
                    return Ok(Attempted { call: Call::stopped("a workflow action failed"), then });
                }
                // A step of the run done: recorded as a success, the run waiting on (and releasing) the job.
                Step::Waits => return Ok(Attempted { call: Call::done(), then: self.store.run_waits_statements(&run.workspace_id, &run.id, idx, self.now)? }),
            }
        }
        let then = self.finish(&run, "completed", &mut states, std::mem::take(&mut progress.unrecorded))?;
        Ok(Attempted { call: Call::done(), then })
    }

    async fn step(&self, job: &DeliveryJob, targets: &Targets, run: &RunRow, idx: usize, action: &Action, progress: &mut Progress<'_>) -> ApiResult<Step> {
        let Some(lead) = progress.turn.current.clone() else {
            return Ok(Step::Failed("the lead no longer exists".into()));
        };
        let done = Store::finish_action(&run.workspace_id, &run.id, idx, "completed", None, self.now);
        match action {
            Action::SetStatus { .. } | Action::AddTag { .. } | Action::RemoveTag { .. } => self.change_lead(job, run, action, lead, done, progress),
            Action::Assign { to, round_robin } => match super::assign::assignee(self.store, run, idx, to.as_deref(), round_robin.as_deref(), self.now).await? {
                // The member chosen, fixed: replaying the change assigns the same one.
                Ok(member) => self.change_lead(job, run, &Action::Assign { to: Some(member), round_robin: None }, lead, done, progress),
                Err(reason) => Ok(Step::Failed(reason)),
            },
            Action::FollowUp { after_seconds, action, cancel_on_status_change } => {
                // Scheduling is a write of its own: the changes and records before it are written first.
                self.flush(progress.turn, std::mem::take(&mut progress.unrecorded), None).await?;
                // The id comes from (run, action): a retry after a lost record schedules nothing twice.
                let spec = FollowUpSpec {
                    id: Some(format!("fu_{}_{idx}", run.id.trim_start_matches("run_"))),
                    workspace_id: run.workspace_id.clone(),
                    lead_id: run.lead_id.clone(),
                    after_seconds: *after_seconds,
                    action: action.clone(),
                    cancel_on_status_change: *cancel_on_status_change,
                    created_by: format!("workflow:{}", run.id),
                };
                if schedule(self.store, self.env, &spec, self.now).await?.is_none() {
                    return Ok(Step::Failed("the lead no longer exists".into()));
                }
                progress.unrecorded.push(done);
                Ok(Step::Done)
            }
            Action::Telegram { .. } | Action::Webhook { .. } | Action::Email { .. } | Action::Slack { .. } => self.raise(job, targets, run, idx, action, progress).await,
        }
    }

    /// set_status / add_tag / remove_tag / assign: a patch made exactly as PATCH
    /// /leads/:id makes it, left pending on the turn with the action's
    /// record (and the records before it), to be written with the turn's
    /// next write.
    fn change_lead(&self, job: &DeliveryJob, run: &RunRow, action: &Action, lead: LeadRow, done: Then, progress: &mut Progress<'_>) -> ApiResult<Step> {
        let tags: Vec<String> = serde_json::from_str(&lead.tags).unwrap_or_default();
        let patched = match apply_patch(lead, patch_for(action, &tags), self.now) {
            Ok(patched) => patched,
            Err(ApiError::Validation(errors)) => return Ok(Step::Failed(errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))),
            Err(other) => return Err(other),
        };
        if !patched.changed {
            progress.unrecorded.push(done);
            return Ok(Step::Done);
        }
        let mut records = std::mem::take(&mut progress.unrecorded);
        records.push(done);
        progress.turn.pending.push(PendingChange {
            job_id: job.id.clone(),
            action: action.clone(),
            now: self.now,
            changed_by: format!("workflow:{}", run.workflow_id),
            cause: json!({"workflow_id": run.workflow_id, "run_id": run.id, "depth": run.depth}),
            records,
        });
        progress.turn.current = Some(patched.lead);
        Ok(Step::Done)
    }

    /// Writes the turn's pending changes in one batch with `records` (which
    /// run only if the changes are written) and, for an action's job, that
    /// job (what it sends rendered from the lead as written). If the lead
    /// changed since it was read, the chain is built again on the lead as it
    /// is now. On failure the runs whose changes were pending are marked
    /// lost (tried again) and the error returned.
    async fn flush(&self, turn: &mut LeadTurn, records: Vec<Then>, send: Option<&Sending<'_>>) -> ApiResult<()> {
        for _ in 0..MAX_CHAIN_WRITES {
            match self.write_turn(turn, records.clone(), send).await {
                Ok(true) => return Ok(()),
                // Changed under us: read it again and build the chain on it.
                Ok(false) => match self.reread(turn).await {
                    Ok(()) => {}
                    Err(err) => {
                        turn.lose_pending();
                        return Err(err);
                    }
                },
                Err(err) => {
                    turn.lose_pending();
                    return Err(err);
                }
            }
        }
        turn.lose_pending();
        Err(ApiError::Conflict(format!("the lead kept changing under {MAX_CHAIN_WRITES} writes")))
    }

    async fn reread(&self, turn: &mut LeadTurn) -> ApiResult<()> {
        let Some(Some(lead)) = &turn.stored else {
            return Err(ApiError::Conflict("the lead was erased".into()));
        };
        let fresh = self.store.lead(&lead.workspace_id, &lead.id).await?;
        if fresh.is_none() {
            return Err(ApiError::Conflict("the lead was erased".into()));
        }
        turn.stored = Some(fresh);
        Ok(())
    }

    /// One build and write of the chain; false if the lead was not as read.
    async fn write_turn(&self, turn: &mut LeadTurn, records: Vec<Then>, send: Option<&Sending<'_>>) -> ApiResult<bool> {
        let mut chain = LeadChain::default();
        let mut lead = turn.stored.clone().flatten();
        let erased = || ApiError::Conflict("the lead was erased".into());
        let replayed = match &lead {
            _ if turn.pending.is_empty() => Vec::new(),
            Some(stored) => replay(stored, &turn.pending)?,
            None => return Err(erased()),
        };
        // Records of changes that no longer change anything: they go with the last change.
        let mut trailing = Vec::new();
        for (pending, patched) in turn.pending.iter().zip(replayed) {
            let Some(patched) = patched else {
                trailing.extend(pending.records.iter().cloned());
                continue;
            };
            let read = lead.as_ref().map(|l| (l.updated_at, l.revision.clone())).ok_or_else(erased)?;
            let by = ChangeBy { changed_by: &pending.changed_by, now_ms: pending.now, caused_by: Some(pending.cause.clone()), then: pending.records.clone() };
            lead = Some(chain_patched(self.store, &mut chain, patched, (read.0, &read.1), &by)?);
        }
        trailing.extend(records);
        self.store.chain_then(&mut chain, trailing)?;
        let written = match send {
            Some(send) => {
                let body = (send.render)(lead.as_ref().ok_or_else(erased)?)?;
                let raised = RaisedAction {
                    workspace_id: send.workspace_id, run_id: send.run_id, idx: send.idx, channel: send.channel,
                    target_id: send.target_id, event_type: send.event_type, body: &body, now: self.now,
                };
                self.store.raise_action_job(chain, raised).await?
            }
            None => self.store.write_chain(chain).await?.map(|written| written.due),
        };
        let Some(due) = written else {
            return Ok(false);
        };
        enqueue(self.env, messages_for(&due)).await;
        if !turn.pending.is_empty() {
            turn.pending.clear();
            turn.stored = Some(lead.clone());
            turn.current = lead;
        }
        Ok(true)
    }

    /// A `telegram`, `webhook`, `email` or `slack` action: its job, written with the records
    /// of the actions before it and the turn's lead changes. What it sends
    /// is rendered from the lead as those changes leave it.
    async fn raise(&self, job: &DeliveryJob, targets: &Targets, run: &RunRow, idx: usize, action: &Action, progress: &mut Progress<'_>) -> ApiResult<Step> {
        let ws = &run.workspace_id;
        let view = |lead: &LeadRow| -> ApiResult<serde_json::Value> { Ok(serde_json::to_value(LeadOut::from(lead))?) };
        type Render<'r> = Box<dyn Fn(&LeadRow) -> ApiResult<String> + 'r>;
        let email_target: String;
        let (channel, target_id, event_type, render): (JobKind, &str, &str, Render<'_>) = match action {
            Action::Telegram { template } => {
                if targets.telegram(job).is_none() {
                    return Ok(Step::Failed("Telegram is not set up for this workspace (PUT /api/v1/integrations/telegram)".into()));
                }
                (JobKind::Telegram, JobKind::Telegram.as_str(), WORKFLOW_TELEGRAM, Box::new(move |lead: &LeadRow| Ok(template.render_telegram(&view(lead)?))))
            }
            Action::Webhook { endpoint_id, payload } => {
                let render = move |lead: &LeadRow| {
                    let view = view(lead)?;
                    let mut data = json!({"workflow_id": run.workflow_id, "run_id": run.id, "action": idx, "lead_id": run.lead_id});
                    match payload {
                        Some(payload) => data["payload"] = payload.render(&view),
                        None => data["lead"] = view,
                    }
                    Ok(events::event(WORKFLOW_ACTION, ws, Some(&run.lead_id), data, self.now)?.payload)
                };
                (JobKind::Webhook, endpoint_id.as_str(), WORKFLOW_ACTION, Box::new(render))
            }
            Action::Email { to, subject, body } => {
                let (target, members) = match self.email_recipients(ws, *to, progress.turn.current.as_ref()).await? {
                    Ok(found) => found,
                    Err(none) => return Ok(Step::Failed(none)),
                };
                email_target = target;
                // What it sends is fixed now: every retry sends these parts (the address as the lead had it).
                let render = move |lead: &LeadRow| -> ApiResult<String> {
                    let view = view(lead)?;
                    let to = members.as_ref().map_or_else(|| lead.email.clone(), |members| members.join(", "));
                    let email = EmailPayload { to, subject: subject.render_text(&view), text: body.render_text(&view), html: body.render_html(&view), link: None };
                    Ok(serde_json::to_string(&email)?)
                };
                (JobKind::Email, email_target.as_str(), WORKFLOW_EMAIL, Box::new(render))
            }
            Action::Slack { text } => {
                if targets.slack(job).is_none() {
                    return Ok(Step::Failed("Slack is not set up for this workspace (PUT /api/v1/integrations/slack)".into()));
                }
                // The lead as it is now, and the line as plain text: the message is built (and escaped) when sent.
                let render = move |lead: &LeadRow| -> ApiResult<String> {
                    let view = view(lead)?;
                    Ok(json!({"text": text.as_ref().map(|t| t.render_text(&view)), "data": view}).to_string())
                };
                (JobKind::Slack, JobKind::Slack.as_str(), WORKFLOW_SLACK, Box::new(render))
            }
            _ => return Err(ApiError::internal("workflow send", "not a sending action")),
        };
        let sending = Sending { workspace_id: ws, run_id: &run.id, idx, channel, target_id, event_type, render: &*render };
        let earlier = std::mem::take(&mut progress.unrecorded);
        self.flush(progress.turn, earlier, Some(&sending)).await?;
        Ok(Step::Waits)
    }

    /// Who an `email` action writes to: its job's target and, for members,
    /// their addresses (`None`: the lead's own address, as it is when sent);
    /// `Err` with the reason when there is nobody to write to.
    async fn email_recipients(&self, ws: &str, to: EmailRecipient, lead: Option<&LeadRow>) -> ApiResult<Result<(String, Option<Vec<String>>), String>> {
        Ok(match to {
            EmailRecipient::Lead => Ok(("lead".into(), None)),
            EmailRecipient::Members(role) => {
                let members = self.store.active_members_with_role(ws, role.as_str()).await?;
                if members.is_empty() {
                    Err(format!("no active member of this workspace is a {}", role.as_str()))
                } else {
                    Ok((to.as_string(), Some(members.into_iter().map(|m| m.email).collect())))
                }
            }
            EmailRecipient::Assignee => match assignee_of(lead) {
                Some(id) => match self.store.member(ws, id).await?.filter(|m| m.status == "active") {
                    Some(member) => Ok((member.id, Some(vec![member.email]))),
                    None => Err("the lead's assignee is no longer an active member".into()),
                },
                None => Err("the lead has no assignee".into()),
            },
        })
    }

    fn fail(&self, run: &RunRow, idx: usize, error: &str, mut states: Vec<RunActionRow>, mut earlier: Vec<Then>) -> ApiResult<Vec<D1PreparedStatement>> {
        earlier.push(Store::finish_action(&run.workspace_id, &run.id, idx, "failed", Some(error), self.now));
        mark(&mut states, idx, "failed", Some(error));
        self.finish(run, "failed", &mut states, earlier)
    }

    /// Ending the run once, with its `workflow.completed` / `workflow.failed`
    /// event and the records of its last actions: statements that commit
    /// with the attempt's record. (Should that batch fail, the run is tried
    /// again.) A failed run's actions not done yet end skipped.
    fn finish(&self, run: &RunRow, status: &str, states: &mut [RunActionRow], earlier: Vec<Then>) -> ApiResult<Vec<D1PreparedStatement>> {
        if status == "failed" {
            states.iter_mut().filter(|s| s.status == "pending").for_each(|s| s.status = "skipped".into());
        }
        let mut out = RunOut::new(run, states);
        out.status = status.to_string();
        out.finished_at = Some(leadsbot_shared::time::format_rfc3339(self.now));
        let kind = if status == "completed" { WORKFLOW_COMPLETED } else { WORKFLOW_FAILED };
        let event = events::event(kind, &run.workspace_id, Some(&run.lead_id), serde_json::to_value(out)?, self.now)?;
        self.store.finish_run_statements(earlier, run, status, &event, self.now)
    }
}

/// The member a lead is assigned to, as the turn's changes leave it.
fn assignee_of(lead: Option<&LeadRow>) -> Option<&str> {
    lead?.assignee_id.as_deref()
}

/// A turn's pending changes made again, in order, on the lead as stored:
/// each one's patched lead (made on the one before it), or `None` where it
/// no longer changes anything. The same patches the runs made, so the
/// chain written is what they would have written one by one.
fn replay(stored: &LeadRow, pending: &[PendingChange]) -> ApiResult<Vec<Option<Patched>>> {
    let mut lead = stored.clone();
    pending
        .iter()
        .map(|change| {
            let tags: Vec<String> = serde_json::from_str(&lead.tags).unwrap_or_default();
            let patched = apply_patch(lead.clone(), patch_for(&change.action, &tags), change.now)?;
            if !patched.changed {
                return Ok(None);
            }
            lead = patched.lead.clone();
            Ok(Some(patched))
        })
        .collect()
}

/// An action's state as the attempt left it (what the run's event reports).
fn mark(states: &mut [RunActionRow], idx: usize, status: &str, error: Option<&str>) {
    if let Some(state) = states.iter_mut().find(|s| s.idx as usize == idx) {
        state.status = status.to_string();
        if error.is_some() {
            state.error = error.map(str::to_string);
        }
    }
}

/// The PATCH an internal action amounts to.
fn patch_for(action: &Action, tags: &[String]) -> LeadPatch {
    match action {
        Action::SetStatus { status } => LeadPatch { status: Some(status.clone()), ..LeadPatch::default() },
        Action::AddTag { tag } => LeadPatch { tags: Some(tags.iter().cloned().chain([tag.clone()]).collect()), ..LeadPatch::default() },
        Action::RemoveTag { tag } => LeadPatch { tags: Some(tags.iter().filter(|t| *t != tag).cloned().collect()), ..LeadPatch::default() },
        Action::Assign { to: Some(member), .. } => LeadPatch { assignee: Some(Some(member.clone())), ..LeadPatch::default() },
        _ => LeadPatch::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(action: Action, now: i64) -> PendingChange {
        PendingChange { job_id: format!("dlv_{now}"), action, now, changed_by: "workflow:wf_1".into(), cause: json!({}), records: Vec::new() }
    }

    fn tag(tag: &str) -> Action {
        Action::AddTag { tag: tag.into() }
    }

    fn lead(status: &str, tags: &str) -> LeadRow {
        LeadRow { id: "ld_1".into(), status: status.into(), tags: tags.into(), custom: "{}".into(), updated_at: 1, revision: "r0".into(), ..LeadRow::default() }
    }

    #[test]
    fn replay_builds_each_change_on_the_one_before_and_skips_what_no_longer_changes() {
        let pending = [
            change(tag("a"), 10),
            change(tag("a"), 11),
            change(Action::SetStatus { status: "qualified".into() }, 12),
            change(Action::RemoveTag { tag: "x".into() }, 13),
            change(tag("b"), 14),
        ];
        let replayed = replay(&lead("new", "[]"), &pending).unwrap();
        let shown: Vec<Option<(String, String, i64, Option<(String, String)>)>> =
            replayed.into_iter().map(|p| p.map(|p| (p.lead.status, p.lead.tags, p.lead.updated_at, p.transition))).collect();
        assert_eq!(
            shown,
            vec![
                Some(("new".into(), r#"["a"]"#.into(), 10, None)),
                None,
                Some(("qualified".into(), r#"["a"]"#.into(), 12, Some(("new".into(), "qualified".into())))),
                None,
                Some(("qualified".into(), r#"["a","b"]"#.into(), 14, None)),
            ]
        );
    }

    #[test]
    fn replay_on_a_lead_changed_meanwhile_keeps_that_change_and_drops_what_it_already_did() {
        // Someone qualified the lead and tagged it "a" while the turn worked: only "b" remains to do.
        let pending = [change(tag("a"), 10), change(Action::SetStatus { status: "qualified".into() }, 11), change(tag("b"), 12)];
        let replayed = replay(&lead("qualified", r#"["vip","a"]"#), &pending).unwrap();
        assert!(replayed[0].is_none() && replayed[1].is_none());
        let last = replayed[2].as_ref().unwrap();
        assert_eq!((last.lead.status.as_str(), last.lead.tags.as_str(), last.transition.is_none()), ("qualified", r#"["vip","a","b"]"#, true));
    }
}
