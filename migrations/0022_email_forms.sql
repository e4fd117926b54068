-- Emails are stored in one form (shared::email): NFC, the domain as lowercase
-- ASCII by IDNA (`ada@BÜRO.de` is stored `ada@xn--bro-hoa.de`), and compared
-- ignoring ASCII case (COLLATE NOCASE, as before).
--
-- A lead written before holds its address as then stored: trimmed, the
-- domain's ASCII letters lowercased. For an all-ASCII address that already is
-- the new form (IDNA maps an ASCII domain to its lowercase), so only addresses
-- with a non-ASCII character can differ. IDNA has no SQL, so this lists them
-- and the cron re-normalises them in Rust, a bounded batch a tick, deleting
-- each row here as it goes (an empty table costs the cron one cheap read).
CREATE TABLE email_renormalisations (
  workspace_id TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  PRIMARY KEY (workspace_id, lead_id)
) WITHOUT ROWID;

-- length() counts characters of text and bytes of a blob: they differ
-- exactly when the text holds a non-ASCII character.
INSERT INTO email_renormalisations (workspace_id, lead_id)
SELECT workspace_id, id FROM leads WHERE length(email) <> length(CAST(email AS BLOB));
