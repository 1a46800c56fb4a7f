//! The Merkle tree over the audit entries, as RFC 6962 / RFC 9162 define it: leaf n (0-based)
//! is entry seq n+1, its hash SHA-256(0x00 ‖ the entry's canonical JSON without hash, kid and
//! signature), an interior node SHA-256(0x01 ‖ left ‖ right). Pure functions only: hashing, the
//! append-only layout of the stored node hashes, roots, inclusion and consistency proofs and
//! their verification, and the C2SP tlog-tiles coordinates. Storage is in [`super::tlog`].
//!
//! Stored hashes are numbered as in Go's sumdb `tlog` (and the `tlog_tiles` crate): the hashes
//! written when leaf n is appended — the leaf and every subtree it completes — get consecutive
//! numbers from [`stored_hash_index`]`(0, n)`, so the table only ever grows at its end.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// Tile height of C2SP tlog-tiles: a tile holds 2^8 hashes.
pub const TILE_HEIGHT: u32 = 8;
/// Hashes in a full tile.
pub const TILE_WIDTH: u64 = 1 << TILE_HEIGHT;

/// The hash of leaf `data`: SHA-256(0x00 ‖ data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an interior node: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The number of the stored hash of the node at `level` with index `n` within its level (the
/// complete subtree of leaves `[n·2^level, (n+1)·2^level)`).
pub fn stored_hash_index(level: u32, n: u64) -> u64 {
    // Level L's n-th hash is written right after level L+1's (2n+1)-th: walk down to level 0,
    // where leaf n's hash is written at n + n/2 + n/4 + …, then add the levels back.
    let mut n = n;
    for _ in 0..level {
        n = 2 * n + 1;
    }
    let mut i = 0;
    while n > 0 {
        i += n;
        n >>= 1;
    }
    i + u64::from(level)
}

/// How many hashes are stored for a tree of `size` leaves.
pub fn stored_hash_count(size: u64) -> u64 {
    if size == 0 {
        return 0;
    }
    // Leaf size-1 and the subtrees it completed: one for each trailing 1 bit of size-1.
    stored_hash_index(0, size - 1) + 1 + u64::from((size - 1).trailing_ones())
}

/// The largest power of two below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// The compact range of a tree: the hashes of its maximal complete subtrees, largest (leftmost)
/// first — all an appender needs to know to add leaves and to compute the root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    hashes: Vec<Hash>,
}

impl Frontier {
    /// The stored-hash numbers of the subtrees of the compact range of a tree of `size` leaves,
    /// in the order [`Frontier::from_hashes`] takes their hashes.
    pub fn ids(size: u64) -> Vec<u64> {
        let mut ids = Vec::new();
        let mut start = 0;
        for level in (0..64u32).rev() {
            if size & (1 << level) != 0 {
                ids.push(stored_hash_index(level, start >> level));
                start += 1 << level;
            }
        }
        ids
    }

    /// The frontier of a tree of `size` leaves from the hashes of [`Frontier::ids`]`(size)`.
    pub fn from_hashes(size: u64, hashes: Vec<Hash>) -> Option<Frontier> {
        (hashes.len() == size.count_ones() as usize).then_some(Frontier { size, hashes })
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf; returns the hashes to store from [`stored_hash_index`]`(0, n)` on, n
    /// being the new leaf's index: the leaf hash, then each subtree it completes.
    pub fn append(&mut self, leaf: Hash) -> Vec<Hash> {
        let n = self.size;
        let mut out = Vec::with_capacity(1 + n.trailing_ones() as usize);
        out.push(leaf);
        let mut h = leaf;
        for _ in 0..n.trailing_ones() {
            let left = self.hashes.pop().unwrap_or_default();
            h = node_hash(&left, &h);
            out.push(h);
        }
        self.hashes.push(h);
        self.size += 1;
        out
    }

    /// The root hash of the tree.
    pub fn root(&self) -> Hash {
        let mut hashes = self.hashes.iter().rev();
        match hashes.next() {
            None => empty_root(),
            Some(last) => hashes.fold(*last, |right, left| node_hash(left, &right)),
        }
    }
}

/// Where stored hashes come from (the database, memory, tiles).
pub trait HashSource {
    /// The error of a read.
    type Error;
    /// The hashes stored under `ids`, in that order.
    fn hashes(&mut self, ids: &[u64]) -> Result<Vec<Hash>, Self::Error>;
}

/// A computation over the tree that asks for stored hashes: run once to learn which, then
/// again with them, so that a source is read once per proof.
struct Nodes<'a> {
    known: Option<&'a std::collections::HashMap<u64, Hash>>,
    wanted: Vec<u64>,
}

impl Nodes<'_> {
    fn get(&mut self, id: u64) -> Hash {
        match self.known {
            Some(known) => known.get(&id).copied().unwrap_or_default(),
            None => {
                self.wanted.push(id);
                Hash::default()
            }
        }
    }

    /// MTH(D[lo:hi]) (RFC 9162 §2.1.1), from stored complete subtrees wherever possible.
    fn mth(&mut self, lo: u64, hi: u64) -> Hash {
        let n = hi - lo;
        if n == 0 {
            return empty_root();
        }
        if n.is_power_of_two() && lo.is_multiple_of(n) {
            return self.get(stored_hash_index(n.trailing_zeros(), lo / n));
        }
        let k = split(n);
        let left = self.mth(lo, lo + k);
        let right = self.mth(lo + k, hi);
        node_hash(&left, &right)
    }

    /// PATH(m, D[lo:hi]) (RFC 9162 §2.1.3.1).
    fn path(&mut self, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            self.path(m, lo, lo + k, out);
            let h = self.mth(lo + k, hi);
            out.push(h);
        } else {
            self.path(m - k, lo + k, hi, out);
            let h = self.mth(lo, lo + k);
            out.push(h);
        }
    }

    /// SUBPROOF(m, D[lo:hi], b) (RFC 9162 §2.1.4.1).
    fn subproof(&mut self, m: u64, lo: u64, hi: u64, complete: bool, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if m == n {
            if !complete {
                let h = self.mth(lo, hi);
                out.push(h);
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, lo, lo + k, complete, out);
            let h = self.mth(lo + k, hi);
            out.push(h);
        } else {
            self.subproof(m - k, lo + k, hi, false, out);
            let h = self.mth(lo, lo + k);
            out.push(h);
        }
    }
}

/// Runs `compute` once to collect the stored hashes it needs, reads them in one go, and runs
/// it again with them.
fn with_nodes<S: HashSource, T>(
    source: &mut S,
    compute: impl Fn(&mut Nodes<'_>) -> T,
) -> Result<T, S::Error> {
    let mut plan = Nodes {
        known: None,
        wanted: Vec::new(),
    };
    compute(&mut plan);
    let mut ids = plan.wanted;
    ids.sort_unstable();
    ids.dedup();
    let hashes = source.hashes(&ids)?;
    let known: std::collections::HashMap<u64, Hash> = ids.into_iter().zip(hashes).collect();
    Ok(compute(&mut Nodes {
        known: Some(&known),
        wanted: Vec::new(),
    }))
}

/// The root hash of the tree of `size` leaves.
pub fn root<S: HashSource>(size: u64, source: &mut S) -> Result<Hash, S::Error> {
    with_nodes(source, |n| n.mth(0, size))
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves (index < size).
pub fn inclusion_proof<S: HashSource>(
    index: u64,
    size: u64,
    source: &mut S,
) -> Result<Vec<Hash>, S::Error> {
    with_nodes(source, |n| {
        let mut out = Vec::new();
        n.path(index, 0, size, &mut out);
        out
    })
}

/// The consistency proof from the tree of `old` leaves to the tree of `new` (0 < old ≤ new).
pub fn consistency_proof<S: HashSource>(
    old: u64,
    new: u64,
    source: &mut S,
) -> Result<Vec<Hash>, S::Error> {
    with_nodes(source, |n| {
        let mut out = Vec::new();
        if 0 < old && old < new {
            n.subproof(old, 0, new, true, &mut out);
        }
        out
    })
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// Checks a consistency proof between the tree of `old` leaves with root `old_root` and the
/// tree of `new` leaves with root `new_root` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old > new {
        return false;
    }
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    if old == 0 {
        return proof.is_empty();
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    fr == *old_root && sr == *new_root && s == 0
}

/// A tile of C2SP tlog-tiles: at `level` L it holds the hashes of the complete subtrees of
/// 256^L leaves numbered `index`·256 … `index`·256 + width − 1 (tree level 8L).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    /// Tile level (0: leaf hashes).
    pub level: u32,
    /// Index within the level.
    pub index: u64,
    /// Hashes in it: 256 for a full tile, 1–255 for a partial one.
    pub width: u64,
}

impl Tile {
    /// Parses `<L>/<N>[.p/<W>]` (for an entry bundle, `<N>[.p/<W>]` with `level` None): N in
    /// zero-padded three-digit elements, all but the last prefixed by `x`; nothing else is
    /// accepted, so every tile has exactly one path.
    pub fn parse(path: &str, entries: bool) -> Option<Tile> {
        let (path, width) = match path.split_once(".p/") {
            Some((p, w)) => (p, Some(w)),
            None => (path, None),
        };
        let mut parts = path.split('/');
        let level = if entries {
            0
        } else {
            let l = parts.next()?;
            if l.is_empty() || (l.len() > 1 && l.starts_with('0')) || l.len() > 2 {
                return None;
            }
            let l: u32 = l.parse().ok()?;
            (l <= 63).then_some(l)?
        };
        let elements: Vec<&str> = parts.collect();
        let (last, rest) = elements.split_last()?;
        let mut index: u64 = 0;
        for (i, e) in rest.iter().enumerate() {
            let digits = e.strip_prefix('x')?;
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            if i == 0 && digits == "000" {
                return None;
            }
            index = index.checked_mul(1000)?.checked_add(digits.parse().ok()?)?;
        }
        if last.len() != 3 || !last.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        index = index.checked_mul(1000)?.checked_add(last.parse().ok()?)?;
        let width = match width {
            None => TILE_WIDTH,
            Some(w) => {
                if w.is_empty() || w.starts_with('0') || w.len() > 3 {
                    return None;
                }
                let w: u64 = w.parse().ok()?;
                (1..TILE_WIDTH).contains(&w).then_some(w)?
            }
        };
        Some(Tile {
            level,
            index,
            width,
        })
    }

    /// The path of the tile (`<L>/<N>[.p/<W>]`), or of the entry bundle without the level.
    pub fn path(&self, entries: bool) -> String {
        let mut elements = Vec::new();
        let mut n = self.index;
        elements.push(format!("{:03}", n % 1000));
        while n >= 1000 {
            n /= 1000;
            elements.push(format!("x{:03}", n % 1000));
        }
        elements.reverse();
        let mut path = elements.join("/");
        if !entries {
            path = format!("{}/{path}", self.level);
        }
        if self.width < TILE_WIDTH {
            path.push_str(&format!(".p/{}", self.width));
        }
        path
    }

    /// The stored-hash numbers of its hashes, in order.
    pub fn ids(&self) -> Vec<u64> {
        let level = self.level * TILE_HEIGHT;
        (0..self.width)
            .map(|i| stored_hash_index(level, self.index * TILE_WIDTH + i))
            .collect()
    }

    /// Whether the tree of `size` leaves holds every hash of this tile.
    pub fn exists_in(&self, size: u64) -> bool {
        let nodes = size >> (self.level * TILE_HEIGHT);
        self.level < 8 && (self.index * TILE_WIDTH + self.width) <= nodes
    }

    /// For an entry bundle: the 0-based leaf indexes it holds.
    pub fn leaves(&self) -> std::ops::Range<u64> {
        let start = self.index * TILE_WIDTH;
        start..start + self.width
    }
}

/// Lower-case hex.
pub fn hex(hash: &Hash) -> String {
    super::entry::to_hex(hash)
}

/// Parses 64 hex digits.
pub fn parse_hex(text: &str) -> Option<Hash> {
    if text.len() != 64 {
        return None;
    }
    let mut out = Hash::default();
    for (i, chunk) in text.as_bytes().chunks(2).enumerate() {
        let s = std::str::from_utf8(chunk).ok()?;
        out[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored hashes of a tree of "leaf i" leaves, as a `HashSource`.
    struct Memory(Vec<Hash>);

    impl HashSource for Memory {
        type Error = String;
        fn hashes(&mut self, ids: &[u64]) -> Result<Vec<Hash>, String> {
            ids.iter()
                .map(|&i| {
                    self.0
                        .get(usize::try_from(i).map_err(|e| e.to_string())?)
                        .copied()
                        .ok_or_else(|| format!("no stored hash {i}"))
                })
                .collect()
        }
    }

    fn tree(size: u64) -> (Memory, Frontier) {
        let mut frontier = Frontier::default();
        let mut stored = Vec::new();
        for i in 0..size {
            assert_eq!(stored.len() as u64, stored_hash_index(0, i));
            stored.extend(frontier.append(leaf_hash(format!("leaf {i}").as_bytes())));
        }
        assert_eq!(stored.len() as u64, stored_hash_count(size));
        (Memory(stored), frontier)
    }

    /// Reference values made by the `tlog_tiles` crate (a port of Go's sumdb tlog) over the
    /// same leaves, "leaf 0" … "leaf 69999".
    const VECTORS: &str = include_str!("merkle_vectors.txt");

    fn vector(prefix: &str) -> Vec<Hash> {
        let line = VECTORS
            .lines()
            .find(|l| l.starts_with(prefix) && !l.starts_with('#'))
            .unwrap_or_else(|| panic!("no vector {prefix}"));
        let list = line.rsplit(' ').next().unwrap_or("");
        list.split(',')
            .filter(|h| !h.is_empty())
            .map(|h| parse_hex(h).expect("hex"))
            .collect()
    }

    #[test]
    fn roots_stored_hashes_and_proofs_match_the_reference_implementation() {
        let (mut memory, frontier) = tree(70_000);
        assert_eq!(stored_hash_count(70_000), 139_994);
        for size in [1u64, 2, 3, 7, 8, 255, 256, 257, 1000, 65536, 70000] {
            let want = vector(&format!("root {size} "))[0];
            assert_eq!(root(size, &mut memory).unwrap(), want, "root {size}");
        }
        assert_eq!(frontier.root(), vector("root 70000 ")[0]);
        for (t, i) in [
            (1000u64, 5u64),
            (1000, 999),
            (70000, 69999),
            (70000, 12345),
            (7, 6),
        ] {
            let proof = inclusion_proof(i, t, &mut memory).unwrap();
            assert_eq!(proof, vector(&format!("inclusion t={t} i={i} ")), "{t} {i}");
            let leaf = leaf_hash(format!("leaf {i}").as_bytes());
            let r = root(t, &mut memory).unwrap();
            assert!(verify_inclusion(i, t, &leaf, &proof, &r));
            assert!(!verify_inclusion(i ^ 1, t, &leaf, &proof, &r));
        }
        for (t, m) in [
            (1000u64, 300u64),
            (70000, 65536),
            (70000, 1),
            (8, 3),
            (1000, 1000),
        ] {
            let proof = consistency_proof(m, t, &mut memory).unwrap();
            assert_eq!(
                proof,
                vector(&format!("consistency m={m} t={t} ")),
                "{m} {t}"
            );
            let (a, b) = (root(m, &mut memory).unwrap(), root(t, &mut memory).unwrap());
            assert!(verify_consistency(m, t, &a, &b, &proof));
        }
    }

    #[test]
    fn every_small_tree_proves_and_refuses_consistently() {
        let (mut memory, _) = tree(40);
        for size in 1..=40u64 {
            let r = root(size, &mut memory).unwrap();
            for i in 0..size {
                let leaf = leaf_hash(format!("leaf {i}").as_bytes());
                let proof = inclusion_proof(i, size, &mut memory).unwrap();
                assert!(
                    verify_inclusion(i, size, &leaf, &proof, &r),
                    "{i} in {size}"
                );
                let other = leaf_hash(b"not a leaf");
                assert!(!verify_inclusion(i, size, &other, &proof, &r));
                if !proof.is_empty() {
                    let mut bad = proof.clone();
                    bad[0][0] ^= 1;
                    assert!(!verify_inclusion(i, size, &leaf, &bad, &r));
                }
            }
            for old in 1..=size {
                let a = root(old, &mut memory).unwrap();
                let proof = consistency_proof(old, size, &mut memory).unwrap();
                assert!(
                    verify_consistency(old, size, &a, &r, &proof),
                    "{old}→{size}"
                );
                if old < size {
                    let forked = leaf_hash(b"forked");
                    assert!(!verify_consistency(old, size, &forked, &r, &proof));
                    assert!(!verify_consistency(old, size, &a, &forked, &proof));
                }
            }
        }
    }

    #[test]
    fn the_frontier_reloads_from_its_stored_subtrees() {
        let (mut memory, frontier) = tree(1000);
        let ids = Frontier::ids(1000);
        let hashes = memory.hashes(&ids).unwrap();
        let reloaded = Frontier::from_hashes(1000, hashes).unwrap();
        assert_eq!(reloaded, frontier);
        assert!(Frontier::from_hashes(1000, vec![]).is_none());
        assert_eq!(Frontier::default().root(), empty_root());
    }

    #[test]
    fn tile_paths_are_canonical_and_their_hashes_match_the_reference() {
        for (path, tile) in [
            ("0/000", (0, 0, 256)),
            ("0/273.p/112", (0, 273, 112)),
            ("1/x001/x234/067", (1, 1_234_067, 256)),
            ("2/000.p/1", (2, 0, 1)),
        ] {
            let t = Tile::parse(path, false).expect(path);
            assert_eq!((t.level, t.index, t.width), tile);
            assert_eq!(t.path(false), path);
        }
        for bad in [
            "00/000",
            "0/0000",
            "0/x000/001",
            "0/001.p/0",
            "0/001.p/256",
            "0/001.p/07",
            "64/000",
            "0/x1/001",
            "0/",
            "0/001/",
            "0/abc",
            "0/001.p/",
            "",
        ] {
            assert!(Tile::parse(bad, false).is_none(), "{bad}");
        }
        let e = Tile::parse("x001/000.p/5", true).expect("entries");
        assert_eq!((e.index, e.width, e.leaves()), (1000, 5, 256_000..256_005));
        let (mut memory, _) = tree(70_000);
        for (path, want) in [
            (
                "0/000",
                "3658d44ebeb979b996b87ac966392dffbe9a628e34cb70bbff0ba844e74c31c6",
            ),
            (
                "0/273.p/112",
                "a8e4ee4e4f31c2fac9bb546b9b57c22f6c92e15c11adee487d09ebc926ab3ad7",
            ),
            (
                "1/000",
                "7b8fc3b25031a7c9b1a317c9453f6f293b414e958d0e80a765be6f00930c3984",
            ),
            (
                "1/001.p/17",
                "f1b11556adcce30fcd3fca6ef542ccf6a4319ab92143fb7c8f6c8f1d2e08209e",
            ),
            (
                "2/000.p/1",
                "d84406334bc5243eb04ecd6b99e64380d67aaa2b2880a838a123e1b539927708",
            ),
        ] {
            let tile = Tile::parse(path, false).unwrap();
            assert!(tile.exists_in(70_000), "{path}");
            let bytes: Vec<u8> = memory.hashes(&tile.ids()).unwrap().concat();
            assert_eq!(super::super::entry::sha256_hex(&bytes), want, "{path}");
        }
        assert!(!Tile::parse("0/273", false).unwrap().exists_in(70_000));
        assert!(!Tile::parse("1/001.p/18", false).unwrap().exists_in(70_000));
    }
}
