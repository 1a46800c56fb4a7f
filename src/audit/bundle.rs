//! The offline audit bundle (`techledger export bundle DIR`): everything an auditor needs to
//! verify the chain without our server — the entries, the public keys, a signed checkpoint of
//! the head, an independent verifier in Python, and instructions in Chinese and English.

use std::io::Write;
use std::path::Path;

use crate::app::Services;

/// Why the bundle could not be written.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The directory.
    #[error("{0}")]
    Io(String),
    /// The chain.
    #[error("{0}")]
    Chain(String),
}

const VERIFIER: &str = include_str!("../../tests/interop/verify_audit_export.py");
const REQUIREMENTS: &str = include_str!("../../tests/interop/requirements.txt");

/// Writes the bundle and returns a one-line summary.
pub fn write(services: &Services, dir: &Path) -> Result<String, BundleError> {
    let io = |e: std::io::Error| BundleError::Io(format!("{}: {e}", dir.display()));
    if dir.exists() && std::fs::read_dir(dir).map_err(io)?.next().is_some() {
        return Err(BundleError::Io(format!("{} is not empty", dir.display())));
    }
    std::fs::create_dir_all(dir).map_err(io)?;
    let checkpoint = services
        .ledger
        .checkpoint_blocking()
        .map_err(|e| BundleError::Chain(e.to_string()))?;
    let (entries, jwks) = services
        .db
        .run_blocking(|conn| {
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(dir.join("audit.jsonl"))
                    .map_err(|e| crate::db::DbError::Task(e.to_string()))?,
            );
            let mut after = 0;
            let mut count = 0u64;
            // Up to the checkpoint's head: entries appended meanwhile are left for the next bundle.
            while after < checkpoint.tree_size {
                let page = super::chain::entries_after(
                    conn,
                    after,
                    5000.min(checkpoint.tree_size - after),
                )
                .map_err(|e| crate::db::DbError::Task(e.to_string()))?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                for entry in &page {
                    let line = entry
                        .to_line()
                        .map_err(|e| crate::db::DbError::Task(e.to_string()))?;
                    writeln!(file, "{line}")
                        .map_err(|e| crate::db::DbError::Task(e.to_string()))?;
                    count += 1;
                }
            }
            file.flush()
                .map_err(|e| crate::db::DbError::Task(e.to_string()))?;
            let jwks = super::jwks::served(conn, &services.keys)
                .map_err(|e| crate::db::DbError::Task(e.to_string()))?;
            Ok::<_, crate::db::DbError>((count, jwks))
        })
        .map_err(|e| BundleError::Chain(e.to_string()))?;
    std::fs::write(dir.join("jwks.json"), pretty(&jwks)).map_err(io)?;
    std::fs::write(dir.join("checkpoint.json"), pretty(&checkpoint)).map_err(io)?;
    std::fs::write(dir.join("verify_audit_export.py"), VERIFIER).map_err(io)?;
    std::fs::write(dir.join("requirements.txt"), REQUIREMENTS).map_err(io)?;
    let root = jwks
        .keys
        .first()
        .and_then(|k| super::verify::decode_public_key(&k.x))
        .map(|k| super::keys::fingerprint(&k))
        .unwrap_or_default();
    std::fs::write(dir.join("README.md"), readme(entries, &checkpoint, &root)).map_err(io)?;
    Ok(format!(
        "wrote {} entries (head {}) with the JWKS, a signed checkpoint and a verifier to {}",
        entries,
        checkpoint.head_hash,
        dir.display()
    ))
}

fn pretty<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

fn readme(entries: u64, checkpoint: &super::checkpoint::Checkpoint, root: &str) -> String {
    format!(
        r#"# 审计数据包 · Audit bundle

临沂市技术成果交易中心 技术合同账本（techledger）审计链的离线副本。
An offline copy of the audit chain of techledger, the technology contract ledger of the Linyi
Technology Achievement Trading Centre.

- `audit.jsonl` — {entries} 条审计记录，每行一条，按 seq 排序 / {entries} entries, one per line, in seq order
- `jwks.json` — 所有签名公钥（Ed25519，含各自签名的 seq 范围）/ every signing public key (Ed25519, with the seqs each signs)
- `checkpoint.json` — 链头的签名检查点：tree_size {size}，head_hash {head} / a signed checkpoint of the head
- `verify_audit_export.py`, `requirements.txt` — 独立校验程序（Python + PyJWT，不含本系统代码）/ an independent verifier (Python + PyJWT, none of our code)

根密钥指纹 / root key fingerprint: `{root}`

## 中文：如何校验

**先核对根密钥指纹。** 链中的第一把密钥是信任根；之后每次轮换的 `key.rotate` 记录都带有上一把密钥的
签名背书（`endorsement`）。数据包中的 `jwks.json` 来自被审计的服务器本身，不能单独作为信任依据：请把上面
的根密钥指纹与交易中心事先公布（或您此前记录）的指纹核对，并用 `--trust-root` 校验。

每条记录的 `hash` 是去掉 `hash`、`kid`、`signature` 三个字段后按 RFC 8785 规范化 JSON 的 SHA-256；
`prev_hash` 等于上一条的 `hash`（第一条为 64 个 0）；`seq` 从 1 起连续；`signature` 是用 `kid`
所指 Ed25519 私钥签发的 JWS（`alg: EdDSA`），其声明 `{{seq, hash, prev_hash, iat}}` 必须与记录一致。

1. 用 techledger 命令行：`techledger verify audit.jsonl --trust-root 根密钥指纹 --checkpoint checkpoint.json`
   全部通过时输出 `OK …` 并返回 0，否则指出第一条出错的 seq 并返回非零。
2. 不用本系统任何代码：`pip install -r requirements.txt`，然后
   `python3 verify_audit_export.py audit.jsonl --trust-root 根密钥指纹 --checkpoint checkpoint.json`。
3. 用任何 JOSE 库（如 PyJWT、jose4j、node-jose）：按上述规则重算每条的哈希；从第一条 `key.rotate`
   起跟随密钥轮换（每把新密钥须有上一把密钥的背书），用轮到的那把密钥校验 `signature`，并核对 seq 与
   prev_hash 的连续性。

检查点说明：检查点由服务器签名，证明在签名时链共有 tree_size 条记录、链头哈希为 head_hash。
若日后有人删改了较早的记录，重新导出的链将与此检查点不符。

## English: how to verify

**Check the root key first.** The chain's first key is its root of trust; every later
`key.rotate` entry carries an `endorsement` signed by the key before it. The `jwks.json` here
comes from the server being audited and proves nothing on its own: compare the root fingerprint
above with the one the centre published (or you noted earlier) and verify with `--trust-root`.

Each entry's `hash` is the SHA-256 of the entry without `hash`, `kid` and `signature`, serialised
as RFC 8785 canonical JSON; `prev_hash` equals the previous entry's `hash` (64 zeros for the
first); `seq` runs from 1 without gaps; `signature` is a JWS (`alg: EdDSA`) made with the Ed25519
key named by `kid`, whose claims `{{seq, hash, prev_hash, iat}}` must match the entry.

1. With the techledger command line: `techledger verify audit.jsonl --trust-root FINGERPRINT --checkpoint checkpoint.json`
   prints `OK …` and exits 0 when everything holds, else names the first bad seq and exits non-zero.
2. Without any of our code: `pip install -r requirements.txt`, then
   `python3 verify_audit_export.py audit.jsonl --trust-root FINGERPRINT --checkpoint checkpoint.json`.
3. With any JOSE library: recompute every hash as above; follow the key rotations from the first
   `key.rotate` entry (each new key endorsed by the one before), verify each `signature` with the
   key whose turn it is, and check that seq and prev_hash are continuous.

The checkpoint is signed by the server: it proves that when it was signed the chain held
tree_size entries ending in head_hash. A later edit or deletion of earlier entries makes a fresh
export disagree with it.
"#,
        size = checkpoint.tree_size,
        head = checkpoint.head_hash,
    )
}
