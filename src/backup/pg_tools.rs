//! PostgreSQL's own client programs, found on `PATH`: `pg_dump` takes the snapshot (one
//! repeatable-read transaction, so every table is read at one point in time) and `psql` loads
//! it. The password of a URL goes to them in `PGPASSWORD`, never on their command line, where
//! any user of the machine could read it.

use std::path::Path;
use std::process::Command;

use super::BackupError;

/// A libpq URL split into the URL without its password and the password.
struct Target {
    url: String,
    password: Option<String>,
}

impl Target {
    fn of(url: &str) -> Target {
        let Some((scheme, rest)) = url.split_once("://") else {
            return Target {
                url: url.to_string(),
                password: None,
            };
        };
        let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, password)) => Target {
                    url: format!("{scheme}://{user}@{host}{tail}"),
                    password: Some(percent_decode(password)),
                },
                None => Target {
                    url: url.to_string(),
                    password: None,
                },
            },
            None => Target {
                url: url.to_string(),
                password: None,
            },
        }
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        if let Some(p) = &self.password {
            command.env("PGPASSWORD", p);
        }
        command
    }
}

/// Decodes `%XX` escapes (libpq decodes them in a URL's password).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn run(mut command: Command, program: &str) -> Result<(), BackupError> {
    let output = command.output().map_err(|e| {
        BackupError::Tool(format!(
            "cannot run {program} ({e}): install PostgreSQL's client programs (Debian: postgresql-client) so that {program} is on PATH"
        ))
    })?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(BackupError::Tool(format!(
            "{program} failed ({}): {}",
            output.status,
            stderr.trim()
        )))
    }
}

/// Dumps the database at `url` into `file` as plain SQL (no owners, no privileges: a restore
/// may run as another role).
pub fn dump(url: &str, file: &Path) -> Result<(), BackupError> {
    let target = Target::of(url);
    let mut command = target.command("pg_dump");
    command
        .arg("--format=plain")
        .arg("--no-owner")
        .arg("--no-privileges")
        .arg("--encoding=UTF8")
        .arg("--file")
        .arg(file)
        .arg("--dbname")
        .arg(&target.url);
    run(command, "pg_dump")
}

/// Loads the plain SQL dump `file` into the database at `url` in one transaction, stopping at
/// the first error (a failed load leaves nothing).
pub fn load(url: &str, file: &Path) -> Result<(), BackupError> {
    let target = Target::of(url);
    let mut command = target.command("psql");
    command
        .arg("--no-psqlrc")
        .arg("--quiet")
        .arg("--single-transaction")
        .arg("--set=ON_ERROR_STOP=1")
        .arg("--output=/dev/null")
        .arg("--file")
        .arg(file)
        .arg("--dbname")
        .arg(&target.url);
    run(command, "psql")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url() {
        let t = Target::of("postgres://tl:s%40cret@db.example:5432/ledger");
        assert_eq!(t.url, "postgres://tl@db.example:5432/ledger");
        assert_eq!(t.password.as_deref(), Some("s@cret"));
        let t = Target::of("postgres://postgres@127.0.0.1:5432/postgres");
        assert_eq!(t.url, "postgres://postgres@127.0.0.1:5432/postgres");
        assert_eq!(t.password, None);
    }
}
