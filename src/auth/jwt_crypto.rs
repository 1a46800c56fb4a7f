//! The cryptography behind `jsonwebtoken`: Ed25519 and nothing else.
//!
//! jsonwebtoken parses and validates our tokens (algorithm pinned, issuer, audience, expiry,
//! required claims); the signature primitive it calls is chosen by a [`CryptoProvider`]. Its
//! built-in pure-Rust provider compiles RSA, P-256/P-384 ECDSA and HMAC with their big-number
//! and ASN.1 crates for tokens that are only ever EdDSA. This provider answers EdDSA with
//! `ed25519-dalek` (strict verification: no small-order keys, no malleable signatures) and
//! refuses every other algorithm, so a token claiming `HS256` or `RS256` fails at the
//! signature whatever the validation settings.
//!
//! It must be installed before jsonwebtoken signs or verifies anything in the process:
//! [`install`] is called by [`super::TokenIssuer`] on creation and before each verification,
//! and is cheap and idempotent.

use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{Error as SignatureError, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};

static ED25519_ONLY: CryptoProvider = CryptoProvider {
    signer_factory: signer,
    verifier_factory: verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes the Ed25519-only provider the process's jsonwebtoken cryptography.
///
/// jsonwebtoken keeps the first provider it is given (or, if asked before any is installed,
/// one that panics): the tokens module calls this before every use, so ours is the first.
pub fn install() {
    // An `Err` means a provider is already installed: this one, by an earlier call.
    let _ = ED25519_ONLY.install_default();
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    if *algorithm != Algorithm::EdDSA || key.family() != AlgorithmFamily::Ed {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    let key = SigningKey::from_pkcs8_der(key.as_bytes()).map_err(|_| ErrorKind::InvalidEddsaKey)?;
    Ok(Box::new(Ed25519Signer(key)))
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    if *algorithm != Algorithm::EdDSA || key.family() != AlgorithmFamily::Ed {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    let bytes: &[u8; 32] = key
        .try_get_as_bytes()?
        .try_into()
        .map_err(|_| ErrorKind::InvalidEddsaKey)?;
    let key = VerifyingKey::from_bytes(bytes).map_err(|_| ErrorKind::InvalidEddsaKey)?;
    Ok(Box::new(Ed25519Verifier(key)))
}

struct Ed25519Signer(SigningKey);

impl Signer<Vec<u8>> for Ed25519Signer {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, SignatureError> {
        Ok(self.0.sign(message).to_bytes().to_vec())
    }
}

impl JwtSigner for Ed25519Signer {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
}

struct Ed25519Verifier(VerifyingKey);

impl Verifier<Vec<u8>> for Ed25519Verifier {
    fn verify(
        &self,
        message: &[u8],
        signature: &Vec<u8>,
    ) -> std::result::Result<(), SignatureError> {
        let signature = Signature::from_slice(signature)?;
        self.0.verify_strict(message, &signature)
    }
}

impl JwtVerifier for Ed25519Verifier {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
}
