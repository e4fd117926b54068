//! Which statuses of an outbox job (a `deliveries` row) are settled: the job
//! is over and nothing sends it again unless someone replays it. Everything
//! else (`pending`, `held`, and any status added for live work) is work still
//! to do, which retention keeps with its event and attempts. SQL that asks
//! "is this job settled?" is built from here.

/// The settled statuses.
pub const SETTLED_STATUSES: [&str; 2] = ["succeeded", "failed"];

/// `<column> IN ('succeeded', 'failed')`: the job in `column`'s row is settled.
pub fn settled_sql(column: &str) -> String {
    let listed: Vec<String> = SETTLED_STATUSES.iter().map(|s| format!("'{s}'")).collect();
    format!("{column} IN ({})", listed.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_finished_jobs_are_settled() {
        assert_eq!(settled_sql("d.status"), "d.status IN ('succeeded', 'failed')");
        for live in ["pending", "held", "working"] {
            assert!(!SETTLED_STATUSES.contains(&live), "{live} is work still to do");
        }
    }
}
