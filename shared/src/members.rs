//! Who may do what in a workspace: a member's role, and the one rule for
//! changing another member (invite, change role, remove).

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

    pub fn may(self, ability: Ability) -> bool {
        match ability {
            Ability::ReadLeads => true,
            Ability::WorkLeads => self != Role::Viewer,
            Ability::ManageSettings | Ability::ManageMembers => matches!(self, Role::Owner | Role::Admin),
        }
    }
}

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
    fn only_taking_the_last_owner_away_leaves_no_owner() {
        use Role::*;
        assert!(leaves_no_owner(Owner, None, 0));
        assert!(leaves_no_owner(Owner, Some(Admin), 0));
        assert!(!leaves_no_owner(Owner, Some(Owner), 0));
        assert!(!leaves_no_owner(Owner, None, 1));
        assert!(!leaves_no_owner(Admin, None, 0));
    }
}
