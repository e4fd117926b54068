-- Lead search: a SQLite FTS5 index over what people search a lead by.
--
-- Kept in sync by triggers on `leads`, so every writer (capture, PATCH,
-- erasure, retention, and anything added later) updates it in the same
-- transaction as the lead, with no second code path to forget.
--
-- The form, and why (checked on local D1, wrangler 4.86 / workerd):
-- * A regular FTS5 table (it keeps its own copy of the indexed text), not a
--   contentless or external-content one: deleting a row needs only its rowid,
--   and with `secure-delete` on, a delete removes the row's terms from the
--   index itself. A contentless_delete table only writes tombstones, leaving
--   an erased lead's words in `leads_fts_data` until a merge; erasure must
--   leave no trace.
-- * rowid = the lead's rowid: the search joins back to `leads` by it. (D1 does
--   not VACUUM user tables; should rowids ever move, rebuild with
--   `DELETE FROM leads_fts` and the INSERT … SELECT at the end of this file.)
-- * unicode61 folds case and diacritics ("creme" finds "Crème"); `prefix`
--   indexes make the 2- and 3-character prefixes of typing-as-you-search cheap.
-- * Indexed: email, name, phone (as written and as digits only, so "4930123"
--   finds "+49 30 123…"), company, message, note, tags and the values of the
--   custom fields. Not page URLs, UTM or user agents: filters cover those.
-- * `wrangler d1 export` cannot export a database with virtual tables; drop
--   `leads_fts` first and re-run this file to restore it.
CREATE VIRTUAL TABLE leads_fts USING fts5(
  email, name, phone, company, message, note, tags, custom,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);
INSERT INTO leads_fts (leads_fts, rank) VALUES ('secure-delete', 1);

CREATE TRIGGER leads_fts_after_insert AFTER INSERT ON leads BEGIN
  INSERT INTO leads_fts (rowid, email, name, phone, company, message, note, tags, custom)
  VALUES (NEW.rowid, NEW.email, NEW.name,
    NEW.phone || ' ' || replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), '+', ''),
    NEW.company, NEW.message, NEW.note,
    (SELECT group_concat(value, ' ') FROM json_each(CASE WHEN json_valid(NEW.tags) THEN NEW.tags ELSE '[]' END)),
    (SELECT group_concat(value, ' ') FROM json_each(CASE WHEN json_valid(NEW.custom) THEN NEW.custom ELSE '{}' END)));
END;

-- Status-only changes (most PATCHes) leave the index alone.
CREATE TRIGGER leads_fts_after_update AFTER UPDATE OF email, name, phone, company, message, note, tags, custom ON leads
WHEN OLD.email IS NOT NEW.email OR OLD.name IS NOT NEW.name OR OLD.phone IS NOT NEW.phone OR OLD.company IS NOT NEW.company
  OR OLD.message IS NOT NEW.message OR OLD.note IS NOT NEW.note OR OLD.tags IS NOT NEW.tags OR OLD.custom IS NOT NEW.custom
BEGIN
  UPDATE leads_fts SET email = NEW.email, name = NEW.name,
    phone = NEW.phone || ' ' || replace(replace(replace(replace(replace(replace(replace(NEW.phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), '+', ''),
    company = NEW.company, message = NEW.message, note = NEW.note,
    tags = (SELECT group_concat(value, ' ') FROM json_each(CASE WHEN json_valid(NEW.tags) THEN NEW.tags ELSE '[]' END)),
    custom = (SELECT group_concat(value, ' ') FROM json_each(CASE WHEN json_valid(NEW.custom) THEN NEW.custom ELSE '{}' END))
  WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER leads_fts_after_delete AFTER DELETE ON leads BEGIN
  DELETE FROM leads_fts WHERE rowid = OLD.rowid;
END;

-- Leads stored before this migration.
INSERT INTO leads_fts (rowid, email, name, phone, company, message, note, tags, custom)
SELECT rowid, email, name,
  phone || ' ' || replace(replace(replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '/', ''), '+', ''),
  company, message, note,
  (SELECT group_concat(value, ' ') FROM json_each(CASE WHEN json_valid(tags) THEN tags ELSE '[]' END)),
  (SELECT group_concat(value, ' ') FROM json_each(CASE WHEN json_valid(custom) THEN custom ELSE '{}' END))
FROM leads;
