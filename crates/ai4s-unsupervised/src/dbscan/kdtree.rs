//! A k-d tree for DBSCAN in any dimension (Bentley 1975).
//!
//! Nodes split at the median of their widest feature until they hold at most [`LEAF`] points
//! (or all their points coincide); every node keeps the bounding box of its points. A query
//! for the points within `eps` of `p` visits the child on `p`'s side of a split first, skips a
//! node whose box is farther than `eps` from `p`, takes a node whose box lies entirely within
//! `eps` as a whole (no distance computed), and tests the points of the leaves in between: a
//! blocked brute force over the few leaves near `p`. The bounds are those of
//! [`crate::metric`], exact against the computed distances.
//!
//! Three shortcuts keep the later passes from re-examining settled regions: a node without core
//! points is skipped when joining and when labelling border points; when joining, each
//! unordered pair is looked at once (from its earlier point) and a pair already in one
//! component costs a union-find look-up instead of a distance; and a node whose core points
//! are known to form part of one component (a *united* node, recorded once seen, valid forever
//! because components only merge) is skipped whole when it is already in the query's
//! component, or, for a border point, when its cluster cannot beat the best one found.

use super::union_find::UnionFind;
use super::{Index, NOISE};
use crate::metric::{box_max_sq_dist, box_min_sq_dist, sq_dist, within};
use crate::parallel::map_ranges;
use std::ops::{ControlFlow, Range};
use std::sync::atomic::{AtomicU32, Ordering};

/// Most points in a leaf.
const LEAF: usize = 32;
/// Query points per chunk of work.
const QUERIES_PER_CHUNK: usize = 512;
/// `united` value of a node not (yet) known to be united.
const UNKNOWN: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Node {
    start: u32,
    end: u32,
    /// First of the two children (the second follows it); 0 for a leaf.
    left: u32,
    /// Split feature and value: points of the left child have `x[dim] <= split`.
    dim: u32,
    split: f64,
    /// Squared diameter of the box: above `4 eps^2` no point has the box within `eps`.
    diam2: f64,
}

/// Points near a query: a node entirely within `eps` (`inside`), or a leaf to test point by
/// point.
struct Hit {
    node: usize,
    range: Range<usize>,
    inside: bool,
}

/// What a pass knows about nodes, to skip them.
trait Skip {
    fn skip(&self, node: usize) -> bool;
}

impl<F: Fn(usize) -> bool> Skip for F {
    fn skip(&self, node: usize) -> bool {
        self(node)
    }
}

pub(crate) struct KdTree {
    d: usize,
    eps2: f64,
    /// Coordinates in tree order, `n x d`.
    pts: Vec<f64>,
    /// Row of each position.
    perm: Vec<u32>,
    nodes: Vec<Node>,
    /// Bounding boxes, `nodes x d` each.
    lo: Vec<f64>,
    hi: Vec<f64>,
    /// For each node, a core point when all its core points are known to be in one component
    /// ([`UNKNOWN`] otherwise); written while joining, read while labelling border points.
    marks: Vec<AtomicU32>,
}

impl KdTree {
    /// The tree of the `n x d` row-major points `x`, for neighbourhoods of squared radius `eps2`.
    pub fn build(x: &[f64], n: usize, d: usize, eps2: f64) -> KdTree {
        let coord = |i: u32, f: usize| x[i as usize * d + f];
        let mut idx: Vec<u32> = (0..n as u32).collect();
        let leaf = |start: usize, end: usize| Node {
            start: start as u32,
            end: end as u32,
            left: 0,
            dim: 0,
            split: 0.0,
            diam2: 0.0,
        };
        let mut nodes = vec![leaf(0, n)];
        let (mut lo, mut hi) = (vec![0.0; d], vec![0.0; d]);
        let mut stack = vec![0usize];
        while let Some(id) = stack.pop() {
            let (s, e) = (nodes[id].start as usize, nodes[id].end as usize);
            let (bl, bh) = (&mut lo[id * d..(id + 1) * d], &mut hi[id * d..(id + 1) * d]);
            bl.fill(f64::INFINITY);
            bh.fill(f64::NEG_INFINITY);
            for &i in &idx[s..e] {
                for f in 0..d {
                    bl[f] = bl[f].min(coord(i, f));
                    bh[f] = bh[f].max(coord(i, f));
                }
            }
            nodes[id].diam2 = sq_dist(bl, bh);
            let widest = (0..d).max_by(|&a, &b| (bh[a] - bl[a]).total_cmp(&(bh[b] - bl[b])));
            let Some(f) = widest.filter(|&f| e - s > LEAF && bh[f] > bl[f]) else {
                continue;
            };
            let mid = s + (e - s) / 2;
            idx[s..e].select_nth_unstable_by(mid - s, |&a, &b| coord(a, f).total_cmp(&coord(b, f)));
            let l = nodes.len();
            nodes[id].left = l as u32;
            nodes[id].dim = f as u32;
            nodes[id].split = coord(idx[mid], f);
            nodes.extend([leaf(s, mid), leaf(mid, e)]);
            lo.resize(nodes.len() * d, 0.0);
            hi.resize(nodes.len() * d, 0.0);
            stack.extend([l, l + 1]);
        }
        let pts = idx
            .iter()
            .flat_map(|&i| x[i as usize * d..(i as usize + 1) * d].iter().copied())
            .collect();
        KdTree {
            d,
            eps2,
            pts,
            perm: idx,
            marks: nodes.iter().map(|_| AtomicU32::new(UNKNOWN)).collect(),
            nodes,
            lo,
            hi,
        }
    }

    fn pt(&self, p: usize) -> &[f64] {
        &self.pts[p * self.d..(p + 1) * self.d]
    }

    fn within(&self, p: usize, q: usize) -> bool {
        within(self.pt(p), self.pt(q), self.eps2)
    }

    fn range(&self, node: usize) -> Range<usize> {
        self.nodes[node].start as usize..self.nodes[node].end as usize
    }

    /// Calls `f` on the nodes near position `p`, nearer side first, leaving out those `skip`
    /// names.
    fn search(
        &self,
        p: usize,
        stack: &mut Vec<usize>,
        skip: &impl Skip,
        mut f: impl FnMut(Hit) -> ControlFlow<()>,
    ) {
        let x = self.pt(p);
        stack.clear();
        stack.push(0);
        while let Some(id) = stack.pop() {
            if skip.skip(id) {
                continue;
            }
            let nd = self.nodes[id];
            let r = id * self.d..(id + 1) * self.d;
            let (lo, hi) = (&self.lo[r.clone()], &self.hi[r]);
            if box_min_sq_dist(x, lo, hi) > self.eps2 {
                continue;
            }
            let inside = nd.diam2 <= 4.0 * self.eps2 && box_max_sq_dist(x, lo, hi) <= self.eps2;
            if inside || nd.left == 0 {
                let hit = Hit {
                    node: id,
                    range: self.range(id),
                    inside,
                };
                if f(hit).is_break() {
                    return;
                }
            } else {
                let (l, r) = (nd.left as usize, nd.left as usize + 1);
                let near_left = x[nd.dim as usize] <= nd.split;
                stack.extend(if near_left { [r, l] } else { [l, r] });
            }
        }
    }

    /// Whether each node holds a core point.
    fn has_core(&self, core: &[bool]) -> Vec<bool> {
        let mut prefix = vec![0u32; core.len() + 1];
        for (i, &c) in core.iter().enumerate() {
            prefix[i + 1] = prefix[i] + u32::from(c);
        }
        self.nodes
            .iter()
            .map(|n| prefix[n.end as usize] > prefix[n.start as usize])
            .collect()
    }

    /// A core point of `node` if all its core points are known to be in one component; an
    /// internal node is recognised from its two children (`same` tells whether two core points
    /// share a component). Only nodes with core points are ever marked.
    fn united(
        &self,
        node: usize,
        has_core: &[bool],
        same: impl Fn(u32, u32) -> bool,
    ) -> Option<u32> {
        let mark = |c: usize| self.marks[c].load(Ordering::Acquire);
        if mark(node) != UNKNOWN {
            return Some(mark(node));
        }
        let nd = self.nodes[node];
        if nd.left == 0 {
            return None;
        }
        // A child without core points does not matter.
        let (a, b) = (nd.left as usize, nd.left as usize + 1);
        let u = match (has_core[a], has_core[b]) {
            (true, true) => {
                let (ma, mb) = (mark(a), mark(b));
                if ma == UNKNOWN || mb == UNKNOWN || !same(ma, mb) {
                    return None;
                }
                ma
            }
            (true, false) => mark(a),
            (false, true) => mark(b),
            (false, false) => UNKNOWN,
        };
        if u == UNKNOWN {
            return None;
        }
        self.marks[node].store(u, Ordering::Release);
        Some(u)
    }
}

impl Index for KdTree {
    fn len(&self) -> usize {
        self.perm.len()
    }

    fn original(&self, pos: usize) -> usize {
        self.perm[pos] as usize
    }

    fn core_flags(&self, min_samples: usize, threads: usize) -> Vec<bool> {
        map_ranges(self.len(), QUERIES_PER_CHUNK, threads, |r| {
            let mut stack = Vec::new();
            r.map(|p| {
                let mut count = 0;
                self.search(p, &mut stack, &|_| false, |hit| {
                    if hit.inside {
                        count += hit.range.len();
                    } else {
                        for q in hit.range {
                            count += usize::from(self.within(p, q));
                            if count >= min_samples {
                                break;
                            }
                        }
                    }
                    if count >= min_samples {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                });
                count >= min_samples
            })
            .collect::<Vec<bool>>()
        })
        .concat()
    }

    fn connect(&self, core: &[bool], sets: &UnionFind, threads: usize) {
        let has_core = self.has_core(core);
        let same = |a: u32, b: u32| sets.find(a) == sets.find(b);
        map_ranges(self.len(), QUERIES_PER_CHUNK, threads, |r| {
            let mut stack = Vec::new();
            for p in r.filter(|&p| core[p]) {
                let root = std::cell::Cell::new(sets.find(p as u32));
                let skip = |node: usize| {
                    self.nodes[node].end as usize <= p + 1
                        || !has_core[node]
                        || self
                            .united(node, &has_core, same)
                            .is_some_and(|u| sets.find(u) == root.get())
                };
                self.search(p, &mut stack, &skip, |hit| {
                    let mut all_in = true;
                    let mut rep = UNKNOWN;
                    for q in hit.range.clone().filter(|&q| q > p && core[q]) {
                        if sets.find(q as u32) != root.get() {
                            if hit.inside || self.within(p, q) {
                                sets.union(p as u32, q as u32);
                                root.set(sets.find(p as u32));
                            } else {
                                all_in = false;
                            }
                        }
                        rep = q as u32;
                    }
                    if hit.range.start > p && all_in && rep != UNKNOWN {
                        // Every core point of this node is now in the query's component.
                        self.marks[hit.node].store(rep, Ordering::Release);
                    }
                    ControlFlow::Continue(())
                });
            }
        });
    }

    fn borders(&self, core: &[bool], cluster: &[i64], threads: usize) -> Vec<i64> {
        let has_core = self.has_core(core);
        let same = |a: u32, b: u32| cluster[a as usize] == cluster[b as usize];
        map_ranges(self.len(), QUERIES_PER_CHUNK, threads, |r| {
            let mut stack = Vec::new();
            r.map(|p| {
                if core[p] {
                    return cluster[p];
                }
                let best = std::cell::Cell::new(i64::MAX);
                let skip = |node: usize| {
                    !has_core[node]
                        || self
                            .united(node, &has_core, same)
                            .is_some_and(|u| cluster[u as usize] >= best.get())
                };
                self.search(p, &mut stack, &skip, |hit| {
                    for q in hit.range {
                        if core[q] && cluster[q] < best.get() && (hit.inside || self.within(p, q)) {
                            best.set(cluster[q]);
                        }
                    }
                    ControlFlow::Continue(())
                });
                match best.get() {
                    i64::MAX => NOISE,
                    b => b,
                }
            })
            .collect::<Vec<i64>>()
        })
        .concat()
    }
}
