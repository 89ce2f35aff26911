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
//!
//! [`QuantizedLinear`] is the same layer in 8-bit integers: weights
//! quantized per output row at load, activations per token row on every
//! call, summed exactly in `i32` by the processor's byte dot product
//! instruction (AVX-512 VNNI or AVX-VNNI), by AVX2's byte and word
//! multiply-adds, or by plain arithmetic; all give the same bits.

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

/// Output columns per panel of [`QuantizedLinear`]: two 512-bit vectors of
/// 16 `i32` sums.
const QNR: usize = 32;

/// A dense layer `y = x Wᵀ + b` computed in 8-bit integers.
///
/// W is quantized once, at load, per output row: `scale_o = max|W_o| / 127`
/// and `q = round(w / scale_o)` clamped to `-127..=127` (a zero row keeps
/// scale 1). Every call quantizes each row of `x` the same way
/// (`s_r = max|x_r| / 127`, 0 for a row of zeros) and stores `q + 128` in a
/// `u8` for the processor's unsigned × signed byte dot product;
/// `128 · Σ_k q_w`, kept per output, takes the offset back out, so the
/// integer dot product `Σ_k q_x · q_w` is exact. Then
/// `out[r][o] = (s_r · scale_o) · dot + b_o`, evaluated by the same Rust
/// whichever kernel summed the dot product, so every kernel gives the same
/// bits. Inputs are padded with zeros to a multiple of 4, the width of one
/// group of the dot product instruction.
///
/// The kernel uses AVX-512 VNNI on 512-bit vectors, or AVX-VNNI on 256-bit
/// ones, when the processor has them (checked at run time), AVX2 without
/// VNNI, and plain `i32` arithmetic otherwise.
#[derive(Debug, Clone)]
pub struct QuantizedLinear {
    /// Quantized W in panels of [`QNR`] outputs: panel `p` holds, for each
    /// group `g` of 4 inputs, the weights of inputs `4g .. 4g + 4` of output
    /// `p·QNR`, then those of output `p·QNR + 1`, and so on (zero past the
    /// last output and input).
    panels: Vec<i8>,
    /// `scale_o` per output.
    scales: Vec<f32>,
    /// `128 · Σ_k q_w` per output.
    offsets: Vec<i32>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

impl QuantizedLinear {
    /// Quantizes and packs W, stored (outputs, inputs) row-major as PyTorch
    /// does.
    pub fn new(weight: &[f32], bias: Vec<f32>, inputs: usize, outputs: usize) -> QuantizedLinear {
        assert_eq!(weight.len(), inputs * outputs, "weight shape");
        assert_eq!(bias.len(), outputs, "bias shape");
        let padded = inputs.next_multiple_of(4);
        let panel_len = padded * QNR;
        let mut panels = vec![0i8; outputs.div_ceil(QNR) * panel_len];
        // With no inputs every output is its bias: scale 1, no weights.
        let mut scales = vec![1f32; outputs];
        let mut offsets = vec![0i32; outputs];
        for (o, row) in weight.chunks_exact(inputs.max(1)).enumerate() {
            let scale = weight_scale(row);
            let (p, j) = (o / QNR, o % QNR);
            let panel = &mut panels[p * panel_len..(p + 1) * panel_len];
            let mut sum = 0i32;
            for (k, &w) in row.iter().enumerate() {
                let q = quantize_weight(w, scale);
                panel[(k / 4) * QNR * 4 + j * 4 + k % 4] = q;
                sum += i32::from(q);
            }
            scales[o] = scale;
            offsets[o] = 128 * sum;
        }
        QuantizedLinear {
            panels,
            scales,
            offsets,
            bias,
            inputs,
            outputs,
        }
    }

    /// `out = x Wᵀ + b` for `rows` rows of `x` (rows, inputs).
    pub fn apply(&self, x: &[f32], rows: usize, out: &mut [f32]) {
        self.apply_with(QKernel::detect(), x, rows, out);
    }

    fn apply_with(&self, kernel: QKernel, x: &[f32], rows: usize, out: &mut [f32]) {
        assert!(x.len() >= rows * self.inputs && out.len() >= rows * self.outputs);
        if rows == 0 {
            return;
        }
        let k = self.inputs;
        let padded = k.next_multiple_of(4);
        let mut quantized = vec![0u8; rows * padded];
        let mut row_scales = vec![0f32; rows];
        for (r, (q, s)) in quantized
            .chunks_exact_mut(padded.max(1))
            .zip(&mut row_scales)
            .enumerate()
        {
            *s = quantize_row(&x[r * k..(r + 1) * k], q);
        }
        let split;
        let (bytes, stride) = if kernel.splits_signs() {
            split = split_signs(&quantized);
            (&split[..], 2 * padded)
        } else {
            (&quantized[..], padded)
        };
        let q = Quantized {
            bytes,
            stride,
            scales: &row_scales,
            padded,
        };
        // As many rows per block as the kernel keeps sums for in registers.
        match kernel {
            QKernel::Plain => self.product::<8>(kernel, &q, out),
            #[cfg(target_arch = "x86_64")]
            QKernel::Avx512Vnni => self.product::<8>(kernel, &q, out),
            #[cfg(target_arch = "x86_64")]
            QKernel::AvxVnni => self.product::<3>(kernel, &q, out),
            #[cfg(target_arch = "x86_64")]
            QKernel::Avx2 => self.product::<2>(kernel, &q, out),
        }
    }

    /// The product of the quantized rows with every panel, `M` rows at a
    /// time, scaled into `out`.
    fn product<const M: usize>(&self, kernel: QKernel, x: &Quantized, out: &mut [f32]) {
        let padded = x.padded;
        // A kernel on split rows sums the centred codes: no offset to take.
        let centred = kernel.splits_signs();
        let rows = x.scales.len();
        if padded == 0 {
            for row in out.chunks_exact_mut(self.outputs).take(rows) {
                row.copy_from_slice(&self.bias);
            }
            return;
        }
        for (p, panel) in self.panels.chunks_exact(padded * QNR).enumerate() {
            let first = p * QNR;
            let cols = QNR.min(self.outputs - first);
            let scales = &self.scales[first..first + cols];
            let offsets = &self.offsets[first..first + cols];
            let bias = &self.bias[first..first + cols];
            for start in (0..rows).step_by(M) {
                let filled = M.min(rows - start);
                // Rows past the last are read as the last row and not stored.
                let rows_of_block: [&[u8]; M] = std::array::from_fn(|i| {
                    let r = start + i.min(filled - 1);
                    &x.bytes[r * x.stride..(r + 1) * x.stride]
                });
                let acc = kernel.run(&rows_of_block, panel, padded);
                for (i, sums) in acc.iter().enumerate().take(filled) {
                    let r = start + i;
                    let s = x.scales[r];
                    let row = &mut out[r * self.outputs + first..][..cols];
                    for (o, (((&dot, &offset), &scale), &b)) in row
                        .iter_mut()
                        .zip(sums.iter().zip(offsets).zip(scales).zip(bias))
                    {
                        let dot = if centred { dot } else { dot - offset };
                        *o = (s * scale) * (dot as f32) + b;
                    }
                }
            }
        }
    }
}

/// Rows of activations quantized for [`QuantizedLinear`].
struct Quantized<'a> {
    /// `q + 128` per value, each row padded to `padded` with the code of 0;
    /// or, for a kernel that [`QKernel::splits_signs`], those rows split by
    /// [`split_signs`].
    bytes: &'a [u8],
    /// Bytes per row: `padded`, or twice that when split.
    stride: usize,
    /// `s_r` per row.
    scales: &'a [f32],
    /// The inputs rounded up to a multiple of 4.
    padded: usize,
}

/// The int8 scale of a row of weights: max |w| / 127 (1 for a row of
/// zeros, which quantizes to zeros).
pub(super) fn weight_scale(row: &[f32]) -> f32 {
    let max = max_abs(row);
    if max == 0.0 {
        1.0
    } else {
        max / 127.0
    }
}

/// A weight in int8 at its row's [`weight_scale`].
pub(super) fn quantize_weight(w: f32, scale: f32) -> i8 {
    (w / scale).round().clamp(-127.0, 127.0) as i8
}

/// The largest `|v|`, comparing bit patterns: with the sign bit cleared they
/// order finite floats by magnitude (and a NaN above all, so it comes out).
#[inline(always)]
fn max_abs(values: &[f32]) -> f32 {
    f32::from_bits(
        values
            .iter()
            .fold(0u32, |m, v| m.max(v.to_bits() & 0x7fff_ffff)),
    )
}

/// Quantizes one row of activations into `q` (`x.len()` rounded up to a
/// multiple of 4, the padding set to the code of 0) and returns its scale,
/// 0 for a row of zeros.
fn quantize_row(x: &[f32], q: &mut [u8]) -> f32 {
    assert!(q.len() >= x.len());
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2.
        return unsafe { quantize_row_avx2(x, q) };
    }
    quantize_row_body(x, q)
}

/// [`quantize_row`] compiled for AVX2, which has the vector rounding and
/// unsigned maximum that baseline x86-64 lacks (there `round` is a library
/// call per value, a quarter of the layer's time). The same operations, so
/// the same bytes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn quantize_row_avx2(x: &[f32], q: &mut [u8]) -> f32 {
    quantize_row_body(x, q)
}

#[inline(always)]
fn quantize_row_body(x: &[f32], q: &mut [u8]) -> f32 {
    let max = max_abs(x);
    if max == 0.0 {
        q.fill(128);
        return 0.0;
    }
    let s = max / 127.0;
    let (values, padding) = q.split_at_mut(x.len());
    for (q, &v) in values.iter_mut().zip(x) {
        let n = (v / s).round().clamp(-127.0, 127.0);
        // n + 1.5·2²³ is exact and puts n, two's complement, in the low
        // mantissa bits; flipping the top bit of the low byte adds 128.
        // (Unlike `as i32`, whose saturation keeps the loop scalar.)
        *q = (n + 12_582_912.0).to_bits() as u8 ^ 0x80;
    }
    padding.fill(128);
    s
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum QKernel {
    Plain,
    /// AVX-512 VNNI, `vpdpbusd` on 512-bit vectors.
    #[cfg(target_arch = "x86_64")]
    Avx512Vnni,
    /// AVX-VNNI, the VEX-coded `vpdpbusd` on 256-bit vectors (processors
    /// with VNNI but no AVX-512, 16 vector registers).
    #[cfg(target_arch = "x86_64")]
    AvxVnni,
    /// AVX2 without VNNI: `vpmaddubsw` and `vpmaddwd` in place of
    /// `vpdpbusd`. Their 16-bit pair sums would saturate on `q + 128`, so
    /// this kernel reads rows split into `|q|` and `q`
    /// ([`QKernel::splits_signs`]).
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl QKernel {
    fn detect() -> QKernel {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512vnni")
                && std::arch::is_x86_feature_detected!("avx512f")
            {
                return QKernel::Avx512Vnni;
            }
            if std::arch::is_x86_feature_detected!("avxvnni") {
                return QKernel::AvxVnni;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return QKernel::Avx2;
            }
        }
        QKernel::Plain
    }

    /// Whether the kernel reads rows split by [`split_signs`] and sums the
    /// centred codes, `Σ_k q_x · q_w`, rather than `Σ_k (q_x + 128) · q_w`:
    /// the two differ by exactly the output's offset, `128 · Σ_k q_w`, so
    /// every kernel gives the same bits once it is taken away.
    fn splits_signs(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        if self == QKernel::Avx2 {
            return true;
        }
        false
    }

    /// Integer dot products `Σ_k (q_x + 128) · q_w` (or `Σ_k q_x · q_w`
    /// when the kernel [`QKernel::splits_signs`]) of each row against each
    /// of the panel's outputs; `padded` is the inputs rounded up to 4.
    fn run<const M: usize>(
        self,
        rows: &[&[u8]; M],
        panel: &[i8],
        padded: usize,
    ) -> [[i32; QNR]; M] {
        assert!(
            padded.is_multiple_of(4)
                && panel.len() >= padded * QNR
                && rows
                    .iter()
                    .all(|r| r.len() >= padded * if self.splits_signs() { 2 } else { 1 })
        );
        match self {
            QKernel::Plain => plain_int8(rows, panel, padded),
            // SAFETY: the processor has AVX-512F and AVX-512 VNNI (checked
            // in detect), and the assert above keeps every read inside
            // `rows` and `panel`.
            #[cfg(target_arch = "x86_64")]
            QKernel::Avx512Vnni => unsafe { avx512_vnni(rows, panel, padded) },
            // SAFETY: the processor has AVX-VNNI (checked in detect), and the
            // assert above keeps every read inside `rows` and `panel`.
            #[cfg(target_arch = "x86_64")]
            QKernel::AvxVnni => unsafe { avx_vnni(rows, panel, padded) },
            // SAFETY: the processor has AVX2 (checked in detect), and the
            // assert above keeps every read inside `rows` and `panel`.
            #[cfg(target_arch = "x86_64")]
            QKernel::Avx2 => unsafe { avx2_int8(rows, panel, padded) },
        }
    }
}

fn plain_int8<const M: usize>(rows: &[&[u8]; M], panel: &[i8], padded: usize) -> [[i32; QNR]; M] {
    let mut acc = [[0i32; QNR]; M];
    for g in 0..padded / 4 {
        let w = &panel[g * QNR * 4..(g + 1) * QNR * 4];
        for (sums, row) in acc.iter_mut().zip(rows) {
            let a = &row[g * 4..g * 4 + 4];
            for (s, w) in sums.iter_mut().zip(w.chunks_exact(4)) {
                *s += a
                    .iter()
                    .zip(w)
                    .map(|(&a, &w)| i32::from(a) * i32::from(w))
                    .sum::<i32>();
            }
        }
    }
    acc
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512vnni,avx512f")]
unsafe fn avx512_vnni<const M: usize>(
    rows: &[&[u8]; M],
    panel: &[i8],
    padded: usize,
) -> [[i32; QNR]; M] {
    use std::arch::x86_64::*;
    let mut c = [[_mm512_setzero_si512(); 2]; M];
    let w = panel.as_ptr();
    let a: [*const u8; M] = std::array::from_fn(|i| rows[i].as_ptr());
    for g in 0..padded / 4 {
        // SAFETY: 4g + 4 <= padded and 128g + 128 <= padded · QNR, the
        // lengths the caller checked.
        unsafe {
            let b0 = _mm512_loadu_si512(w.add(g * 128).cast());
            let b1 = _mm512_loadu_si512(w.add(g * 128 + 64).cast());
            for i in 0..M {
                let x = _mm512_set1_epi32(a[i].add(g * 4).cast::<i32>().read_unaligned());
                c[i][0] = _mm512_dpbusd_epi32(c[i][0], x, b0);
                c[i][1] = _mm512_dpbusd_epi32(c[i][1], x, b1);
            }
        }
    }
    let mut acc = [[0i32; QNR]; M];
    for (sums, halves) in acc.iter_mut().zip(&c) {
        // SAFETY: each half stores 16 i32 into its half of a 32-i32 row.
        unsafe {
            _mm512_storeu_si512(sums.as_mut_ptr().cast(), halves[0]);
            _mm512_storeu_si512(sums.as_mut_ptr().add(16).cast(), halves[1]);
        }
    }
    acc
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avxvnni")]
unsafe fn avx_vnni<const M: usize>(
    rows: &[&[u8]; M],
    panel: &[i8],
    padded: usize,
) -> [[i32; QNR]; M] {
    use std::arch::x86_64::*;
    let mut c = [[_mm256_setzero_si256(); 4]; M];
    let w = panel.as_ptr();
    let a: [*const u8; M] = std::array::from_fn(|i| rows[i].as_ptr());
    for g in 0..padded / 4 {
        // SAFETY: 4g + 4 <= padded and 128g + 128 <= padded · QNR, the
        // lengths the caller checked.
        unsafe {
            let b: [__m256i; 4] =
                std::array::from_fn(|j| _mm256_loadu_si256(w.add(g * 128 + 32 * j).cast()));
            for i in 0..M {
                let x = _mm256_set1_epi32(a[i].add(g * 4).cast::<i32>().read_unaligned());
                for j in 0..4 {
                    c[i][j] = _mm256_dpbusd_avx_epi32(c[i][j], x, b[j]);
                }
            }
        }
    }
    // SAFETY: AVX2 and AVX-VNNI both imply AVX.
    unsafe { quarters_to_rows(&c) }
}

/// The sums of `M` rows, each kept in four 256-bit vectors of 8 `i32`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn quarters_to_rows<const M: usize>(
    c: &[[std::arch::x86_64::__m256i; 4]; M],
) -> [[i32; QNR]; M] {
    use std::arch::x86_64::*;
    let mut acc = [[0i32; QNR]; M];
    for (sums, quarters) in acc.iter_mut().zip(c) {
        for (j, v) in quarters.iter().enumerate() {
            // SAFETY: quarter j stores 8 i32 at 8j of a 32-i32 row.
            unsafe { _mm256_storeu_si256(sums.as_mut_ptr().add(8 * j).cast(), *v) };
        }
    }
    acc
}

/// Rows of `q + 128` codes, each group of 4 split into 8 bytes: the 4
/// magnitudes `|q|`, then the 4 codes `q` as `i8`. Rows are read once per
/// panel, so this is done once per call rather than in the kernel.
fn split_signs(bytes: &[u8]) -> Vec<u8> {
    let mut split = vec![0u8; 2 * bytes.len()];
    for (to, from) in split.chunks_exact_mut(8).zip(bytes.chunks_exact(4)) {
        for (k, &b) in from.iter().enumerate() {
            let q = (b ^ 0x80) as i8;
            to[k] = q.unsigned_abs();
            to[4 + k] = q as u8;
        }
    }
    split
}

/// `Σ_k q_x · q_w` with AVX2, over rows split by [`split_signs`].
/// `vpmaddubsw` multiplies unsigned bytes by signed ones and adds pairs into
/// `i16`, which saturates past 32767: with `q_x + 128` (up to 255) and
/// `|q_w| <= 127` a pair reaches 64770. Moving the sign of `q_x` onto the
/// weight (`vpsignb`) keeps both factors within 127 in magnitude (the codes
/// never reach -128), so a pair is at most 32258 and exact; `vpmaddwd` by
/// ones then adds the pairs into `i32`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn avx2_int8<const M: usize>(
    rows: &[&[u8]; M],
    panel: &[i8],
    padded: usize,
) -> [[i32; QNR]; M] {
    use std::arch::x86_64::*;
    let mut c = [[_mm256_setzero_si256(); 4]; M];
    let ones = _mm256_set1_epi16(1);
    let w = panel.as_ptr();
    let a: [*const i32; M] = std::array::from_fn(|i| rows[i].as_ptr().cast());
    for g in 0..padded / 4 {
        // SAFETY: 8g + 8 <= 2 · padded and 128g + 128 <= padded · QNR, the
        // lengths the caller checked.
        unsafe {
            let b: [__m256i; 4] =
                std::array::from_fn(|j| _mm256_loadu_si256(w.add(g * 128 + 32 * j).cast()));
            for i in 0..M {
                let magnitude = _mm256_set1_epi32(a[i].add(2 * g).read_unaligned());
                let signs = _mm256_set1_epi32(a[i].add(2 * g + 1).read_unaligned());
                for j in 0..4 {
                    let pairs = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(b[j], signs));
                    c[i][j] = _mm256_add_epi32(c[i][j], _mm256_madd_epi16(pairs, ones));
                }
            }
        }
    }
    // SAFETY: AVX2 and AVX-VNNI both imply AVX.
    unsafe { quarters_to_rows(&c) }
}

/// A dense layer in f32 or in int8, chosen when the model loads.
#[derive(Debug, Clone)]
pub enum Dense {
    /// Packed f32 weights.
    Float(Linear),
    /// Int8 weights and activations.
    Int8(QuantizedLinear),
}

impl Dense {
    /// Packs W, stored (outputs, inputs) row-major, in int8 when `int8`.
    pub fn new(weight: &[f32], bias: Vec<f32>, inputs: usize, outputs: usize, int8: bool) -> Dense {
        if int8 {
            Dense::Int8(QuantizedLinear::new(weight, bias, inputs, outputs))
        } else {
            Dense::Float(Linear::new(weight, bias, inputs, outputs))
        }
    }

    /// `out = x Wᵀ + b` for `rows` rows of `x`.
    pub fn apply(&self, x: &[f32], rows: usize, out: &mut [f32]) {
        match self {
            Dense::Float(layer) => layer.apply(x, rows, out),
            Dense::Int8(layer) => layer.apply(x, rows, out),
        }
    }
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

    /// Kernels the processor can run besides the plain one.
    fn int8_kernels() -> Vec<QKernel> {
        let mut kernels = vec![QKernel::detect()];
        #[cfg(target_arch = "x86_64")]
        for (feature, kernel) in [
            (
                std::arch::is_x86_feature_detected!("avxvnni"),
                QKernel::AvxVnni,
            ),
            (std::arch::is_x86_feature_detected!("avx2"), QKernel::Avx2),
        ] {
            if feature && !kernels.contains(&kernel) {
                kernels.push(kernel);
            }
        }
        kernels
    }

    #[test]
    fn int8_kernels_are_exact_at_the_extremes() {
        // Every code at ±127: each pair of products is ±32258, past what a
        // 16-bit pair sum of q + 128 (up to 64770) could hold.
        let (rows, inputs, outputs) = (5, 64, 40);
        let w: Vec<f32> = (0..inputs * outputs)
            .map(|i| if (i / inputs) % 3 == 0 { -1.0 } else { 1.0 })
            .collect();
        let x: Vec<f32> = (0..rows * inputs)
            .map(|i| match (i / inputs) % 3 {
                0 => 1.0,
                1 => -1.0,
                _ => {
                    if i % 2 == 0 {
                        1.0
                    } else {
                        -1.0
                    }
                }
            })
            .collect();
        let layer = QuantizedLinear::new(&w, vec![0.0; outputs], inputs, outputs);
        for kernel in int8_kernels().into_iter().chain([QKernel::Plain]) {
            let mut out = vec![f32::NAN; rows * outputs];
            layer.apply_with(kernel, &x, rows, &mut out);
            let want = reference(&w, &vec![0.0; outputs], &x, rows, inputs);
            assert_eq!(out, want, "{kernel:?}");
        }
    }

    #[test]
    fn quantized_layer_is_within_its_rounding_bound() {
        // Partial panels, partial row blocks, inputs not a multiple of 4.
        for (rows, inputs, outputs) in [
            (1, 3, 1),
            (7, 37, 19),
            (13, 64, 48),
            (9, 130, 70),
            (17, 203, 33),
        ] {
            let w = values(inputs * outputs, 1);
            let b = values(outputs, 2);
            let mut x = values(rows * inputs, 3);
            // One large activation, as transformers have, coarsens its row.
            x[inputs / 2] *= 8.0;
            let exact = Linear::new(&w, b.clone(), inputs, outputs);
            let mut want = vec![f32::NAN; rows * outputs];
            exact.apply(&x, rows, &mut want);
            let layer = QuantizedLinear::new(&w, b, inputs, outputs);
            let mut got = vec![f32::NAN; rows * outputs];
            layer.apply(&x, rows, &mut got);
            // With x = s·q_x + e_x and w = σ·q_w + e_w, |e_x| <= s/2 and
            // |e_w| <= σ/2, each term x·w - sσ·q_x·q_w = e_x·w + s·q_x·e_w
            // is at most (s/2)|w| + (|x| + s/2)(σ/2). The slack covers the
            // f32 rounding of both layers.
            for r in 0..rows {
                let xr = &x[r * inputs..(r + 1) * inputs];
                let s = max_abs(xr) / 127.0;
                for o in 0..outputs {
                    let wo = &w[o * inputs..(o + 1) * inputs];
                    let sigma = max_abs(wo) / 127.0;
                    let bound: f32 = xr
                        .iter()
                        .zip(wo)
                        .map(|(x, w)| s / 2.0 * w.abs() + (x.abs() + s / 2.0) * sigma / 2.0)
                        .sum();
                    let (g, e) = (got[r * outputs + o], want[r * outputs + o]);
                    assert!(
                        (g - e).abs() <= bound * 1.001 + 1e-4,
                        "{rows}x{inputs}x{outputs} [{r}][{o}]: {g} vs {e}, bound {bound}"
                    );
                }
            }
            // Every kernel gives the plain kernel's bits.
            let mut plain_out = vec![f32::NAN; rows * outputs];
            layer.apply_with(QKernel::Plain, &x, rows, &mut plain_out);
            for kernel in int8_kernels() {
                let mut out = vec![f32::NAN; rows * outputs];
                layer.apply_with(kernel, &x, rows, &mut out);
                let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&out),
                    bits(&plain_out),
                    "{kernel:?} {rows}x{inputs}x{outputs}"
                );
            }
        }
    }

    #[test]
    fn quantized_layer_gives_the_bias_for_zero_rows() {
        let (rows, inputs, outputs) = (5, 21, 40);
        let w = values(inputs * outputs, 4);
        let b = values(outputs, 5);
        let mut x = values(rows * inputs, 6);
        x[inputs..2 * inputs].fill(0.0);
        x[4 * inputs..].fill(0.0);
        let layer = QuantizedLinear::new(&w, b.clone(), inputs, outputs);
        for kernel in int8_kernels().into_iter().chain([QKernel::Plain]) {
            let mut out = vec![f32::NAN; rows * outputs];
            layer.apply_with(kernel, &x, rows, &mut out);
            assert_eq!(out[outputs..2 * outputs], b[..], "{kernel:?}");
            assert_eq!(out[4 * outputs..], b[..], "{kernel:?}");
            assert!(out[..outputs].iter().zip(&b).any(|(o, b)| o != b));
        }
        // A zero weight row gives its bias too, and no inputs give all bias.
        let mut w = w;
        w[3 * inputs..4 * inputs].fill(0.0);
        let layer = QuantizedLinear::new(&w, b.clone(), inputs, outputs);
        let mut out = vec![f32::NAN; rows * outputs];
        layer.apply(&x, rows, &mut out);
        assert!((0..rows).all(|r| out[r * outputs + 3] == b[3]));
        let empty = QuantizedLinear::new(&[], b.clone(), 0, outputs);
        let mut out = vec![f32::NAN; 2 * outputs];
        empty.apply(&[], 2, &mut out);
        assert_eq!(out, [b.clone(), b].concat());
    }

    #[test]
    fn quantized_textbook_example() {
        // Weights and activations that quantize exactly, with scales that
        // are powers of 2: W = [[127, -127], [0, 63.5]] has scales 1 and
        // 0.5, x = [[127, 0], [-63.5, 63.5]] has scales 1 and 0.5.
        let l = QuantizedLinear::new(&[127., -127., 0., 63.5], vec![0.5, 0.], 2, 2);
        let mut out = vec![0.0; 4];
        l.apply(&[127., 0., -63.5, 63.5], 2, &mut out);
        assert_eq!(out, vec![16129.5, 0., -16128.5, 4032.25]);
    }
}
