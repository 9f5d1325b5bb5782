//! Random crystals with space-group symmetry: a lattice of the group's crystal system, Wyckoff
//! orbits filled until the cell holds the requested number of atoms, a minimum-distance check.
//!
//! Each group is written as its symmetry operations in the International Tables' notation
//! (`-x+1/2,y,z+1/2`, fractional coordinates), the non-inversion half only for centrosymmetric
//! groups (inversion is added), plus its centring translations. A Wyckoff position is an affine
//! template in free parameters (`x,1/4,z`, `x,2x,1/4`); its orbit is the template's point under
//! every operation, wrapped into the cell, with coinciding images merged, so its multiplicity
//! is computed rather than tabulated.

use crate::cell::{Cell, V3, neighbours};
use crate::structure_search::Structure;
use rand::Rng;

/// An affine map `x' = R x + t` on fractional coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Op {
    /// Linear part (rows: output coordinates).
    pub r: [[f64; 3]; 3],
    /// Translation.
    pub t: V3,
}

impl Op {
    /// Parses `-x+1/2,y-x,2z` (three comma-separated affine expressions in x, y, z).
    pub fn parse(text: &str) -> Option<Op> {
        let parts: Vec<&str> = text.split(',').collect();
        if parts.len() != 3 {
            return None;
        }
        let mut op = Op {
            r: [[0.0; 3]; 3],
            t: [0.0; 3],
        };
        for (row, part) in parts.iter().enumerate() {
            let s: String = part.chars().filter(|c| !c.is_whitespace()).collect();
            // Split into signed terms.
            let mut terms = Vec::new();
            let mut cur = String::new();
            for c in s.chars() {
                if (c == '+' || c == '-') && !cur.is_empty() {
                    terms.push(std::mem::take(&mut cur));
                }
                cur.push(c);
            }
            if cur.is_empty() {
                return None;
            }
            terms.push(cur);
            for term in terms {
                let (sign, body) = match term.strip_prefix('-') {
                    Some(b) => (-1.0, b),
                    None => (1.0, term.strip_prefix('+').unwrap_or(&term)),
                };
                let var = body.chars().last().and_then(|c| "xyz".find(c));
                match var {
                    Some(k) => {
                        let coef = &body[..body.len() - 1];
                        let c = if coef.is_empty() {
                            1.0
                        } else {
                            coef.parse::<f64>().ok()?
                        };
                        op.r[row][k] += sign * c;
                    }
                    None => op.t[row] += sign * fraction(body)?,
                }
            }
        }
        Some(op)
    }

    /// The image of fractional point `s`.
    pub fn apply(&self, s: V3) -> V3 {
        std::array::from_fn(|i| {
            self.r[i][0] * s[0] + self.r[i][1] * s[1] + self.r[i][2] * s[2] + self.t[i]
        })
    }
}

fn fraction(s: &str) -> Option<f64> {
    match s.split_once('/') {
        Some((a, b)) => Some(a.parse::<f64>().ok()? / b.parse::<f64>().ok()?),
        None => s.parse().ok(),
    }
}

/// Lattice families (the metric constraints of the crystal systems used here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum System {
    /// No constraint.
    Triclinic,
    /// `alpha = gamma = 90` (unique axis b).
    Monoclinic,
    /// All angles 90.
    Orthorhombic,
    /// `a = b`, all angles 90.
    Tetragonal,
    /// `a = b`, `gamma = 120`.
    Hexagonal,
}

/// A space group: Hermann-Mauguin symbol, operations, Wyckoff templates.
#[derive(Clone, Debug)]
pub struct SpaceGroup {
    /// Symbol, e.g. `P2_1/c`.
    pub symbol: &'static str,
    /// International Tables number.
    pub number: u32,
    /// Lattice family.
    pub system: System,
    /// All operations (inversion partners and centrings included).
    pub ops: Vec<Op>,
    /// Wyckoff position templates (affine in the free parameters).
    pub wyckoff: Vec<Op>,
}

/// (symbol, number, system, operations without inversion, centrosymmetric, centrings, Wyckoff)
type Table = (
    &'static str,
    u32,
    System,
    &'static [&'static str],
    bool,
    &'static [V3],
    &'static [&'static str],
);

const C_CENTRING: &[V3] = &[[0.5, 0.5, 0.0]];

const TABLE: &[Table] = &[
    (
        "P1",
        1,
        System::Triclinic,
        &["x,y,z"],
        false,
        &[],
        &["x,y,z"],
    ),
    (
        "P-1",
        2,
        System::Triclinic,
        &["x,y,z"],
        true,
        &[],
        &[
            "0,0,0",
            "0,0,1/2",
            "0,1/2,0",
            "1/2,0,0",
            "1/2,1/2,0",
            "1/2,0,1/2",
            "0,1/2,1/2",
            "1/2,1/2,1/2",
            "x,y,z",
        ],
    ),
    (
        "P2_1/c",
        14,
        System::Monoclinic,
        &["x,y,z", "-x,y+1/2,-z+1/2"],
        true,
        &[],
        &["0,0,0", "1/2,0,0", "0,0,1/2", "1/2,0,1/2", "x,y,z"],
    ),
    (
        "C2/m",
        12,
        System::Monoclinic,
        &["x,y,z", "-x,y,-z"],
        true,
        C_CENTRING,
        &[
            "0,0,0",
            "0,1/2,0",
            "0,0,1/2",
            "0,1/2,1/2",
            "1/4,1/4,0",
            "1/4,1/4,1/2",
            "0,y,0",
            "0,y,1/2",
            "x,0,z",
            "x,y,z",
        ],
    ),
    (
        "Pnma",
        62,
        System::Orthorhombic,
        &[
            "x,y,z",
            "-x+1/2,-y,z+1/2",
            "-x,y+1/2,-z",
            "x+1/2,-y+1/2,-z+1/2",
        ],
        true,
        &[],
        &["0,0,0", "0,0,1/2", "x,1/4,z", "x,y,z"],
    ),
    (
        "Cmcm",
        63,
        System::Orthorhombic,
        &["x,y,z", "-x,-y,z+1/2", "-x,y,-z+1/2", "x,-y,-z"],
        true,
        C_CENTRING,
        &[
            "0,0,0",
            "0,1/2,0",
            "0,y,1/4",
            "1/4,1/4,0",
            "x,0,0",
            "0,y,z",
            "x,y,1/4",
            "x,y,z",
        ],
    ),
    (
        "P4_2/mnm",
        136,
        System::Tetragonal,
        &[
            "x,y,z",
            "-x,-y,z",
            "-y+1/2,x+1/2,z+1/2",
            "y+1/2,-x+1/2,z+1/2",
            "-x+1/2,y+1/2,-z+1/2",
            "x+1/2,-y+1/2,-z+1/2",
            "y,x,-z",
            "-y,-x,-z",
        ],
        true,
        &[],
        &[
            "0,0,0",
            "0,0,1/2",
            "0,1/2,0",
            "0,1/2,1/4",
            "0,0,z",
            "x,x,0",
            "x,-x,0",
            "0,1/2,z",
            "x,y,0",
            "x,x,z",
            "x,y,z",
        ],
    ),
    (
        "P6_3/mmc",
        194,
        System::Hexagonal,
        &[
            "x,y,z",
            "-y,x-y,z",
            "-x+y,-x,z",
            "-x,-y,z+1/2",
            "y,-x+y,z+1/2",
            "x-y,x,z+1/2",
            "y,x,-z",
            "x-y,-y,-z",
            "-x,-x+y,-z",
            "-y,-x,-z+1/2",
            "-x+y,y,-z+1/2",
            "x,x-y,-z+1/2",
        ],
        true,
        &[],
        &[
            "0,0,0",
            "0,0,1/4",
            "1/3,2/3,1/4",
            "1/3,2/3,3/4",
            "0,0,z",
            "1/3,2/3,z",
            "1/2,0,0",
            "x,2x,1/4",
            "x,0,0",
            "x,2x,z",
            "x,y,1/4",
            "x,y,z",
        ],
    ),
];

/// The symbols of the groups available to the generator.
pub fn available() -> Vec<&'static str> {
    TABLE.iter().map(|t| t.0).collect()
}

/// The space group named `symbol`, or `None`.
pub fn space_group(symbol: &str) -> Option<SpaceGroup> {
    let &(symbol, number, system, half, centro, centring, wyckoff) =
        TABLE.iter().find(|t| t.0 == symbol)?;
    let mut ops: Vec<Op> = half.iter().map(|s| Op::parse(s)).collect::<Option<_>>()?;
    if centro {
        let inv: Vec<Op> = ops
            .iter()
            .map(|o| Op {
                r: o.r.map(|row| row.map(|v| -v)),
                t: o.t.map(|v| -v),
            })
            .collect();
        ops.extend(inv);
    }
    let base = ops.clone();
    for c in centring {
        ops.extend(base.iter().map(|o| Op {
            r: o.r,
            t: std::array::from_fn(|i| o.t[i] + c[i]),
        }));
    }
    let wyckoff = wyckoff
        .iter()
        .map(|s| Op::parse(s))
        .collect::<Option<_>>()?;
    Some(SpaceGroup {
        symbol,
        number,
        system,
        ops,
        wyckoff,
    })
}

fn wrap(s: V3) -> V3 {
    s.map(|v| {
        let w = v - v.floor();
        if w > 1.0 - 1e-9 { 0.0 } else { w }
    })
}

/// Periodic distance between fractional points (largest component, in fractions).
fn frac_gap(a: V3, b: V3) -> f64 {
    (0..3)
        .map(|k| {
            let d = a[k] - b[k];
            (d - d.round()).abs()
        })
        .fold(0.0, f64::max)
}

impl SpaceGroup {
    /// The orbit of fractional point `s` (distinct images wrapped into the cell).
    pub fn orbit(&self, s: V3) -> Vec<V3> {
        let mut out: Vec<V3> = Vec::new();
        for op in &self.ops {
            let p = wrap(op.apply(s));
            if out.iter().all(|q| frac_gap(*q, p) > 1e-6) {
                out.push(p);
            }
        }
        out
    }

    /// Multiplicity of each Wyckoff template at a generic value of its free parameters, and
    /// whether it has any (a fixed point may be used once).
    fn multiplicities(&self) -> Vec<(usize, bool)> {
        let generic = [0.1234, 0.3217, 0.0713];
        self.wyckoff
            .iter()
            .map(|w| {
                let free = w.r.iter().flatten().any(|v| *v != 0.0);
                (self.orbit(w.apply(generic)).len(), free)
            })
            .collect()
    }

    /// Chooses Wyckoff positions whose multiplicities sum to `n`, at random; `None` if the
    /// attempts find no combination.
    fn choose_sites(&self, n: usize, rng: &mut impl Rng) -> Option<Vec<usize>> {
        let mult = self.multiplicities();
        for _ in 0..50 {
            let mut left = n;
            let mut used = vec![false; mult.len()];
            let mut picks = Vec::new();
            while left > 0 {
                let options: Vec<usize> = (0..mult.len())
                    .filter(|&k| mult[k].0 <= left && (mult[k].1 || !used[k]))
                    .collect();
                if options.is_empty() {
                    break;
                }
                let k = options[rng.random_range(0..options.len())];
                used[k] = true;
                left -= mult[k].0;
                picks.push(k);
            }
            if left == 0 {
                return Some(picks);
            }
        }
        None
    }
}

/// A random lattice of `system` with volume `volume` (rows `a`, `b`, `c`): axis ratios within
/// 1:2, angles in 60-120 degrees where free.
pub fn random_lattice(system: System, volume: f64, rng: &mut impl Rng) -> Cell {
    fn len(rng: &mut impl Rng) -> f64 {
        rng.random_range(1.0..2.0)
    }
    fn ang(rng: &mut impl Rng) -> f64 {
        rng.random_range(60.0f64..120.0).to_radians()
    }
    let right = std::f64::consts::FRAC_PI_2;
    let (a, b, c, al, be, ga) = loop {
        let p = match system {
            System::Triclinic => (len(rng), len(rng), len(rng), ang(rng), ang(rng), ang(rng)),
            System::Monoclinic => (len(rng), len(rng), len(rng), right, ang(rng), right),
            System::Orthorhombic => (len(rng), len(rng), len(rng), right, right, right),
            System::Tetragonal => {
                let a = len(rng);
                (a, a, len(rng), right, right, right)
            }
            System::Hexagonal => {
                let a = len(rng);
                (
                    a,
                    a,
                    len(rng),
                    right,
                    right,
                    2.0 * std::f64::consts::FRAC_PI_3,
                )
            }
        };
        // Reject nearly flat triclinic cells (volume factor below 0.5).
        let (ca, cb, cg) = (p.3.cos(), p.4.cos(), p.5.cos());
        let f2 = 1.0 - ca * ca - cb * cb - cg * cg + 2.0 * ca * cb * cg;
        if f2 > 0.25 {
            break p;
        }
    };
    let cell = from_parameters([a, b, c, al, be, ga]);
    let k = (volume / cell.volume()).cbrt();
    Cell {
        h: cell.h.map(|r| r.map(|v| v * k)),
    }
}

/// The cell with lengths `a, b, c` and angles `alpha, beta, gamma` (radians): `a` along x, `b`
/// in the xy-plane.
pub fn from_parameters(p: [f64; 6]) -> Cell {
    let [a, b, c, al, be, ga] = p;
    let cx = c * be.cos();
    let cy = c * (al.cos() - be.cos() * ga.cos()) / ga.sin();
    let cz = (c * c - cx * cx - cy * cy).max(1e-12).sqrt();
    Cell {
        h: [
            [a, 0.0, 0.0],
            [b * ga.cos(), b * ga.sin(), 0.0],
            [cx, cy, cz],
        ],
    }
}

/// Lengths and angles (radians) of a cell.
pub fn parameters(cell: &Cell) -> [f64; 6] {
    let h = cell.h;
    let n: [f64; 3] = std::array::from_fn(|i| crate::cell::norm(h[i]));
    let angle = |i: usize, j: usize| (crate::cell::dot(h[i], h[j]) / (n[i] * n[j])).acos();
    [n[0], n[1], n[2], angle(1, 2), angle(0, 2), angle(0, 1)]
}

/// Whether every periodic distance is at least `d_min`.
pub fn well_separated(pos: &[V3], cell: &Cell, d_min: f64) -> bool {
    neighbours(pos, cell, d_min).is_ok_and(|nl| nl.iter().all(Vec::is_empty))
}

/// A random structure of `n` atoms with the symmetry of `group`, volume per atom drawn from
/// `volume_per_atom`, every distance at least `d_min`; `None` after `attempts` failures.
pub fn random_structure(
    group: &SpaceGroup,
    n: usize,
    volume_per_atom: [f64; 2],
    d_min: f64,
    attempts: usize,
    rng: &mut impl Rng,
) -> Option<Structure> {
    for _ in 0..attempts {
        let sites = group.choose_sites(n, rng)?;
        let volume = n as f64 * rng.random_range(volume_per_atom[0]..=volume_per_atom[1]);
        let cell = random_lattice(group.system, volume, rng);
        let mut frac = Vec::with_capacity(n);
        for &k in &sites {
            let free: V3 = std::array::from_fn(|_| rng.random::<f64>());
            frac.extend(group.orbit(group.wyckoff[k].apply(free)));
        }
        if frac.len() != n {
            continue;
        }
        let pos: Vec<V3> = frac.iter().map(|&s| cell.cartesian(s)).collect();
        if well_separated(&pos, &cell, d_min) {
            return Some(Structure { cell, pos });
        }
    }
    None
}
