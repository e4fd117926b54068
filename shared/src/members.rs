//! Who may do what in a workspace: a member's role, and the one rule for
//! changing another member (invite, change role, remove).

use crate::scope::Scope;
use crate::FieldError;

/// A member's role, most powerful first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything, members and owners included.
    Owner,
    /// Everything but owners: cannot make, change or remove one.
    Admin,
    /// Works leads: status, tags, notes, assignment, exports.
    Member,
    /// Reads.
    Viewer,
}

/// What a role allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ability {
    ReadLeads,
    WorkLeads,
    ManageSettings,
    ManageMembers,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Member, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    /// The role named `text`; anything else is a 422 naming `field`.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| FieldError::new(field, "invalid_role", "role is owner, admin, member or viewer"))
    }

    /// What a member of this role may do through the inbox and the API's
    /// words: the same scopes an API key holds, derived from the role.
    pub fn scopes(self) -> &'static [Scope] {
        match self {
            Role::Owner | Role::Admin => &[Scope::Read, Scope::Write, Scope::Admin],
            Role::Member => &[Scope::Read, Scope::Write],
            Role::Viewer => &[Scope::Read],
        }
    }

    pub fn may(self, ability: Ability) -> bool {
        match ability {
            Ability::ReadLeads => true,
            Ability::WorkLeads => self != Role::Viewer,
            Ability::ManageSettings | Ability::ManageMembers => matches!(self, Role::Owner | Role::Admin),
        }
    }
}

/// Which alerts a member gets by email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alerts {
    /// Every new lead (and a lead assigned to them).
    All,
    /// Only leads assigned to them.
    Assigned,
    /// The daily or weekly digest only.
    Digest,
    None,
}

impl Alerts {
    pub const ALL: [Alerts; 4] = [Alerts::All, Alerts::Assigned, Alerts::Digest, Alerts::None];

    pub fn as_str(self) -> &'static str {
        match self {
            Alerts::All => "all",
            Alerts::Assigned => "assigned",
            Alerts::Digest => "digest",
            Alerts::None => "none",
        }
    }

    /// The choice named `text`; anything else is a 422 naming `field`.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == text)
            .ok_or_else(|| FieldError::new(field, "invalid_alerts", "alerts is all, assigned, digest or none"))
    }

    /// What a member gets until they choose: owners and admins every new
    /// lead, members the leads assigned to them, viewers nothing.
    pub fn default_for(role: Role) -> Self {
        match role {
            Role::Owner | Role::Admin => Alerts::All,
            Role::Member => Alerts::Assigned,
            Role::Viewer => Alerts::None,
        }
    }

    /// A member's choice in SQL, from their `alerts` column (NULL: not
    /// chosen) and `role` column: the rule above, written once for queries.
    pub fn sql(alerts_column: &str, role_column: &str) -> String {
        let defaults: Vec<String> = Role::ALL.iter().map(|r| format!("WHEN '{}' THEN '{}'", r.as_str(), Alerts::default_for(*r).as_str())).collect();
        format!("coalesce({alerts_column}, CASE {role_column} {} END)", defaults.join(" "))
    }
}

/// How a member is recorded as the one who made a change (`changed_by`, a
/// note's author): API keys are recorded by their id, people by this.
pub fn member_actor(member_id: &str) -> String {
    format!("{MEMBER_ACTOR}{member_id}")
}

/// The member a recorded actor names, if a person made the change.
pub fn actor_member(actor: &str) -> Option<&str> {
    actor.strip_prefix(MEMBER_ACTOR).filter(|id| id.starts_with("mem_"))
}

const MEMBER_ACTOR: &str = "member:";

/// Whether `actor` may change a member from `before` (`None`: not yet a
/// member, an invitation) to `after` (`None`: removed). An admin manages
/// everyone but owners: it can neither make one nor change or remove one.
pub fn may_change_member(actor: Role, before: Option<Role>, after: Option<Role>) -> bool {
    let touches_owner = before == Some(Role::Owner) || after == Some(Role::Owner);
    actor.may(Ability::ManageMembers) && (actor == Role::Owner || !touches_owner)
}

/// Whether a change leaves the workspace without an owner: it takes the
/// owner role from a member while no other owner is left.
pub fn leaves_no_owner(before: Role, after: Option<Role>, other_owners: u32) -> bool {
    before == Role::Owner && after != Some(Role::Owner) && other_owners == 0
}

/// Round robin: the member a slot falls to, over the active members of a
/// role in a fixed order (by id). Slots are handed out one by one, so over
/// any run of `n` slots each member gets one; `None` when there is nobody.
pub fn round_robin_pick(members: &[String], slot: i64) -> Option<&String> {
    let n = i64::try_from(members.len()).ok().filter(|n| *n > 0)?;
    members.get(usize::try_from(slot.rem_euclid(n)).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_gives_each_member_a_slot_in_turn() {
        let members: Vec<String> = ["mem_a", "mem_b", "mem_c"].map(String::from).to_vec();
        let picks: Vec<&str> = (0..6).filter_map(|slot| round_robin_pick(&members, slot)).map(String::as_str).collect();
        assert_eq!(picks, ["mem_a", "mem_b", "mem_c", "mem_a", "mem_b", "mem_c"]);
        assert_eq!(round_robin_pick(&[], 4), None, "nobody to assign to");
        assert_eq!(round_robin_pick(&members, -1).map(String::as_str), Some("mem_c"));
    }

    #[test]
    fn roles_parse_by_their_names_only() {
        for role in Role::ALL {
            assert_eq!(Role::parse("role", role.as_str()), Ok(role));
        }
        for bad in ["Owner", "", "superuser", " admin"] {
            assert_eq!(Role::parse("role", bad).unwrap_err().field, "role", "{bad:?}");
        }
    }

    #[test]
    fn viewers_read_members_work_leads_admins_and_owners_manage() {
        use Ability::*;
        let table = [(Role::Owner, [true; 4]), (Role::Admin, [true; 4]), (Role::Member, [true, true, false, false]), (Role::Viewer, [true, false, false, false])];
        for (role, allowed) in table {
            for (ability, expected) in [ReadLeads, WorkLeads, ManageSettings, ManageMembers].into_iter().zip(allowed) {
                assert_eq!(role.may(ability), expected, "{role:?} {ability:?}");
            }
        }
    }

    #[test]
    fn a_roles_scopes_say_what_its_abilities_say() {
        for role in Role::ALL {
            let scopes = role.scopes();
            assert_eq!(scopes.contains(&Scope::Read), role.may(Ability::ReadLeads), "{role:?}");
            assert_eq!(scopes.contains(&Scope::Write), role.may(Ability::WorkLeads), "{role:?}");
            assert_eq!(scopes.contains(&Scope::Admin), role.may(Ability::ManageSettings), "{role:?}");
        }
    }

    #[test]
    fn an_owner_changes_anyone_an_admin_everyone_but_owners() {
        use Role::*;
        assert!(may_change_member(Owner, None, Some(Owner)));
        assert!(may_change_member(Owner, Some(Owner), None));
        assert!(may_change_member(Admin, None, Some(Admin)));
        assert!(may_change_member(Admin, Some(Member), Some(Viewer)));
        assert!(may_change_member(Admin, Some(Viewer), None));
        assert!(!may_change_member(Admin, None, Some(Owner)), "an admin cannot make an owner");
        assert!(!may_change_member(Admin, Some(Owner), Some(Admin)), "nor demote one");
        assert!(!may_change_member(Admin, Some(Owner), None), "nor remove one");
        for actor in [Member, Viewer] {
            assert!(!may_change_member(actor, None, Some(Viewer)), "{actor:?}");
            assert!(!may_change_member(actor, Some(Viewer), None), "{actor:?}");
        }
    }

    #[test]
    fn alerts_default_by_role_and_the_sql_says_the_same() {
        assert_eq!(Alerts::default_for(Role::Owner), Alerts::All);
        assert_eq!(Alerts::default_for(Role::Member), Alerts::Assigned);
        let sql = Alerts::sql("m.alerts", "m.role");
        assert_eq!(sql, "coalesce(m.alerts, CASE m.role WHEN 'owner' THEN 'all' WHEN 'admin' THEN 'all' WHEN 'member' THEN 'assigned' WHEN 'viewer' THEN 'none' END)");
        for alerts in Alerts::ALL {
            assert_eq!(Alerts::parse("alerts", alerts.as_str()), Ok(alerts));
        }
        assert!(Alerts::parse("alerts", "every").is_err());
    }

    #[test]
    fn a_member_is_recorded_by_their_id_and_read_back() {
        assert_eq!(member_actor("mem_1"), "member:mem_1");
        assert_eq!(actor_member(&member_actor("mem_1")), Some("mem_1"));
        for other in ["key_1", "workflow:wf_1", "telegram:@ada", "member:", "member:key_1"] {
            assert_eq!(actor_member(other), None, "{other}");
        }
    }

    #[test]
    fn only_taking_the_last_owner_away_leaves_no_owner() {
        use Role::*;
        assert!(leaves_no_owner(Owner, None, 0));
        assert!(leaves_no_owner(Owner, Some(Admin), 0));
        assert!(!leaves_no_owner(Owner, Some(Owner), 0));
        assert!(!leaves_no_owner(Owner, None, 1));
        assert!(!leaves_no_owner(Admin, None, 0));
    }
}
