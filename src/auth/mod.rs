//! Who is asking and what they may do: argon2id passwords, Ed25519 login tokens (algorithm,
//! key, issuer, audience and expiry pinned), a per-user token generation that revokes every
//! token at once, revocation of single tokens (signing out), role guards that make each route
//! state its roles, and login throttling.

pub mod guards;
pub mod jwt_crypto;
pub mod password;
pub mod rate_limit;
pub mod revocations;
pub mod token;

pub use guards::{
    ADMIN, ANY_ROLE, APPLICANT, AUDITOR, Admin, Applicant, ApplicantManager, AuditReader, Auditor,
    AuthUser, Authorized, LedgerReader, OFFICIAL, REGISTRAR, Registrar, Staff, StatsReader,
};
pub use password::Passwords;
pub use rate_limit::{LoginLimiter, PublicLookupLimiter, SignUpLimiter};
pub use token::{Claims, TokenIssuer};
