//! The generator's random helpers: the seeded stream, integer weights and percentages, and
//! the one log-normal draw (the only floating-point code of the demo generator).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The random stream every generator draws from (ChaCha8, seeded once per run).
pub(super) type DemoRng = ChaCha8Rng;

/// One of `items`, chosen with probability proportional to its integer weight.
///
/// Falls back to the first item when every weight is zero (never the case in our tables).
pub(super) fn pick<T: Copy>(rng: &mut DemoRng, items: &[(T, u32)]) -> T {
    let total: u64 = items.iter().map(|&(_, w)| u64::from(w)).sum();
    if total > 0 {
        let mut ticket = rng.gen_range(0..total);
        for &(item, weight) in items {
            let weight = u64::from(weight);
            if ticket < weight {
                return item;
            }
            ticket -= weight;
        }
    }
    items[0].0
}

/// One element of a non-empty slice, uniformly.
pub(super) fn one_of<'a, T>(rng: &mut DemoRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

/// True with probability `percent` / 100.
pub(super) fn chance(rng: &mut DemoRng, percent: u32) -> bool {
    rng.gen_range(0..100) < percent
}

/// True with probability `permille` / 1000.
pub(super) fn chance_permille(rng: &mut DemoRng, permille: u32) -> bool {
    rng.gen_range(0..1000) < permille
}

/// An index below `n` (> 0), mildly skewed toward the start: half the draws take the smaller
/// of two uniform indices. Some parties therefore sign many contracts, most sign a few.
pub(super) fn skewed_index(rng: &mut DemoRng, n: usize) -> usize {
    let a = rng.gen_range(0..n);
    if rng.gen_range(0..2) == 0 {
        a.min(rng.gen_range(0..n))
    } else {
        a
    }
}

/// A log-normal amount in fen: `median_yuan × e^(sigma·Z)` with Z standard normal
/// (Box–Muller), rounded to whole fen once.
///
/// This is the only place where floating point touches an amount: the draw happens in `f64`
/// and is converted to integer fen here; every later step (technical share, rounding to
/// whole yuan, scaling, sums) is integer arithmetic on fen.
pub(super) fn log_normal_fen(rng: &mut DemoRng, median_yuan: f64, sigma: f64) -> i64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen_range(0.0..1.0);
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    let yuan = median_yuan * (sigma * z).exp();
    let fen = (yuan * 100.0).round();
    if fen.is_finite() && fen < 1e17 {
        fen as i64
    } else {
        i64::MAX / 4
    }
}

/// `fen` rounded to the nearest multiple of `step` fen (half up), at least `step`.
pub(super) fn round_to(fen: i64, step: i64) -> i64 {
    (((fen + step / 2) / step) * step).max(step)
}

/// `fen × numerator / denominator`, rounded down, without overflow.
pub(super) fn scale(fen: i64, numerator: i64, denominator: i64) -> i64 {
    let wide = i128::from(fen) * i128::from(numerator) / i128::from(denominator.max(1));
    i64::try_from(wide).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn weighted_picks_follow_the_weights() {
        let mut rng = DemoRng::seed_from_u64(1);
        let items = [('a', 1), ('b', 0), ('c', 3)];
        let mut counts = [0u32; 3];
        for _ in 0..4000 {
            match pick(&mut rng, &items) {
                'a' => counts[0] += 1,
                'b' => counts[1] += 1,
                _ => counts[2] += 1,
            }
        }
        assert_eq!(counts[1], 0);
        assert!((800..1200).contains(&counts[0]), "{counts:?}");
    }

    #[test]
    fn log_normal_has_its_median() {
        let mut rng = DemoRng::seed_from_u64(2);
        let mut draws: Vec<i64> = (0..20_001)
            .map(|_| log_normal_fen(&mut rng, 10_000.0, 1.0))
            .collect();
        draws.sort_unstable();
        let median = draws[10_000];
        assert!((900_000..1_100_000).contains(&median), "{median}");
        assert!(draws.iter().all(|&d| d > 0));
    }

    #[test]
    fn rounding_and_scaling_are_integer() {
        assert_eq!(round_to(123_456, 100), 123_500);
        assert_eq!(round_to(10, 100_000), 100_000);
        assert_eq!(scale(1_000_000_000_000, 97, 100), 970_000_000_000);
        assert_eq!(scale(999, 1, 2), 499);
    }
}
