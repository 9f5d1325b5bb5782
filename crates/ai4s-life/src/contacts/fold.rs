//! The known fold: a hand-made antiparallel three-helix bundle and its contact map.
//!
//! Each helix is an ideal alpha helix (3.6 residues per turn: 100 degrees and 1.5 A rise per
//! residue) whose C-beta atoms lie on a cylinder of radius 3.3 A around the helix axis (C-alpha
//! at 2.3 A, C-beta about 1 A further out). The three axes are parallel to z at the corners of
//! an equilateral triangle with side `axis_gap` (about 10 A in natural bundles such as protein A's
//! B domain, 1BDD); consecutive helices run in opposite directions, joined by loops whose
//! residues are spaced evenly on the straight line between the helix ends, lifted 3 A away from
//! the bundle. Residues `i` and `j` are in contact when their C-beta atoms are closer than
//! `cutoff` (8 A, the CASP definition); precision is scored on pairs with `|i - j| >= 6`, which
//! leaves only contacts between helices (within a helix, `i` and `i + 7` are already 10.5 A
//! apart along the axis).

/// A fold: C-beta coordinates (A) of every residue.
#[derive(Clone, Debug)]
pub struct Fold {
    /// C-beta position of every residue.
    pub coords: Vec<[f64; 3]>,
    /// Secondary-structure label per residue: `H` helix, `L` loop.
    pub ss: Vec<char>,
}

impl Fold {
    /// An antiparallel three-helix bundle with `helix` residues per helix, `loop_len` residues
    /// per loop and axes `axis_gap` A apart.
    pub fn three_helix_bundle(helix: usize, loop_len: usize, axis_gap: f64) -> Fold {
        const RISE: f64 = 1.5;
        const TURN: f64 = 100.0 * std::f64::consts::PI / 180.0;
        const RADIUS: f64 = 3.3;
        let axes = [
            [0.0, 0.0],
            [axis_gap, 0.0],
            [axis_gap / 2.0, axis_gap * 3f64.sqrt() / 2.0],
        ];
        let centre = [axis_gap / 2.0, axis_gap / (2.0 * 3f64.sqrt())];
        let top = RISE * (helix.max(1) - 1) as f64;
        let mut helices: Vec<Vec<[f64; 3]>> = Vec::with_capacity(3);
        for (h, axis) in axes.iter().enumerate() {
            // Start each helix with its first C-beta facing the bundle's centre.
            let phase = (centre[1] - axis[1]).atan2(centre[0] - axis[0]);
            helices.push(
                (0..helix)
                    .map(|k| {
                        let a = phase + TURN * k as f64;
                        let z = if h % 2 == 0 {
                            RISE * k as f64
                        } else {
                            top - RISE * k as f64
                        };
                        [axis[0] + RADIUS * a.cos(), axis[1] + RADIUS * a.sin(), z]
                    })
                    .collect(),
            );
        }
        let mut coords: Vec<[f64; 3]> = Vec::new();
        let mut ss = Vec::new();
        for (h, residues) in helices.iter().enumerate() {
            if h > 0 {
                let (from, to) = (coords[coords.len() - 1], residues[0]);
                let lift = if h % 2 == 1 { 3.0 } else { -3.0 };
                for k in 1..=loop_len {
                    let t = k as f64 / (loop_len + 1) as f64;
                    let p: [f64; 3] = std::array::from_fn(|d| from[d] + t * (to[d] - from[d]));
                    let bump = lift * (std::f64::consts::PI * t).sin();
                    coords.push([p[0], p[1], p[2] + bump]);
                    ss.push('L');
                }
            }
            coords.extend_from_slice(residues);
            ss.extend(std::iter::repeat_n('H', residues.len()));
        }
        Fold { coords, ss }
    }

    /// Number of residues.
    pub fn len(&self) -> usize {
        self.coords.len()
    }

    /// Whether the fold has no residues.
    pub fn is_empty(&self) -> bool {
        self.coords.is_empty()
    }

    /// C-beta distance between residues `i` and `j`.
    pub fn distance(&self, i: usize, j: usize) -> f64 {
        let (a, b) = (self.coords[i], self.coords[j]);
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
    }

    /// The contact map: `map[i][j]` when `i != j` and the C-beta distance is below `cutoff`.
    pub fn contact_map(&self, cutoff: f64) -> ContactMap {
        let l = self.len();
        let map = (0..l)
            .map(|i| {
                (0..l)
                    .map(|j| i != j && self.distance(i, j) < cutoff)
                    .collect()
            })
            .collect();
        ContactMap { map }
    }
}

/// A symmetric residue contact map.
#[derive(Clone, Debug)]
pub struct ContactMap {
    /// `map[i][j]`: residues `i` and `j` are in contact.
    pub map: Vec<Vec<bool>>,
}

impl ContactMap {
    /// Number of residues.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the map has no residues.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Whether `i` and `j` are in contact.
    pub fn contact(&self, i: usize, j: usize) -> bool {
        self.map[i][j]
    }

    /// Contacting pairs `i < j` with `j - i >= min_sep`.
    pub fn pairs(&self, min_sep: usize) -> Vec<(usize, usize)> {
        let l = self.len();
        (0..l)
            .flat_map(|i| ((i + min_sep.max(1))..l).map(move |j| (i, j)))
            .filter(|&(i, j)| self.map[i][j])
            .collect()
    }
}
