-- Which form tool a capture URL speaks (`typeform`, `tally`): its signature
-- header and payload shape. NULL is the generic capture URL (dotted-path
-- mapping, our server signature).
ALTER TABLE capture_urls ADD COLUMN preset TEXT;
