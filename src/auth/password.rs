//! Passwords: argon2id hashes, the rules a new password must meet, and verification that
//! takes the same time whether or not the user exists.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;

use crate::ledger::FieldError;

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 10;
/// Longest password accepted (argon2 would take any length; a bound keeps hashing cheap).
pub const MAX_LENGTH: usize = 256;

/// Hashes and verifies passwords with fixed parameters.
pub struct Passwords {
    argon: Argon2<'static>,
    /// Verified against when the user does not exist, so that both answers take as long.
    dummy_hash: String,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords").finish_non_exhaustive()
    }
}

/// Hashing failed (only with impossible parameters).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

impl Passwords {
    /// argon2id with `memory_kib` KiB and `iterations` passes.
    pub fn new(memory_kib: u32, iterations: u32) -> Result<Passwords, HashError> {
        let params =
            Params::new(memory_kib, iterations, 1, None).map_err(|e| HashError(e.to_string()))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = SaltString::generate(&mut OsRng);
        let dummy_hash = argon
            .hash_password(generate().as_bytes(), &salt)
            .map_err(|e| HashError(e.to_string()))?
            .to_string();
        Ok(Passwords { argon, dummy_hash })
    }

    /// The PHC string of `password`.
    pub fn hash(&self, password: &str) -> Result<String, HashError> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    }

    /// Whether `password` matches `hash`; with no hash (unknown user) it verifies against a
    /// dummy hash and answers false, in the same time.
    pub fn verify(&self, password: &str, hash: Option<&str>) -> bool {
        let (target, real) = match hash {
            Some(h) => (h, true),
            None => (self.dummy_hash.as_str(), false),
        };
        let Ok(parsed) = PasswordHash::new(target) else {
            return false;
        };
        let matches = self
            .argon
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        matches && real
    }
}

/// The rules `check_rules` enforces, in one English sentence (for the command line).
pub fn rules_en() -> String {
    format!(
        "a password has {MIN_LENGTH} to {MAX_LENGTH} characters and does not contain the username"
    )
}

/// The rules a new password must meet, each broken one named.
pub fn check_rules(username: &str, password: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let length = password.chars().count();
    if length < MIN_LENGTH {
        errors.push(FieldError::new(
            "password",
            format!("at least {MIN_LENGTH} characters"),
            format!("密码至少{MIN_LENGTH}个字符"),
        ));
    }
    if length > MAX_LENGTH {
        errors.push(FieldError::new(
            "password",
            format!("at most {MAX_LENGTH} characters"),
            format!("密码不能超过{MAX_LENGTH}个字符"),
        ));
    }
    let lower = password.to_lowercase();
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        errors.push(FieldError::new(
            "password",
            "must not contain the username",
            "密码不能包含用户名",
        ));
    }
    errors
}

/// A random password for the first admin: 20 characters without look-alikes.
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let p = Passwords::new(64, 1).unwrap();
        let h = p.hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(p.verify("correct horse battery", Some(&h)));
        assert!(!p.verify("wrong horse battery", Some(&h)));
        assert!(!p.verify("correct horse battery", None));
    }

    #[test]
    fn rules_name_each_problem() {
        assert!(check_rules("alice", "long enough password").is_empty());
        assert_eq!(check_rules("alice", "short").len(), 1);
        assert_eq!(check_rules("alice", "xxALICExxxxx").len(), 1);
        assert_eq!(generate().len(), 20);
    }
}
