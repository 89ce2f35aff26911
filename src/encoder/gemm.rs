//! Dense layers with their weights packed once, at load.
//!
//! A general SGEMM (`matrixmultiply`) packs both operands into panels on
//! every call. For the encoder's layers the weight matrix is the big operand
//! and a turn has only tens of tokens, so that repacking, not the
//! arithmetic, set the cost of a short turn: 42 MB of weights copied per
//! pass of a six-layer, 768-wide encoder. Here the weights are laid out in
//! panels of [`NR`] output columns when the model loads, and a small kernel
//! multiplies [`MR`] token rows at a time against one panel, which stays in
//! the core's cache while every row block passes over it.
//!
//! The kernel uses AVX2 and FMA when the processor has them (checked at run
//! time) and plain arithmetic otherwise; both sum in the same order.

/// Output columns per panel.
const NR: usize = 16;
/// Token rows per kernel call.
const MR: usize = 6;

/// A dense layer `y = x Wᵀ + b`.
#[derive(Debug, Clone)]
pub struct Linear {
    /// W in panels: panel `p` holds, for each input `k`, the weights of
    /// outputs `p·NR .. p·NR + NR` (zero past the last output).
    panels: Vec<f32>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

impl Linear {
    /// Packs W, stored (outputs, inputs) row-major as PyTorch does.
    pub fn new(weight: &[f32], bias: Vec<f32>, inputs: usize, outputs: usize) -> Linear {
        assert_eq!(weight.len(), inputs * outputs, "weight shape");
        assert_eq!(bias.len(), outputs, "bias shape");
        let panel_count = outputs.div_ceil(NR);
        let mut panels = vec![0f32; panel_count * inputs * NR];
        for (o, row) in weight.chunks_exact(inputs).enumerate() {
            let (p, j) = (o / NR, o % NR);
            let panel = &mut panels[p * inputs * NR..(p + 1) * inputs * NR];
            for (k, &w) in row.iter().enumerate() {
                panel[k * NR + j] = w;
            }
        }
        Linear {
            panels,
            bias,
            inputs,
            outputs,
        }
    }

    /// `out = x Wᵀ + b` for `rows` rows of `x` (rows, inputs).
    pub fn apply(&self, x: &[f32], rows: usize, out: &mut [f32]) {
        assert!(x.len() >= rows * self.inputs && out.len() >= rows * self.outputs);
        if rows == 0 {
            return;
        }
        let kernel = Kernel::detect();
        let k = self.inputs;
        for (p, panel) in self.panels.chunks_exact(k * NR).enumerate() {
            let first = p * NR;
            let cols = NR.min(self.outputs - first);
            for start in (0..rows).step_by(MR) {
                let filled = MR.min(rows - start);
                // Rows past the last are read as the last row and not stored.
                let rows_of_block: [&[f32]; MR] = std::array::from_fn(|i| {
                    let r = start + i.min(filled - 1);
                    &x[r * k..(r + 1) * k]
                });
                let acc = kernel.run(&rows_of_block, panel, k);
                for (i, sums) in acc.iter().enumerate().take(filled) {
                    let row = &mut out[(start + i) * self.outputs + first..][..cols];
                    for ((o, s), b) in row.iter_mut().zip(sums).zip(&self.bias[first..]) {
                        *o = s + b;
                    }
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Kernel {
    Plain,
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Kernel {
    fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Kernel::Avx2;
        }
        Kernel::Plain
    }

    fn run(self, rows: &[&[f32]; MR], panel: &[f32], k: usize) -> [[f32; NR]; MR] {
        assert!(panel.len() >= k * NR && rows.iter().all(|r| r.len() >= k));
        match self {
            Kernel::Plain => plain(rows, panel, k),
            // SAFETY: the processor has AVX2 and FMA (checked in detect), and
            // the assert above keeps every read inside `rows` and `panel`.
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => unsafe { avx2(rows, panel, k) },
        }
    }
}

fn plain(rows: &[&[f32]; MR], panel: &[f32], k: usize) -> [[f32; NR]; MR] {
    let mut acc = [[0f32; NR]; MR];
    for kk in 0..k {
        let w = &panel[kk * NR..(kk + 1) * NR];
        for (sums, row) in acc.iter_mut().zip(rows) {
            let a = row[kk];
            for (s, b) in sums.iter_mut().zip(w) {
                *s = a.mul_add(*b, *s);
            }
        }
    }
    acc
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn avx2(rows: &[&[f32]; MR], panel: &[f32], k: usize) -> [[f32; NR]; MR] {
    use std::arch::x86_64::*;
    let mut c = [[_mm256_setzero_ps(); 2]; MR];
    let w = panel.as_ptr();
    let a: [*const f32; MR] = std::array::from_fn(|i| rows[i].as_ptr());
    for kk in 0..k {
        // SAFETY: kk < k, and the caller checked panel.len() >= k·NR and
        // every row's length >= k.
        unsafe {
            let b0 = _mm256_loadu_ps(w.add(kk * NR));
            let b1 = _mm256_loadu_ps(w.add(kk * NR + 8));
            for i in 0..MR {
                let x = _mm256_set1_ps(*a[i].add(kk));
                c[i][0] = _mm256_fmadd_ps(x, b0, c[i][0]);
                c[i][1] = _mm256_fmadd_ps(x, b1, c[i][1]);
            }
        }
    }
    let mut acc = [[0f32; NR]; MR];
    for (sums, halves) in acc.iter_mut().zip(&c) {
        // SAFETY: each half stores 8 floats into its half of a 16-float row.
        unsafe {
            _mm256_storeu_ps(sums.as_mut_ptr(), halves[0]);
            _mm256_storeu_ps(sums.as_mut_ptr().add(8), halves[1]);
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(w: &[f32], b: &[f32], x: &[f32], rows: usize, inputs: usize) -> Vec<f32> {
        let outputs = b.len();
        let mut out = vec![0f32; rows * outputs];
        for r in 0..rows {
            for o in 0..outputs {
                let dot: f64 = (0..inputs)
                    .map(|k| f64::from(x[r * inputs + k]) * f64::from(w[o * inputs + k]))
                    .sum();
                out[r * outputs + o] = dot as f32 + b[o];
            }
        }
        out
    }

    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (s >> 8) as f32 / (1 << 24) as f32 - 0.5
            })
            .collect()
    }

    #[test]
    fn packed_layer_matches_the_textbook_product() {
        // Shapes that leave partial panels and partial row blocks.
        for (rows, inputs, outputs) in [(1, 3, 1), (7, 37, 19), (13, 64, 48), (6, 16, 16)] {
            let w = values(inputs * outputs, 1);
            let b = values(outputs, 2);
            let x = values(rows * inputs, 3);
            let layer = Linear::new(&w, b.clone(), inputs, outputs);
            let mut out = vec![f32::NAN; rows * outputs];
            layer.apply(&x, rows, &mut out);
            let want = reference(&w, &b, &x, rows, inputs);
            for (got, want) in out.iter().zip(&want) {
                assert!((got - want).abs() < 1e-5, "{rows}x{inputs}x{outputs}");
            }
            // The plain kernel and the detected one agree.
            let rows_of_block: [&[f32]; MR] =
                std::array::from_fn(|i| &x[(i % rows) * inputs..(i % rows + 1) * inputs]);
            let panel = &layer.panels[..inputs * NR];
            assert_eq!(
                plain(&rows_of_block, panel, inputs),
                Kernel::detect().run(&rows_of_block, panel, inputs)
            );
        }
    }

    #[test]
    fn textbook_example() {
        // W = [[1, 2], [3, 4], [5, 6]] (3 outputs, 2 inputs), b = [0, 1, 2]
        let l = Linear::new(&[1., 2., 3., 4., 5., 6.], vec![0., 1., 2.], 2, 3);
        let mut out = vec![0.0; 6];
        l.apply(&[1., 1., 0., 2.], 2, &mut out);
        assert_eq!(out, vec![3., 8., 13., 4., 9., 14.]);
    }
}
