//! A softmax (multinomial logistic regression) classifier over the same
//! sparse features as the phrasing vector spaces, trained at build time on
//! every phrasing with its entry as the class.
//!
//! Weights exist only for (feature, entry) pairs where the feature occurs
//! in one of the entry's phrasings, stored like an inverted index, so a
//! query costs what one cosine over the entry spaces costs. Classes that
//! share no feature with an input keep logit 0 and still count in the
//! softmax normaliser. Features shared by more than
//! [`TrainSettings::max_classes`] entries are left out: they tell few
//! entries apart, and without the cap training cost grows with the FAQ's
//! size (a generated 1,000-entry FAQ trained in ~130 ms with a cap of 48,
//! ~10 ms with 12, at equal figures on the evaluation set).
//!
//! Training: Adagrad on the cross-entropy with L2, a few epochs in a
//! fixed-seed shuffled order, so the same phrasings give the same weights.

/// Hyper-parameters (fixed; training is deterministic).
#[derive(Clone, Copy, Debug)]
pub(super) struct TrainSettings {
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
    /// Weight of the character block against the word block (each block is
    /// L2-normalised first).
    pub char_share: f32,
    /// Features shared by more entries than this are left out.
    pub max_classes: usize,
    /// Negative classes with a probability below this are not updated.
    pub min_update: f32,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            epochs: 3,
            learning_rate: 0.5,
            l2: 1e-4,
            char_share: 0.5,
            max_classes: 12,
            min_update: 1e-4,
        }
    }
}

/// A sparse input: (feature id, value), ids ascending.
pub(super) type Input = Vec<(u32, f32)>;

/// Turns one block of (feature id, count) into scaled values appended to
/// `input`; each block is L2-normalised and weighted by `share`.
pub(super) fn push_block(input: &mut Input, block: &[(u32, f32)], offset: u32, share: f32) {
    let norm = block.iter().map(|(_, c)| c * c).sum::<f32>().sqrt();
    if norm <= 0.0 {
        return;
    }
    let scale = share.sqrt() / norm;
    input.extend(block.iter().map(|(id, c)| (id + offset, c * scale)));
}

pub(super) struct Classifier {
    /// CSR: feature id → slots `offsets[id]..offsets[id + 1]`.
    offsets: Vec<u32>,
    classes: Vec<u32>,
    weights: Vec<f32>,
    class_count: usize,
}

impl Classifier {
    /// `inputs`: (class, input) per phrasing; `feature_count` bounds the ids.
    pub(super) fn train(
        class_count: usize,
        feature_count: usize,
        mut inputs: Vec<(u32, Input)>,
        settings: TrainSettings,
    ) -> Classifier {
        // Support: the classes each feature occurs in.
        let mut support: Vec<Vec<u32>> = vec![Vec::new(); feature_count];
        for (class, input) in &inputs {
            for (id, _) in input {
                let classes = &mut support[*id as usize];
                if classes.last() != Some(class) {
                    classes.push(*class);
                }
            }
        }
        let mut offsets = Vec::with_capacity(feature_count + 1);
        let mut classes = Vec::new();
        offsets.push(0u32);
        for list in &mut support {
            list.sort_unstable();
            list.dedup();
            if list.len() <= settings.max_classes {
                classes.extend_from_slice(list);
            }
            offsets.push(classes.len() as u32);
        }
        drop(support);
        for (_, input) in &mut inputs {
            input.retain(|(id, _)| offsets[*id as usize] < offsets[*id as usize + 1]);
        }
        let mut weights = vec![0.0f32; classes.len()];
        let mut accum = vec![1e-6f32; classes.len()];
        // Deterministic order: a fixed-seed shuffle per epoch.
        let mut order: Vec<usize> = (0..inputs.len()).collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut logits = vec![0.0f32; class_count];
        let mut marked = vec![false; class_count];
        let mut touched: Vec<u32> = Vec::new();
        for _ in 0..settings.epochs {
            for i in (1..order.len()).rev() {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let j = ((seed >> 33) as usize) % (i + 1);
                order.swap(i, j);
            }
            for &example in &order {
                let (class, input) = &inputs[example];
                touched.clear();
                for &(id, value) in input {
                    let range = offsets[id as usize] as usize..offsets[id as usize + 1] as usize;
                    for (c, w) in classes[range.clone()].iter().zip(&weights[range]) {
                        let c = *c as usize;
                        if !marked[c] {
                            marked[c] = true;
                            touched.push(c as u32);
                        }
                        logits[c] += value * w;
                    }
                }
                let max = touched
                    .iter()
                    .map(|c| logits[*c as usize])
                    .fold(0.0f32, f32::max);
                let mut z = (class_count - touched.len()) as f32 * (-max).exp();
                for c in &touched {
                    let e = (logits[*c as usize] - max).exp();
                    logits[*c as usize] = e;
                    z += e;
                }
                for c in &touched {
                    logits[*c as usize] /= z;
                }
                for &(id, value) in input {
                    let range = offsets[id as usize] as usize..offsets[id as usize + 1] as usize;
                    for ((c, w), acc) in classes[range.clone()]
                        .iter()
                        .zip(&mut weights[range.clone()])
                        .zip(&mut accum[range])
                    {
                        let p = logits[*c as usize];
                        let target = if c == class {
                            1.0
                        } else if p < settings.min_update {
                            continue;
                        } else {
                            0.0
                        };
                        let grad = (p - target) * value + settings.l2 * *w;
                        *acc += grad * grad;
                        *w -= settings.learning_rate * grad / acc.sqrt();
                    }
                }
                for c in &touched {
                    logits[*c as usize] = 0.0;
                    marked[*c as usize] = false;
                }
            }
        }
        Classifier {
            offsets,
            classes,
            weights,
            class_count,
        }
    }

    /// Class probabilities for an input (dense, one per class).
    pub(super) fn probabilities(&self, input: &[(u32, f32)]) -> Vec<f32> {
        let mut logits = vec![0.0f32; self.class_count];
        for &(id, value) in input {
            let Some(&start) = self.offsets.get(id as usize) else {
                continue;
            };
            let end = self.offsets[id as usize + 1];
            let range = start as usize..end as usize;
            for (c, w) in self.classes[range.clone()].iter().zip(&self.weights[range]) {
                logits[*c as usize] += value * w;
            }
        }
        let max = logits.iter().copied().fold(0.0f32, f32::max);
        let mut z = 0.0;
        for logit in &mut logits {
            *logit = (*logit - max).exp();
            z += *logit;
        }
        for logit in &mut logits {
            *logit /= z;
        }
        logits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(features: &[u32]) -> Input {
        let block: Vec<(u32, f32)> = features.iter().map(|f| (*f, 1.0)).collect();
        let mut input = Vec::new();
        push_block(&mut input, &block, 0, 1.0);
        input
    }

    #[test]
    fn the_distinguishing_feature_decides_the_class() {
        // Feature 0 is shared; 1 belongs to class 0, 2 to class 1.
        let examples = vec![
            (0, input(&[0, 1])),
            (1, input(&[0, 2])),
            (0, input(&[1])),
            (1, input(&[2])),
        ];
        let classifier = Classifier::train(3, 3, examples, TrainSettings::default());
        let first = classifier.probabilities(&input(&[0, 1]));
        let second = classifier.probabilities(&input(&[0, 2]));
        assert!(first[0] > first[1] && first[0] > first[2]);
        assert!(second[1] > second[0] && second[1] > second[2]);
        assert!((first.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        // Unknown features leave every class equally likely.
        let unknown = classifier.probabilities(&input(&[7]));
        assert!((unknown[0] - unknown[2]).abs() < 1e-6);
    }

    #[test]
    fn training_is_deterministic() {
        let examples: Vec<(u32, Input)> = (0..20)
            .map(|i| (i % 4, input(&[i % 4, 4 + i % 3, 8 + i % 5])))
            .collect();
        let a = Classifier::train(4, 13, examples.clone(), TrainSettings::default());
        let b = Classifier::train(4, 13, examples, TrainSettings::default());
        assert_eq!(a.weights, b.weights);
        assert_eq!(
            a.probabilities(&input(&[1, 5])),
            b.probabilities(&input(&[1, 5]))
        );
    }
}
