//! Known silicon phases the search is judged against: cubic diamond (the ground state of
//! Stillinger-Weber silicon) and hexagonal diamond (lonsdaleite), which has the same
//! nearest-neighbour shell and, because the Stillinger-Weber cutoff (3.77 A) lies inside the
//! second shell (3.84 A), the same energy; only the fingerprint, which sees beyond the
//! second shell, tells them apart.

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
    let ah = a / 2f64.sqrt();
    let c = ah * (8.0f64 / 3.0).sqrt();
    let cell = Cell {
        h: [
            [ah, 0.0, 0.0],
            [-0.5 * ah, 0.5 * 3f64.sqrt() * ah, 0.0],
            [0.0, 0.0, c],
        ],
    };
    let frac: [V3; 4] = [
        [1.0 / 3.0, 2.0 / 3.0, 1.0 / 16.0],
        [2.0 / 3.0, 1.0 / 3.0, 9.0 / 16.0],
        [1.0 / 3.0, 2.0 / 3.0, 7.0 / 16.0],
        [2.0 / 3.0, 1.0 / 3.0, 15.0 / 16.0],
    ];
    Structure {
        pos: frac.iter().map(|&s| cell.cartesian(s)).collect(),
        cell,
    }
}
