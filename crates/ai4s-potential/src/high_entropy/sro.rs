//! Warren-Cowley short-range order.
//!
//! For neighbour shell `s`, `alpha_ij(s) = 1 - P_ij(s) / c_j`, where `P_ij(s)` is the
//! probability that a shell-`s` neighbour of an `i` atom is a `j` atom and `c_j` the
//! concentration of `j` (Cowley, Phys. Rev. 77, 669 (1950)). Zero for a random solution;
//! negative when `i-j` neighbours are more frequent than at random (for `i != j` an ordering
//! tendency, for `i = j` like atoms clustering), positive when they are rarer. The lower bound is `1 - 1 / c_j` (every neighbour of `i` is `j`);
//! with fixed concentrations `c_i alpha_ij = c_j alpha_ji`, so the matrix is symmetric when the
//! concentrations are equal.

/// Concentration of each of `k` species in `occ`.
pub fn concentrations(occ: &[u8], k: usize) -> Vec<f64> {
    let mut c = vec![0.0; k];
    for &t in occ {
        c[t as usize] += 1.0;
    }
    let n = occ.len().max(1) as f64;
    c.iter_mut().for_each(|v| *v /= n);
    c
}

/// Ordered neighbour counts `counts[i * k + j]`: how many (site of species `i`, neighbour of
/// species `j`) pairs the neighbour table `shell` holds.
pub fn pair_counts(shell: &[Vec<usize>], occ: &[u8], k: usize) -> Vec<f64> {
    let mut counts = vec![0.0; k * k];
    for (i, list) in shell.iter().enumerate() {
        let row = occ[i] as usize * k;
        for &j in list {
            counts[row + occ[j] as usize] += 1.0;
        }
    }
    counts
}

/// Warren-Cowley matrix `alpha[i][j]` from ordered neighbour counts and concentrations; `NaN`
/// for species that are absent.
pub fn warren_cowley(counts: &[f64], conc: &[f64]) -> Vec<Vec<f64>> {
    let k = conc.len();
    (0..k)
        .map(|i| {
            let row = &counts[i * k..(i + 1) * k];
            let total: f64 = row.iter().sum();
            (0..k)
                .map(|j| {
                    if total > 0.0 && conc[j] > 0.0 {
                        1.0 - row[j] / total / conc[j]
                    } else {
                        f64::NAN
                    }
                })
                .collect()
        })
        .collect()
}

/// The Warren-Cowley matrix of one configuration for the neighbour table `shell`.
pub fn warren_cowley_of(shell: &[Vec<usize>], occ: &[u8], k: usize) -> Vec<Vec<f64>> {
    warren_cowley(&pair_counts(shell, occ, k), &concentrations(occ, k))
}
