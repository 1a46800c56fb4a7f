//! Login tokens: JWTs signed with a dedicated Ed25519 key (not the audit key), verified by
//! jsonwebtoken with the algorithm, key id, issuer, audience, required claims and expiry all
//! pinned; its cryptography is Ed25519 only ([`super::jwt_crypto`]).

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

/// Seconds a token is still accepted past its `exp` (clocks of several instances differ).
const LEEWAY_SECONDS: u64 = 5;

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
        super::jwt_crypto::install();
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub", "jti"]);
        validation.leeway = LEEWAY_SECONDS;
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

    /// Verifies a token: EdDSA with our key id only, a valid signature, every claim a token of
    /// ours has, our issuer and audience, not expired (`exp` at most [`LEEWAY_SECONDS`] ago).
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        super::jwt_crypto::install();
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
    use serde_json::json;

    use super::*;

    /// A token that claims HS256.
    fn hs256(kid: &str, secret: &[u8], c: &serde_json::Value) -> String {
        use sha2::Digest;
        let header = json!({"typ": "JWT", "alg": "HS256", "kid": kid});
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(c.to_string())
        );
        // The MAC's bytes do not matter here: no HS256 token can pass. The real confusion
        // attack (a correct HMAC keyed with our public key) is tests/it/auth.rs's
        // forged_tokens_are_refused.
        let mac = sha2::Sha256::new()
            .chain_update(secret)
            .chain_update(signed.as_bytes())
            .finalize();
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(mac))
    }

    #[test]
    fn the_provider_knows_no_algorithm_but_eddsa() {
        super::super::jwt_crypto::install();
        let hs = EncodingKey::from_secret(b"secret");
        let header = Header::new(Algorithm::HS256);
        assert!(jsonwebtoken::encode(&header, &json!({"sub": "x"}), &hs).is_err());
        let token = hs256("k", b"secret", &json!({"sub": "x"}));
        let mut validation = Validation::new(Algorithm::HS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let key = DecodingKey::from_secret(b"secret");
        assert!(jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).is_err());
    }

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
        super::super::jwt_crypto::install();
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
        assert!(refused(&hs256(
            pair.kid(),
            pair.public_key().as_bytes(),
            &good
        )));
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
