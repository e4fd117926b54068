//! From an event to workflow runs, on the queue: the capture batch only
//! wrote one outbox row saying "an enabled workflow may want this event";
//! here each workflow's trigger and conditions are evaluated and a run is
//! created per match, unique per (workflow, event), so a redelivered
//! expansion creates nothing twice.

use super::MAX_DEPTH;
use crate::ids::new_id;
use crate::outbox::attempt::{Attempted, Call};
use crate::error::ApiResult;
use crate::store::deliveries::DeliveryJob;
use crate::store::workflow_runs::NewRun;
use crate::store::workflows::WorkflowRow;
use crate::store::Store;
use leadsbot_shared::ids::IdKind;
use leadsbot_shared::workflow::{Trigger, WorkflowDefinition};
use serde_json::{json, Value};
use worker::D1PreparedStatement;

/// What a lead event says to workflows.
#[derive(Debug)]
pub struct TriggerEvent<'a> {
    pub kind: &'a str,
    pub event_id: &'a str,
    /// The lead as the event carries it (`data`).
    pub lead: &'a Value,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    /// The workflow whose action caused this event, if one did.
    pub caused_by_workflow: Option<&'a str>,
    /// How many workflow actions led here (0: a person or a capture).
    pub depth: u32,
}

impl<'a> TriggerEvent<'a> {
    pub fn read(payload: &'a Value) -> Option<Self> {
        let lead = &payload["data"];
        let cause = &payload["caused_by"];
        Some(Self {
            kind: payload["event"].as_str()?,
            event_id: payload["id"].as_str()?,
            lead,
            from: lead["previous_status"].as_str(),
            to: lead["status"].as_str(),
            caused_by_workflow: cause["workflow_id"].as_str(),
            depth: cause["depth"].as_u64().map_or(0, |d| d as u32 + 1),
        })
    }

    /// The run's `trigger`, as runs show it.
    pub fn describe(&self) -> Value {
        match self.kind {
            "lead.status_changed" => json!({"event": self.kind, "event_id": self.event_id, "from": self.from, "to": self.to}),
            _ => json!({"event": self.kind, "event_id": self.event_id}),
        }
    }
}

/// Whether this event starts a run of this workflow: its trigger matches,
/// its conditions hold, and the event was not caused by this workflow (nor
/// by a chain of actions too deep).
pub fn wants(workflow_id: &str, def: &WorkflowDefinition, event: &TriggerEvent<'_>) -> bool {
    if event.depth > MAX_DEPTH || event.caused_by_workflow == Some(workflow_id) {
        return false;
    }
    let triggered = match &def.trigger {
        Trigger::LeadCreated => event.kind == "lead.created",
        trigger @ Trigger::StatusChanged { .. } => {
            event.kind == "lead.status_changed" && trigger.matches_status_change(event.from.unwrap_or_default(), event.to.unwrap_or_default())
        }
        Trigger::Manual => false,
    };
    triggered && def.matches(event.lead)
}

/// The outbox row's "attempt": the runs to create, written with its record
/// (so the runs exist exactly when the expansion is recorded done) and
/// worked next by the consumer. A failure is retried on the delivery
/// schedule like any delivery.
pub fn expand(store: &Store, job: &DeliveryJob, workflows: &[WorkflowRow], now: i64) -> Attempted {
    match runs_for(store, job, workflows, now) {
        Ok(then) => Attempted { call: Call::done(), then },
        Err(err) => Call::not_sent(format!("expanding the event into workflow runs failed: {err:?}")).into(),
    }
}

fn runs_for(store: &Store, job: &DeliveryJob, workflows: &[WorkflowRow], now: i64) -> ApiResult<Vec<D1PreparedStatement>> {
    let Some(payload) = job.payload.as_deref() else { return Ok(Vec::new()) };
    let payload: Value = serde_json::from_str(payload)?;
    let Some(event) = TriggerEvent::read(&payload) else { return Ok(Vec::new()) };
    let Some(lead_id) = event.lead["id"].as_str() else { return Ok(Vec::new()) };
    let mut runs = Vec::new();
    for row in workflows {
        let def = super::definition(row)?;
        if !wants(&row.id, &def, &event) {
            continue;
        }
        runs.push(NewRun {
            id: new_id(IdKind::WorkflowRun, now)?,
            workspace_id: job.workspace_id.clone(),
            workflow_id: row.id.clone(),
            lead_id: lead_id.to_string(),
            trigger_key: event.event_id.to_string(),
            trigger: event.describe().to_string(),
            depth: event.depth,
            actions: serde_json::to_string(&def.actions)?,
            event_id: event.event_id.to_string(),
            status: "running",
            now,
        });
    }
    store.new_runs_statements(&runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(trigger: Value) -> WorkflowDefinition {
        WorkflowDefinition::parse(&json!({"name": "w", "trigger": trigger, "conditions": {"all": [{"field": "custom.budget", "op": "greater_than", "value": 100}]},
            "actions": [{"type": "set_status", "status": "contacted"}]}))
        .unwrap()
    }

    #[test]
    fn triggers_conditions_and_the_loop_guard() {
        let created = json!({"id": "evt_1", "event": "lead.created", "data": {"id": "lead_1", "status": "new", "custom": {"budget": "150"}}});
        let event = TriggerEvent::read(&created).unwrap();
        assert!(wants("wf_1", &def(json!({"event": "lead.created"})), &event));
        assert!(!wants("wf_1", &def(json!({"event": "manual"})), &event));
        assert!(!wants("wf_1", &def(json!({"event": "lead.status_changed"})), &event));
        let poor = json!({"id": "evt_1", "event": "lead.created", "data": {"id": "lead_1", "custom": {"budget": "50"}}});
        assert!(!wants("wf_1", &def(json!({"event": "lead.created"})), &TriggerEvent::read(&poor).unwrap()));

        let changed = json!({"id": "evt_2", "event": "lead.status_changed", "data": {"id": "lead_1", "previous_status": "new", "status": "won", "custom": {"budget": 500}},
            "caused_by": {"workflow_id": "wf_1", "run_id": "run_1", "depth": 0}});
        let event = TriggerEvent::read(&changed).unwrap();
        assert_eq!(event.depth, 1);
        assert!(!wants("wf_1", &def(json!({"event": "lead.status_changed", "to": "won"})), &event), "never its own trigger");
        assert!(wants("wf_2", &def(json!({"event": "lead.status_changed", "to": "won"})), &event));
        assert!(!wants("wf_2", &def(json!({"event": "lead.status_changed", "from": "won"})), &event));
        assert_eq!(event.describe(), json!({"event": "lead.status_changed", "event_id": "evt_2", "from": "new", "to": "won"}));
        let mut deep = changed.clone();
        deep["caused_by"]["depth"] = json!(MAX_DEPTH);
        assert!(!wants("wf_2", &def(json!({"event": "lead.status_changed"})), &TriggerEvent::read(&deep).unwrap()), "a hard depth cap");
    }
}
