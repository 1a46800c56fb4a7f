//! The rules' view of the ledger: registered contracts as compact rows, and each office's
//! turnover in earlier years.
//!
//! A national year is a million contracts and the comparing rules read two years, so a row
//! holds no heap data: party ids are kept as their 128-bit UUID value and registration
//! numbers as their 16-digit value. Both forms are exact (the text is rebuilt from the value);
//! a text not in the canonical form — which the ledger never writes — gets a key from a side
//! table instead, outside the canonical range, so keys never collide.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// One registered contract as loaded: only the columns the rules read (see `load::rows`).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub(crate) struct RawRow {
    /// Registration number.
    pub registration_no: Option<String>,
    /// Registering office code.
    pub office: String,
    /// A development contract (技术开发), computed by the database.
    pub development: bool,
    /// Seller party id.
    pub seller_id: String,
    /// Buyer party id.
    pub buyer_id: String,
    /// Signing date.
    pub signed_on: NaiveDate,
    /// Contract amount, fen.
    pub contract_amount_fen: i64,
    /// Technical amount, fen.
    pub technical_amount_fen: i64,
    /// Registration time, UTC — loaded only where the late-registration rule needs it (a
    /// contract of the year signed early enough to be late); parsing it for every row would
    /// cost more than the rest of the row.
    pub registered_at: Option<NaiveDateTime>,
    /// Registration year (Asia/Shanghai).
    pub registered_year: Option<i32>,
    /// Registration month (Asia/Shanghai).
    pub registered_month: Option<i32>,
}

/// A party, by the value of its UUID (see the module documentation).
pub(crate) type PartyKey = u128;

/// A registration number, by its value (see the module documentation).
pub(crate) type NumberKey = u64;

/// Party keys from here up index `Dataset::odd_parties`.
const ODD_PARTY: PartyKey = PartyKey::MAX - u32::MAX as PartyKey;

/// Number keys from here up index `Dataset::odd_numbers` (canonical numbers are below 10^16).
const ODD_NUMBER: NumberKey = 1 << 63;

/// One registered contract as the rules see it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    /// Registration number.
    pub number: NumberKey,
    /// Seller.
    pub seller: PartyKey,
    /// Buyer.
    pub buyer: PartyKey,
    /// Contract amount, fen.
    pub amount: i64,
    /// Technical amount, fen.
    pub technical: i64,
    /// Signing date.
    pub signed_on: NaiveDate,
    /// Registration date in Asia/Shanghai, where loaded (see `RawRow::registered_at`).
    pub registered_on: Option<NaiveDate>,
    /// Registration year.
    pub year: i32,
    /// Registration month.
    pub month: i32,
    /// Index into `Dataset::offices`.
    pub office: u32,
    /// A development contract (技术开发).
    pub development: bool,
}

impl Row {
    /// Signing date as a day number, for window arithmetic.
    pub fn signed_day(&self) -> i32 {
        chrono::Datelike::num_days_from_ce(&self.signed_on)
    }
}

/// What findings show of a contract beyond what the rules read, by registration number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Details {
    /// Contract id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Registration date in Asia/Shanghai.
    pub registered_on: Option<NaiveDate>,
}

/// An office's turnover in the years before the one evaluated (from the rollups).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OfficeHistory {
    /// Turnover registered in December of those years, fen (128 bits: several years may add up
    /// past the largest total of one).
    pub december_fen: i128,
    /// Turnover of those years, fen.
    pub total_fen: i128,
    /// The years with turnover.
    pub years: BTreeSet<i32>,
}

/// Texts without a canonical form, each with its index.
#[derive(Debug, Clone, Default)]
struct OddTexts {
    texts: Vec<String>,
    index: HashMap<String, u64>,
}

impl OddTexts {
    fn index(&mut self, s: String) -> u64 {
        if let Some(&i) = self.index.get(&s) {
            return i;
        }
        let i = self.texts.len() as u64;
        self.texts.push(s.clone());
        self.index.insert(s, i);
        i
    }

    fn text(&self, i: u64) -> String {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.texts.get(i))
            .cloned()
            .unwrap_or_default()
    }
}

/// Everything the rules read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dataset {
    /// The year the findings are about.
    pub year: i32,
    /// Registered contracts of that year and, for the rules that compare contracts, of the
    /// year before.
    pub rows: Vec<Row>,
    /// Office codes, by index.
    pub offices: Vec<String>,
    /// Earlier years per office code.
    pub history: BTreeMap<String, OfficeHistory>,
    /// Party ids not in canonical UUID form.
    odd_parties: OddTexts,
    /// Registration numbers not of 16 digits.
    odd_numbers: OddTexts,
}

impl Dataset {
    /// An empty dataset for `year` with the offices' earlier turnover.
    pub fn new(year: i32, history: BTreeMap<String, OfficeHistory>) -> Dataset {
        Dataset {
            year,
            history,
            ..Dataset::default()
        }
    }

    /// A dataset of the given rows (for tests).
    #[cfg(test)]
    pub fn of(year: i32, raw: Vec<RawRow>, history: BTreeMap<String, OfficeHistory>) -> Dataset {
        let mut data = Dataset::new(year, history);
        for r in raw {
            data.push(r);
        }
        data
    }

    /// Adds one loaded row (a row without a registration number or period is skipped: a
    /// registered contract always has both).
    pub fn push(&mut self, r: RawRow) {
        let (Some(no), Some(year), Some(month)) =
            (r.registration_no, r.registered_year, r.registered_month)
        else {
            return;
        };
        let row = Row {
            number: self.number_key(no),
            seller: self.party_key(r.seller_id),
            buyer: self.party_key(r.buyer_id),
            amount: r.contract_amount_fen,
            technical: r.technical_amount_fen,
            signed_on: r.signed_on,
            registered_on: r.registered_at.map(crate::time::shanghai_date),
            year,
            month,
            office: self.office_index(r.office),
            development: r.development,
        };
        self.rows.push(row);
    }

    /// Whether row `i` was registered in the year the findings are about.
    pub fn in_year(&self, i: u32) -> bool {
        self.row(i).year == self.year
    }

    /// Row `i`.
    pub fn row(&self, i: u32) -> &Row {
        &self.rows[i as usize]
    }

    /// Office code of index `i`.
    pub fn office(&self, i: u32) -> &str {
        self.offices.get(i as usize).map_or("", String::as_str)
    }

    /// The text of party `key`.
    pub fn party_id(&self, key: PartyKey) -> String {
        if key >= ODD_PARTY {
            self.odd_parties.text((key - ODD_PARTY) as u64)
        } else {
            uuid::Uuid::from_u128(key).hyphenated().to_string()
        }
    }

    /// The text of registration number `key`.
    pub fn number(&self, key: NumberKey) -> String {
        if key >= ODD_NUMBER {
            self.odd_numbers.text(key - ODD_NUMBER)
        } else {
            format!("{key:016}")
        }
    }

    /// Registration numbers in the order of their texts.
    pub fn cmp_numbers(&self, a: NumberKey, b: NumberKey) -> Ordering {
        if a < ODD_NUMBER && b < ODD_NUMBER {
            // Same width, so numeric order is text order.
            a.cmp(&b)
        } else {
            self.number(a).cmp(&self.number(b))
        }
    }

    fn party_key(&mut self, id: String) -> PartyKey {
        match canonical_uuid(&id) {
            Some(value) if value < ODD_PARTY => value,
            _ => ODD_PARTY + PartyKey::from(self.odd_parties.index(id)),
        }
    }

    fn number_key(&mut self, no: String) -> NumberKey {
        if no.len() == 16 && no.bytes().all(|b| b.is_ascii_digit()) {
            no.parse().unwrap_or(ODD_NUMBER)
        } else {
            ODD_NUMBER + self.odd_numbers.index(no)
        }
    }

    /// The index of office `code` (a handful of offices: a scan beats hashing).
    fn office_index(&mut self, code: String) -> u32 {
        let i = match self.offices.iter().position(|o| *o == code) {
            Some(i) => i,
            None => {
                self.offices.push(code);
                self.offices.len() - 1
            }
        };
        u32::try_from(i).unwrap_or(u32::MAX)
    }
}

/// The value of a UUID written as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lowercase hex (how
/// the ledger writes ids); `None` for any other text, so that distinct texts never share a
/// value.
fn canonical_uuid(s: &str) -> Option<u128> {
    let bytes = s.as_bytes();
    if bytes.len() != 36 || [8, 13, 18, 23].iter().any(|&i| bytes[i] != b'-') {
        return None;
    }
    let mut value: u128 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            continue;
        }
        let digit = HEX[usize::from(b)];
        if digit > 15 {
            return None;
        }
        value = (value << 4) | u128::from(digit);
    }
    Some(value)
}

/// The value of each lowercase hex digit; 255 for every other byte.
const HEX: [u8; 256] = {
    let mut table = [255u8; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// A hash map with a fast, non-cryptographic hash (FxHash): the keys come from our own
/// database, and millions of lookups per evaluation make SipHash's cost visible.
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The FxHash function (as in rustc): rotate, xor, multiply, one machine word at a time.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_u128(&mut self, i: u128) {
        self.add(i as u64);
        self.add((i >> 64) as u64);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        // FxHash's low bits depend only on the input's low bits, and hashbrown picks buckets
        // by the low bits: mix the whole word down (MurmurHash3's finaliser) so that keys
        // differing only in their high bits still spread.
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn canonical_ids_and_numbers_round_trip_exactly() {
        let mut data = Dataset::default();
        for id in [
            "0192f3a4-5b6c-7d8e-9f00-112233445566",
            "00000000-0000-0000-0000-000000000000",
        ] {
            let key = data.party_key(id.to_string());
            assert!(key < ODD_PARTY);
            assert_eq!(data.party_id(key), id);
        }
        let key = data.number_key("2026371302000123".into());
        assert_eq!(key, 2_026_371_302_000_123);
        assert_eq!(data.number(key), "2026371302000123");
        let one = data.number_key("0000000000000001".into());
        assert_eq!(data.number(one), "0000000000000001");
    }

    #[test]
    fn other_texts_get_their_own_keys_and_never_collide() {
        let mut data = Dataset::default();
        let lower = data.party_key("0192f3a4-5b6c-7d8e-9f00-112233445566".into());
        let upper = data.party_key("0192F3A4-5B6C-7D8E-9F00-112233445566".into());
        let top = data.party_key("ffffffff-ffff-ffff-ffff-fffffffffff0".into());
        let plain = data.party_key("party-1".into());
        assert_ne!(lower, upper, "a different text is a different party");
        assert!(upper >= ODD_PARTY && top >= ODD_PARTY && plain >= ODD_PARTY);
        assert_eq!(data.party_id(upper), "0192F3A4-5B6C-7D8E-9F00-112233445566");
        assert_eq!(data.party_id(top), "ffffffff-ffff-ffff-ffff-fffffffffff0");
        assert_eq!(data.party_key("party-1".into()), plain);
        let odd = data.number_key("R0001".into());
        assert_eq!(data.number(odd), "R0001");
        let canonical = data.number_key("2026371302000123".into());
        assert_eq!(
            data.cmp_numbers(canonical, odd),
            "2026371302000123".cmp("R0001")
        );
        assert_eq!(data.cmp_numbers(canonical, canonical + 1), Ordering::Less);
    }
}
