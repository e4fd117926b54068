//! The inline buttons under a lead alert, and what a press says. Pure.
//!
//! A button's `callback_data` (at most 64 bytes) names the lead, the status
//! the alert showed and the move: `lb1:<lead id>:<from>:<move>`. Carrying
//! the status it was shown for makes every button a compare-and-set: a press
//! on an alert older than the lead's last change (a stale button) changes
//! nothing.

use crate::lead::LeadStatus;
use serde_json::{json, Value};

const PREFIX: &str = "lb1";

/// What a button does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    SetStatus(LeadStatus),
    /// A reminder in an hour (a follow-up), the status unchanged.
    Snooze,
    /// "Take it": the lead assigned to the member linked to the presser.
    Take,
}

/// The buttons every alert offers, in order.
const MOVES: [(Move, &str); 4] = [
    (Move::SetStatus(LeadStatus::Contacted), "Contacted"),
    (Move::SetStatus(LeadStatus::Qualified), "Qualified"),
    (Move::SetStatus(LeadStatus::Spam), "Spam"),
    (Move::Snooze, "Snooze 1 h"),
];

/// A decoded press: which lead, the status its alert showed, the move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Press {
    pub lead_id: String,
    pub shown_status: LeadStatus,
    pub action: Move,
}

fn code(status: LeadStatus) -> char {
    match status {
        LeadStatus::New => 'n',
        LeadStatus::Contacted => 'c',
        LeadStatus::Qualified => 'q',
        LeadStatus::Won => 'w',
        LeadStatus::Lost => 'l',
        LeadStatus::Spam => 's',
    }
}

fn status_of(code: &str) -> Option<LeadStatus> {
    LeadStatus::ALL.into_iter().find(|s| code.len() == 1 && code.starts_with(self::code(*s)))
}

fn encode(lead_id: &str, shown: LeadStatus, action: Move) -> String {
    let to = match action {
        Move::SetStatus(status) => code(status),
        Move::Snooze => 'z',
        Move::Take => 't',
    };
    format!("{PREFIX}:{lead_id}:{}:{to}", code(shown))
}

/// Reads a button's data; `None` for anything we did not write.
pub fn decode(data: &str) -> Option<Press> {
    let mut parts = data.split(':');
    let (prefix, lead_id, shown, to) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if prefix != PREFIX || parts.next().is_some() || !crate::ids::is_sortable_id(crate::ids::IdKind::Lead, lead_id) {
        return None;
    }
    let action = match to {
        "z" => Move::Snooze,
        "t" => Move::Take,
        _ => Move::SetStatus(status_of(to)?),
    };
    Some(Press { lead_id: lead_id.to_string(), shown_status: status_of(shown)?, action })
}

/// The `reply_markup` for an alert showing a lead in `status`: every move
/// but the one to the status it already has, in one row; below it, while
/// nobody has the lead (`unassigned`), "Take it".
pub fn keyboard(lead_id: &str, status: LeadStatus, unassigned: bool) -> Value {
    let button = |action: Move, label: &str| json!({"text": label, "callback_data": encode(lead_id, status, action)});
    let row: Vec<Value> = MOVES.iter().filter(|(action, _)| *action != Move::SetStatus(status)).map(|(action, label)| button(*action, label)).collect();
    if unassigned {
        return json!({"inline_keyboard": [row, [button(Move::Take, "Take it")]]});
    }
    json!({"inline_keyboard": [row]})
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEAD: &str = "lead_01JD0000000000000000000000";

    #[test]
    fn buttons_round_trip_and_fit_telegrams_64_bytes() {
        let markup = keyboard(LEAD, LeadStatus::New, false);
        let row = markup["inline_keyboard"][0].as_array().unwrap();
        let labels: Vec<&str> = row.iter().map(|b| b["text"].as_str().unwrap()).collect();
        assert_eq!(labels, ["Contacted", "Qualified", "Spam", "Snooze 1 h"]);
        for button in row {
            let data = button["callback_data"].as_str().unwrap();
            assert!(data.len() <= 64, "{data}");
            let press = decode(data).unwrap();
            assert_eq!((press.lead_id.as_str(), press.shown_status), (LEAD, LeadStatus::New));
        }
        assert_eq!(decode(row[1]["callback_data"].as_str().unwrap()).unwrap().action, Move::SetStatus(LeadStatus::Qualified));
        assert_eq!(decode(row[3]["callback_data"].as_str().unwrap()).unwrap().action, Move::Snooze);
    }

    #[test]
    fn an_unassigned_lead_offers_take_it_on_a_row_of_its_own() {
        let markup = keyboard(LEAD, LeadStatus::New, true);
        let take = &markup["inline_keyboard"][1][0];
        assert_eq!(take["text"], "Take it");
        let press = decode(take["callback_data"].as_str().unwrap()).unwrap();
        assert_eq!((press.lead_id.as_str(), press.action), (LEAD, Move::Take));
        assert_eq!(markup["inline_keyboard"][0].as_array().unwrap().len(), 4, "the status row as before");
    }

    #[test]
    fn an_alert_offers_no_move_to_the_status_it_shows() {
        let markup = keyboard(LEAD, LeadStatus::Qualified, false);
        let labels: Vec<String> = markup["inline_keyboard"][0].as_array().unwrap().iter().map(|b| b["text"].as_str().unwrap().to_string()).collect();
        assert_eq!(labels, ["Contacted", "Spam", "Snooze 1 h"]);
    }

    #[test]
    fn anything_else_is_not_a_press() {
        for bad in ["", "lb1", "lb1:lead_x:n:q", &format!("lb2:{LEAD}:n:q"), &format!("lb1:{LEAD}:x:q"), &format!("lb1:{LEAD}:n:qq"), &format!("lb1:{LEAD}:n:q:extra"), &format!("lb1:{LEAD}:n:")] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
