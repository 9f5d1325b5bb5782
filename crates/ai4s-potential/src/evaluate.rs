//! Error measures of a Deep Potential against labels, as `dp test` reports them: energy RMSE
//! and MAE per atom, force RMSE and MAE per component, virial RMSE per atom; combined over
//! systems weighted by their number of values.

use crate::prepared::Prepared;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Error measures of predictions against labels, in DeePMD's units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Errors {
    /// Energy RMSE per atom (eV).
    pub energy_rmse_per_atom: f64,
    /// Energy MAE per atom (eV).
    pub energy_mae_per_atom: f64,
    /// Force RMSE (eV/A).
    pub force_rmse: f64,
    /// Force MAE (eV/A).
    pub force_mae: f64,
    /// Virial RMSE per atom (eV), if labelled.
    pub virial_rmse_per_atom: Option<f64>,
}

pub(crate) fn errors(p: &Prepared, idx: &[usize], pred: &(Vec<f64>, Vec<f64>, Vec<f64>)) -> Errors {
    let n = p.natoms as f64;
    let de: Vec<f64> = idx
        .iter()
        .zip(&pred.0)
        .map(|(&k, e)| (e - p.targets.energy[k]) / n)
        .collect();
    let stride = 3 * p.natoms;
    let df: Vec<f64> = idx
        .iter()
        .enumerate()
        .flat_map(|(b, &k)| (0..stride).map(move |c| (b, k, c)))
        .map(|(b, k, c)| pred.1[b * stride + c] - p.targets.forces[k * stride + c])
        .collect();
    let rms = |v: &[f64]| (v.iter().map(|x| x * x).sum::<f64>() / v.len().max(1) as f64).sqrt();
    let mae = |v: &[f64]| v.iter().map(|x| x.abs()).sum::<f64>() / v.len().max(1) as f64;
    let virial_rmse_per_atom = p.targets.virial.as_ref().map(|w| {
        let dw: Vec<f64> = idx
            .iter()
            .enumerate()
            .flat_map(|(b, &k)| (0..9).map(move |c| (b, k, c)))
            .map(|(b, k, c)| (pred.2[b * 9 + c] - w[k * 9 + c]) / n)
            .collect();
        rms(&dw)
    });
    Errors {
        energy_rmse_per_atom: rms(&de),
        energy_mae_per_atom: mae(&de),
        force_rmse: rms(&df),
        force_mae: mae(&df),
        virial_rmse_per_atom,
    }
}

/// A system's errors, its frame count and its force-component count.
pub(crate) type SystemErrors = (Errors, usize, usize);

/// Errors over several systems together: each system's measures weighted by how many values
/// they average (frames for energies and virials, force components for forces), as `dp test`
/// reports the weighted average over systems. The virial is `None` unless some system has one.
pub(crate) fn combine(parts: &[SystemErrors]) -> Errors {
    let total = |w: &dyn Fn(&SystemErrors) -> Option<(f64, f64)>, sq: bool| {
        let (mut sum, mut n) = (0.0, 0.0);
        for p in parts {
            if let Some((v, k)) = w(p) {
                sum += if sq { v * v * k } else { v * k };
                n += k;
            }
        }
        if n == 0.0 {
            None
        } else if sq {
            Some((sum / n).sqrt())
        } else {
            Some(sum / n)
        }
    };
    Errors {
        energy_rmse_per_atom: total(&|p| Some((p.0.energy_rmse_per_atom, p.1 as f64)), true)
            .unwrap_or(f64::NAN),
        energy_mae_per_atom: total(&|p| Some((p.0.energy_mae_per_atom, p.1 as f64)), false)
            .unwrap_or(f64::NAN),
        force_rmse: total(&|p| Some((p.0.force_rmse, p.2 as f64)), true).unwrap_or(f64::NAN),
        force_mae: total(&|p| Some((p.0.force_mae, p.2 as f64)), false).unwrap_or(f64::NAN),
        virial_rmse_per_atom: total(&|p| p.0.virial_rmse_per_atom.map(|v| (v, p.1 as f64)), true),
    }
}

/// A saved model's predictions on one system, with its labels (like `dp test -d`).
#[derive(Clone, Debug)]
pub struct SystemPrediction {
    /// The system's path.
    pub path: PathBuf,
    /// Frames.
    pub frames: usize,
    /// Errors against the labels.
    pub errors: Errors,
    /// Predicted energies, one per frame (eV).
    pub energy: Vec<f64>,
    /// Predicted forces, `3 x natoms` per frame (eV/A).
    pub forces: Vec<f64>,
    /// Predicted virials, 9 per frame (eV).
    pub virial: Vec<f64>,
    /// Reference energies.
    pub ref_energy: Vec<f64>,
    /// Reference forces.
    pub ref_forces: Vec<f64>,
    /// Reference virials, if labelled.
    pub ref_virial: Option<Vec<f64>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_over_systems_weight_each_by_its_values() {
        let e = |x: f64, v: Option<f64>| Errors {
            energy_rmse_per_atom: x,
            energy_mae_per_atom: x,
            force_rmse: x,
            force_mae: x,
            virial_rmse_per_atom: v,
        };
        // One frame with error 1 everywhere (6 force components), three frames with error 3
        // (36 force components).
        let all = combine(&[(e(1.0, None), 1, 6), (e(3.0, Some(2.0)), 3, 36)]);
        assert!((all.energy_rmse_per_atom - ((1.0 + 27.0) / 4.0f64).sqrt()).abs() < 1e-12);
        assert!((all.energy_mae_per_atom - (1.0 + 9.0) / 4.0).abs() < 1e-12);
        assert!((all.force_rmse - ((6.0 + 36.0 * 9.0) / 42.0f64).sqrt()).abs() < 1e-12);
        assert!((all.force_mae - (6.0 + 36.0 * 3.0) / 42.0).abs() < 1e-12);
        assert_eq!(all.virial_rmse_per_atom, Some(2.0));
        let one = e(0.5, Some(0.25));
        assert_eq!(combine(&[(one, 7, 21)]), one);
    }
}
