//! The structure-search task: the relaxer reaches the diamond ground state of
//! Stillinger-Weber silicon from strained and perturbed starts, the fingerprint names
//! structures regardless of atom order and origin, the symmetric generator produces the
//! symmetry it claims, the quick run meets its goals, and bad configs are refused.

use ai4s_core::run::run_task;
use ai4s_core::{Error, RunOptions, TaskConfig};
use ai4s_potential::StructureSearch;
use ai4s_potential::cell::{Cell, V3, apply_strain};
use ai4s_potential::structure_search::eos::{GPA_PER_EV_A3, birch_murnaghan, scan};
use ai4s_potential::structure_search::fingerprint::{
    FingerprintGrid, distance, fingerprint, geometry,
};
use ai4s_potential::structure_search::phases::{
    beta_tin, cubic_diamond, lonsdaleite, polytype, references, supercell,
};
use ai4s_potential::structure_search::relax::{RelaxSettings, relax};
use ai4s_potential::structure_search::rerank::{Namer, coordination, rerank};
use ai4s_potential::structure_search::symmetry::{available, random_structure, space_group};
use ai4s_potential::structure_search::{Structure, StructureSearchConfig};
use ai4s_potential::sw::StillingerWeber;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const E_SW: f64 = -4.3366;

fn tight() -> RelaxSettings {
    RelaxSettings {
        fmax: 1e-6,
        smax: 1e-8,
        pressure: 0.0,
        max_steps: 50_000,
        volume_per_atom: [8.0, 60.0],
    }
}

fn duplicate() -> f64 {
    StructureSearchConfig::default().duplicate_distance
}

fn grid() -> FingerprintGrid {
    FingerprintGrid {
        r_max: 6.0,
        bins: 120,
        sigma: 0.05,
    }
}

#[test]
fn structure_search_fire_relaxes_a_strained_diamond_cell_to_the_sw_lattice_constant_and_energy() {
    let d = cubic_diamond(5.431);
    let eps = [[0.04, 0.02, 0.0], [0.02, -0.03, 0.01], [0.0, 0.01, 0.05]];
    let strained = Structure {
        cell: d.cell.strained(eps),
        pos: d.pos.iter().map(|&r| apply_strain(r, eps)).collect(),
    };
    let r = relax(&StillingerWeber::default(), &strained, &tight()).expect("relaxes");
    assert!(r.converged, "{} steps", r.steps);
    let a = (8.0 * r.volume).cbrt();
    assert!((a - 5.431).abs() < 2e-3, "a = {a}");
    assert!((r.energy - E_SW).abs() < 1e-4, "E = {}", r.energy);
    // The relaxed cell is cubic again: three equal lengths at right angles.
    let h = r.structure.cell.h;
    let len: Vec<f64> = h
        .iter()
        .map(|v| v.iter().map(|x| x * x).sum::<f64>().sqrt())
        .collect();
    let g = |i: usize, j: usize| (0..3).map(|k| h[i][k] * h[j][k]).sum::<f64>() / (len[i] * len[j]);
    assert!(len.iter().all(|l| (l - a).abs() < 1e-3), "{len:?}");
    assert!(g(0, 1).abs() < 1e-4 && g(0, 2).abs() < 1e-4 && g(1, 2).abs() < 1e-4);
}

#[test]
fn structure_search_perturbed_diamond_relaxes_back_to_diamond() {
    let d = cubic_diamond(5.431);
    let mut rng = StdRng::seed_from_u64(3);
    let pos: Vec<V3> = d
        .pos
        .iter()
        .map(|r| r.map(|x| x + rng.random_range(-0.25..0.25)))
        .collect();
    let start = Structure {
        cell: d
            .cell
            .strained([[0.03, 0.0, 0.0], [0.0, -0.02, 0.0], [0.0, 0.0, 0.0]]),
        pos,
    };
    let sw = StillingerWeber::default();
    let r = relax(&sw, &start, &tight()).expect("relaxes");
    let reference = relax(&sw, &d, &tight()).expect("relaxes");
    assert!(
        (r.energy - reference.energy).abs() < 1e-6,
        "{} vs {}",
        r.energy,
        reference.energy
    );
    let fa = fingerprint(&r.structure, &grid()).expect("fingerprint");
    let fb = fingerprint(&reference.structure, &grid()).expect("fingerprint");
    assert!(distance(&fa, &fb) < 1e-4, "{}", distance(&fa, &fb));
    let geo = geometry(&r.structure.pos, &r.structure.cell, 3.0).expect("geometry");
    assert!(
        geo.coordination.iter().all(|&c| c == 4),
        "{:?}",
        geo.coordination
    );
    assert!(
        geo.max_tetrahedral_deviation() < 0.01,
        "{}",
        geo.max_tetrahedral_deviation()
    );
}

#[test]
fn structure_search_fingerprint_ignores_order_origin_and_cell_choice_but_tells_polytypes_apart() {
    let d = cubic_diamond(5.431);
    let f0 = fingerprint(&d, &grid()).expect("fingerprint");
    // Permuted, translated and wrapped.
    let mut pos: Vec<V3> = d
        .pos
        .iter()
        .map(|r| [r[0] + 0.37, r[1] - 1.9, r[2] + 2.2])
        .collect();
    pos.reverse();
    pos.swap(0, 3);
    let moved = Structure { cell: d.cell, pos };
    let f1 = fingerprint(&moved, &grid()).expect("fingerprint");
    assert!(distance(&f0, &f1) < 1e-12, "{}", distance(&f0, &f1));
    // Another cell of the same crystal: the 2-atom primitive fcc cell.
    let a = 5.431;
    let prim = Structure {
        cell: Cell {
            h: [
                [0.0, a / 2.0, a / 2.0],
                [a / 2.0, 0.0, a / 2.0],
                [a / 2.0, a / 2.0, 0.0],
            ],
        },
        pos: vec![[0.0; 3], [a / 4.0, a / 4.0, a / 4.0]],
    };
    let f2 = fingerprint(&prim, &grid()).expect("fingerprint");
    assert!(distance(&f0, &f2) < 1e-10, "{}", distance(&f0, &f2));
    // Hexagonal diamond: same bonds, same SW energy, different fingerprint.
    let sw = StillingerWeber::default();
    let l = relax(&sw, &lonsdaleite(a), &tight()).expect("relaxes");
    let c = relax(&sw, &d, &tight()).expect("relaxes");
    assert!(
        (l.energy - c.energy).abs() < 1e-6,
        "{} vs {}",
        l.energy,
        c.energy
    );
    let fl = fingerprint(&l.structure, &grid()).expect("fingerprint");
    let fc = fingerprint(&c.structure, &grid()).expect("fingerprint");
    assert!(distance(&fl, &fc) > 0.01, "{}", distance(&fl, &fc));
    // A random structure is far from diamond.
    let mut rng = StdRng::seed_from_u64(1);
    let p1 = space_group("P1").expect("known group");
    let rnd = random_structure(&p1, 8, [16.0, 26.0], 2.0, 1000, &mut rng).expect("generated");
    let fr = fingerprint(&rnd, &grid()).expect("fingerprint");
    assert!(distance(&fr, &f0) > 0.05, "{}", distance(&fr, &f0));
}

#[test]
fn structure_search_generator_builds_cells_with_the_symmetry_of_each_group() {
    let mut rng = StdRng::seed_from_u64(5);
    for symbol in available() {
        let g = space_group(symbol).expect("known group");
        // The operations form a group (closed under composition, modulo lattice translations).
        for a in &g.ops {
            for b in &g.ops {
                let p = [0.137, 0.291, 0.443];
                let ab = a.apply(b.apply(p));
                assert!(
                    g.ops.iter().any(|o| {
                        let q = o.apply(p);
                        (0..3).all(|k| ((q[k] - ab[k]) - (q[k] - ab[k]).round()).abs() < 1e-9)
                    }),
                    "{symbol} is not closed"
                );
            }
        }
        let s = random_structure(&g, 8, [16.0, 26.0], 2.0, 200, &mut rng).expect("generated");
        assert_eq!(s.pos.len(), 8, "{symbol}");
        // Every operation maps the structure onto itself.
        let frac: Vec<V3> = s.pos.iter().map(|&r| s.cell.fractional(r)).collect();
        for op in &g.ops {
            for f in &frac {
                let img = op.apply(*f);
                assert!(
                    frac.iter().any(|q| (0..3).all(|k| {
                        let d = q[k] - img[k];
                        (d - d.round()).abs() < 1e-8
                    })),
                    "{symbol}: an image of an atom is not an atom"
                );
            }
        }
        let v = s.cell.volume() / 8.0;
        assert!((16.0 - 1e-9..=26.0 + 1e-9).contains(&v), "{symbol}: {v}");
    }
}

#[test]
fn structure_search_quick_run_finds_diamond_more_often_and_sooner_than_random_search() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_task(&StructureSearch, &RunOptions::quick_into(dir.path(), &[])).expect("runs");
    let r = &out.report;
    let get = |k: &str| r.get(k).unwrap_or(f64::NAN);
    eprintln!("{:#?} {:#?}", r.metrics, r.notes);
    assert!(r.all_goals_met(), "{:#?}", r.metrics);
    assert!(get("pso_success_rate") >= get("random_success_rate"));
    assert!(get("best_coordination_min") == 4.0 && get("best_coordination_max") == 4.0);
    assert_eq!(get("tb_lowest_is_diamond"), 1.0);
    assert!(get("tb_gap_to_next_mev_per_atom") > 0.0);
    for f in [
        "best_structure.xyz",
        "searches.csv",
        "best_energy.png",
        "success.png",
        "energy_volume.png",
        "eos_sw.png",
        "eos_tb.png",
        "phases.csv",
        "eos.csv",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
    let sys = ai4s_potential::xyz::read(&dir.path().join("best_structure.xyz")).expect("reads");
    assert_eq!(sys.natoms(), 8);
}

#[test]
fn structure_search_refuses_bad_configs_naming_the_field() {
    type Breaker = (&'static str, fn(&mut StructureSearchConfig));
    let bad: [Breaker; 11] = [
        ("atoms", |c| c.atoms = 1),
        ("rerank", |c| c.rerank = 1),
        ("tb_kpoint_width", |c| c.tb_kpoint_width = 0.0),
        ("eos_volumes", |c| c.eos_volumes = [1.1, 1.2]),
        ("eos_fit_range", |c| c.eos_fit_range = [0.8, 1.05]),
        ("eos_points", |c| c.eos_points = 6),
        ("space_groups", |c| c.space_groups = vec!["Fm-3m".into()]),
        ("volume_per_atom", |c| c.volume_per_atom = [30.0, 20.0]),
        ("pso_fraction", |c| c.pso_fraction = 1.5),
        ("inertia", |c| c.inertia = [0.9, -0.1]),
        ("fmax", |c| c.fmax = 0.0),
    ];
    for (field, edit) in bad {
        let mut c = StructureSearchConfig::quick();
        edit(&mut c);
        match c.validate() {
            Err(Error::Config { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: expected a config error, got {other:?}"),
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let err = run_task(
        &StructureSearch,
        &RunOptions::quick_into(dir.path(), &["min_distance=-1"]),
    )
    .expect_err("refused");
    assert!(err.to_string().contains("min_distance"), "{err}");
}

#[test]
fn structure_search_polytypes_are_tetrahedral_and_named_by_their_reference_phase() {
    // The cubic stacking ABC is diamond itself; every polytype has ideal tetrahedra.
    let fd = fingerprint(&cubic_diamond(5.431), &grid()).expect("fingerprint");
    let abc = fingerprint(&polytype(5.431, "ABC"), &grid()).expect("fingerprint");
    assert!(distance(&fd, &abc) < 1e-10, "{}", distance(&fd, &abc));
    // The three 8-atom stackings are told apart at the default duplicate distance.
    let ab = fingerprint(&polytype(5.431, "AB"), &grid()).expect("fingerprint");
    let abcb = fingerprint(&polytype(5.431, "ABCB"), &grid()).expect("fingerprint");
    for (x, y) in [(&fd, &ab), (&fd, &abcb), (&ab, &abcb)] {
        assert!(distance(x, y) > 2.0 * duplicate(), "{}", distance(x, y));
    }
    for stacking in ["AB", "ABC", "ABCB"] {
        let s = polytype(5.431, stacking);
        let geo = geometry(&s.pos, &s.cell, 3.0).expect("geometry");
        assert!(geo.coordination.iter().all(|&c| c == 4), "{stacking}");
        assert!(geo.max_tetrahedral_deviation() < 1e-6, "{stacking}");
    }
    // Beta-tin: four bonds at 2.43 A and two at 2.58 A.
    assert_eq!(
        coordination(&beta_tin(4.686, 0.552)).expect("bonds"),
        (6, 6)
    );
    // Each reference, strained by 3 %, as a supercell, is named after itself.
    let sw = StillingerWeber::default();
    let namer = Namer::new(&sw, &tight(), grid(), duplicate()).expect("references relax");
    for (name, s) in references() {
        let r = relax(&sw, &s, &tight()).expect("relaxes");
        let big = supercell(&r.structure, [2, 1, 1]);
        let k = 1.03f64.cbrt();
        let strained = Structure {
            cell: Cell {
                h: big.cell.h.map(|v| v.map(|x| x * k)),
            },
            pos: big.pos.iter().map(|v| v.map(|x| x * k)).collect(),
        };
        assert_eq!(namer.name(&strained).expect("named"), name);
    }
    let mut rng = StdRng::seed_from_u64(1);
    let p1 = space_group("P1").expect("known group");
    let rnd = random_structure(&p1, 8, [16.0, 26.0], 2.0, 1000, &mut rng).expect("generated");
    assert!(namer.name(&rnd).expect("named").starts_with("unnamed"));
}

#[test]
fn structure_search_tight_binding_ranking_keeps_diamond_lowest_and_splits_the_polytypes() {
    let sw = StillingerWeber::default();
    let found: Vec<_> = [
        lonsdaleite(5.431),
        beta_tin(4.686, 0.552),
        cubic_diamond(5.431),
        polytype(5.431, "ABCB"),
    ]
    .iter()
    .map(|s| relax(&sw, s, &tight()).expect("relaxes"))
    .collect();
    // Stillinger-Weber cannot tell the stackings apart.
    assert!((found[0].energy - found[2].energy).abs() < 1e-6);
    assert!((found[3].energy - found[2].energy).abs() < 1e-6);
    let namer = Namer::new(&sw, &tight(), grid(), duplicate()).expect("references relax");
    let settings = RelaxSettings {
        fmax: 1e-3,
        smax: 1e-4,
        ..tight()
    };
    let ranked = rerank(&found, &namer, &settings, 15.0, || {}).expect("ranks");
    let names: Vec<&str> = ranked.iter().map(|r| r.name.as_str()).collect();
    let e: Vec<f64> = ranked.iter().map(|r| r.tb.energy).collect();
    eprintln!("{names:?} {e:?}");
    assert_eq!(
        names,
        [
            "cubic diamond",
            "4H diamond",
            "hexagonal diamond",
            "beta-tin"
        ]
    );
    // Kwon tight binding: cubic diamond near -4.71 eV/atom, hexagonal about 10 meV/atom above,
    // 4H in between, beta-tin a few hundred meV/atom above.
    assert!((e[0] + 4.71).abs() < 0.01, "{e:?}");
    let gap = |k: usize| 1e3 * (e[k] - e[0]);
    assert!(gap(1) > 1.0 && gap(1) < gap(2), "{e:?}");
    assert!((5.0..20.0).contains(&gap(2)), "{e:?}");
    assert!(gap(3) > 100.0, "{e:?}");
}

#[test]
fn structure_search_sw_diamond_equation_of_state_gives_its_volume_and_bulk_modulus() {
    let sw = StillingerWeber::default();
    let d = relax(&sw, &cubic_diamond(5.3), &tight()).expect("relaxes");
    let pts = scan(&sw, &d.structure, [0.94, 1.06], 9, 1e-5, 1000).expect("scans");
    let fit = birch_murnaghan(&pts).expect("fits");
    let v0 = 5.431f64.powi(3) / 8.0;
    assert!((fit.v0 - v0).abs() < 0.01 * v0, "V0 = {}", fit.v0);
    assert!((fit.e0 + 4.3366).abs() < 1e-3, "E0 = {}", fit.e0);
    // C11 = 151.4, C12 = 76.4 GPa: B = 101.4 GPa.
    let b = fit.b0 * GPA_PER_EV_A3;
    assert!((b - 101.4).abs() < 3.0, "B0 = {b} GPa");
}
