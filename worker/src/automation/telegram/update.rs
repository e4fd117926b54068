//! What the worker reads from a Telegram update: its id and, for a button
//! press, who pressed what under which message. Pure.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub update_id: i64,
    /// Only button presses are acted on; anything else is acknowledged.
    pub callback: Option<Callback>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    /// For answerCallbackQuery.
    pub id: String,
    pub data: String,
    /// The message the button sits under (absent when it is too old for Telegram to say).
    pub chat_id: Option<i64>,
    pub chat_username: Option<String>,
    pub message_id: Option<i64>,
    /// `telegram:@username`, or `telegram:<user id>` without a username.
    pub actor: String,
    /// The presser's Telegram user id (what links them to a member).
    pub user_id: Option<i64>,
}

/// `None` when the body is not an update at all.
pub fn parse(body: &Value) -> Option<Update> {
    let update_id = body["update_id"].as_i64()?;
    let query = &body["callback_query"];
    let callback = query["id"].as_str().map(|id| {
        let from = &query["from"];
        let actor = match (from["username"].as_str(), from["id"].as_i64()) {
            (Some(name), _) if !name.is_empty() => format!("telegram:@{name}"),
            (_, Some(id)) => format!("telegram:{id}"),
            _ => "telegram:unknown".to_string(),
        };
        let message = &query["message"];
        Callback {
            id: id.to_string(),
            data: query["data"].as_str().unwrap_or_default().to_string(),
            chat_id: message["chat"]["id"].as_i64(),
            chat_username: message["chat"]["username"].as_str().map(str::to_string),
            message_id: message["message_id"].as_i64(),
            actor,
            user_id: from["id"].as_i64(),
        }
    });
    Some(Update { update_id, callback })
}

impl Callback {
    /// Whether the press came from the chat the workspace's alerts go to
    /// (`chat_id` as set up: a number, or `@channel`).
    pub fn in_chat(&self, configured: &str) -> bool {
        match configured.strip_prefix('@') {
            Some(name) => self.chat_username.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(name)),
            None => self.chat_id.is_some_and(|id| id.to_string() == configured),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_press_names_its_message_chat_and_presser() {
        let body = json!({"update_id": 7, "callback_query": {"id": "cb1", "data": "lb1:x", "from": {"id": 99, "username": "ada"},
            "message": {"message_id": 5, "chat": {"id": -100123, "type": "group"}}}});
        let update = parse(&body).unwrap();
        let cb = update.callback.unwrap();
        assert_eq!((update.update_id, cb.id.as_str(), cb.data.as_str(), cb.actor.as_str()), (7, "cb1", "lb1:x", "telegram:@ada"));
        assert_eq!((cb.chat_id, cb.message_id), (Some(-100123), Some(5)));
        assert!(cb.in_chat("-100123") && !cb.in_chat("42") && !cb.in_chat("@ada"));
    }

    #[test]
    fn other_updates_are_read_but_not_presses() {
        assert_eq!(parse(&json!({"update_id": 8, "message": {"text": "hi"}})), Some(Update { update_id: 8, callback: None }));
        assert_eq!(parse(&json!({"callback_query": {}})), None);
        assert_eq!(parse(&json!("nope")), None);
        let anon = parse(&json!({"update_id": 9, "callback_query": {"id": "c", "from": {"id": 3}, "message": {"chat": {"id": 1, "username": "News"}}}})).unwrap();
        let cb = anon.callback.unwrap();
        assert_eq!(cb.actor, "telegram:3");
        assert!(cb.in_chat("@news"));
    }
}
