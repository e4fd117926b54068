-- A workflow action with an outside effect (a `webhook` or `telegram`
-- action) is a job of the outbox like any other delivery: its own row, its
-- own attempts and retry schedule, in its endpoint's log and health. These
-- say which run and which of its actions raised it (NULL for every other
-- job). Its id derives from them ('dlv_' || run id without 'run_' || '_' ||
-- index), so a run attempted again never raises a second one; when it
-- settles for good, the batch that records its attempt records the action's
-- outcome and releases the run, which waits meanwhile.
ALTER TABLE deliveries ADD COLUMN run_id TEXT;
ALTER TABLE deliveries ADD COLUMN action_index INTEGER;
