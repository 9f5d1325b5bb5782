//! A small convolutional network for 8x8 images.
//!
//! `conv3x3(1->16) - relu - conv3x3(16->32) - relu - maxpool2x2 - dense(512->128) - relu -
//! dense(128->k)`, "same" padding. Convolutions share weights across positions, so the network
//! learns local stroke detectors once instead of per pixel (LeCun et al. 1998).

use crate::classification::Classifier;
use ai4s_core::burn::module::Module;
use ai4s_core::burn::nn::conv::{Conv2d, Conv2dConfig};
use ai4s_core::burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use ai4s_core::burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use ai4s_core::burn::tensor::activation::relu;
use ai4s_core::burn::tensor::{Device, Tensor};

/// The CNN.
#[derive(Module, Debug)]
pub struct Cnn {
    conv1: Conv2d,
    conv2: Conv2d,
    pool: MaxPool2d,
    fc1: Linear,
    fc2: Linear,
    /// Image side length (images are `side x side`, one channel).
    #[module(skip)]
    side: usize,
}

impl Cnn {
    /// A CNN for `side x side` single-channel images and `classes` outputs (`side` even).
    pub fn new(
        side: usize,
        classes: usize,
        channels: [usize; 2],
        hidden: usize,
        device: &Device,
    ) -> Cnn {
        let conv = |i, o| {
            Conv2dConfig::new([i, o], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .init(device)
        };
        let flat = channels[1] * (side / 2) * (side / 2);
        Cnn {
            conv1: conv(1, channels[0]),
            conv2: conv(channels[0], channels[1]),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            fc1: LinearConfig::new(flat, hidden).init(device),
            fc2: LinearConfig::new(hidden, classes).init(device),
            side,
        }
    }
}

impl Classifier for Cnn {
    fn logits(&self, x: Tensor<2>) -> Tensor<2> {
        let n = x.dims()[0];
        let img = x.reshape([n, 1, self.side, self.side]);
        let h = relu(self.conv1.forward(img));
        let h = relu(self.conv2.forward(h));
        let h = self.pool.forward(h);
        let h = h.reshape([n as i64, -1]);
        self.fc2.forward(relu(self.fc1.forward(h)))
    }
}

/// Configuration of [`CnnTask`].
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CnnConfig {
    /// Channels of the two convolution layers.
    pub channels: [usize; 2],
    /// Width of the dense hidden layer.
    pub hidden: usize,
    /// Fraction of images for validation (early stopping).
    pub val_fraction: f64,
    /// Fraction of images for the test accuracy.
    pub test_fraction: f64,
    /// Seed of the split (the same default split as the `classification` task).
    pub split_seed: u64,
    /// Optimisation.
    pub train: ai4s_core::train::TrainSettings,
}

impl Default for CnnConfig {
    fn default() -> Self {
        CnnConfig {
            channels: [16, 32],
            hidden: 128,
            val_fraction: 0.1,
            test_fraction: 0.2,
            split_seed: 0,
            train: ai4s_core::train::TrainSettings {
                epochs: 30,
                batch_size: 64,
                lr: 2e-3,
                patience: 10,
                optimizer: ai4s_core::train::OptimizerKind::AdamW,
                weight_decay: 1e-4,
                ..Default::default()
            },
        }
    }
}

impl ai4s_core::TaskConfig for CnnConfig {
    fn quick() -> Self {
        let d = Self::default();
        CnnConfig {
            train: ai4s_core::train::TrainSettings {
                epochs: 12,
                ..d.train.clone()
            },
            ..d
        }
    }

    fn validate(&self) -> ai4s_core::Result<()> {
        ai4s_core::error::ensure(
            self.channels.iter().all(|&c| (1..=512).contains(&c)),
            "channels",
            || format!("each must be 1..=512, got {:?}", self.channels),
        )?;
        ai4s_core::error::ensure((1..=4096).contains(&self.hidden), "hidden", || {
            format!("must be 1..=4096, got {}", self.hidden)
        })?;
        ai4s_core::data::validate_split(self.val_fraction, self.test_fraction)?;
        self.train.validate("train")
    }
}

/// CNN on the 8x8 digits.
pub struct CnnTask;

impl ai4s_core::Task for CnnTask {
    type Config = CnnConfig;

    fn name(&self) -> &'static str {
        "cnn"
    }

    fn area(&self) -> ai4s_core::Area {
        ai4s_core::Area::Supervised
    }

    fn description(&self) -> &'static str {
        "small convolutional network on the 8x8 handwritten digits"
    }

    fn demonstrates(&self) -> &'static str {
        "Built-in structure: convolutions share weights across the image, so the network learns local stroke detectors once; on the same held-out digits it beats the fully connected MLP (>= 98 %)."
    }

    fn run(
        &self,
        cfg: &CnnConfig,
        ctx: &mut ai4s_core::RunContext,
    ) -> ai4s_core::Result<ai4s_core::Report> {
        use crate::classification::{Preprocess, report_classifier, train_classifier};
        use ai4s_core::datasets::digits;
        let data = digits()?;
        let split = ai4s_core::data::Split::random(
            data.y.len(),
            cfg.val_fraction,
            cfg.test_fraction,
            cfg.split_seed,
        );
        let train_device = ctx.device.clone().autodiff();
        let model = Cnn::new(
            8,
            data.classes.len(),
            cfg.channels,
            cfg.hidden,
            &train_device,
        );
        let trained = train_classifier(
            &data,
            model,
            &cfg.train,
            &split,
            Preprocess::ImageShifts { side: 8 },
            ctx,
            "cnn",
        )?;
        let mut report = ai4s_core::Report::new();
        report.check(
            "test_accuracy",
            trained.test_accuracy,
            ai4s_core::Goal::AtLeast(0.98),
            "CNN on the 8x8 digits, fixed split",
        );
        report_classifier(&trained, &data, split.test.len(), ctx, &mut report)?;
        report.metric("parameters", trained.fitted.model.num_params() as f64);
        let model = trained.fitted.model.valid();
        ctx.save_module("model.bpk", &model)?;
        Ok(report)
    }
}
