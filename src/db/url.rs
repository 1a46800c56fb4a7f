//! Database URLs. The backend is chosen explicitly from the scheme, so a mistyped URL is an
//! error instead of a silently created empty SQLite file.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The two supported backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// Lower-case name, as in URLs and logs.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A parsed database URL: `sqlite://PATH` or `postgres://…` (`postgresql://…`).
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite database file; relative paths are relative to the working directory.
    Sqlite(PathBuf),
    /// A libpq connection URL.
    Postgres(String),
}

impl DatabaseUrl {
    /// The backend this URL selects.
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL with any password replaced, for logs and error messages.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => redact_password(url),
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Why a database URL was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DatabaseUrlError {
    /// Neither `sqlite://` nor `postgres://`.
    #[error("database URL must start with sqlite:// or postgres:// (got {0:?})")]
    UnknownScheme(String),
    /// `sqlite://` without a path.
    #[error("sqlite:// URL needs a file path, e.g. sqlite://data/techledger.db")]
    EmptyPath,
}

impl FromStr for DatabaseUrl {
    type Err = DatabaseUrlError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(path) = s.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(DatabaseUrlError::EmptyPath);
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(s.to_string()));
        }
        let scheme = s.split("://").next().unwrap_or_default();
        Err(DatabaseUrlError::UnknownScheme(if s.contains("://") {
            format!("{scheme}://…")
        } else {
            "no scheme".to_string()
        }))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl Serialize for DatabaseUrl {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            DatabaseUrl::Sqlite(path) => {
                serializer.serialize_str(&format!("sqlite://{}", path.display()))
            }
            DatabaseUrl::Postgres(url) => serializer.serialize_str(url),
        }
    }
}

impl<'de> Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_select_the_backend() {
        assert_eq!(
            "sqlite://data/x.db"
                .parse::<DatabaseUrl>()
                .map(|u| u.backend()),
            Ok(Backend::Sqlite)
        );
        assert_eq!(
            "postgres://u@h/db"
                .parse::<DatabaseUrl>()
                .map(|u| u.backend()),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            "postgresql://u@h/db"
                .parse::<DatabaseUrl>()
                .map(|u| u.backend()),
            Ok(Backend::Postgres)
        );
    }

    #[test]
    fn a_mistyped_url_is_refused_not_taken_as_a_file() {
        assert!("data/x.db".parse::<DatabaseUrl>().is_err());
        assert!("sqlit://x.db".parse::<DatabaseUrl>().is_err());
        assert!("mysql://x".parse::<DatabaseUrl>().is_err());
        assert_eq!(
            "sqlite://".parse::<DatabaseUrl>(),
            Err(DatabaseUrlError::EmptyPath)
        );
    }

    #[test]
    fn passwords_never_reach_the_logs() {
        let url: DatabaseUrl = "postgres://app:s3cret@db:5432/tl".parse().unwrap();
        assert_eq!(url.redacted(), "postgres://app:***@db:5432/tl");
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
