//! Which outbox jobs (`deliveries` rows) are settled, as SQL: the job is over
//! and nothing sends it again unless someone replays it. The rule itself is
//! `shared::job::JobStatus::is_settled`; everything else (`pending`, `held`)
//! is work still to do, which retention keeps with its event and attempts.

use leadsbot_shared::job::JobStatus;

/// `<column> IN ('succeeded', 'failed', 'cancelled')`: the job in `column`'s row is settled.
pub fn settled_sql(column: &str) -> String {
    let settled: Vec<String> = JobStatus::ALL.iter().filter(|s| s.is_settled()).map(|s| format!("'{}'", s.as_str())).collect();
    format!("{column} IN ({})", settled.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_finished_jobs_are_settled() {
        assert_eq!(settled_sql("d.status"), "d.status IN ('succeeded', 'failed', 'cancelled')");
    }
}
