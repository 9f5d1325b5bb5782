//! Known silicon phases the search is judged against and found structures are named by.
//!
//! Cubic diamond is the ground state of Stillinger-Weber silicon. Hexagonal diamond
//! (lonsdaleite, stacking AB of the (111) double layers) and the 4H polytype (ABCB) have the
//! same nearest-neighbour shell and, because the Stillinger-Weber cutoff (3.77 A) lies inside
//! the second shell (3.84 A), the same energy; only the fingerprint, which sees beyond the
//! second shell, tells them apart, and the tight-binding model, whose cutoff (4.16 A) reaches
//! the eclipsed third neighbours of the hexagonal stackings, splits their energies. The
//! denser phases are those of silicon under pressure (Mujica, Rubio, Munoz & Needs, Rev. Mod.
//! Phys. 75, 863 (2003)): beta-tin (I4_1/amd, 4a), simple hexagonal, simple cubic, and the
//! metastable bc8 (Ia-3, 16c at `(x, x, x)`, `x = 0.1003`).

use crate::cell::{Cell, V3, diamond};
use crate::structure_search::Structure;

/// Cubic diamond: the conventional 8-atom cell of side `a`.
pub fn cubic_diamond(a: f64) -> Structure {
    let (pos, cell) = diamond(a, 1);
    Structure { cell, pos }
}

/// Hexagonal diamond with the bond length of cubic diamond of side `a` (4 atoms, ideal
/// `c/a = sqrt(8/3)`, Wyckoff 4f of `P6_3/mmc` with `z = 1/16`).
pub fn lonsdaleite(a: f64) -> Structure {
    polytype(a, "AB")
}

/// A diamond polytype with the bond length of cubic diamond of side `a`: the (111) double
/// layers stacked at the lateral sites `A = (0, 0)`, `B = (1/3, 2/3)`, `C = (2/3, 1/3)` in the
/// order `stacking` (neighbours must differ: `AB` hexagonal, `ABC` cubic, `ABCB` 4H). Each
/// double layer holds two atoms one bond length `b` apart along `c`; consecutive layers are
/// `4b/3` apart, so ideal tetrahedra throughout.
pub fn polytype(a: f64, stacking: &str) -> Structure {
    let b = a * 3f64.sqrt() / 4.0;
    let ah = a / 2f64.sqrt();
    let layers: Vec<[f64; 2]> = stacking
        .chars()
        .map(|s| match s {
            'A' => [0.0, 0.0],
            'B' => [1.0 / 3.0, 2.0 / 3.0],
            _ => [2.0 / 3.0, 1.0 / 3.0],
        })
        .collect();
    let c = layers.len() as f64 * 4.0 * b / 3.0;
    let cell = Cell {
        h: [
            [ah, 0.0, 0.0],
            [-0.5 * ah, 0.5 * 3f64.sqrt() * ah, 0.0],
            [0.0, 0.0, c],
        ],
    };
    let shift = b / 6.0 / c;
    let pos = layers
        .iter()
        .enumerate()
        .flat_map(|(k, &[x, y])| {
            let z = k as f64 * 4.0 * b / 3.0 / c + shift;
            [[x, y, z], [x, y, z + b / c]]
        })
        .map(|s| cell.cartesian(s))
        .collect();
    Structure { cell, pos }
}

/// Beta-tin: the conventional 4-atom cell of side `a` and height `c_over_a * a`.
pub fn beta_tin(a: f64, c_over_a: f64) -> Structure {
    let cell = Cell::orthorhombic(a, a, a * c_over_a);
    let frac: [V3; 4] = [
        [0.0, 0.0, 0.0],
        [0.0, 0.5, 0.25],
        [0.5, 0.5, 0.5],
        [0.5, 0.0, 0.75],
    ];
    Structure {
        pos: frac.iter().map(|&s| cell.cartesian(s)).collect(),
        cell,
    }
}

/// Simple hexagonal: one atom in a hexagonal cell of side `a` and height `c_over_a * a`.
pub fn simple_hexagonal(a: f64, c_over_a: f64) -> Structure {
    Structure {
        cell: Cell {
            h: [
                [a, 0.0, 0.0],
                [-0.5 * a, 0.5 * 3f64.sqrt() * a, 0.0],
                [0.0, 0.0, c_over_a * a],
            ],
        },
        pos: vec![[0.0; 3]],
    }
}

/// Simple cubic: one atom in a cube of side `a`.
pub fn simple_cubic(a: f64) -> Structure {
    Structure {
        cell: Cell::orthorhombic(a, a, a),
        pos: vec![[0.0; 3]],
    }
}

/// bc8: the conventional 16-atom cube of side `a`, Wyckoff 16c `(x, x, x)` of Ia-3.
pub fn bc8(a: f64, x: f64) -> Structure {
    let cell = Cell::orthorhombic(a, a, a);
    let half: [V3; 4] = [
        [x, x, x],
        [0.5 - x, -x, 0.5 + x],
        [-x, 0.5 + x, 0.5 - x],
        [0.5 + x, 0.5 - x, -x],
    ];
    let pos = half
        .iter()
        .flat_map(|&s| [s, s.map(|v| -v)])
        .flat_map(|s| [s, s.map(|v| v + 0.5)])
        .map(|s| cell.cartesian(s.map(|v| v - v.floor())))
        .collect();
    Structure { cell, pos }
}

/// The `n[0] x n[1] x n[2]` supercell of `s`.
pub fn supercell(s: &Structure, n: [usize; 3]) -> Structure {
    let h = s.cell.h;
    let mut pos = Vec::with_capacity(s.pos.len() * n.iter().product::<usize>());
    for i in 0..n[0] {
        for j in 0..n[1] {
            for k in 0..n[2] {
                let t: V3 = std::array::from_fn(|a| {
                    i as f64 * h[0][a] + j as f64 * h[1][a] + k as f64 * h[2][a]
                });
                pos.extend(s.pos.iter().map(|r| std::array::from_fn(|a| r[a] + t[a])));
            }
        }
    }
    Structure {
        cell: Cell {
            h: std::array::from_fn(|a| h[a].map(|v| v * n[a] as f64)),
        },
        pos,
    }
}

/// The smallest supercell of `s` whose three plane spacings are all at least `width` (A).
pub fn supercell_wider_than(s: &Structure, width: f64) -> Structure {
    let spacing = s.cell.plane_spacings();
    let n = spacing.map(|d| ((width / d).ceil() as usize).max(1));
    supercell(s, n)
}

/// The reference phases a found structure is named by: `(name, unrelaxed structure)`, with
/// lattice parameters near the experimental ones (Mujica et al. 2003).
pub fn references() -> Vec<(&'static str, Structure)> {
    vec![
        ("cubic diamond", cubic_diamond(5.431)),
        ("hexagonal diamond", lonsdaleite(5.431)),
        ("4H diamond", polytype(5.431, "ABCB")),
        ("bc8", bc8(6.636, 0.1003)),
        ("beta-tin", beta_tin(4.686, 0.552)),
        ("simple hexagonal", simple_hexagonal(2.53, 0.94)),
        ("simple cubic", simple_cubic(2.53)),
    ]
}
