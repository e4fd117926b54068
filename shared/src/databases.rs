//! Which D1 databases a deployment spreads its workspaces over, and where a
//! new workspace goes.
//!
//! Every database holds the same schema. The first (`DB`) also holds the
//! directory: each workspace's home database. A workspace is placed when it
//! is created and stays there until an operator moves it.

use std::fmt;

/// The binding name of one of the deployment's D1 databases: `DB`, `DB_1`, `DB_2`, …
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DatabaseName(String);

/// The binding that holds the directory, and every workspace made before there were several.
pub const DIRECTORY: &str = "DB";

impl DatabaseName {
    pub fn parse(text: &str) -> Result<Self, String> {
        let fits = text == DIRECTORY
            || text
                .strip_prefix("DB_")
                .is_some_and(|n| !n.is_empty() && n.len() <= 4 && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0'));
        if fits {
            Ok(Self(text.to_string()))
        } else {
            Err(format!("`{text}` is not a database binding: use DB, DB_1, DB_2, …"))
        }
    }

    pub fn directory() -> Self {
        Self(DIRECTORY.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DatabaseName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The databases of this deployment, the directory's first (`DATABASES`:
/// binding names separated by spaces or commas; unset means `DB` alone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Databases(Vec<DatabaseName>);

impl Databases {
    pub fn parse(setting: Option<&str>) -> Result<Self, String> {
        let names: Vec<&str> = setting.unwrap_or(DIRECTORY).split([' ', ',']).filter(|n| !n.is_empty()).collect();
        let mut parsed: Vec<DatabaseName> = Vec::with_capacity(names.len());
        for name in names {
            let name = DatabaseName::parse(name)?;
            if parsed.contains(&name) {
                return Err(format!("DATABASES names {name} twice"));
            }
            parsed.push(name);
        }
        match parsed.first() {
            Some(first) if first.as_str() == DIRECTORY => Ok(Self(parsed)),
            _ => Err(format!("DATABASES must start with {DIRECTORY}, the database that holds the directory")),
        }
    }

    pub fn names(&self) -> &[DatabaseName] {
        &self.0
    }

    /// The named database, if it is one of this deployment's.
    pub fn get(&self, name: &str) -> Option<&DatabaseName> {
        self.0.iter().find(|d| d.as_str() == name)
    }

    /// Where a new workspace goes: the database with the fewest workspaces
    /// (`counts`: workspaces per database, as the directory has them; a
    /// database it does not name has none), the first of those in order on a tie.
    ///
    /// Least full rather than by hash: a database added later takes every new
    /// workspace until it has caught up, and a workspace moved away frees its
    /// place, neither of which a hash of the id can know.
    pub fn least_full(&self, counts: &[(String, u64)]) -> &DatabaseName {
        let count = |name: &DatabaseName| counts.iter().find(|(n, _)| n == name.as_str()).map_or(0, |(_, c)| *c);
        let mut best = &self.0[0];
        for name in &self.0[1..] {
            if count(name) < count(best) {
                best = name;
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(&str, u64)]) -> Vec<(String, u64)> {
        pairs.iter().map(|(n, c)| (n.to_string(), *c)).collect()
    }

    #[test]
    fn names_are_db_or_db_and_a_number() {
        for ok in ["DB", "DB_1", "DB_12"] {
            assert_eq!(DatabaseName::parse(ok).map(|d| d.to_string()), Ok(ok.to_string()));
        }
        for bad in ["", "db", "DB_", "DB_0", "DB_01", "DB_x", "DB_12345", "LEADS", "DB 1"] {
            assert!(DatabaseName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unset_means_the_directory_alone() {
        assert_eq!(Databases::parse(None).unwrap().names(), &[DatabaseName::directory()]);
        assert!(Databases::parse(Some(" ")).is_err(), "a list that names none is a mistake, not a default");
    }

    #[test]
    fn the_list_starts_with_the_directory_and_names_each_once() {
        let two = Databases::parse(Some("DB DB_1")).unwrap();
        assert_eq!(two.names().iter().map(|d| d.as_str()).collect::<Vec<_>>(), ["DB", "DB_1"]);
        assert_eq!(Databases::parse(Some("DB,DB_1, DB_2")).unwrap().names().len(), 3);
        assert!(Databases::parse(Some("DB_1 DB")).is_err());
        assert!(Databases::parse(Some("DB DB_1 DB_1")).is_err());
        assert!(Databases::parse(Some("DB other")).is_err());
        assert_eq!(two.get("DB_1").map(|d| d.as_str()), Some("DB_1"));
        assert_eq!(two.get("DB_2"), None);
    }

    #[test]
    fn a_new_workspace_goes_to_the_least_full_the_first_on_a_tie() {
        let dbs = Databases::parse(Some("DB DB_1 DB_2")).unwrap();
        assert_eq!(dbs.least_full(&[]).as_str(), "DB");
        assert_eq!(dbs.least_full(&counts(&[("DB", 1)])).as_str(), "DB_1");
        assert_eq!(dbs.least_full(&counts(&[("DB", 1), ("DB_1", 1)])).as_str(), "DB_2");
        assert_eq!(dbs.least_full(&counts(&[("DB", 5), ("DB_1", 3), ("DB_2", 3)])).as_str(), "DB_1");
        // A database added later fills up first; one no longer configured takes none.
        assert_eq!(dbs.least_full(&counts(&[("DB", 90), ("DB_1", 80), ("DB_2", 2), ("DB_9", 0)])).as_str(), "DB_2");
    }
}
