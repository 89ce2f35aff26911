//! Training the learned head: L2-regularised logistic regression per label
//! (Newton's method), the regularisation chosen by log-loss on calibration
//! writers, then Platt scaling and a threshold per label on those writers.
//! Deterministic: the same data gives the same head.

use super::learned::{Head, LabelHead};
use super::Label;

/// One labelled turn as features.
#[derive(Debug, Clone)]
pub struct Example {
    /// The feature vector ([`super::learned::features`]).
    pub features: Vec<f32>,
    /// Per label in [`Label::ALL`] order: does the turn carry it?
    pub labels: [bool; 5],
}

/// Regularisation strengths tried for each label.
const L2_GRID: [f64; 6] = [1.0, 3.0, 10.0, 30.0, 100.0, 300.0];

/// Lowest threshold a label may get: below it the tag is more likely
/// wrong than right.
const MIN_THRESHOLD: f64 = 0.5;

/// Trains the head on `train` and calibrates it on `calibrate`.
/// `provenance` is stored with it.
pub fn train_head(
    train: &[Example],
    calibrate: &[Example],
    encoder: &str,
    provenance: serde_json::Value,
) -> Head {
    let d = train[0].features.len();
    let n = train.len() as f64;
    let mut mean = vec![0f64; d];
    for e in train {
        for (m, x) in mean.iter_mut().zip(&e.features) {
            *m += f64::from(*x) / n;
        }
    }
    let mut var = vec![0f64; d];
    for e in train {
        for ((v, m), x) in var.iter_mut().zip(&mean).zip(&e.features) {
            *v += (f64::from(*x) - m).powi(2) / n;
        }
    }
    let inv_std: Vec<f64> = var.iter().map(|v| 1.0 / v.sqrt().max(1e-6)).collect();
    let standardise = |set: &[Example]| -> Vec<f64> {
        let mut x = Vec::with_capacity(set.len() * (d + 1));
        for e in set {
            x.extend(
                e.features
                    .iter()
                    .zip(mean.iter().zip(&inv_std))
                    .map(|(v, (m, s))| (f64::from(*v) - m) * s),
            );
            x.push(1.0);
        }
        x
    };
    let x_train = standardise(train);
    let x_cal = standardise(calibrate);
    let mut labels = Vec::new();
    let mut chosen = Vec::new();
    for (index, label) in Label::ALL.into_iter().enumerate() {
        let y_train: Vec<bool> = train.iter().map(|e| e.labels[index]).collect();
        let y_cal: Vec<bool> = calibrate.iter().map(|e| e.labels[index]).collect();
        let mut best: Option<(f64, f64, Vec<f64>)> = None;
        for l2 in L2_GRID {
            let w = fit_logistic(&x_train, &y_train, d + 1, l2);
            let z = scores(&x_cal, &w, d + 1);
            let (a, b) = fit_platt(&z, &y_cal);
            let loss = log_loss(&z, &y_cal, a, b);
            if best.as_ref().is_none_or(|(l, _, _)| loss < *l) {
                best = Some((loss, l2, w));
            }
        }
        let (_, l2, w) = best.expect("grid is not empty");
        let z = scores(&x_cal, &w, d + 1);
        let (a, b) = fit_platt(&z, &y_cal);
        let p: Vec<f64> = z.iter().map(|z| sigmoid(a * z + b)).collect();
        let threshold = choose_threshold(&p, &y_cal);
        chosen.push(serde_json::json!({"label": label.as_str(), "l2": l2, "threshold": threshold}));
        labels.push(LabelHead {
            label,
            weights: w[..d].iter().map(|v| *v as f32).collect(),
            bias: w[d] as f32,
            platt: [a as f32, b as f32],
            threshold: threshold as f32,
        });
    }
    let mut provenance = provenance;
    provenance["chosen"] = serde_json::Value::Array(chosen);
    Head {
        encoder: encoder.to_string(),
        mean: mean.iter().map(|v| *v as f32).collect(),
        inv_std: inv_std.iter().map(|v| *v as f32).collect(),
        labels,
        provenance,
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn scores(x: &[f64], w: &[f64], d: usize) -> Vec<f64> {
    x.chunks_exact(d)
        .map(|row| row.iter().zip(w).map(|(a, b)| a * b).sum())
        .collect()
}

/// Logistic regression by Newton's method. `x` is (n, d) row-major with a
/// final column of ones (the intercept, not regularised).
fn fit_logistic(x: &[f64], y: &[bool], d: usize, l2: f64) -> Vec<f64> {
    let n = y.len();
    let mut w = vec![0f64; d];
    let mut weighted = vec![0f64; n * d];
    for _ in 0..25 {
        let z = scores(x, &w, d);
        let mut gradient: Vec<f64> = w.iter().map(|wi| l2 * wi).collect();
        gradient[d - 1] = 0.0;
        for (i, row) in x.chunks_exact(d).enumerate() {
            let p = sigmoid(z[i]);
            let r = p - f64::from(u8::from(y[i]));
            let s = (p * (1.0 - p)).max(1e-9).sqrt();
            for (j, v) in row.iter().enumerate() {
                gradient[j] += r * v;
                weighted[i * d + j] = v * s;
            }
        }
        // H = Xsᵀ Xs + λI
        let mut h = vec![0f64; d * d];
        // SAFETY: `weighted` is (n, d) row-major, read as its transpose
        // (d, n) with strides (1, d); `h` is (d, d).
        unsafe {
            matrixmultiply::dgemm(
                d,
                n,
                d,
                1.0,
                weighted.as_ptr(),
                1,
                d as isize,
                weighted.as_ptr(),
                d as isize,
                1,
                0.0,
                h.as_mut_ptr(),
                d as isize,
                1,
            );
        }
        for j in 0..d - 1 {
            h[j * d + j] += l2;
        }
        h[d * d - 1] += 1e-9;
        let step = solve_cholesky(&mut h, &gradient, d);
        let size: f64 = step.iter().map(|s| s * s).sum::<f64>().sqrt();
        for (wi, si) in w.iter_mut().zip(&step) {
            *wi -= si;
        }
        if size < 1e-6 {
            break;
        }
    }
    w
}

/// Solves `h x = b` for a symmetric positive definite `h` (overwritten).
fn solve_cholesky(h: &mut [f64], b: &[f64], d: usize) -> Vec<f64> {
    for j in 0..d {
        let mut diag = h[j * d + j];
        for k in 0..j {
            diag -= h[j * d + k] * h[j * d + k];
        }
        let diag = diag.max(1e-12).sqrt();
        h[j * d + j] = diag;
        for i in j + 1..d {
            let mut v = h[i * d + j];
            for k in 0..j {
                v -= h[i * d + k] * h[j * d + k];
            }
            h[i * d + j] = v / diag;
        }
    }
    let mut y = vec![0f64; d];
    for i in 0..d {
        let mut v = b[i];
        for k in 0..i {
            v -= h[i * d + k] * y[k];
        }
        y[i] = v / h[i * d + i];
    }
    let mut x = vec![0f64; d];
    for i in (0..d).rev() {
        let mut v = y[i];
        for k in i + 1..d {
            v -= h[k * d + i] * x[k];
        }
        x[i] = v / h[i * d + i];
    }
    x
}

/// Platt scaling: the `a`, `b` of σ(a·z + b) that fit `y` best, with
/// Platt's smoothed targets so a perfectly separated set stays finite.
fn fit_platt(z: &[f64], y: &[bool]) -> (f64, f64) {
    let positives = y.iter().filter(|v| **v).count() as f64;
    let negatives = y.len() as f64 - positives;
    let hi = (positives + 1.0) / (positives + 2.0);
    let lo = 1.0 / (negatives + 2.0);
    let (mut a, mut b) = (1.0, 0.0);
    for _ in 0..100 {
        let (mut g_a, mut g_b, mut h_aa, mut h_ab, mut h_bb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
        for (zi, yi) in z.iter().zip(y) {
            let p = sigmoid(a * zi + b);
            let t = if *yi { hi } else { lo };
            let r = p - t;
            let s = p * (1.0 - p);
            g_a += r * zi;
            g_b += r;
            h_aa += s * zi * zi;
            h_ab += s * zi;
            h_bb += s;
        }
        let det = h_aa * h_bb - h_ab * h_ab;
        if det.abs() < 1e-15 {
            break;
        }
        let da = (h_bb * g_a - h_ab * g_b) / det;
        let db = (h_aa * g_b - h_ab * g_a) / det;
        a -= da;
        b -= db;
        if da.abs() + db.abs() < 1e-9 {
            break;
        }
    }
    (a, b)
}

fn log_loss(z: &[f64], y: &[bool], a: f64, b: f64) -> f64 {
    z.iter()
        .zip(y)
        .map(|(zi, yi)| {
            let p = sigmoid(a * zi + b).clamp(1e-9, 1.0 - 1e-9);
            if *yi {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum::<f64>()
        / y.len().max(1) as f64
}

/// The threshold (at least [`MIN_THRESHOLD`]) with the best F1 on the
/// calibration writers, ties going to the higher (more precise) one.
fn choose_threshold(p: &[f64], y: &[bool]) -> f64 {
    let mut best = (f64::MIN, MIN_THRESHOLD);
    for step in 0..=45 {
        let t = MIN_THRESHOLD + step as f64 * 0.01;
        let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
        for (pi, yi) in p.iter().zip(y) {
            match (*pi >= t, *yi) {
                (true, true) => tp += 1.0,
                (true, false) => fp += 1.0,
                (false, true) => fn_ += 1.0,
                _ => {}
            }
        }
        let f1 = if tp > 0.0 { 2.0 * tp / (2.0 * tp + fp + fn_) } else { 0.0 };
        if f1 >= best.0 {
            best = (f1, t);
        }
    }
    (best.1 * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistic_regression_separates_a_line() {
        // y = x > 0.3, with a little overlap.
        let xs: Vec<f64> = (0..200).map(|i| i as f64 / 200.0).collect();
        let y: Vec<bool> = xs
            .iter()
            .enumerate()
            .map(|(i, x)| if i % 17 == 0 { *x <= 0.3 } else { *x > 0.3 })
            .collect();
        let x: Vec<f64> = xs.iter().flat_map(|v| [*v, 1.0]).collect();
        let w = fit_logistic(&x, &y, 2, 0.01);
        let boundary = -w[1] / w[0];
        assert!((boundary - 0.3).abs() < 0.05, "boundary {boundary}");
    }

    #[test]
    fn cholesky_solves() {
        let mut h = vec![4.0, 2.0, 2.0, 3.0];
        let x = solve_cholesky(&mut h, &[2.0, 1.0], 2);
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12, "{x:?}");
    }

    #[test]
    fn platt_scaling_is_monotone_and_calibrates() {
        // Scores where a positive is three times as likely above zero.
        let z: Vec<f64> = (0..400).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
        let y: Vec<bool> = (0..400).map(|i| if i % 2 == 0 { i % 8 != 0 } else { i % 8 == 1 }).collect();
        let (a, b) = fit_platt(&z, &y);
        assert!(a > 0.0);
        assert!((sigmoid(a + b) - 0.75).abs() < 0.02, "{}", sigmoid(a + b));
        assert!((sigmoid(-a + b) - 0.25).abs() < 0.02, "{}", sigmoid(-a + b));
    }
}
