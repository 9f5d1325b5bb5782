//! Standard atomic weights of the elements (amu = g/mol), the masses molecular dynamics gives
//! atoms named by their element.
//!
//! Values: IUPAC, "Atomic weights of the elements 2013" (Meija et al., Pure Appl. Chem. 88,
//! 265-291, 2016), Table 1, uncertainties dropped; where IUPAC gives an interval (H, Li, B, C, N,
//! O, Mg, Si, S, Cl, Br, Tl) the conventional value of its Table 3. Elements without a stable
//! isotope (Tc, Pm, Po and beyond Bi) take the mass of their longest-lived isotope. The same
//! table as ASE's `ase.data.atomic_masses_iupac2016`, so masses agree with ASE-driven runs.

/// `(symbol, standard atomic weight in amu)` for hydrogen (Z = 1) to plutonium (Z = 94).
const WEIGHTS: [(&str, f64); 94] = [
    ("H", 1.008),
    ("He", 4.002602),
    ("Li", 6.94),
    ("Be", 9.0121831),
    ("B", 10.81),
    ("C", 12.011),
    ("N", 14.007),
    ("O", 15.999),
    ("F", 18.998403163),
    ("Ne", 20.1797),
    ("Na", 22.98976928),
    ("Mg", 24.305),
    ("Al", 26.9815385),
    ("Si", 28.085),
    ("P", 30.973761998),
    ("S", 32.06),
    ("Cl", 35.45),
    ("Ar", 39.948),
    ("K", 39.0983),
    ("Ca", 40.078),
    ("Sc", 44.955908),
    ("Ti", 47.867),
    ("V", 50.9415),
    ("Cr", 51.9961),
    ("Mn", 54.938044),
    ("Fe", 55.845),
    ("Co", 58.933194),
    ("Ni", 58.6934),
    ("Cu", 63.546),
    ("Zn", 65.38),
    ("Ga", 69.723),
    ("Ge", 72.630),
    ("As", 74.921595),
    ("Se", 78.971),
    ("Br", 79.904),
    ("Kr", 83.798),
    ("Rb", 85.4678),
    ("Sr", 87.62),
    ("Y", 88.90584),
    ("Zr", 91.224),
    ("Nb", 92.90637),
    ("Mo", 95.95),
    ("Tc", 97.90721),
    ("Ru", 101.07),
    ("Rh", 102.90550),
    ("Pd", 106.42),
    ("Ag", 107.8682),
    ("Cd", 112.414),
    ("In", 114.818),
    ("Sn", 118.710),
    ("Sb", 121.760),
    ("Te", 127.60),
    ("I", 126.90447),
    ("Xe", 131.293),
    ("Cs", 132.90545196),
    ("Ba", 137.327),
    ("La", 138.90547),
    ("Ce", 140.116),
    ("Pr", 140.90766),
    ("Nd", 144.242),
    ("Pm", 144.91276),
    ("Sm", 150.36),
    ("Eu", 151.964),
    ("Gd", 157.25),
    ("Tb", 158.92535),
    ("Dy", 162.500),
    ("Ho", 164.93033),
    ("Er", 167.259),
    ("Tm", 168.93422),
    ("Yb", 173.054),
    ("Lu", 174.9668),
    ("Hf", 178.49),
    ("Ta", 180.94788),
    ("W", 183.84),
    ("Re", 186.207),
    ("Os", 190.23),
    ("Ir", 192.217),
    ("Pt", 195.084),
    ("Au", 196.966569),
    ("Hg", 200.592),
    ("Tl", 204.38),
    ("Pb", 207.2),
    ("Bi", 208.98040),
    ("Po", 208.98243),
    ("At", 209.98715),
    ("Rn", 222.01758),
    ("Fr", 223.01974),
    ("Ra", 226.02541),
    ("Ac", 227.02775),
    ("Th", 232.0377),
    ("Pa", 231.03588),
    ("U", 238.02891),
    ("Np", 237.04817),
    ("Pu", 244.06421),
];

/// The standard atomic weight (amu) of the element `symbol` (case-sensitive, `Si`, `O`), or
/// `None` for a name that is not an element symbol.
pub fn atomic_mass(symbol: &str) -> Option<f64> {
    WEIGHTS.iter().find(|(s, _)| *s == symbol).map(|(_, m)| *m)
}

/// The atomic number of the element `symbol`, or `None`.
pub fn atomic_number(symbol: &str) -> Option<usize> {
    WEIGHTS
        .iter()
        .position(|(s, _)| *s == symbol)
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masses_of_common_elements() {
        assert_eq!(atomic_mass("H"), Some(1.008));
        assert_eq!(atomic_mass("O"), Some(15.999));
        assert_eq!(atomic_mass("Si"), Some(28.085));
        assert_eq!(atomic_mass("Cu"), Some(63.546));
        assert_eq!(atomic_mass("Au"), Some(196.966569));
        assert_eq!(atomic_number("Cu"), Some(29));
        assert_eq!(atomic_number("Pu"), Some(94));
        assert_eq!(atomic_mass("si"), None);
        assert_eq!(atomic_mass("Type0"), None);
    }

    #[test]
    fn table_is_in_atomic_number_order_and_roughly_increasing() {
        // Weights grow with Z except for the five known inversions (Ar/K, Co/Ni, Te/I, Th/Pa,
        // U/Np): a transposed or mistyped row shows up as another inversion.
        let inversions: Vec<&str> = WEIGHTS
            .windows(2)
            .filter(|w| w[1].1 < w[0].1)
            .map(|w| w[1].0)
            .collect();
        assert_eq!(inversions, ["K", "Ni", "I", "Pa", "Np"]);
        let mut names: Vec<&str> = WEIGHTS.iter().map(|(s, _)| *s).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), WEIGHTS.len(), "duplicate symbol");
    }
}
