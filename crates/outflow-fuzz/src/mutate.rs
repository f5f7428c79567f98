//! How an input is made from the seeds: byte flips, insertions, deletions,
//! duplicated and spliced chunks, and tokens of the target's grammar
//! inserted or repeated (repetition builds the deep nesting and long runs
//! that break recursive readers).

/// A small, seedable pseudo-random generator (xorshift64*): runs are
/// reproducible from `OUTFLOW_FUZZ_SEED`.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is replaced, xorshift needs a bit set).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// A new input from `base`, with `others` to splice from and `tokens` of
/// the target's grammar, at most `max_len` bytes long.
pub fn mutate(
    rng: &mut Rng,
    base: &[u8],
    others: &[Vec<u8>],
    tokens: &[&[u8]],
    max_len: usize,
) -> Vec<u8> {
    let mut out = base.to_vec();
    let rounds = 1 + rng.below(8);
    for _ in 0..rounds {
        let at = rng.below(out.len() + 1);
        match rng.below(8) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = rng.next_u64() as u8;
            }
            2 if !out.is_empty() => {
                let len = 1 + rng.below(out.len().min(64));
                let start = rng.below(out.len() - len + 1);
                out.drain(start..start + len);
            }
            3 if !out.is_empty() => {
                let len = 1 + rng.below(out.len().min(256));
                let start = rng.below(out.len() - len + 1);
                let chunk = out[start..start + len].to_vec();
                out.splice(at..at, chunk);
            }
            4 if !others.is_empty() => {
                let other = &others[rng.below(others.len())];
                if !other.is_empty() {
                    let len = 1 + rng.below(other.len().min(512));
                    let start = rng.below(other.len() - len + 1);
                    out.splice(at..at, other[start..start + len].iter().copied());
                }
            }
            5 | 6 if !tokens.is_empty() => {
                let token = tokens[rng.below(tokens.len())];
                out.splice(at..at, token.iter().copied());
            }
            _ if !tokens.is_empty() => {
                // A token repeated: nesting, long runs.
                let token = tokens[rng.below(tokens.len())];
                let times = 1 + rng.below(512);
                let run: Vec<u8> = token
                    .iter()
                    .copied()
                    .cycle()
                    .take(token.len() * times)
                    .collect();
                out.splice(at..at, run);
            }
            _ => {}
        }
        out.truncate(max_len);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_stay_within_the_length_and_are_reproducible() {
        let seeds = vec![b"function f() { return [1, 2]; }".to_vec()];
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..1000 {
            let x = mutate(&mut a, &seeds[0], &seeds, &[b"(", b"[{"], 100);
            let y = mutate(&mut b, &seeds[0], &seeds, &[b"(", b"[{"], 100);
            assert!(x.len() <= 100);
            assert_eq!(x, y);
        }
    }
}
