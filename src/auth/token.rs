//! Login tokens: JWTs signed with a dedicated Ed25519 key (not the audit key), verified with
//! the algorithm, key id, issuer, audience and expiry all pinned.
//!
//! Verification is done here (a compact JWS is three base64url parts; Ed25519 is
//! `ed25519-dalek`'s strict verification) rather than by `jsonwebtoken`, whose only backend
//! without C code compiles RSA and ECDSA for nothing: it stays a dev-dependency, and the tests
//! check that tokens it signs and refuses are signed and refused here alike.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use serde::de::DeserializeOwned;
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

/// Seconds a token is still accepted past its `exp` (clocks of several instances differ).
const LEEWAY_SECONDS: i64 = 5;

/// The JOSE header of a token, as far as verification reads it.
#[derive(Deserialize)]
struct JoseHeader {
    alg: String,
    kid: Option<String>,
}

/// Issues and verifies login tokens.
pub struct TokenIssuer {
    key: KeyPair,
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
        TokenIssuer {
            key,
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

    /// Verifies a token: EdDSA with our key id only, a valid signature, then every claim
    /// present (`Claims` has no optional claim but `office`), our issuer and audience, not
    /// expired (`exp` at most [`LEEWAY_SECONDS`] ago).
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let invalid = |why: &str| TokenError::Invalid(why.to_string());
        let mut parts = token.split('.');
        let (Some(header_part), Some(claims_part), Some(signature_part), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid("not a compact JWS"));
        };
        let header: JoseHeader = json_part(header_part)?;
        if header.alg != "EdDSA" || header.kid.as_deref() != Some(self.key.kid()) {
            return Err(invalid("unexpected algorithm or key"));
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature_part)
            .ok()
            .and_then(|s| ed25519_dalek::Signature::from_slice(&s).ok())
            .ok_or_else(|| invalid("malformed signature"))?;
        let signed = &token[..header_part.len() + 1 + claims_part.len()];
        self.key
            .verifying_key()
            .verify_strict(signed.as_bytes(), &signature)
            .map_err(|_| invalid("bad signature"))?;
        let claims: Claims = json_part(claims_part)?;
        if claims.exp < crate::time::unix_seconds(crate::time::now()) - LEEWAY_SECONDS {
            return Err(TokenError::Expired);
        }
        if claims.iss != self.issuer {
            return Err(invalid("wrong issuer"));
        }
        if claims.aud != self.audience {
            return Err(invalid("wrong audience"));
        }
        Ok(claims)
    }

    /// The signing key's id.
    pub fn kid(&self) -> &str {
        self.key.kid()
    }
}

/// A base64url JSON part of a compact JWS.
fn json_part<T: DeserializeOwned>(part: &str) -> Result<T, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| TokenError::Invalid(format!("base64: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| TokenError::Invalid(format!("json: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
    use serde_json::json;

    use super::*;

    fn issuer() -> (TokenIssuer, KeyPair) {
        let pair = KeyPair::generate();
        (TokenIssuer::new(pair.clone(), &AuthConfig::default()), pair)
    }

    fn now() -> i64 {
        crate::time::unix_seconds(crate::time::now())
    }

    fn claims(exp: i64) -> serde_json::Value {
        json!({
            "sub": "u1", "role": "registrar", "office": "371302", "tgen": 1, "csrf": "c",
            "iat": now(), "exp": exp, "iss": "techledger", "aud": "techledger", "jti": "j1",
        })
    }

    /// Signed by jsonwebtoken with `key` (its own header, kid as given).
    fn theirs(kid: &str, alg: Algorithm, key: &EncodingKey, c: &serde_json::Value) -> String {
        let mut header = Header::new(alg);
        header.kid = Some(kid.to_string());
        jsonwebtoken::encode(&header, c, key).unwrap()
    }

    #[test]
    fn tokens_jsonwebtoken_signs_with_our_key_verify_here() {
        let (tokens, pair) = issuer();
        let token = theirs(
            pair.kid(),
            Algorithm::EdDSA,
            &pair.encoding_key().unwrap(),
            &claims(now() + 60),
        );
        let verified = tokens.verify(&token).unwrap();
        assert_eq!(
            (verified.sub.as_str(), verified.office.as_deref()),
            ("u1", Some("371302"))
        );
    }

    #[test]
    fn our_tokens_verify_with_jsonwebtoken() {
        let (tokens, pair) = issuer();
        let (token, _, _) = tokens
            .issue("u1", "registrar", None, 3, crate::time::now())
            .unwrap();
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&["techledger"]);
        validation.set_audience(&["techledger"]);
        let key = DecodingKey::from_ed_components(pair.public_key()).unwrap();
        let data = jsonwebtoken::decode::<Claims>(&token, &key, &validation).unwrap();
        assert_eq!(data.claims, tokens.verify(&token).unwrap());
    }

    #[test]
    fn expiry_has_five_seconds_of_leeway() {
        let (tokens, pair) = issuer();
        let key = pair.encoding_key().unwrap();
        let sign = |exp| theirs(pair.kid(), Algorithm::EdDSA, &key, &claims(exp));
        assert!(tokens.verify(&sign(now() - 3)).is_ok());
        assert_eq!(tokens.verify(&sign(now() - 7)), Err(TokenError::Expired));
    }

    #[test]
    fn anything_else_is_refused() {
        let (tokens, pair) = issuer();
        let key = pair.encoding_key().unwrap();
        let good = claims(now() + 60);
        let refused = |token: &str| matches!(tokens.verify(token), Err(TokenError::Invalid(_)));
        // Another key id, another key, another algorithm.
        assert!(refused(&theirs("other", Algorithm::EdDSA, &key, &good)));
        let stranger = KeyPair::generate();
        assert!(refused(&theirs(
            pair.kid(),
            Algorithm::EdDSA,
            &stranger.encoding_key().unwrap(),
            &good
        )));
        let hs = EncodingKey::from_secret(pair.public_key().as_bytes());
        assert!(refused(&theirs(pair.kid(), Algorithm::HS256, &hs, &good)));
        // Another issuer or audience, a claim missing.
        for (name, value) in [("iss", json!("someone")), ("aud", json!("elsewhere"))] {
            let mut c = good.clone();
            c[name] = value;
            assert!(
                refused(&theirs(pair.kid(), Algorithm::EdDSA, &key, &c)),
                "{name}"
            );
        }
        for name in ["exp", "iss", "aud", "sub", "jti"] {
            let mut c = good.clone();
            c.as_object_mut().unwrap().remove(name);
            assert!(
                refused(&theirs(pair.kid(), Algorithm::EdDSA, &key, &c)),
                "{name}"
            );
        }
        // Claims changed after signing; parts missing, extra or not base64url.
        let token = theirs(pair.kid(), Algorithm::EdDSA, &key, &good);
        let parts: Vec<&str> = token.split('.').collect();
        let mut edited = good.clone();
        edited["sub"] = json!("admin");
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(edited.to_string()),
            parts[2]
        );
        assert!(refused(&forged));
        assert!(refused(&format!("{}.{}", parts[0], parts[1])));
        assert!(refused(&format!("{token}.x")));
        assert!(refused(&format!("{}.{}.{}=", parts[0], parts[1], parts[2])));
        assert!(refused(""));
        assert!(tokens.verify(&token).is_ok());
    }
}
