//! The Merkle tree in the database: the stored hashes (table `tlog_hashes`, see
//! [`super::merkle`]), written by the write path in the transaction that appends the entries;
//! the frontier a writer starts from; reading hashes for roots, proofs and tiles; entry bundles;
//! and catching the tree up with a chain that grew without it (databases made before it).

use diesel::prelude::*;
use serde::{Serialize, Serializer};

use super::chain::{AuditError, AuditRow};
use super::merkle::{self, Frontier, Hash, HashSource, Tile};
use crate::db::DbConn;
use crate::db::schema::{audit_entries, tlog_hashes};

/// The largest entry an entry bundle can carry (tlog-tiles: a big-endian uint16 length).
pub const MAX_ENTRY_BYTES: usize = u16::MAX as usize;

/// A stored hash as written.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, Queryable, Selectable, Serialize)]
#[diesel(table_name = tlog_hashes)]
pub struct HashRow {
    /// Stored-hash number.
    pub id: i64,
    /// The hash (PostgreSQL reads it from JSON as `\x…`, its bytea text form).
    #[serde(serialize_with = "bytea_text")]
    pub hash: Vec<u8>,
}

fn bytea_text<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("\\x{}", super::entry::to_hex(bytes)))
}

/// The rows for the hashes a leaf appended at index `leaf` stores.
pub fn rows_for(leaf: u64, hashes: Vec<Hash>) -> impl Iterator<Item = HashRow> {
    let first = merkle::stored_hash_index(0, leaf);
    hashes.into_iter().enumerate().map(move |(i, h)| HashRow {
        id: i64::try_from(first + i as u64).unwrap_or(i64::MAX),
        hash: h.to_vec(),
    })
}

/// Stored hashes read from a database connection.
pub struct Stored<'c>(pub &'c mut DbConn);

/// A stored hash that should be there is not.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The database.
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    /// The tree is incomplete or damaged.
    #[error("the Merkle tree lacks stored hash {0}")]
    Missing(u64),
}

impl From<ReadError> for AuditError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Db(e) => AuditError::Db(e),
            ReadError::Missing(id) => AuditError::Corrupt {
                seq: 0,
                reason: format!("the Merkle tree lacks stored hash {id}"),
            },
        }
    }
}

impl HashSource for Stored<'_> {
    type Error = ReadError;

    fn hashes(&mut self, ids: &[u64]) -> Result<Vec<Hash>, ReadError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let wanted: Vec<i64> = chunk.iter().map(|&i| i as i64).collect();
            let mut rows: Vec<HashRow> = tlog_hashes::table
                .filter(tlog_hashes::id.eq_any(&wanted))
                .select(HashRow::as_select())
                .load(self.0)?;
            rows.sort_by_key(|r| r.id);
            for &id in chunk {
                let row = rows
                    .binary_search_by_key(&(id as i64), |r| r.id)
                    .map_err(|_| ReadError::Missing(id))?;
                let hash: Hash = rows[row]
                    .hash
                    .as_slice()
                    .try_into()
                    .map_err(|_| ReadError::Missing(id))?;
                out.push(hash);
            }
        }
        Ok(out)
    }
}

/// The frontier of the stored tree of `size` leaves.
pub fn frontier(conn: &mut DbConn, size: u64) -> Result<Frontier, ReadError> {
    let ids = Frontier::ids(size);
    let hashes = Stored(conn).hashes(&ids)?;
    Frontier::from_hashes(size, hashes).ok_or(ReadError::Missing(0))
}

/// The root hash of the stored tree of `size` leaves.
pub fn root(conn: &mut DbConn, size: u64) -> Result<Hash, ReadError> {
    merkle::root(size, &mut Stored(conn))
}

/// A tile's bytes: its hashes, concatenated.
pub fn tile(conn: &mut DbConn, tile: &Tile) -> Result<Vec<u8>, ReadError> {
    Ok(Stored(conn).hashes(&tile.ids())?.concat())
}

/// An entry bundle: each entry's leaf data (its canonical JSON without hash, kid and
/// signature) with a big-endian uint16 length before it.
pub fn entry_bundle(conn: &mut DbConn, tile: &Tile) -> Result<Vec<u8>, AuditError> {
    let leaves = tile.leaves();
    let rows: Vec<AuditRow> = audit_entries::table
        .filter(audit_entries::seq.gt(leaves.start as i64))
        .filter(audit_entries::seq.le(leaves.end as i64))
        .order(audit_entries::seq.asc())
        .select(AuditRow::as_select())
        .load(conn)?;
    if rows.len() as u64 != tile.width {
        return Err(AuditError::Corrupt {
            seq: leaves.start as i64 + 1,
            reason: "the entries of this bundle are not all there".into(),
        });
    }
    let mut out = Vec::new();
    for row in rows {
        let seq = row.seq;
        let data = row.into_entry()?.body().canonical()?;
        let len = u16::try_from(data.len()).map_err(|_| AuditError::Corrupt {
            seq,
            reason: "the entry is too large for an entry bundle".into(),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(data.as_bytes());
    }
    Ok(out)
}

/// How many leaves the stored tree has (the largest size whose stored hashes are all there).
pub fn stored_size(conn: &mut DbConn, at_most: u64) -> Result<u64, ReadError> {
    let max: Option<i64> = tlog_hashes::table
        .select(diesel::dsl::max(tlog_hashes::id))
        .get_result(conn)?;
    let count = max.map_or(0, |m| m as u64 + 1);
    // stored_hash_count is increasing: the largest size whose count fits.
    let (mut lo, mut hi) = (0u64, at_most);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if merkle::stored_hash_count(mid) <= count {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(lo)
}

/// Appends to the stored tree every entry up to `head_seq` it does not hold yet (a chain that
/// grew before the tree existed). Call it holding the chain's head lock. Returns how many
/// leaves were added.
pub fn catch_up(conn: &mut DbConn, head_seq: i64) -> Result<u64, AuditError> {
    let head = u64::try_from(head_seq).unwrap_or(0);
    let size = stored_size(conn, head)?;
    if size == head {
        return Ok(0);
    }
    // Hashes past the last complete leaf (an interrupted write cannot leave any: the tree is
    // written with its entries) would collide with the ones about to be written.
    diesel::delete(
        tlog_hashes::table.filter(tlog_hashes::id.ge(merkle::stored_hash_count(size) as i64)),
    )
    .execute(conn)?;
    let mut tree = frontier(conn, size)?;
    let mut after = size as i64;
    while (after as u64) < head {
        let rows: Vec<AuditRow> = audit_entries::table
            .filter(audit_entries::seq.gt(after))
            .filter(audit_entries::seq.le(head_seq))
            .order(audit_entries::seq.asc())
            .limit(2000)
            .select(AuditRow::as_select())
            .load(conn)?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        let mut new = Vec::with_capacity(rows.len() * 2);
        for row in rows {
            let index = tree.size();
            let leaf = merkle::leaf_hash(row.into_entry()?.body().canonical()?.as_bytes());
            new.extend(rows_for(index, tree.append(leaf)));
        }
        for row in &new {
            diesel::insert_into(tlog_hashes::table)
                .values(row)
                .execute(conn)?;
        }
    }
    Ok(head - size)
}

/// Checks the stored Merkle tree against the entries as a verification streams them: every
/// stored hash must be the one the entries give, and every stored checkpoint's root the tree's
/// root at its size, its signed note the same size and root under a key of the chain.
pub struct TreeCheck {
    tree: Frontier,
    expected: Vec<HashRow>,
    /// Stored checkpoints: size → (root stored, note stored).
    checkpoints: std::collections::BTreeMap<u64, (Option<Vec<u8>>, Option<String>)>,
    roots: std::collections::BTreeMap<u64, Hash>,
    failure: Option<(i64, String)>,
}

impl TreeCheck {
    /// Starts, knowing the stored checkpoints.
    pub fn new(conn: &mut DbConn) -> Result<TreeCheck, AuditError> {
        use crate::db::schema::audit_checkpoints;
        let rows: Vec<(i64, Option<Vec<u8>>, Option<String>)> = audit_checkpoints::table
            .select((
                audit_checkpoints::tree_size,
                audit_checkpoints::root_hash,
                audit_checkpoints::note,
            ))
            .load(conn)?;
        Ok(TreeCheck {
            tree: Frontier::default(),
            expected: Vec::new(),
            checkpoints: rows
                .into_iter()
                .map(|(size, root, note)| (u64::try_from(size).unwrap_or(0), (root, note)))
                .collect(),
            roots: Default::default(),
            failure: None,
        })
    }

    /// Appends the next entry's leaf.
    pub fn push(&mut self, entry: &super::entry::AuditEntry) {
        if self.failure.is_some() {
            return;
        }
        let leaf = match entry.body().canonical() {
            Ok(c) => merkle::leaf_hash(c.as_bytes()),
            Err(e) => {
                self.failure = Some((entry.seq, e.to_string()));
                return;
            }
        };
        let index = self.tree.size();
        self.expected
            .extend(rows_for(index, self.tree.append(leaf)));
        let size = self.tree.size();
        if self.checkpoints.contains_key(&size) {
            self.roots.insert(size, self.tree.root());
        }
    }

    /// Compares the stored hashes of the entries pushed since the last call.
    pub fn compare_stored(&mut self, conn: &mut DbConn) -> Result<(), AuditError> {
        let expected = std::mem::take(&mut self.expected);
        let (Some(first), Some(last)) = (expected.first(), expected.last()) else {
            return Ok(());
        };
        if self.failure.is_some() {
            return Ok(());
        }
        let stored: Vec<HashRow> = tlog_hashes::table
            .filter(tlog_hashes::id.ge(first.id))
            .filter(tlog_hashes::id.le(last.id))
            .order(tlog_hashes::id.asc())
            .select(HashRow::as_select())
            .load(conn)?;
        for want in &expected {
            let got = stored
                .binary_search_by_key(&want.id, |r| r.id)
                .ok()
                .map(|i| &stored[i]);
            if got.map(|g| &g.hash) != Some(&want.hash) {
                let (level, n) = split(want.id as u64);
                // The entry whose append wrote this hash: the last leaf of its subtree.
                let seq = ((n + 1) << level) as i64;
                self.failure = Some((
                    seq,
                    format!(
                        "the stored Merkle tree hash {} (level {level}, node {n}) is {} where the entries give {}",
                        want.id,
                        got.map_or("missing".to_string(), |g| super::entry::to_hex(&g.hash)),
                        super::entry::to_hex(&want.hash)
                    ),
                ));
                break;
            }
        }
        Ok(())
    }

    /// The first disagreement, after checking the stored checkpoints against the tree and
    /// their notes against `keys` (the chain's keys as checkpoint verifiers).
    pub fn finish(
        mut self,
        origin_keys: impl Fn(&str) -> Vec<(String, super::note::VerifierKey)>,
    ) -> Option<(i64, String)> {
        if let Some(f) = self.failure.take() {
            return Some(f);
        }
        for (size, (root, note)) in &self.checkpoints {
            let Some(want) = self.roots.get(size) else {
                if *size > self.tree.size() {
                    return Some((
                        i64::try_from(*size).unwrap_or(i64::MAX),
                        format!(
                            "a checkpoint of {size} entries is stored, but the chain has {}",
                            self.tree.size()
                        ),
                    ));
                }
                continue;
            };
            if let Some(root) = root
                && root.as_slice() != want.as_slice()
            {
                return Some((
                    *size as i64,
                    format!(
                        "the checkpoint of {size} entries stores root {} where the tree has {}",
                        super::entry::to_hex(root),
                        merkle::hex(want)
                    ),
                ));
            }
            if let Some(note) = note {
                let origin = note.split('\n').next().unwrap_or_default();
                match super::receipt::open_checkpoint(note, origin, &origin_keys(origin)) {
                    Ok((body, _, _)) if body.size == *size && body.root == *want => {}
                    Ok(_) => {
                        return Some((
                            *size as i64,
                            format!(
                                "the signed note of the checkpoint of {size} entries names another tree"
                            ),
                        ));
                    }
                    Err(e) => {
                        return Some((
                            *size as i64,
                            format!("the checkpoint of {size} entries: {e}"),
                        ));
                    }
                }
            }
        }
        None
    }
}

/// The (level, index) of a stored-hash number.
fn split(id: u64) -> (u32, u64) {
    // Leaf n's hashes start at stored_hash_index(0, n) < 2n: search from id/2.
    let mut n = id / 2;
    while merkle::stored_hash_index(0, n + 1) <= id {
        n += 1;
    }
    while merkle::stored_hash_index(0, n) > id {
        n -= 1;
    }
    let level = (id - merkle::stored_hash_index(0, n)) as u32;
    (level, n >> level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_hash_number_splits_back_into_its_node() {
        for id in 0..20_000u64 {
            let (level, n) = split(id);
            assert_eq!(merkle::stored_hash_index(level, n), id, "{id}");
        }
    }

    #[test]
    fn hashes_travel_to_postgresql_as_bytea_text() {
        let row = HashRow {
            id: 3,
            hash: vec![0, 1, 0xab],
        };
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            r#"{"id":3,"hash":"\\x0001ab"}"#
        );
    }
}
