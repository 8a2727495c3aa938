//! A small logistic model over a question's relative evidence, fitted per
//! FAQ at load (see [`super::index`] for the practice questions it is
//! fitted on).
//!
//! Why relative features and a model per FAQ: absolute cosines depend on
//! how many phrasings a FAQ has and how its operator writes, so a fixed
//! cut-off that works for one FAQ refuses nearly everything on another
//! (issue 10 measured 0.933 against 0.876 median closeness). The shape of
//! a question's scores (how far the best entry stands out, whether two
//! unrelated similarity measures agree) carries over much better, and the
//! threshold is read off the FAQ's own practice questions.

/// How many numbers describe a question (see `index::features`).
pub const FEATURES: usize = 8;

/// One practice question: its features, whether answering with the top
/// entry would have been right, and how much it counts.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub features: [f32; FEATURES],
    pub label: bool,
    pub weight: f32,
}

/// A fitted logistic model with its feature scaling.
#[derive(Debug, Clone)]
pub struct Logistic {
    mean: [f32; FEATURES],
    scale: [f32; FEATURES],
    weights: [f32; FEATURES],
    bias: f32,
}

impl Default for Logistic {
    /// A model that says 0.5 for everything (no practice questions).
    fn default() -> Self {
        Logistic {
            mean: [0.0; FEATURES],
            scale: [1.0; FEATURES],
            weights: [0.0; FEATURES],
            bias: 0.0,
        }
    }
}

impl Logistic {
    /// Fits by full-batch gradient descent with a little L2, on
    /// standardised features: deterministic, and a few milliseconds for a
    /// few thousand samples.
    pub fn fit(samples: &[Sample]) -> Logistic {
        Logistic::fit_ignoring(samples, &[])
    }

    /// [`Logistic::fit`] with the features at the positions in `ignored`
    /// left out: their weight stays zero, so they never change a
    /// probability.
    pub fn fit_ignoring(samples: &[Sample], ignored: &[usize]) -> Logistic {
        let total: f32 = samples.iter().map(|s| s.weight).sum();
        if samples.is_empty() || total <= 0.0 {
            return Logistic::default();
        }
        let mut model = Logistic::default();
        for f in (0..FEATURES).filter(|f| !ignored.contains(f)) {
            let mean = samples
                .iter()
                .map(|s| s.weight * s.features[f])
                .sum::<f32>()
                / total;
            let var = samples
                .iter()
                .map(|s| s.weight * (s.features[f] - mean).powi(2))
                .sum::<f32>()
                / total;
            model.mean[f] = mean;
            model.scale[f] = if var > 1e-12 { var.sqrt() } else { 1.0 };
        }
        let scaled: Vec<[f32; FEATURES]> =
            samples.iter().map(|s| model.scale(&s.features)).collect();
        const STEPS: usize = 400;
        const RATE: f32 = 0.5;
        const L2: f32 = 1e-3;
        for _ in 0..STEPS {
            let mut grad = [0f32; FEATURES];
            let mut grad_bias = 0f32;
            for (sample, x) in samples.iter().zip(&scaled) {
                let p = sigmoid(model.linear(x));
                let error = sample.weight * (p - f32::from(u8::from(sample.label)));
                for (g, x) in grad.iter_mut().zip(x) {
                    *g += error * x;
                }
                grad_bias += error;
            }
            for (f, (w, g)) in model.weights.iter_mut().zip(grad).enumerate() {
                if !ignored.contains(&f) {
                    *w -= RATE * (g / total + L2 * *w);
                }
            }
            model.bias -= RATE * grad_bias / total;
        }
        model
    }

    /// The probability that the question is one the model says yes to.
    pub fn probability(&self, features: &[f32; FEATURES]) -> f32 {
        sigmoid(self.linear(&self.scale(features)))
    }

    fn scale(&self, features: &[f32; FEATURES]) -> [f32; FEATURES] {
        std::array::from_fn(|f| (features[f] - self.mean[f]) / self.scale[f])
    }

    fn linear(&self, x: &[f32; FEATURES]) -> f32 {
        self.bias + x.iter().zip(&self.weights).map(|(x, w)| x * w).sum::<f32>()
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The lowest threshold on `scores` at which the weighted share of wrong
/// yes-answers (label false, score at or above the threshold) among all
/// samples stays at or below `max_wrong`. Above 1 (never yes) when even
/// the most certain sample is wrong too often.
pub fn threshold_for_wrong_rate(scored: &[(f32, Sample)], max_wrong: f32) -> f32 {
    let total: f32 = scored.iter().map(|(_, s)| s.weight).sum();
    let mut order: Vec<&(f32, Sample)> = scored.iter().collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut wrong = 0.0;
    let mut threshold = f32::INFINITY;
    let mut i = 0;
    while i < order.len() {
        // Samples with equal scores are decided together.
        let score = order[i].0;
        let mut j = i;
        while j < order.len() && order[j].0 == score {
            if !order[j].1.label {
                wrong += order[j].1.weight;
            }
            j += 1;
        }
        if wrong > max_wrong * total {
            break;
        }
        threshold = score;
        i = j;
    }
    threshold.min(1.01)
}

/// The highest threshold at which at least `recall` of the yes samples'
/// weight scores at or above it.
pub fn threshold_for_recall(scored: &[(f32, Sample)], recall: f32) -> f32 {
    let yes: f32 = scored
        .iter()
        .filter(|(_, s)| s.label)
        .map(|(_, s)| s.weight)
        .sum();
    let mut scores: Vec<(f32, f32)> = scored
        .iter()
        .filter(|(_, s)| s.label)
        .map(|(score, s)| (*score, s.weight))
        .collect();
    scores.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut above = 0.0;
    for (score, weight) in scores {
        above += weight;
        if above >= recall * yes {
            return score;
        }
    }
    0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(x: f32, label: bool) -> Sample {
        let mut features = [0.0; FEATURES];
        features[0] = x;
        Sample {
            features,
            label,
            weight: 1.0,
        }
    }

    #[test]
    fn the_model_learns_which_side_is_yes() {
        let samples: Vec<Sample> = (0..40).map(|i| sample(i as f32 / 10.0, i >= 20)).collect();
        let model = Logistic::fit(&samples);
        assert!(model.probability(&sample(3.5, true).features) > 0.8);
        assert!(model.probability(&sample(0.5, true).features) < 0.2);
    }

    #[test]
    fn an_ignored_feature_never_moves_the_probability() {
        // Feature 1 alone would separate the samples perfectly.
        let samples: Vec<Sample> = (0..40)
            .map(|i| {
                let mut s = sample(0.0, i >= 20);
                s.features[1] = if i >= 20 { 5.0 } else { -5.0 };
                s
            })
            .collect();
        let model = Logistic::fit_ignoring(&samples, &[1]);
        let mut low = [0.0; FEATURES];
        let mut high = [0.0; FEATURES];
        low[1] = -5.0;
        high[1] = 5.0;
        assert_eq!(model.probability(&low), model.probability(&high));
        let seeing = Logistic::fit(&samples);
        assert!(seeing.probability(&high) > 0.9);
    }

    #[test]
    fn the_threshold_keeps_wrong_answers_within_the_rate() {
        // Scores 0.0..0.9; the wrong ones are 0.5 and 0.2.
        let scored: Vec<(f32, Sample)> = (0..10)
            .map(|i| (i as f32 / 10.0, sample(0.0, i != 5 && i != 2)))
            .collect();
        assert_eq!(threshold_for_wrong_rate(&scored, 0.1), 0.3);
        assert_eq!(threshold_for_wrong_rate(&scored, 0.0), 0.6);
        let all_wrong = [(0.9, sample(0.0, false))];
        assert!(threshold_for_wrong_rate(&all_wrong, 0.03) > 1.0);
    }

    #[test]
    fn the_recall_threshold_lets_through_the_share_asked_for() {
        let scored: Vec<(f32, Sample)> = (0..10)
            .map(|i| (i as f32 / 10.0, sample(0.0, true)))
            .collect();
        assert_eq!(threshold_for_recall(&scored, 0.5), 0.5);
        assert_eq!(threshold_for_recall(&scored, 1.0), 0.0);
    }
}
