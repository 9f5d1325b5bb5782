//! The deblurring task: the FFT against the direct transform and convolution, the PSF,
//! Richardson-Lucy's non-negativity and flux conservation, Wiener's exact inversion without
//! noise, both classical methods beating the observation on noisy images, the quality and
//! photometry measures, the noise model, a learning check on a tiny config (with the U-Net's
//! exact flux conservation), the quick run's goals, and refusals of bad configs.

use ai4s_core::run::run_task;
use ai4s_core::testkit::check_refusals;
use ai4s_core::{RunOptions, TaskConfig};
use ai4s_science::Deblur;
use ai4s_science::deblur::{
    Aperture, Camera, DeblurConfig, Fft2, Psf, PsfShape, Scores, convolve_direct, dihedral,
    observe, pooled_star_error, psnr, richardson_lucy, richardson_lucy_pair, rl_background, ssim,
    star_fluxes, total_flux_error, wiener,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn random_image(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n * n).map(|_| rng.random::<f64>()).collect()
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn deblur_fft_matches_the_dft_round_trips_and_convolves() {
    assert!(Fft2::new(12).is_none() && Fft2::new(1).is_none());
    let n = 8;
    let fft = Fft2::new(n).expect("power of two");
    let f = random_image(n, 1);
    // Against the definition F[k] = sum_j f[j] exp(-2 pi i k.j / n).
    let c = fft.forward(&f);
    for (k, z) in c.iter().enumerate() {
        let (kr, kc) = ((k / n) as f64, (k % n) as f64);
        let (mut re, mut im) = (0.0, 0.0);
        for (j, v) in f.iter().enumerate() {
            let a = -2.0 * std::f64::consts::PI * (kr * (j / n) as f64 + kc * (j % n) as f64)
                / n as f64;
            re += v * a.cos();
            im += v * a.sin();
        }
        assert!(
            (z.re - re).abs() < 1e-10 && (z.im - im).abs() < 1e-10,
            "{k}"
        );
    }
    let n = 32;
    let fft = Fft2::new(n).expect("power of two");
    let (f, g) = (random_image(n, 2), random_image(n, 3));
    assert!(max_diff(&fft.inverse(&fft.forward(&f)), &f) < 1e-12);
    // The convolution theorem against the direct circular convolution, and the correlation
    // as convolution with the kernel flipped through the origin.
    let otf = fft.forward(&g);
    assert!(max_diff(&fft.convolve(&f, &otf), &convolve_direct(&f, &g, n)) < 1e-9);
    let flipped: Vec<f64> = (0..n * n)
        .map(|i| g[((n - i / n) % n) * n + (n - i % n) % n])
        .collect();
    assert!(max_diff(&fft.correlate(&f, &otf), &convolve_direct(&f, &flipped, n)) < 1e-9);
}

#[test]
fn deblur_psf_has_its_fwhm_unit_sum_and_dihedral_symmetry() {
    let n = 32;
    for shape in [PsfShape::Moffat, PsfShape::Gaussian] {
        let psf = Psf {
            shape,
            fwhm: 3.0,
            beta: 3.0,
        };
        assert!((psf.profile(0.0) - 1.0).abs() < 1e-12);
        assert!((psf.profile(1.5) - 0.5).abs() < 1e-12, "{shape:?}");
        let k = psf.kernel(n);
        assert!((k.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(k.iter().all(|&v| v > 0.0));
        // The blur commutes with flips and rotations (the training augmentation relies on it).
        let fft = Fft2::new(n).expect("fft");
        let otf = psf.otf(&fft);
        assert!((otf[0].re - 1.0).abs() < 1e-12 && otf[0].im.abs() < 1e-12);
        let x = random_image(n, 4);
        for t in 0..8 {
            let a = dihedral(&fft.convolve(&x, &otf), n, t);
            let b = fft.convolve(&dihedral(&x, n, t), &otf);
            assert!(max_diff(&a, &b) < 1e-12, "{shape:?} {t}");
        }
    }
}

#[test]
fn deblur_richardson_lucy_is_non_negative_and_keeps_the_flux() {
    let cfg = DeblurConfig::quick();
    let cam = Camera::new(&cfg);
    let obs = observe(&cfg, &cam, 2, 7);
    // Without background the iteration keeps the (non-negative) data's flux exactly.
    let d: Vec<f64> = obs.data.iter().map(|v| v.max(0.0)).collect();
    let flux: f64 = d.iter().sum();
    let mut steps = 0;
    let u = richardson_lucy(&cam.fft, &cam.otf, &d, 0.0, 100, |_, u| {
        steps += 1;
        assert!(u.iter().all(|&v| v >= 0.0));
        assert!((u.iter().sum::<f64>() - flux).abs() < 1e-9 * flux);
    });
    assert_eq!(steps, 100);
    // Two images at once (sharing the transforms) give the same iterates as one at a time.
    let other = observe(&cfg, &cam, 0, 9);
    let b = rl_background(&cam, &other);
    let [pa, pb] = richardson_lucy_pair(
        &cam.fft,
        &cam.otf,
        [&d, &other.data],
        [0.0, b],
        100,
        |_, _| {},
    );
    let single = richardson_lucy(&cam.fft, &cam.otf, &other.data, b, 100, |_, _| {});
    assert!(max_diff(&pa, &u) < 1e-12 && max_diff(&pb, &single) < 1e-12);
    // On noiseless data it converges towards the truth.
    let clean = richardson_lucy(&cam.fft, &cam.otf, &obs.blurred, 0.0, 300, |_, _| {});
    assert!(psnr(&clean, &obs.truth, 1.0) > psnr(&obs.blurred, &obs.truth, 1.0) + 3.0);
    assert!(psnr(&u, &obs.truth, 1.0).is_finite());
}

#[test]
fn deblur_wiener_without_noise_inverts_an_invertible_psf() {
    let n = 32;
    let fft = Fft2::new(n).expect("fft");
    let psf = Psf {
        shape: PsfShape::Gaussian,
        fwhm: 1.2,
        beta: 3.0,
    };
    let otf = psf.otf(&fft);
    let smallest = otf
        .iter()
        .map(|z| z.norm_sqr().sqrt())
        .fold(f64::MAX, f64::min);
    assert!(
        smallest > 0.05,
        "the PSF must be invertible: min |P| = {smallest}"
    );
    let x = random_image(n, 5);
    let d = fft.convolve(&x, &otf);
    assert!(max_diff(&wiener(&fft, &otf, &d, 0.0), &x) < 1e-9);
    // Regularisation loses the fraction lambda / (1 + lambda) of the flux.
    let u = wiener(&fft, &otf, &d, 0.25);
    assert!((total_flux_error(&u, &x) + 20.0).abs() < 1e-9);
}

#[test]
fn deblur_wiener_and_richardson_lucy_beat_the_observation_on_noisy_images() {
    // Peak SNR 100 (level 0 of the quick config), with lambda and the iteration count near
    // the values the quick run tunes on validation images.
    let cfg = DeblurConfig::quick();
    let cam = Camera::new(&cfg);
    let (mut observed, mut wi, mut rl) = (0.0, 0.0, 0.0);
    let count = 6;
    for seed in 0..count {
        let obs = observe(&cfg, &cam, 0, 100 + seed);
        let w = wiener(&cam.fft, &cam.otf, &obs.data, 1e-3);
        let b = rl_background(&cam, &obs);
        let r = richardson_lucy(&cam.fft, &cam.otf, &obs.data, b, 300, |_, _| {});
        observed += psnr(&obs.data, &obs.truth, 1.0) / count as f64;
        wi += psnr(&w, &obs.truth, 1.0) / count as f64;
        rl += psnr(&r, &obs.truth, 1.0) / count as f64;
    }
    assert!(wi > observed + 3.0, "Wiener {wi} vs observed {observed}");
    assert!(rl > observed + 6.0, "RL {rl} vs observed {observed}");
}

#[test]
fn deblur_quality_measures_have_their_known_values() {
    let n = 32;
    let x = random_image(n, 6);
    assert!((ssim(&x, &x, n, 1.0) - 1.0).abs() < 1e-12);
    // A constant offset c gives MSE c^2: PSNR = -20 log10(c).
    let u: Vec<f64> = x.iter().map(|v| v + 0.01).collect();
    assert!((psnr(&u, &x, 1.0) - 40.0).abs() < 1e-9);
    assert!(ssim(&u, &x, n, 1.0) < 1.0);
    let noisy: Vec<f64> = x
        .iter()
        .zip(random_image(n, 7))
        .map(|(a, b)| a + 0.3 * (b - 0.5))
        .collect();
    assert!(ssim(&noisy, &x, n, 1.0) < ssim(&u, &x, n, 1.0));
    let ap = Aperture {
        row: 10.0,
        col: 12.0,
        radius: 2.0,
    };
    let ones = vec![1.0; n * n];
    // Pixel centres within 2 of a pixel centre: 13 of them.
    assert_eq!(ap.flux(&ones, n), 13.0);
    // Star photometry: the fluxes in the apertures add up, and the pooled error is the ratio
    // of the sums with the ratio estimator's standard error.
    let star = Aperture {
        row: 3.0,
        col: 3.0,
        radius: 1.0,
    };
    let twice: Vec<f64> = ones.iter().map(|v| 2.0 * v).collect();
    assert_eq!(star_fluxes(&twice, &ones, n, &[ap, star]), [36.0, 18.0]);
    let s = Scores::of(&twice, &ones, n, &ap, &[star]);
    assert_eq!(s.stars, [10.0, 5.0]);
    assert_eq!(s.star_error(), Some(100.0));
    assert_eq!(Scores::of(&x, &x, n, &ap, &[]).star_error(), None);
    let (e, se) = pooled_star_error(&[[11.0, 10.0], [29.0, 30.0]]).expect("flux");
    assert!((e - 0.0).abs() < 1e-12 && (se - 100.0 * 2f64.sqrt() / 40.0).abs() < 1e-12);
    let (e, se) = pooled_star_error(&[[12.0, 10.0], [36.0, 30.0]]).expect("flux");
    assert!((e - 20.0).abs() < 1e-12 && se.abs() < 1e-12);
    assert!(pooled_star_error(&[[1.0, 0.0]]).is_none());
}

#[test]
fn deblur_noise_model_and_noise_levels() {
    let cfg = DeblurConfig::quick();
    let cam = Camera::new(&cfg);
    for &snr in &cfg.peak_snr {
        let c = cam.peak_counts(snr);
        let b = cfg.sky_counts + cfg.read_noise * cfg.read_noise;
        assert!((c / (c + b).sqrt() - snr).abs() < 1e-9 * snr);
    }
    let (gain, level) = (50.0_f64, 3.0_f64);
    let mut rng = StdRng::seed_from_u64(8);
    let d = cam.expose(&vec![level; 64 * 64], gain, &mut rng);
    let mean = d.iter().sum::<f64>() / d.len() as f64;
    let var = d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / d.len() as f64;
    let want = (gain * level + cfg.sky_counts + cfg.read_noise.powi(2)) / (gain * gain);
    assert!((mean - level).abs() < 4.0 * (want / d.len() as f64).sqrt());
    assert!((var / want - 1.0).abs() < 0.1, "{var} vs {want}");
    // Observations are reproducible from their seed, with a truth of peak 1 whose blur keeps
    // the flux.
    let a = observe(&cfg, &cam, 0, 11);
    let b2 = observe(&cfg, &cam, 0, 11);
    assert_eq!(a.data, b2.data);
    assert!((a.truth.iter().copied().fold(0.0, f64::max) - 1.0).abs() < 1e-12);
    let (ft, fb) = (a.truth.iter().sum::<f64>(), a.blurred.iter().sum::<f64>());
    assert!((ft - fb).abs() < 1e-9 * ft);
}

#[test]
fn deblur_unet_learns_on_a_tiny_config() {
    let d = tempfile::tempdir().expect("tempdir");
    let sets = [
        "train_images=256",
        "val_per_level=8",
        "test_per_level=16",
        "peak_snr=[30.0]",
        "channels=[8, 8, 16]",
        "train.epochs=10",
        "train.batch_size=16",
        "rl_max_iterations=30",
        "wiener_steps=5",
    ];
    let out = run_task(&Deblur, &RunOptions::quick_into(d.path(), &sets)).expect("runs");
    let get = |name: &str| {
        out.report
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    // The restoration beats the observation and the Wiener deconvolution it starts from, and
    // keeps the observed total flux exactly.
    assert!(get("psnr_unet_snr30") > get("psnr_observed_snr30") + 1.0);
    assert!(get("psnr_unet_snr30") > get("psnr_wiener_snr30") + 1.0);
    let (fu, fo) = (
        get("flux_bias_pct_unet_snr30"),
        get("flux_bias_pct_observed_snr30"),
    );
    assert!((fu - fo).abs() < 1e-3, "{fu} vs {fo}");
    // The training loss (minus the mean PSNR) falls.
    let csv = std::fs::read_to_string(d.path().join("metrics.csv")).expect("metrics.csv");
    let header: Vec<&str> = csv.lines().next().expect("header").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "train_loss")
        .unwrap_or_else(|| panic!("no train_loss in {header:?}"));
    let losses: Vec<f64> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(col).and_then(|v| v.parse().ok()))
        .collect();
    assert!(
        losses.len() >= 2 && losses[losses.len() - 1] < losses[0],
        "{losses:?}"
    );
}

#[test]
fn deblur_quick_run_meets_its_goals() {
    let d = tempfile::tempdir().expect("tempdir");
    let out = run_task(&Deblur, &RunOptions::quick_into(d.path(), &[])).expect("runs");
    eprintln!("{:#?}", out.report.metrics);
    let get = |name: &str| {
        out.report
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    // The U-Net beats Richardson-Lucy at every noise level and keeps the total flux and the
    // galaxies' aperture flux within 1 %.
    assert_eq!(get("unet_psnr_above_rl_fraction_of_levels"), 1.0);
    assert!(get("unet_total_flux_bias_pct_max_abs") <= 1.0);
    assert!(get("unet_aperture_flux_bias_pct_max_abs") <= 1.0);
    // The stars' flux goal (1 %) is missed in quick mode at peak SNR 30 (about +2.8 %); the
    // restoration must still recover most of the flux the blur moved out of the apertures
    // (about 10 % in the observation) at every level.
    for snr in [100, 30, 10] {
        let (u, o) = (
            get(&format!("star_flux_bias_pct_unet_snr{snr}")),
            get(&format!("star_flux_bias_pct_observed_snr{snr}")),
        );
        assert!(
            o < -5.0 && u.abs() < 5.0,
            "SNR {snr}: U-Net {u} %, observed {o} %"
        );
    }
    assert!(get("unet_star_flux_bias_pct_max_abs") < 5.0);
    for name in [
        "restorations.png",
        "psnr_vs_noise.png",
        "star_flux_vs_noise.png",
        "ssim_vs_noise.png",
        "test_scores.csv",
        "tuning.csv",
        "unet.bpk",
        "summary.json",
    ] {
        assert!(d.path().join(name).exists(), "{name}");
    }
}

#[test]
fn deblur_bad_configs_are_refused_naming_the_field() {
    let d = tempfile::tempdir().expect("tempdir");
    check_refusals(
        &Deblur,
        d.path(),
        &[
            ("image_size=48", "image_size", "power of two"),
            ("psf_fwhm_px=0.1", "psf_fwhm_px", "[0.5, 8]"),
            ("moffat_beta=1.0", "moffat_beta", "infinite flux"),
            ("galaxies=[0, 2]", "galaxies", "1 <= min"),
            ("stars=[3, 1]", "stars", "min <= max"),
            ("peak_snr=[]", "peak_snr", "1 to 10 levels"),
            ("peak_snr=[10.0, 10.0]", "peak_snr", "distinct"),
            ("edge_margin_px=20.0", "edge_margin_px", "room"),
            ("read_noise=-1.0", "read_noise", "[0, 1e4]"),
            ("wiener_lambda=[1.0, 0.1]", "wiener_lambda", "low <= high"),
            ("train_images=4", "train_images", "8 per noise level"),
            ("figure_images=0", "figure_images", "1..="),
            ("loss_blocks=[3]", "loss_blocks", "powers of two"),
            ("loss_blocks=[32]", "loss_blocks", "powers of two"),
            ("train.lr=-1.0", "train.lr", "positive"),
        ],
    )
    .expect("bad configs are refused naming the field");
}
