//! Encoder benchmark: the sentence encoder's per-question latency by
//! weight route, its memory after 1,000 questions, and a first start's
//! embedding of 1,000 phrasings, each printed next to its target.
//!
//! Run: `cargo bench --bench encoder` (latency of every route), or with
//! `-- rss ROUTE` (memory of one route in this process: q4 q8 f32 f16), or
//! `-- cold` (1,000 phrasings through the `Embedder`, into an empty cache).
//! The figures and the machine they were measured on: `docs/encoder.md`.

use std::path::Path;
use std::time::{Duration, Instant};

use fanclub::faq::FaqBook;
use fanclub::faq::eval::load_eval_set;
use fanclub::faq::semantic::encoder::{Encoder, Role, Weights};
use fanclub::faq::semantic::{DEFAULT_MODEL_PATH, Embedder};

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

fn route(name: &str) -> Weights {
    match name {
        "q4" => Weights::Q4,
        "q8" => Weights::Q8,
        "f16" => Weights::F16,
        "f32" => Weights::F32,
        other => panic!("unknown route {other} (q4 q8 f32 f16)"),
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = root.join(DEFAULT_MODEL_PATH);
    let eval = load_eval_set(&root.join("tests/data/faq_eval.toml")).expect("eval set loads");
    let questions: Vec<String> = eval.cases.into_iter().map(|c| c.question).collect();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    println!(
        "encoder benchmark: {} cores available, candle's pool {} threads, rayon's {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        candle_core::utils::get_num_threads(),
        rayon_threads(),
    );
    match args.first().map(String::as_str) {
        Some("rss") => rss(&model, &questions, route(args.get(1).map_or("f32", |s| s))),
        Some("cold") => cold(root, &model),
        _ => {
            let routes: Vec<Weights> = if args.is_empty() {
                vec![Weights::F32, Weights::F16, Weights::Q8, Weights::Q4]
            } else {
                args.iter().map(|a| route(a)).collect()
            };
            latency(&model, &questions, &routes);
        }
    }
}

fn rayon_threads() -> String {
    std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "= cores".to_owned())
}

/// Per-question latency of each route, questions interleaved so that the
/// routes share the machine's load.
fn latency(model: &Path, questions: &[String], routes: &[Weights]) {
    let bytes = std::fs::read(model).expect("scripts/fetch-model installed the model");
    let encoders: Vec<Encoder> = routes
        .iter()
        .map(|w| Encoder::from_bytes(&bytes, *w).expect("the model loads"))
        .collect();
    let questions = &questions[..questions.len().min(200)];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); encoders.len()];
    let mut lowest = vec![1f32; encoders.len()];
    for round in 0..2 {
        for question in questions {
            let mut first: Option<Vec<f32>> = None;
            for (i, encoder) in encoders.iter().enumerate() {
                let started = Instant::now();
                let vector = encoder.embed(&[question], Role::Query).expect("embeds");
                if round == 1 {
                    times[i].push(started.elapsed());
                }
                let vector = vector.into_iter().next().unwrap_or_default();
                let reference = first.get_or_insert_with(|| vector.clone());
                let cosine: f32 = vector
                    .iter()
                    .zip(reference.iter())
                    .map(|(a, b)| a * b)
                    .sum();
                lowest[i] = lowest[i].min(cosine);
            }
        }
    }
    for (i, weights) in routes.iter().enumerate() {
        times[i].sort();
        println!(
            "{weights:?}: one question p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms (target p99 < 40 ms); lowest cosine with {:?} {:.5}",
            percentile(&times[i], 0.5),
            percentile(&times[i], 0.99),
            percentile(&times[i], 1.0),
            routes[0],
            lowest[i]
        );
    }
}

/// Memory of one route, loaded as the bot loads it, after 1,000 questions.
fn rss(model: &Path, questions: &[String], weights: Weights) {
    let (before, _) = memory();
    let file = std::fs::File::open(model).expect("the model opens");
    let bytes = std::fs::read(model).expect("the model reads");
    let encoder = Encoder::load(file, &bytes, weights).expect("the model loads");
    drop(bytes);
    let (loaded, _) = memory();
    for question in questions.iter().cycle().take(1_000) {
        std::hint::black_box(encoder.embed(&[question], Role::Query).expect("embeds"));
    }
    let (after, peak) = memory();
    println!(
        "{weights:?}: RSS {before:.0} MB before, {loaded:.0} MB loaded, {after:.0} MB after 1,000 questions (target < 120 MB); peak {peak:.0} MB while the file was read"
    );
}

/// A first start: 1,000 phrasings through the embedder into an empty
/// cache directory.
fn cold(root: &Path, model: &Path) {
    let book = FaqBook::load(&root.join("config/faq.toml")).expect("the starter FAQ loads");
    let phrasings: Vec<&str> = book
        .entries()
        .iter()
        .flat_map(|entry| entry.texts())
        .flat_map(|text| text.phrasings())
        .take(1_000)
        .collect();
    let cache = std::env::temp_dir().join(format!("fanclub-bench-cache-{}", std::process::id()));
    let embedder = Embedder::shared(model, &cache).expect("the model loads");
    let started = Instant::now();
    embedder.phrasings(&phrasings).expect("embeds");
    let elapsed = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&cache);
    println!(
        "first start: {} phrasings embedded in {elapsed:.1} s, {:.1} ms each (target 1,000 in < 30 s)",
        phrasings.len(),
        elapsed * 1_000.0 / phrasings.len() as f64
    );
}
