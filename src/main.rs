//! The `fanclub` binary: everything lives in the library; see `fanclub::cli`.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    // `.env` first, so DATABASE_URL and the tokens can come from it.
    let _ = dotenvy::dotenv();
    let cli = fanclub::cli::Cli::parse();
    match fanclub::cli::run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
