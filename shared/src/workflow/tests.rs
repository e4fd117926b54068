use super::*;
use serde_json::{json, Value};

fn issue_example() -> Value {
    json!({"name": "Hot spring leads", "enabled": true, "trigger": {"event": "lead.created"},
      "conditions": {"all": [{"field": "campaign", "op": "equals", "value": "spring"}, {"field": "custom.budget", "op": "greater_than", "value": 1000}]},
      "actions": [{"type": "add_tag", "tag": "hot"}, {"type": "telegram", "template": "New lead {{lead.name}} <{{lead.email}}>"},
        {"type": "webhook", "endpoint_id": "ep_01J00000000000000000000000", "payload": {"who": "{{lead.email}}"}},
        {"type": "set_status", "status": "contacted"},
        {"type": "follow_up", "after_seconds": 7200, "action": {"type": "telegram", "template": "Still new: {{lead.email}}"}, "cancel_on_status_change": true}]})
}

fn fields(json: Value) -> Vec<(String, &'static str)> {
    WorkflowDefinition::parse(&json).unwrap_err().into_iter().map(|e| (e.field, e.code)).collect()
}

#[test]
fn the_issue_example_round_trips_exactly() {
    let parsed = WorkflowDefinition::parse(&issue_example()).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), issue_example());
    let stored = serde_json::to_value(&parsed.actions).unwrap();
    assert_eq!(WorkflowDefinition::parse_actions(&stored).unwrap(), parsed.actions);
    assert_eq!(parsed.actions.iter().map(Action::kind).collect::<Vec<_>>(), ["add_tag", "telegram", "webhook", "set_status", "follow_up"]);
}

#[test]
fn defaults_and_triggers() {
    let def = WorkflowDefinition::parse(&json!({"name": "x", "trigger": {"event": "lead.status_changed", "to": "won"}, "actions": [{"type": "add_tag", "tag": "w"}]})).unwrap();
    assert!(def.enabled && def.conditions.is_none());
    assert!(def.trigger.matches_status_change("new", "won") && !def.trigger.matches_status_change("won", "new"));
    assert_eq!(serde_json::to_value(&def.trigger).unwrap(), json!({"event": "lead.status_changed", "to": "won"}));
    assert!(!Trigger::Manual.matches_status_change("new", "won"));
    let fu = WorkflowDefinition::parse(&json!({"name": "x", "trigger": {"event": "manual"}, "actions": [{"type": "follow_up", "after_seconds": 5, "action": {"type": "webhook"}}]})).unwrap();
    assert_eq!(fu.actions[0], Action::FollowUp { after_seconds: 5, action: FollowUpAction::Webhook, cancel_on_status_change: true });
}

#[test]
fn every_problem_is_named_by_its_path() {
    let mut bad = issue_example();
    bad["actions"][2]["endpoint_id"] = json!("nope");
    bad["actions"][1]["template"] = json!("Hi {{lead.passwd}}");
    bad["actions"][4]["action"]["template"] = json!("{{lead.x}}");
    bad["conditions"]["all"][1]["op"] = json!("bigger");
    bad["conditions"]["all"][0]["field"] = json!("password");
    bad["trigger"] = json!({"event": "lead.status_changed", "to": "hot"});
    bad["extra"] = json!(1);
    assert_eq!(fields(bad), vec![
        ("extra".to_string(), "unknown_field"),
        ("trigger.to".into(), "invalid_status"),
        ("conditions.all[0].field".into(), "invalid_field"),
        ("conditions.all[1].op".into(), "invalid_op"),
        ("actions[1].template".into(), "unknown_placeholder"),
        ("actions[2].endpoint_id".into(), "invalid_id"),
        ("actions[4].action.template".into(), "unknown_placeholder"),
    ]);
}

#[test]
fn shapes_and_limits_are_checked() {
    let base = |actions: Value| json!({"name": "x", "trigger": {"event": "manual"}, "actions": actions});
    assert_eq!(fields(json!([])), vec![("body".to_string(), "invalid_type")]);
    assert_eq!(fields(json!({})), vec![("name".to_string(), "required"), ("trigger".into(), "required"), ("actions".into(), "required")]);
    assert_eq!(fields(base(json!([]))), vec![("actions".to_string(), "required")]);
    assert_eq!(fields(base(json!([{"type": "explode"}]))), vec![("actions[0].type".to_string(), "invalid_action")]);
    assert_eq!(fields(base(json!([{"type": "add_tag", "tag": " "}]))), vec![("actions[0].tag".to_string(), "invalid_tag")]);
    assert_eq!(fields(base(json!([{"type": "follow_up", "after_seconds": 0, "action": {"type": "sms"}}]))),
        vec![("actions[0].after_seconds".to_string(), "out_of_range"), ("actions[0].action.type".into(), "invalid_action")]);
    assert_eq!(fields(base(json!([{"type": "webhook", "endpoint_id": "ep_01J00000000000000000000000", "payload": {"a": ["{{lead.nope}}"]}}]))),
        vec![("actions[0].payload.a[0]".to_string(), "unknown_placeholder")]);
    assert_eq!(fields(base(json!(vec![json!({"type": "add_tag", "tag": "t"}); 21]))), vec![("actions".to_string(), "too_many")]);
    let mut wrong_ops = base(json!([{"type": "add_tag", "tag": "t"}]));
    wrong_ops["conditions"] = json!({"any": [{"field": "tags", "op": "one_of", "value": []}, {"field": "custom.n", "op": "less_than", "value": "abc"}, {"field": "name", "op": "exists", "value": "yes"}]});
    assert_eq!(fields(wrong_ops), vec![("conditions.any[0].value".to_string(), "invalid_value"), ("conditions.any[1].value".into(), "invalid_value"), ("conditions.any[2].value".into(), "invalid_value")]);
    let mut both = base(json!([{"type": "add_tag", "tag": "t"}]));
    both["conditions"] = json!({"all": [], "any": []});
    assert_eq!(fields(both), vec![("conditions".to_string(), "invalid_conditions")]);
}

fn cond(field: &str, op: &str, value: Value) -> Condition {
    let json = json!({"name": "x", "trigger": {"event": "manual"}, "conditions": {"all": [{"field": field, "op": op, "value": value}]}, "actions": [{"type": "add_tag", "tag": "t"}]});
    match WorkflowDefinition::parse(&json).unwrap().conditions.unwrap() {
        Conditions::All(mut list) => list.remove(0),
        Conditions::Any(_) => unreachable!(),
    }
}

#[test]
fn each_operator() {
    let lead = json!({"email": "Ann@Example.com", "campaign": "Spring", "phone": null, "tags": ["vip", "eu"], "utm_source": "google",
        "custom": {"budget": "1500", "seats": 3, "plan": ""}});
    let check = |field: &str, op: &str, value: Value| cond(field, op, value).matches(&lead);
    assert!(check("campaign", "equals", json!("spring")) && !check("campaign", "equals", json!("summer")));
    assert!(check("custom.budget", "equals", json!(1500)) && check("custom.seats", "equals", json!("3.0")));
    assert!(check("campaign", "not_equals", json!("summer")) && !check("tags", "not_equals", json!("vip")));
    assert!(check("phone", "not_equals", json!("x")), "a missing field is not equal to anything");
    assert!(check("email", "contains", json!("example.COM")) && check("tags", "contains", json!("eu")) && !check("tags", "contains", json!("e")));
    assert!(check("utm_source", "exists", Value::Null) && !check("phone", "exists", Value::Null) && !check("custom.plan", "exists", Value::Null));
    assert!(check("phone", "exists", json!(false)));
    assert!(check("utm_source", "one_of", json!(["bing", "Google"])) && check("tags", "one_of", json!(["x", "vip"])) && !check("campaign", "one_of", json!(["a"])));
    assert!(check("custom.budget", "greater_than", json!(1000)) && !check("custom.budget", "greater_than", json!("1500")));
    assert!(check("custom.budget", "less_than", json!("9999")) && !check("custom.budget", "less_than", json!(200)));
    assert!(!check("email", "greater_than", json!(1)), "text that is no number never compares");
    assert!(!check("custom.budget", "greater_than", json!(10000)), "1500 > 10000 is false as numbers, true as text");
}

#[test]
fn campaign_conditions_match_the_campaign_whichever_field_named_it() {
    let by_utm = json!({"campaign": "spring-sale", "campaign_label": null, "utm_campaign": "Spring Sale"});
    let legacy = json!({"campaign": null, "utm_campaign": "Spring Sale"});
    let labelled = json!({"campaign": "Spring_Sale", "utm_campaign": "autumn"});
    for lead in [&by_utm, &legacy, &labelled] {
        assert!(cond("campaign", "equals", json!("Spring Sale")).matches(lead), "{lead}");
        assert!(cond("campaign", "equals", json!("spring-sale")).matches(lead), "{lead}");
        assert!(cond("campaign", "one_of", json!(["x", "SPRING sale"])).matches(lead), "{lead}");
        assert!(cond("campaign", "contains", json!("Spring")).matches(lead), "{lead}");
        assert!(!cond("campaign", "not_equals", json!("spring sale")).matches(lead), "{lead}");
        assert!(!cond("campaign", "equals", json!("autumn")).matches(lead), "{lead}");
    }
    assert!(cond("campaign", "not_equals", json!("spring")).matches(&json!({"campaign": null})));
    assert!(!cond("campaign", "equals", json!("!!")).matches(&json!({"campaign": "x"})), "a value that names no campaign");
    assert!(cond("campaign", "exists", Value::Null).matches(&by_utm));
}

#[test]
fn all_and_any() {
    let lead = json!({"campaign": "spring", "custom": {"budget": 50}});
    let mut def = WorkflowDefinition::parse(&issue_example()).unwrap();
    assert!(!def.matches(&lead));
    if let Some(Conditions::All(list)) = def.conditions.take() {
        def.conditions = Some(Conditions::Any(list));
    }
    assert!(def.matches(&lead));
}

#[test]
fn payloads_render_templates_and_keep_the_rest() {
    let mut json = issue_example();
    json["actions"][2]["payload"] = json!({"who": "{{lead.email}}", "n": 1, "budget": "{{lead.custom.budget}}", "nested": {"t": "tags: {{lead.tags}}"}});
    let def = WorkflowDefinition::parse(&json).unwrap();
    let Action::Webhook { payload: Some(payload), .. } = &def.actions[2] else { panic!() };
    let lead = json!({"email": "a@b.co", "tags": ["x", "y"], "custom": {"budget": 7}});
    assert_eq!(payload.render(&lead), json!({"who": "a@b.co", "n": 1, "budget": 7, "nested": {"t": "tags: x, y"}}));
}

#[test]
fn a_slack_action_takes_an_optional_line_template() {
    let json = json!({"name": "x", "trigger": {"event": "lead.created"}, "actions": [{"type": "slack"}, {"type": "slack", "text": "Hot: {{lead.name}}"}]});
    let parsed = WorkflowDefinition::parse(&json).unwrap();
    assert_eq!(parsed.actions[0], Action::Slack { text: None });
    assert_eq!(serde_json::to_value(&parsed.actions).unwrap(), json["actions"], "written back as given");
    assert_eq!(parsed.actions[1].kind(), "slack");
    let bad = json!({"name": "x", "trigger": {"event": "lead.created"}, "actions": [{"type": "slack", "text": "{{lead.nope}}", "channel": "#x"}]});
    let problems = fields(bad);
    assert!(problems.iter().any(|(f, _)| f == "actions[0].channel"), "{problems:?}");
    assert!(problems.iter().any(|(f, _)| f == "actions[0].text"), "{problems:?}");
}

#[test]
fn assign_takes_a_member_or_a_role_to_rotate_over() {
    let def = |action: Value| WorkflowDefinition::parse(&json!({"name": "x", "trigger": {"event": "lead.created"}, "actions": [action]}));
    let to = json!({"type": "assign", "to": "mem_01J00000000000000000000000"});
    let parsed = def(to.clone()).unwrap();
    assert_eq!(serde_json::to_value(&parsed.actions[0]).unwrap(), to, "round trips");
    let rr = json!({"type": "assign", "round_robin": "member"});
    assert_eq!(def(rr.clone()).unwrap().actions[0], Action::Assign { to: None, round_robin: Some("member".into()) });
    assert_eq!(serde_json::to_value(&def(rr).unwrap().actions[0]).unwrap()["round_robin"], "member");
    let codes = |action: Value| def(action).unwrap_err().into_iter().map(|e| (e.field, e.code)).collect::<Vec<_>>();
    assert_eq!(codes(json!({"type": "assign"})), [("actions[0]".to_string(), "invalid_assign")]);
    assert_eq!(codes(json!({"type": "assign", "to": "mem_01J00000000000000000000000", "round_robin": "member"})), [("actions[0]".to_string(), "invalid_assign")]);
    assert_eq!(codes(json!({"type": "assign", "to": "bob"})), [("actions[0].to".to_string(), "invalid_id")]);
    assert_eq!(codes(json!({"type": "assign", "round_robin": "boss"})), [("actions[0].round_robin".to_string(), "invalid_role")]);
}
