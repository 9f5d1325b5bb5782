//! Generating first-principles-style training data: Langevin MD on a labeller.
//!
//! For each temperature a fresh trajectory starts from the crystal under a random symmetric
//! strain (so the data covers compressed, stretched and sheared cells), equilibrates, and then
//! records a labelled frame every `stride` steps. Frames are split at random into a training and
//! a test system, each written as a DeePMD system directory (raw files and `set.000/*.npy`) and
//! as extended XYZ.

use crate::cell::{FCC, V3, apply_strain, cubic_crystal, diamond};
use crate::frames::{Frame, System};
use crate::labeller::Labeller;
use crate::lj::LennardJones;
use crate::md::{Langevin, SI_MASS};
use crate::sw::StillingerWeber;
use crate::tb::TightBinding;
use ai4s_core::error::ensure;
use ai4s_core::plot::{Labels as PlotLabels, Plot, Series};
use ai4s_core::{Area, Goal, Report, Result, RunContext, Task, TaskConfig};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use serde::{Deserialize, Serialize};

/// Which reference labeller produces the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabellerKind {
    /// Kwon tight-binding silicon (electronic structure).
    Tb,
    /// Stillinger-Weber silicon.
    Sw,
    /// Smooth-cutoff Lennard-Jones (argon-like, fcc).
    Lj,
}

impl LabellerKind {
    /// The labeller.
    pub fn build(self) -> Box<dyn Labeller> {
        match self {
            LabellerKind::Tb => Box::new(TightBinding::default()),
            LabellerKind::Sw => Box::new(StillingerWeber::default()),
            LabellerKind::Lj => Box::new(LennardJones::default()),
        }
    }
}

/// Configuration of [`GenerateData`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GenerateConfig {
    /// Labeller: tb, sw or lj.
    pub labeller: LabellerKind,
    /// Conventional cells per side (8 atoms each for diamond Si, 4 for fcc).
    pub supercell: usize,
    /// Lattice constant of the starting crystal (A).
    pub lattice: f64,
    /// Temperatures (K), one trajectory each.
    pub temperatures: Vec<f64>,
    /// Frames recorded per temperature.
    pub frames_per_temperature: usize,
    /// MD steps before the first recorded frame.
    pub equilibration_steps: usize,
    /// MD steps between recorded frames.
    pub stride: usize,
    /// Time step (fs).
    pub dt: f64,
    /// Langevin friction (1/fs).
    pub friction: f64,
    /// Largest random strain component applied to the starting cell.
    pub max_strain: f64,
    /// Fraction of frames for the test system.
    pub test_fraction: f64,
}

impl Default for GenerateConfig {
    fn default() -> Self {
        GenerateConfig {
            labeller: LabellerKind::Tb,
            supercell: 2,
            lattice: 5.431,
            temperatures: vec![300.0, 600.0, 900.0, 1200.0, 1500.0],
            frames_per_temperature: 40,
            equilibration_steps: 200,
            stride: 10,
            dt: 1.0,
            friction: 0.02,
            max_strain: 0.02,
            test_fraction: 0.2,
        }
    }
}

impl TaskConfig for GenerateConfig {
    fn quick() -> Self {
        GenerateConfig {
            temperatures: vec![300.0, 900.0, 1500.0],
            frames_per_temperature: 8,
            equilibration_steps: 40,
            stride: 5,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        ensure((1..=6).contains(&self.supercell), "supercell", || {
            format!("must be 1..=6, got {}", self.supercell)
        })?;
        ensure(self.lattice > 2.0 && self.lattice < 20.0, "lattice", || {
            format!(
                "must be a lattice constant in A (2..20), got {}",
                self.lattice
            )
        })?;
        ensure(
            !self.temperatures.is_empty() && self.temperatures.iter().all(|t| *t > 0.0 && *t < 1e5),
            "temperatures",
            || {
                format!(
                    "need positive temperatures in K, got {:?}",
                    self.temperatures
                )
            },
        )?;
        ensure(
            self.frames_per_temperature >= 1,
            "frames_per_temperature",
            || "must be at least 1".into(),
        )?;
        ensure(self.stride >= 1, "stride", || "must be at least 1".into())?;
        ensure(self.dt > 0.0 && self.dt <= 5.0, "dt", || {
            format!("must be in (0, 5] fs, got {}", self.dt)
        })?;
        ensure(
            self.friction > 0.0 && self.friction < 10.0,
            "friction",
            || format!("must be in (0, 10) 1/fs, got {}", self.friction),
        )?;
        ensure((0.0..0.2).contains(&self.max_strain), "max_strain", || {
            format!("must be in [0, 0.2), got {}", self.max_strain)
        })?;
        ensure(
            self.test_fraction > 0.0 && self.test_fraction < 1.0,
            "test_fraction",
            || format!("must be in (0, 1), got {}", self.test_fraction),
        )
    }
}

/// Runs the MD and returns the labelled frames with their temperatures.
pub fn sample(cfg: &GenerateConfig, ctx: &RunContext) -> Result<(System, Vec<f64>)> {
    let labeller = cfg.labeller.build();
    let (base_pos, base_cell, mass, element) = match cfg.labeller {
        LabellerKind::Lj => {
            let (p, c) = cubic_crystal(&FCC, cfg.lattice, cfg.supercell);
            (p, c, 39.948, "Ar")
        }
        _ => {
            let (p, c) = diamond(cfg.lattice, cfg.supercell);
            (p, c, SI_MASS, "Si")
        }
    };
    let mut rng = StdRng::seed_from_u64(ctx.seed);
    let steps_per_t = cfg.equilibration_steps + cfg.frames_per_temperature * cfg.stride;
    let mut bar = ctx.progress("md", (steps_per_t * cfg.temperatures.len()) as u64);
    let mut frames = Vec::new();
    let mut temps = Vec::new();
    for &t in &cfg.temperatures {
        let mut eps = [[0.0; 3]; 3];
        for a in 0..3 {
            for b in a..3 {
                let e = cfg.max_strain * (2.0 * rng.random::<f64>() - 1.0);
                eps[a][b] = e;
                eps[b][a] = e;
            }
        }
        let pos: Vec<V3> = base_pos.iter().map(|&r| apply_strain(r, eps)).collect();
        let mut md = Langevin::new(
            labeller.as_ref(),
            pos,
            base_cell.strained(eps),
            mass,
            t,
            &mut rng,
        )?;
        md.run(
            labeller.as_ref(),
            cfg.equilibration_steps,
            cfg.dt,
            t,
            cfg.friction,
            &mut rng,
        )?;
        bar.inc(cfg.equilibration_steps as u64);
        for _ in 0..cfg.frames_per_temperature {
            md.run(
                labeller.as_ref(),
                cfg.stride,
                cfg.dt,
                t,
                cfg.friction,
                &mut rng,
            )?;
            bar.inc(cfg.stride as u64);
            bar.set_metric("T", md.temperature());
            frames.push(Frame {
                cell: md.cell,
                pos: md.pos.clone(),
                energy: Some(md.labels.energy),
                forces: Some(md.labels.forces.clone()),
                virial: Some(md.labels.virial),
            });
            temps.push(t);
        }
    }
    bar.finish();
    let n = base_pos.len();
    Ok((
        System {
            type_map: vec![element.into()],
            types: vec![0; n],
            frames,
        },
        temps,
    ))
}

/// Largest difference (eV/A) between the stored forces of `frame` and minus the central
/// finite-difference gradient of the labeller's energy, over the three coordinates of four atoms
/// spread through the cell. A sign error, a missing term or a wrong periodic image shows here,
/// where the net force of a periodic system would still sum to zero.
fn force_fd_error(labeller: &dyn Labeller, frame: &Frame) -> Result<f64> {
    const H: f64 = 1e-4;
    let Some(forces) = &frame.forces else {
        return Ok(f64::NAN);
    };
    let n = frame.pos.len();
    let mut worst: f64 = 0.0;
    for k in 0..4.min(n) {
        let atom = k * n / 4.min(n);
        for axis in 0..3 {
            let energy_at = |shift: f64| -> Result<f64> {
                let mut pos = frame.pos.clone();
                pos[atom][axis] += shift;
                Ok(labeller.compute(&pos, &frame.cell)?.energy)
            };
            let fd = -(energy_at(H)? - energy_at(-H)?) / (2.0 * H);
            worst = worst.max((fd - forces[atom][axis]).abs());
        }
    }
    Ok(worst)
}

/// The data-generation task.
pub struct GenerateData;

impl Task for GenerateData {
    type Config = GenerateConfig;

    fn name(&self) -> &'static str {
        "potential-data"
    }

    fn field(&self) -> ai4s_core::Field {
        ai4s_core::Field::Materials
    }

    fn area(&self) -> Area {
        Area::Potential
    }

    fn description(&self) -> &'static str {
        "label Langevin-MD snapshots with tight-binding Si (or SW, LJ); write DeePMD raw/npy and extended XYZ"
    }

    fn demonstrates(&self) -> &'static str {
        "The first half of the Deep Potential recipe: sample configurations a simulation will visit (Langevin MD from 300 to 1500 K in randomly strained cells) and label them with an electronic-structure method, here the Kwon tight-binding model of silicon standing in for DFT."
    }

    fn run(&self, cfg: &GenerateConfig, ctx: &mut RunContext) -> Result<Report> {
        let start = std::time::Instant::now();
        let (system, temps) = sample(cfg, ctx)?;
        let calls = cfg.temperatures.len()
            * (cfg.equilibration_steps + cfg.frames_per_temperature * cfg.stride + 1);
        let seconds = start.elapsed().as_secs_f64();
        let mut idx: Vec<usize> = (0..system.frames.len()).collect();
        idx.shuffle(&mut StdRng::seed_from_u64(ctx.seed ^ 0x5911));
        let n_test = ((idx.len() as f64 * cfg.test_fraction).round() as usize)
            .clamp(1, idx.len().saturating_sub(1).max(1));
        let pick = |ids: &[usize]| {
            let mut ids = ids.to_vec();
            ids.sort_unstable();
            System {
                frames: ids.iter().map(|&i| system.frames[i].clone()).collect(),
                ..system.clone()
            }
        };
        let (test, train) = (pick(&idx[..n_test]), pick(&idx[n_test..]));
        crate::deepmd::write_system(&ctx.path("train"), &train)?;
        crate::deepmd::write_system(&ctx.path("test"), &test)?;
        crate::xyz::write(&ctx.path("train.xyz"), &train)?;
        crate::xyz::write(&ctx.path("test.xyz"), &test)?;

        let n = system.natoms() as f64;
        let forces: Vec<f64> = system
            .frames
            .iter()
            .flat_map(|f| f.forces.iter().flatten().flatten().copied())
            .collect();
        let fmean = forces.iter().sum::<f64>() / forces.len() as f64;
        let fstd =
            (forces.iter().map(|f| (f - fmean).powi(2)).sum::<f64>() / forces.len() as f64).sqrt();
        let epa: Vec<f64> = system
            .frames
            .iter()
            .filter_map(|f| f.energy)
            .map(|e| e / n)
            .collect();
        let net_force = system
            .frames
            .iter()
            .map(|f| {
                f.forces.as_ref().map_or(0.0, |fs| {
                    (0..3)
                        .map(|a| fs.iter().map(|v| v[a]).sum::<f64>().abs())
                        .fold(0.0, f64::max)
                })
            })
            .fold(0.0, f64::max);
        let fd_error = match system.frames.last() {
            Some(frame) => force_fd_error(cfg.labeller.build().as_ref(), frame)?,
            None => f64::NAN,
        };
        let mut report = Report::new();
        report
            .metric("frames", system.frames.len() as f64)
            .metric("train_frames", train.frames.len() as f64)
            .metric("test_frames", test.frames.len() as f64)
            .metric("atoms", n)
            .metric("force_std", fstd)
            .metric(
                "energy_per_atom_min",
                epa.iter().copied().fold(f64::INFINITY, f64::min),
            )
            .metric(
                "energy_per_atom_max",
                epa.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            )
            .metric("max_net_force", net_force)
            .check(
                "force_fd_max_error",
                fd_error,
                Goal::AtMost(1e-4),
                "stored forces equal minus the central finite-difference gradient of the labeller's energy (step 1e-4 A, 12 coordinates of the last frame), in eV/A",
            )
            .metric("labeller_calls_per_second", calls as f64 / seconds);
        let mut by_t: Vec<Series> = Vec::new();
        for &t in &cfg.temperatures {
            let pts: Vec<(f64, f64)> = temps
                .iter()
                .zip(&epa)
                .enumerate()
                .filter(|(_, (tt, _))| **tt == t)
                .map(|(k, (_, e))| (k as f64, *e))
                .collect();
            by_t.push(Series::new(format!("{t} K"), pts));
        }
        report.figure(ctx.plot(
            "energies",
            &Plot::Scatter {
                labels: PlotLabels::new("Sampled energies", "frame", "energy per atom (eV)"),
                series: by_t,
            },
        )?);
        report.figure(ctx.plot(
            "forces",
            &Plot::Histogram {
                labels: PlotLabels::new("Force components", "force (eV/A)", "count"),
                samples: vec![("all frames".into(), forces)],
                bins: 60,
            },
        )?);
        report.note(format!("{} labeller, {} atoms, DeePMD systems in train/ and test/, extended XYZ in train.xyz and test.xyz", labeller_name(cfg.labeller), n));
        Ok(report)
    }
}

fn labeller_name(k: LabellerKind) -> &'static str {
    match k {
        LabellerKind::Tb => "tight-binding Si (Kwon 1994)",
        LabellerKind::Sw => "Stillinger-Weber Si",
        LabellerKind::Lj => "Lennard-Jones Ar",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finite_difference_check_passes_true_forces_and_catches_wrong_ones() {
        let sw = StillingerWeber::default();
        let (mut pos, cell) = diamond(5.431, 1);
        // Off the perfect lattice, so the forces are not zero by symmetry.
        for (i, p) in pos.iter_mut().enumerate() {
            p[i % 3] += 0.05 * (i as f64 - 3.5) / 3.5;
        }
        let labels = sw.compute(&pos, &cell).expect("labels");
        assert!(labels.forces.iter().flatten().any(|f| f.abs() > 0.1));
        let mut frame = Frame {
            cell,
            pos,
            energy: Some(labels.energy),
            forces: Some(labels.forces.clone()),
            virial: Some(labels.virial),
        };
        let good = force_fd_error(&sw, &frame).expect("runs");
        assert!(good < 1e-6, "true forces: {good}");
        // A sign error keeps the net force at zero but fails the check.
        frame.forces = Some(labels.forces.iter().map(|f| f.map(|c| -c)).collect());
        let bad = force_fd_error(&sw, &frame).expect("runs");
        assert!(bad > 0.1, "flipped forces: {bad}");
    }
}
