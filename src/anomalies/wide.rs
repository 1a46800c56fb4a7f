//! Exact products of the rules' 128-bit sums. The year-end rule compares an office's December
//! share of this year with its share in earlier years, `dec / total` against
//! `factor / 100 × hdec / htot`, by cross-multiplying: `dec × htot × 100` against
//! `factor × hdec × total`. A year's turnover may reach `i64::MAX` fen and the history sums
//! every earlier year, so those products pass `i128` (one year at the cap against one earlier
//! year at the cap is already ~8.5e39). A product of three factors below 2^128 is below 2^384:
//! [`Wide`] holds it exactly, so the comparison cannot overflow and needs no rounding.

use std::cmp::Ordering;

/// 64-bit limbs of a [`Wide`].
const LIMBS: usize = 6;

/// An unsigned 384-bit number, least significant limb first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wide([u64; LIMBS]);

impl Wide {
    const ZERO: Wide = Wide([0; LIMBS]);

    fn from_u128(v: u128) -> Wide {
        let mut limbs = [0; LIMBS];
        limbs[0] = v as u64;
        limbs[1] = (v >> 64) as u64;
        Wide(limbs)
    }

    /// The product of three non-negative factors (a negative one counts as zero; the rules'
    /// sums are never negative where they call this). Always exact: each factor is below
    /// 2^127, the product below 2^381.
    pub fn product(factors: [i128; 3]) -> Wide {
        let mut out = Wide::from_u128(1);
        for f in factors {
            out = out.times(u128::try_from(f).unwrap_or(0));
        }
        out
    }

    /// `self × k`, keeping the low 384 bits (callers stay below 2^384, see [`Wide::product`]).
    fn times(self, k: u128) -> Wide {
        let k = [k as u64, (k >> 64) as u64];
        let mut out = [0u64; LIMBS];
        for (j, &kj) in k.iter().enumerate() {
            let mut carry: u128 = 0;
            for i in 0..LIMBS - j {
                // (2^64 − 1)² + 2 (2^64 − 1) = 2^128 − 1: no overflow.
                let t = u128::from(self.0[i]) * u128::from(kj) + u128::from(out[i + j]) + carry;
                out[i + j] = t as u64;
                carry = t >> 64;
            }
        }
        Wide(out)
    }

    /// `self + other`, keeping the low 384 bits.
    fn plus(self, other: Wide) -> Wide {
        let mut out = [0u64; LIMBS];
        let mut carry = false;
        for (i, o) in out.iter_mut().enumerate() {
            let (s, c1) = self.0[i].overflowing_add(other.0[i]);
            let (s, c2) = s.overflowing_add(u64::from(carry));
            *o = s;
            carry = c1 || c2;
        }
        Wide(out)
    }

    /// `self − other`, wrapping (callers subtract a smaller number, or one that is smaller
    /// once the bit shifted out of `self` is counted).
    fn minus(self, other: Wide) -> Wide {
        let mut out = [0u64; LIMBS];
        let mut borrow = false;
        for (i, o) in out.iter_mut().enumerate() {
            let (d, b1) = self.0[i].overflowing_sub(other.0[i]);
            let (d, b2) = d.overflowing_sub(u64::from(borrow));
            *o = d;
            borrow = b1 || b2;
        }
        Wide(out)
    }

    fn bit(&self, i: usize) -> bool {
        self.0[i / 64] >> (i % 64) & 1 == 1
    }

    /// `self × 2 + bit`, and the bit shifted out at the top.
    fn shifted_in(self, bit: bool) -> (Wide, bool) {
        let mut out = [0u64; LIMBS];
        let mut carry = u64::from(bit);
        for (i, o) in out.iter_mut().enumerate() {
            *o = self.0[i] << 1 | carry;
            carry = self.0[i] >> 63;
        }
        (Wide(out), carry == 1)
    }

    /// ⌊self / d⌋ by binary long division; `None` for a zero divisor.
    fn divided_by(self, d: Wide) -> Option<Wide> {
        if d == Wide::ZERO {
            return None;
        }
        let (mut q, mut r) = ([0u64; LIMBS], Wide::ZERO);
        for i in (0..LIMBS * 64).rev() {
            let (shifted, overflowed) = r.shifted_in(self.bit(i));
            // With the bit shifted out, the remainder is 2^384 more than `shifted` and so
            // certainly ≥ d; the wrapping subtraction gives the right (smaller) remainder.
            r = shifted;
            if overflowed || r >= d {
                r = r.minus(d);
                q[i / 64] |= 1 << (i % 64);
            }
        }
        Some(Wide(q))
    }

    /// The value, or `u128::MAX` when it is larger.
    fn saturating_u128(self) -> u128 {
        if self.0[2..].iter().any(|&l| l != 0) {
            return u128::MAX;
        }
        u128::from(self.0[0]) | u128::from(self.0[1]) << 64
    }
}

impl Ord for Wide {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.iter().rev().cmp(other.0.iter().rev())
    }
}

impl PartialOrd for Wide {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `(a × b) / (c × d)` as a percentage with one decimal, rounded half up (`"33.3"`), exact for
/// any non-negative factors; `"0.0"` when `c × d` is zero.
pub(crate) fn percent_of_products(a: i128, b: i128, c: i128, d: i128) -> String {
    // round(1000 n / m) = ⌊(2000 n + m) / 2m⌋, n = a b, m = c d: below 2^266 and 2^255.
    let m = Wide::product([c, d, 1]);
    let n = Wide::product([a, b, 2000]).plus(m);
    let Some(tenths) = n.divided_by(m.times(2)) else {
        return "0.0".to_string();
    };
    let tenths = tenths.saturating_u128();
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_compare_exactly_past_i128() {
        let cap = i128::from(i64::MAX);
        // cap × 11 cap × 100 against cap × 11 cap × 100 + 1 × … : equal, then one apart.
        let a = Wide::product([cap, 11 * cap, 100]);
        assert_eq!(a, Wide::product([100, cap, 11 * cap]));
        assert!(a < Wide::product([cap, 11 * cap + 1, 100]));
        assert!(Wide::product([cap, 11 * cap, 99]) < a);
        assert!(Wide::product([i128::MAX, i128::MAX, i128::MAX]) > a);
        assert_eq!(Wide::product([-5, cap, 1]), Wide::ZERO);
    }

    #[test]
    fn small_products_are_the_plain_ones() {
        for (x, y, z) in [
            (0, 0, 0),
            (1, 1, 1),
            (3, 7, 11),
            (1 << 40, 1 << 40, 1 << 40),
        ] {
            assert_eq!(
                Wide::product([x, y, z]),
                Wide::from_u128((x * y * z) as u128)
            );
        }
        let (p, q) = (Wide::from_u128(1_000_003), Wide::from_u128(997));
        assert_eq!(
            p.divided_by(q).map(Wide::saturating_u128),
            Some(1_000_003 / 997)
        );
        assert_eq!(p.divided_by(Wide::ZERO), None);
    }

    #[test]
    fn division_past_the_top_bit() {
        // A divisor above 2^383: the remainder's shifted-out bit must count.
        let mut big = [u64::MAX; LIMBS];
        big[0] = 1;
        let d = Wide([0, 0, 0, 0, 0, 1 << 63]);
        assert_eq!(Wide(big).divided_by(d), Some(Wide::from_u128(1)));
    }

    #[test]
    fn percentages_of_products_round_half_up() {
        assert_eq!(percent_of_products(1, 1, 3, 1), "33.3");
        assert_eq!(percent_of_products(2, 1, 3, 1), "66.7");
        assert_eq!(percent_of_products(1, 1, 2000, 1), "0.1");
        assert_eq!(percent_of_products(1, 1, 0, 7), "0.0");
        assert_eq!(percent_of_products(3, 5, 5, 3), "100.0");
        let cap = i128::from(i64::MAX);
        // 80 % this year against 20 % in eleven earlier years at the cap: 400 %.
        assert_eq!(
            percent_of_products(cap / 5 * 4, 11 * cap, cap / 5 * 5, 11 * cap / 5),
            "400.0"
        );
    }
}
