//! C2SP signed notes (Ed25519 only), the tlog-checkpoint body they carry, and tlog-cosignature
//! v1 signatures by witnesses — the formats existing transparency-log tools and witnesses read.
//!
//! A note is text ending in a newline, a blank line, and signature lines
//! `— <key name> base64(key ID ‖ signature)`. The key ID of a log's Ed25519 key is
//! SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)[:4]; of a witness's cosignature key, the same with
//! 0x04; a cosignature signs `cosignature/v1\ntime <t>\n` followed by the checkpoint body, and
//! its signature bytes are the 8-byte big-endian time followed by the Ed25519 signature.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use super::keys::KeyPair;
use super::merkle::Hash;

/// Signature type of a note signature by a log.
pub const ALG_ED25519: u8 = 0x01;
/// Signature type of a C2SP tlog-cosignature v1 by a witness.
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// The em dash and space that start a signature line.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Why a note, key or signature does not parse or hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoteError(pub String);

fn err(what: impl Into<String>) -> NoteError {
    NoteError(what.into())
}

/// The 4-byte key ID of `public` under `name` for signature type `alg`.
pub fn key_id(name: &str, alg: u8, public: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([alg]);
    h.update(public);
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// A key name must be non-empty UTF-8 without spaces or `+`.
pub fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(err(format!(
            "{name:?} is not a key name (non-empty, no spaces, no '+')"
        )));
    }
    Ok(())
}

/// A verifier key: who may sign, with which key and signature type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    /// Key name (for a log: its origin).
    pub name: String,
    /// Signature type ([`ALG_ED25519`] or [`ALG_COSIGNATURE_V1`]).
    pub alg: u8,
    /// The Ed25519 public key.
    pub key: VerifyingKey,
}

impl VerifierKey {
    /// A log key (type 0x01) or a witness key (type 0x04).
    pub fn new(name: &str, alg: u8, key: VerifyingKey) -> Result<VerifierKey, NoteError> {
        check_name(name)?;
        Ok(VerifierKey {
            name: name.to_string(),
            alg,
            key,
        })
    }

    /// The key ID.
    pub fn id(&self) -> [u8; 4] {
        key_id(&self.name, self.alg, self.key.as_bytes())
    }

    /// The vkey text: `<name>+<hex key ID>+<base64(type ‖ public key)>`.
    pub fn encode(&self) -> String {
        let mut material = vec![self.alg];
        material.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            super::entry::to_hex(&self.id()),
            STANDARD.encode(material)
        )
    }

    /// Parses a vkey; its key ID must match.
    pub fn parse(vkey: &str) -> Result<VerifierKey, NoteError> {
        // A name holds no '+'; the base64 key may.
        let mut parts = vkey.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(err("a vkey is <name>+<key ID>+<key>"));
        };
        let material = STANDARD
            .decode(material)
            .map_err(|_| err("the vkey's key is not base64"))?;
        let (alg, public) = material
            .split_first()
            .ok_or_else(|| err("the vkey's key is empty"))?;
        let public: [u8; 32] = public
            .try_into()
            .map_err(|_| err("only Ed25519 keys (32 bytes) are supported"))?;
        if *alg != ALG_ED25519 && *alg != ALG_COSIGNATURE_V1 {
            return Err(err(format!("signature type 0x{alg:02x} is not supported")));
        }
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|_| err("the vkey's key is not an Ed25519 public key"))?;
        let parsed = VerifierKey::new(name, *alg, key)?;
        if super::entry::to_hex(&parsed.id()) != id.to_ascii_lowercase() {
            return Err(err("the vkey's key ID does not match its name and key"));
        }
        Ok(parsed)
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureLine {
    /// Key name.
    pub name: String,
    /// Key ID.
    pub id: [u8; 4],
    /// The signature bytes (for a cosignature: time ‖ signature).
    pub bytes: Vec<u8>,
}

impl SignatureLine {
    /// The line, without its final newline.
    pub fn encode(&self) -> String {
        let mut payload = self.id.to_vec();
        payload.extend_from_slice(&self.bytes);
        format!(
            "{SIGNATURE_PREFIX}{} {}",
            self.name,
            STANDARD.encode(payload)
        )
    }

    /// Parses one line (without its newline).
    pub fn parse(line: &str) -> Result<SignatureLine, NoteError> {
        let rest = line
            .strip_prefix(SIGNATURE_PREFIX)
            .ok_or_else(|| err("a signature line starts with an em dash and a space"))?;
        let (name, payload) = rest
            .split_once(' ')
            .ok_or_else(|| err("a signature line is \u{2014} <name> <signature>"))?;
        check_name(name)?;
        let payload = STANDARD
            .decode(payload)
            .map_err(|_| err("the signature is not base64"))?;
        if payload.len() < 5 {
            return Err(err("the signature is too short"));
        }
        Ok(SignatureLine {
            name: name.to_string(),
            id: [payload[0], payload[1], payload[2], payload[3]],
            bytes: payload[4..].to_vec(),
        })
    }

    /// Whether this line is by `key` (same name and key ID).
    pub fn is_by(&self, key: &VerifierKey) -> bool {
        self.name == key.name && self.id == key.id()
    }
}

/// A signed note: its text and signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The text, ending in a newline.
    pub text: String,
    /// The signatures.
    pub signatures: Vec<SignatureLine>,
}

impl Note {
    /// Parses a signed note.
    pub fn parse(note: &str) -> Result<Note, NoteError> {
        let split = note
            .rfind("\n\n")
            .ok_or_else(|| err("a signed note has its text, a blank line and signatures"))?;
        let text = &note[..=split];
        let block = &note[split + 2..];
        if text.trim().is_empty() {
            return Err(err("the note has no text"));
        }
        let block = block
            .strip_suffix('\n')
            .ok_or_else(|| err("a signed note ends with a newline"))?;
        let signatures = block
            .split('\n')
            .map(SignatureLine::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if signatures.is_empty() {
            return Err(err("the note has no signature"));
        }
        Ok(Note {
            text: text.to_string(),
            signatures,
        })
    }

    /// The whole note.
    pub fn encode(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.encode());
            out.push('\n');
        }
        out
    }

    /// Whether `key` (a log key, type 0x01) signed the text.
    pub fn signed_by(&self, key: &VerifierKey) -> bool {
        key.alg == ALG_ED25519
            && self.signatures.iter().any(|s| {
                s.is_by(key)
                    && Signature::from_slice(&s.bytes)
                        .is_ok_and(|sig| key.key.verify_strict(self.text.as_bytes(), &sig).is_ok())
            })
    }

    /// The time of a valid cosignature by `witness` (type 0x04), if the note carries one.
    pub fn cosigned_by(&self, witness: &VerifierKey) -> Option<u64> {
        if witness.alg != ALG_COSIGNATURE_V1 {
            return None;
        }
        self.signatures
            .iter()
            .filter(|s| s.is_by(witness) && s.bytes.len() == 72)
            .find_map(|s| {
                let time = u64::from_be_bytes(s.bytes[..8].try_into().ok()?);
                let sig = Signature::from_slice(&s.bytes[8..]).ok()?;
                witness
                    .key
                    .verify_strict(cosigned_message(&self.text, time).as_bytes(), &sig)
                    .ok()
                    .map(|()| time)
            })
    }
}

/// The note signature line by a log key (`name` is the log's origin).
pub fn sign(text: &str, name: &str, key: &KeyPair) -> Result<SignatureLine, NoteError> {
    check_name(name)?;
    let signature = key.sign_raw(text.as_bytes());
    Ok(SignatureLine {
        name: name.to_string(),
        id: key_id(name, ALG_ED25519, key.verifying_key().as_bytes()),
        bytes: signature.to_vec(),
    })
}

/// The message a cosignature v1 signs.
fn cosigned_message(text: &str, time: u64) -> String {
    format!("cosignature/v1\ntime {time}\n{text}")
}

/// A witness's cosignature v1 of a checkpoint `text` at `time` (POSIX seconds).
pub fn cosign(
    text: &str,
    name: &str,
    key: &SigningKey,
    time: u64,
) -> Result<SignatureLine, NoteError> {
    check_name(name)?;
    let signature = key.sign(cosigned_message(text, time).as_bytes());
    let mut bytes = time.to_be_bytes().to_vec();
    bytes.extend_from_slice(&signature.to_bytes());
    Ok(SignatureLine {
        name: name.to_string(),
        id: key_id(name, ALG_COSIGNATURE_V1, key.verifying_key().as_bytes()),
        bytes,
    })
}

/// The body of a C2SP tlog-checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointBody {
    /// The log's origin.
    pub origin: String,
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
}

impl CheckpointBody {
    /// `<origin>\n<size>\n<base64 root>\n`.
    pub fn text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
    }

    /// Parses a checkpoint's text (extension lines are allowed and ignored).
    pub fn parse(text: &str) -> Result<CheckpointBody, NoteError> {
        let mut lines = text.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(err("the checkpoint has no origin line"));
        }
        let size = lines.next().unwrap_or_default();
        if size.is_empty() || (size.len() > 1 && size.starts_with('0')) {
            return Err(err("the checkpoint's tree size is not a decimal number"));
        }
        let size: u64 = size
            .parse()
            .map_err(|_| err("the checkpoint's tree size is not a decimal number"))?;
        let root: Hash = STANDARD
            .decode(lines.next().unwrap_or_default())
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| err("the checkpoint's root hash is not 32 bytes of base64"))?;
        Ok(CheckpointBody {
            origin: origin.to_string(),
            size,
            root,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of C2SP signed-note (and Go's `note` package): the key, the text and its
    /// signature line are published together.
    const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const SEED_B64: &str = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n";
    const SIGNED: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";

    fn peter() -> KeyPair {
        let seed = STANDARD.decode(SEED_B64).unwrap();
        let seed: [u8; 32] = seed[1..].try_into().unwrap();
        KeyPair::from_seed(&seed)
    }

    #[test]
    fn the_published_example_signs_and_verifies_byte_for_byte() {
        let key = peter();
        let line = sign(TEXT, "PeterNeumann", &key).unwrap();
        assert_eq!(line.encode(), SIGNED);
        let vkey = VerifierKey::new("PeterNeumann", ALG_ED25519, *key.verifying_key()).unwrap();
        assert_eq!(vkey.encode(), VKEY);
        assert_eq!(VerifierKey::parse(VKEY).unwrap(), vkey);
        let note = Note::parse(&format!("{TEXT}\n{SIGNED}\n")).unwrap();
        assert_eq!(note.text, TEXT);
        assert!(note.signed_by(&vkey));
        let tampered = Note::parse(&format!("{}\n{SIGNED}\n", TEXT.replace("you", "we"))).unwrap();
        assert!(!tampered.signed_by(&vkey));
        assert_eq!(note.encode(), format!("{TEXT}\n{SIGNED}\n"));
    }

    #[test]
    fn a_vkey_whose_key_has_a_plus_sign_parses() {
        for seed in 0..64u8 {
            let key = KeyPair::from_seed(&[seed; 32]);
            let vkey =
                VerifierKey::new("log.example/a", ALG_ED25519, *key.verifying_key()).unwrap();
            assert_eq!(
                VerifierKey::parse(&vkey.encode()).unwrap(),
                vkey,
                "{}",
                vkey.encode()
            );
        }
    }

    #[test]
    fn bad_notes_and_keys_are_refused() {
        for bad in [
            "",
            "text\n",
            "text\n\n",
            "text\n\n\u{2014} a b\n",
            "text\n\nno dash\n",
        ] {
            assert!(Note::parse(bad).is_err(), "{bad:?}");
        }
        assert!(
            VerifierKey::parse(
                "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
            )
            .is_err()
        );
        assert!(
            VerifierKey::parse("a b+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
                .is_err()
        );
        assert!(check_name("example.com/log").is_ok());
    }

    #[test]
    fn a_cosignature_holds_only_for_its_checkpoint() {
        let witness = SigningKey::from_bytes(&[7u8; 32]);
        let wkey = VerifierKey::new(
            "witness.example/w1",
            ALG_COSIGNATURE_V1,
            witness.verifying_key(),
        )
        .unwrap();
        let body = CheckpointBody {
            origin: "techledger.example/log".into(),
            size: 20_852_163,
            root: [9u8; 32],
        };
        let text = body.text();
        assert_eq!(CheckpointBody::parse(&text).unwrap(), body);
        let log = KeyPair::generate();
        let mut note = Note {
            text: text.clone(),
            signatures: vec![sign(&text, &body.origin, &log).unwrap()],
        };
        note.signatures
            .push(cosign(&text, "witness.example/w1", &witness, 1_679_315_147).unwrap());
        let parsed = Note::parse(&note.encode()).unwrap();
        assert_eq!(parsed.cosigned_by(&wkey), Some(1_679_315_147));
        let lkey = VerifierKey::new(&body.origin, ALG_ED25519, *log.verifying_key()).unwrap();
        assert!(parsed.signed_by(&lkey));
        assert!(parsed.cosigned_by(&lkey).is_none());
        let other = Note {
            text: CheckpointBody { size: 1, ..body }.text(),
            signatures: parsed.signatures.clone(),
        };
        assert!(other.cosigned_by(&wkey).is_none());
        assert!(!other.signed_by(&lkey));
    }
}
