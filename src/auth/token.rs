//! Login tokens: JWTs signed with a dedicated Ed25519 key (not the audit key), verified with
//! the algorithm, key id, issuer, audience and expiry all pinned.

use chrono::NaiveDateTime;
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::audit::keys::KeyPair;
use crate::config::AuthConfig;

/// The claims of a login token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// Role when issued (informative; the database decides).
    pub role: String,
    /// Office when issued.
    pub office: Option<String>,
    /// The user's token generation when issued.
    pub tgen: i64,
    /// CSRF token for cookie sessions.
    pub csrf: String,
    /// Issued at.
    pub iat: i64,
    /// Expires.
    pub exp: i64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// The token's own id (what signing out revokes).
    pub jti: String,
}

/// Issues and verifies login tokens.
pub struct TokenIssuer {
    key: KeyPair,
    decoding: DecodingKey,
    validation: Validation,
    lifetime: chrono::Duration,
    issuer: String,
    audience: String,
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("kid", &self.key.kid())
            .finish_non_exhaustive()
    }
}

/// Why a token was refused (the client only ever hears "invalid or expired token").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Signature, algorithm, key, issuer, audience or format.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// Past its expiry.
    #[error("expired token")]
    Expired,
}

impl TokenIssuer {
    /// An issuer with `key` and the configured lifetime, issuer and audience.
    pub fn new(key: KeyPair, config: &AuthConfig) -> TokenIssuer {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub", "jti"]);
        validation.leeway = 5;
        TokenIssuer {
            decoding: key.decoding_key(),
            key,
            validation,
            lifetime: chrono::Duration::minutes(i64::from(config.token_lifetime_minutes)),
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
        }
    }

    /// A token for a user; returns it with its expiry.
    pub fn issue(
        &self,
        user_id: &str,
        role: &str,
        office: Option<&str>,
        generation: i64,
        now: NaiveDateTime,
    ) -> Result<(String, NaiveDateTime, String), TokenError> {
        let expires = now + self.lifetime;
        let csrf = uuid::Uuid::new_v4().simple().to_string();
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_string(),
            office: office.map(str::to_string),
            tgen: generation,
            csrf: csrf.clone(),
            iat: crate::time::unix_seconds(now),
            exp: crate::time::unix_seconds(expires),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            jti: uuid::Uuid::new_v4().simple().to_string(),
        };
        let token = self
            .key
            .sign(&claims)
            .map_err(|e| TokenError::Invalid(e.to_string()))?;
        Ok((token, expires, csrf))
    }

    /// Verifies a token: EdDSA with our key id only, our issuer and audience, not expired.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header: Header =
            jsonwebtoken::decode_header(token).map_err(|e| TokenError::Invalid(e.to_string()))?;
        if header.alg != Algorithm::EdDSA || header.kid.as_deref() != Some(self.key.kid()) {
            return Err(TokenError::Invalid("unexpected algorithm or key".into()));
        }
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid(e.to_string()),
            })
    }

    /// The signing key's id.
    pub fn kid(&self) -> &str {
        self.key.kid()
    }
}
