-- Each member's choice of email alerts: every new lead, only leads assigned
-- to them, the digest only, or none. NULL until they choose: their role's
-- default then applies (shared::members::Alerts::default_for), so a change
-- of role changes an unchosen default with it.
ALTER TABLE members ADD COLUMN alerts TEXT CHECK (alerts IN ('all', 'assigned', 'digest', 'none'));
