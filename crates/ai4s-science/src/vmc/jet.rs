//! Laplacian jets: a function of the six electron coordinates carried with its gradient and
//! Laplacian, as ordinary tensor ops (burn's autodiff is first order, so the kinetic energy
//! `-(1/2) lap psi / psi` of a network must be built explicitly; one `backward()` of a loss
//! made from these tensors then differentiates the Laplacian with respect to the weights).
//!
//! Everything in the helium wavefunction is a function `F(h)` of the three distances
//! `h = (r1, r2, r12)`. By the chain rule, in six dimensions
//! `lap F = sum_ab F_ab G_ab + sum_a F_a lap h_a` and `|grad F|^2 = sum_ab F_a F_b G_ab`, with
//! the Gram matrix `G_ab = grad h_a . grad h_b` and `lap h = (2/r1, 2/r2, 4/r12)`. With
//! `p = r1^ . r12^` and `q = r2^ . r12^` (unit vectors, `r12 = r1 - r2`),
//! `G = [[1, 0, p], [0, 1, -q], [p, -q, 2]] = sum_m v_m v_m^T` with `v_1 = (1, 0, p)`,
//! `v_2 = (0, 1, -q)`, `v_3 = (0, 0, sqrt(2 - p^2 - q^2))`. A jet stores the value, the three
//! directional derivatives `t_m = v_m . grad_h F` (so `grad F . grad K = sum_m t_m(F) t_m(K)`)
//! and the Laplacian; products and functions follow
//! `lap (F K) = F lap K + K lap F + 2 grad F . grad K`, `lap phi(F) = phi' lap F + phi'' |grad F|^2`.
//! Through a layer `z = x W + b` the derivatives transform by `W` alone; through `tanh`,
//! `t -> (1 - a^2) t` and `lap -> (1 - a^2) lap - 2 a (1 - a^2) |t|^2`. Three gradient streams
//! and one Laplacian stream replace the twelve of a six-coordinate forward-mode pass.

use ai4s_core::burn::nn::Linear;
use ai4s_core::burn::tensor::Tensor;
use ai4s_core::mlp::Mlp;

/// Gradient (three frame components) and Laplacian of a jet.
#[derive(Clone, Debug)]
pub(crate) struct Derivs {
    pub(crate) t: [Tensor<2>; 3],
    pub(crate) lap: Tensor<2>,
}

/// Values `[n, k]` of `k` functions of the walkers, with their derivatives when requested.
#[derive(Clone, Debug)]
pub(crate) struct Lap {
    pub(crate) v: Tensor<2>,
    pub(crate) d: Option<Derivs>,
}

impl Lap {
    /// `self + other`.
    pub(crate) fn add(self, other: Lap) -> Lap {
        let d = match (self.d, other.d) {
            (Some(a), Some(b)) => Some(Derivs {
                t: zip3(a.t, b.t, |x, y| x + y),
                lap: a.lap + b.lap,
            }),
            _ => None,
        };
        Lap {
            v: self.v + other.v,
            d,
        }
    }

    /// `self - other`.
    pub(crate) fn sub(self, other: Lap) -> Lap {
        self.add(other.scale(-1.0))
    }

    /// `self * k` for a constant `k`.
    pub(crate) fn scale(self, k: f64) -> Lap {
        Lap {
            v: self.v * k,
            d: self.d.map(|d| Derivs {
                t: d.t.map(|t| t * k),
                lap: d.lap * k,
            }),
        }
    }

    /// `self * k` for a tensor `k` that does not depend on the coordinates (a parameter,
    /// broadcast from `[1, 1]`).
    pub(crate) fn scale_by(self, k: Tensor<2>) -> Lap {
        Lap {
            v: self.v * k.clone(),
            d: self.d.map(|d| Derivs {
                t: d.t.map(|t| t * k.clone()),
                lap: d.lap * k,
            }),
        }
    }

    /// The product `self * other`.
    pub(crate) fn mul(self, other: Lap) -> Lap {
        let d = match (self.d, other.d) {
            (Some(a), Some(b)) => {
                let dot = dot(&a.t, &b.t);
                Some(Derivs {
                    lap: a.lap * other.v.clone() + b.lap * self.v.clone() + dot * 2.0,
                    t: zip3(a.t, b.t, |x, y| x * other.v.clone() + y * self.v.clone()),
                })
            }
            _ => None,
        };
        Lap {
            v: self.v * other.v,
            d,
        }
    }

    /// `phi(self)` given `phi`, `phi'` and `phi''` evaluated at `self.v` (`f1`, `f2` are not
    /// used when no derivatives are carried).
    pub(crate) fn chain(self, f: Tensor<2>, f1: Tensor<2>, f2: Tensor<2>) -> Lap {
        Lap {
            v: f,
            d: self.d.map(|d| {
                let g2 = dot(&d.t, &d.t);
                Derivs {
                    lap: f1.clone() * d.lap + f2 * g2,
                    t: d.t.map(|t| t * f1.clone()),
                }
            }),
        }
    }

    /// `r^2 / (r + c)` of `r = self >= 0`: zero slope at `r = 0` (it cannot change a cusp),
    /// slope 1 far away; `c` is a positive constant or parameter (`[1, 1]` or `[n, 1]`).
    pub(crate) fn soft_linear(self, c: Tensor<2>) -> Lap {
        let r = self.v.clone();
        let inv = (r.clone() + c.clone()).recip();
        let f = r.clone() * r * inv.clone();
        let ci = c * inv.clone();
        let f1 = (ci.clone() * ci.clone()).neg() + 1.0;
        let f2 = ci.clone() * ci * inv * 2.0;
        self.chain(f, f1, f2)
    }

    /// `r / (2 (1 + b r))`: slope 1/2 at `r = 0`, bounded by `1 / (2 b)`.
    pub(crate) fn pade(self, b: Tensor<2>) -> Lap {
        let r = self.v.clone();
        let inv = (r.clone() * b.clone() + 1.0).recip();
        let f = r * inv.clone() * 0.5;
        let f1 = inv.clone() * inv.clone() * 0.5;
        let f2 = inv.clone() * inv.clone() * inv * b.neg();
        self.chain(f, f1, f2)
    }

    /// Columns side by side.
    pub(crate) fn cat(cols: Vec<Lap>) -> Lap {
        let derivs = cols.iter().all(|c| c.d.is_some());
        let (vs, ds): (Vec<_>, Vec<_>) = cols.into_iter().map(|c| (c.v, c.d)).unzip();
        let d = if derivs {
            let ds: Vec<Derivs> = ds.into_iter().flatten().collect();
            let col = |f: &dyn Fn(&Derivs) -> Tensor<2>| {
                Tensor::cat(ds.iter().map(f).collect::<Vec<_>>(), 1)
            };
            Some(Derivs {
                t: [0, 1, 2].map(|m| col(&|d: &Derivs| d.t[m].clone())),
                lap: col(&|d: &Derivs| d.lap.clone()),
            })
        } else {
            None
        };
        Lap {
            v: Tensor::cat(vs, 1),
            d,
        }
    }

    fn linear(self, layer: &Linear) -> Lap {
        let w = layer.weight.val();
        Lap {
            v: layer.forward(self.v),
            d: self.d.map(|d| Derivs {
                t: d.t.map(|t| t.matmul(w.clone())),
                lap: d.lap.matmul(w.clone()),
            }),
        }
    }

    fn tanh(self) -> Lap {
        let a = ai4s_core::tensor::tanh(self.v.clone());
        let g = (a.clone() * a.clone()).neg() + 1.0;
        let g2 = a.clone() * g.clone() * (-2.0);
        self.chain(a, g, g2)
    }

    /// A tanh network applied to the columns of `self`.
    pub(crate) fn mlp(self, net: &Mlp) -> Lap {
        let last = net.layers.len().saturating_sub(1);
        net.layers.iter().enumerate().fold(self, |x, (i, layer)| {
            let z = x.linear(layer);
            if i < last { z.tanh() } else { z }
        })
    }
}

/// `sum_m a_m b_m`: the six-dimensional `grad F . grad K`.
pub(crate) fn dot(a: &[Tensor<2>; 3], b: &[Tensor<2>; 3]) -> Tensor<2> {
    a[0].clone() * b[0].clone() + a[1].clone() * b[1].clone() + a[2].clone() * b[2].clone()
}

fn zip3(
    a: [Tensor<2>; 3],
    b: [Tensor<2>; 3],
    f: impl Fn(Tensor<2>, Tensor<2>) -> Tensor<2>,
) -> [Tensor<2>; 3] {
    let [a0, a1, a2] = a;
    let [b0, b1, b2] = b;
    [f(a0, b0), f(a1, b1), f(a2, b2)]
}

/// The distances `r1`, `r2`, `r12` of walkers `pos = [x1, y1, z1, x2, y2, z2]` (`[n, 6]`) as
/// jets (with derivatives when `derivs`).
pub(crate) fn distances(pos: Tensor<2>, derivs: bool) -> [Lap; 3] {
    let x1 = pos.clone().narrow(1, 0, 3);
    let x2 = pos.narrow(1, 3, 3);
    let d = x1.clone() - x2.clone();
    let norm = |x: Tensor<2>| (x.clone() * x).sum_dim(1).sqrt();
    let (r1, r2, r12) = (norm(x1.clone()), norm(x2.clone()), norm(d.clone()));
    if !derivs {
        return [r1, r2, r12].map(|v| Lap { v, d: None });
    }
    let p = (x1 * d.clone()).sum_dim(1) / (r1.clone() * r12.clone());
    let q = (x2 * d).sum_dim(1) / (r2.clone() * r12.clone());
    let w = ((p.clone() * p.clone() + q.clone() * q.clone()).neg() + 2.0)
        .clamp_min(0.0)
        .sqrt();
    let one = r1.ones_like();
    let zero = r1.zeros_like();
    let jet = |v: Tensor<2>, t: [Tensor<2>; 3], k: f64| Lap {
        v: v.clone(),
        d: Some(Derivs {
            t,
            lap: v.recip() * k,
        }),
    };
    [
        jet(r1, [one.clone(), zero.clone(), zero.clone()], 2.0),
        jet(r2, [zero.clone(), one, zero], 2.0),
        jet(r12, [p, q.neg(), w], 4.0),
    ]
}
