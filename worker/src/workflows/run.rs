//! Running a run: its outbox row's "attempt" works through the actions in
//! order from the first not yet done. Internal actions (status, tags) are
//! applied through the same path as PATCH /leads/:id, atomically with their
//! action record; a Telegram message or a `workflow.action` webhook is sent
//! (signed like every delivery) and recorded once it succeeded. A failing
//! send ends the attempt: the row is retried on the delivery schedule and
//! resumes at that action, never redoing a finished one; when the schedule
//! is spent the action and the run fail, saying why.

use super::RunOut;
use crate::config::Config;
use crate::delivery::attempt::{call_telegram, call_webhook, Attempted, Call};
use crate::delivery::message::{enqueue, DeliveryMessage};
use crate::error::{ApiError, ApiResult};
use crate::follow_ups::{schedule, FollowUpSpec};
use crate::events::{self, WORKFLOW_ACTION, WORKFLOW_COMPLETED, WORKFLOW_FAILED, WORKFLOW_TELEGRAM};
use crate::leads::{apply_patch, store_patched, ChangeBy, LeadOut, LeadPatch};
use crate::store::deliveries::DeliveryJob;
use crate::store::integrations::TELEGRAM;
use crate::store::leads::LeadRow;
use crate::delivery::targets::Targets;
use crate::store::leads::Then;
use crate::store::workflow_runs::{PreparedSend, RunActionRow, RunRow, RunState};
use crate::store::Store;
use leadsbot_shared::retry::{verdict, AttemptResult, Verdict};
use leadsbot_shared::workflow::{Action, WorkflowDefinition};
use serde_json::json;
use worker::{D1PreparedStatement, Env};

pub struct Runner<'a> {
    pub store: &'a Store,
    pub config: &'a Config,
    pub env: &'a Env,
    pub now: i64,
}

/// How an action's step ended.
enum Step {
    Done,
    /// Failed for good (nothing to retry): the run fails.
    Failed(String),
    /// A send that did not succeed: the attempt ends with it.
    Sent(Call),
}

/// What one attempt of a run carries from action to action.
struct Progress {
    /// The lead as last read or written (`None` once erased).
    lead: Option<LeadRow>,
    /// Records of finished actions not written yet. They ride in the next
    /// write the attempt makes anyway (a lead change, the claim before a
    /// send, the run's end), which always comes before any further send: a
    /// finished send is never sent again, and a run costs few round trips.
    unrecorded: Vec<Then>,
}

impl Runner<'_> {
    /// The attempt, with the run's end (when it ended) to commit with its
    /// record, and the lead as the run left it. `lead` is the lead as a run
    /// of the same lead just before this one left it (the batch read it
    /// before either ran), so that runs worked in turn do not collide.
    pub async fn execute(&self, job: &DeliveryJob, targets: &Targets, lead: Option<LeadRow>) -> (Attempted, Option<LeadRow>) {
        let mut progress = Progress { lead, unrecorded: Vec::new() };
        let attempted = self.go_on(job, targets, &mut progress).await.unwrap_or_else(|err| Call::not_sent(format!("the run could not go on: {err:?}")).into());
        (attempted, progress.lead)
    }

    async fn go_on(&self, job: &DeliveryJob, targets: &Targets, progress: &mut Progress) -> ApiResult<Attempted> {
        let Some(RunState { run, actions: mut states, lead }) = targets.run(job) else {
            return Ok(Call::stopped("the run no longer exists").into());
        };
        if progress.lead.is_none() {
            progress.lead = lead;
        }
        if run.status != "running" {
            return Ok(Call::done().into());
        }
        let actions = WorkflowDefinition::parse_actions(&serde_json::from_str(&run.actions)?)
            .map_err(|e| ApiError::internal("stored run actions", format!("{e:?}")))?;
        for (idx, action) in actions.iter().enumerate() {
            if states.iter().find(|s| s.idx as usize == idx).is_none_or(|s| s.status != "pending") {
                continue;
            }
            match self.step(job, targets, &run, idx, action, progress).await? {
                Step::Done => mark(&mut states, idx, "completed", None),
                Step::Failed(error) => {
                    let then = self.fail(&run, idx, &error, states, std::mem::take(&mut progress.unrecorded))?;
                    return Ok(Attempted { call: Call::stopped("a workflow action failed"), then });
                }
                Step::Sent(call) if is_final(&call, job.attempts + 1, &self.config.retry_schedule_secs) => {
                    let then = self.fail(&run, idx, &describe(&call), states, std::mem::take(&mut progress.unrecorded))?;
                    return Ok(Attempted { call, then });
                }
                Step::Sent(call) => {
                    self.store.note_action_error(std::mem::take(&mut progress.unrecorded), &run.workspace_id, &run.id, idx, &describe(&call)).await?;
                    return Ok(call.into());
                }
            }
        }
        let then = self.finish(&run, "completed", &states, std::mem::take(&mut progress.unrecorded))?;
        Ok(Attempted { call: Call::done(), then })
    }

    async fn step(&self, job: &DeliveryJob, targets: &Targets, run: &RunRow, idx: usize, action: &Action, progress: &mut Progress) -> ApiResult<Step> {
        let Some(lead) = progress.lead.clone() else {
            return Ok(Step::Failed("the lead no longer exists".into()));
        };
        let done = Store::finish_action(&run.workspace_id, &run.id, idx, "completed", None, self.now);
        match action {
            Action::SetStatus { .. } | Action::AddTag { .. } | Action::RemoveTag { .. } => self.change_lead(run, action, lead, done, progress).await,
            Action::FollowUp { after_seconds, action, cancel_on_status_change } => {
                // Scheduling is a write of its own: what finished before is recorded first.
                self.store.run_thens(std::mem::take(&mut progress.unrecorded)).await?;
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
            Action::Telegram { .. } | Action::Webhook { .. } => {
                let call = self.send(job, targets, run, idx, action, &lead, progress).await?;
                if !succeeded(&call) {
                    return Ok(Step::Sent(call));
                }
                progress.unrecorded.push(done);
                Ok(Step::Done)
            }
        }
    }

    /// set_status / add_tag / remove_tag: a patch stored exactly as PATCH
    /// /leads/:id stores it, with the action's record in the same batch.
    async fn change_lead(&self, run: &RunRow, action: &Action, mut lead: LeadRow, done: Then, progress: &mut Progress) -> ApiResult<Step> {
        let changed_by = format!("workflow:{}", run.workflow_id);
        for _ in 0..3 {
            let read = (lead.updated_at, lead.revision.clone());
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
            let cause = json!({"workflow_id": run.workflow_id, "run_id": run.id, "depth": run.depth});
            let mut then = std::mem::take(&mut progress.unrecorded);
            then.push(done.clone());
            let by = ChangeBy { changed_by: &changed_by, now_ms: self.now, caused_by: Some(cause), then };
            if let Some((stored, due)) = store_patched(self.store, patched, (read.0, &read.1), &by).await? {
                enqueue(self.env, due.iter().filter(|d| d.held == 0).map(DeliveryMessage::from).collect()).await;
                progress.lead = Some(stored);
                return Ok(Step::Done);
            }
            // Nothing was written: the earlier records wait for the next write.
            progress.unrecorded = by.then;
            progress.unrecorded.pop();
            lead = self.store.lead(&run.workspace_id, &run.lead_id).await?.ok_or_else(|| ApiError::Conflict("the lead was erased".into()))?;
        }
        Err(ApiError::Conflict("the lead kept changing under three attempts".into()))
    }

    async fn send(&self, job: &DeliveryJob, targets: &Targets, run: &RunRow, idx: usize, action: &Action, lead: &LeadRow, progress: &mut Progress) -> ApiResult<Call> {
        let view = serde_json::to_value(LeadOut::from(lead))?;
        let ws = &run.workspace_id;
        // Stable across retries: receivers can tell a retry from a new action.
        let id = format!("{}_{idx}", job.id);
        let synthetic = |event_type: &str, target_kind: &str, payload: String| DeliveryJob {
            id: id.clone(), workspace_id: ws.clone(), event_type: event_type.into(), target_kind: target_kind.into(),
            target_id: String::new(), attempts: job.attempts, payload: Some(payload), in_order: 0,
        };
        // One claim covers one send's timeout: keep the sweeper off while this one runs.
        let busy_until = crate::platform::now_ms() + i64::from(self.config.delivery_timeout_ms) + self.config.sweep_after_secs * 1000;
        let prepared = |body| PreparedSend { workspace_id: ws, delivery_id: &job.id, busy_until, run_id: &run.id, idx, body };
        let earlier = std::mem::take(&mut progress.unrecorded);
        match action {
            Action::Telegram { template } => {
                let text = self.store.prepare_send(earlier, prepared(&template.render_telegram(&view))).await?;
                let Some(integration) = targets.telegram(job) else {
                    return Ok(Call::stopped("Telegram is not set up for this workspace (PUT /api/v1/integrations/telegram)"));
                };
                call_telegram(self.config, &synthetic(WORKFLOW_TELEGRAM, TELEGRAM, json!({"text": text}).to_string()), Some(integration)).await
            }
            Action::Webhook { endpoint_id, payload } => {
                let mut data = json!({"workflow_id": run.workflow_id, "run_id": run.id, "action": idx, "lead_id": run.lead_id});
                match payload {
                    Some(payload) => data["payload"] = payload.render(&view),
                    None => data["lead"] = view,
                }
                let event = events::event(WORKFLOW_ACTION, ws, Some(&run.lead_id), data, self.now)?;
                let body = self.store.prepare_send(earlier, prepared(&event.payload)).await?;
                let endpoint = self.store.endpoint(ws, endpoint_id).await?;
                call_webhook(self.config, &synthetic(WORKFLOW_ACTION, "webhook", body), endpoint.as_ref()).await
            }
            _ => Err(ApiError::internal("workflow send", "not a sending action")),
        }
    }

    fn fail(&self, run: &RunRow, idx: usize, error: &str, mut states: Vec<RunActionRow>, mut earlier: Vec<Then>) -> ApiResult<Vec<D1PreparedStatement>> {
        earlier.push(Store::finish_action(&run.workspace_id, &run.id, idx, "failed", Some(error), self.now));
        mark(&mut states, idx, "failed", Some(error));
        self.finish(run, "failed", &states, earlier)
    }

    /// Ending the run once, with its `workflow.completed` / `workflow.failed`
    /// event and the records of its last actions: statements that commit
    /// with the attempt's record. (Should that batch fail, the run is tried
    /// again and a send recorded only there goes out again, as after a crash
    /// between a send and its record.)
    fn finish(&self, run: &RunRow, status: &str, states: &[RunActionRow], earlier: Vec<Then>) -> ApiResult<Vec<D1PreparedStatement>> {
        let mut out = RunOut::new(run, states);
        out.status = status.to_string();
        out.finished_at = Some(leadsbot_shared::time::format_rfc3339(self.now));
        let kind = if status == "completed" { WORKFLOW_COMPLETED } else { WORKFLOW_FAILED };
        let event = events::event(kind, &run.workspace_id, Some(&run.lead_id), serde_json::to_value(out)?, self.now)?;
        self.store.finish_run_statements(earlier, run, status, &event, self.now)
    }
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
        _ => LeadPatch::default(),
    }
}

fn result_of(call: &Call) -> AttemptResult {
    match call.reply.status {
        Some(code) => AttemptResult::Status { code, retry_after_secs: call.retry_after_secs },
        None => AttemptResult::NoResponse,
    }
}

fn succeeded(call: &Call) -> bool {
    call.stopped.is_none() && verdict(result_of(call), 1, &[1], 0) == Verdict::Delivered
}

/// Whether the delivery schedule gives up after this failed attempt.
fn is_final(call: &Call, attempt: u32, schedule: &[u32]) -> bool {
    call.stopped.is_some() || matches!(verdict(result_of(call), attempt, schedule, 0), Verdict::Exhausted | Verdict::Gone)
}

fn describe(call: &Call) -> String {
    let error = call.reply.error.clone().or_else(|| call.reply.status.map(|code| format!("HTTP {code}")));
    let error = error.unwrap_or_else(|| "no response".into());
    match (call.stopped, call.reply.status) {
        (Some(reason), _) if !error.contains(reason) => format!("{reason}: {error}"),
        _ => error,
    }
}
