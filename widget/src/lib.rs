//! The LeadsBot listener widget (filled in by the widget work).
