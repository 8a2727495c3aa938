//! Backups: `fanclub backup FILE` and the periodic ones of `[backup]`.
//!
//! A backup is only a backup once it has been read back: each copy is
//! opened read-only and must pass the doctor before it counts (and before
//! old ones are deleted to keep `keep`). The doctor's first check of the
//! copy is SQLite's `quick_check`, not the full `integrity_check`: `VACUUM
//! INTO` writes every index anew from its table's rows, so the index
//! entries the full check adds are the ones least likely to be wrong in a
//! fresh copy, and it costs minutes on a large club (`fanclub doctor
//! --full` on the copy runs it).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::config::BackupSettings;
use crate::store::{Store, StoreOptions};

/// What one backup made.
#[derive(Debug, Clone)]
pub struct Made {
    pub path: PathBuf,
    pub bytes: u64,
    pub took: Duration,
}

impl std::fmt::Display for Made {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "backup {}: {} bytes ({:.1} MB) in {:.2} s; the doctor finds it healthy",
            self.path.display(),
            self.bytes,
            self.bytes as f64 / 1_000_000.0,
            self.took.as_secs_f64()
        )
    }
}

/// Copies `store` to `target` (which must not exist) and checks the copy.
/// A copy that fails its check is deleted and the error says why.
pub async fn make(store: &Store, target: &Path) -> anyhow::Result<Made> {
    let started = Instant::now();
    if let Some(dir) = target.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the backup directory {}", dir.display()))?;
    }
    store
        .backup_into(target)
        .await
        .with_context(|| format!("writing the backup {}", target.display()))?;
    if let Err(error) = verify(target).await {
        let _ = std::fs::remove_file(target);
        return Err(error.context(format!(
            "the backup {} failed its check and was deleted",
            target.display()
        )));
    }
    let bytes = std::fs::metadata(target)
        .with_context(|| format!("reading the size of {}", target.display()))?
        .len();
    super::metrics::backup_done();
    Ok(Made {
        path: target.to_path_buf(),
        bytes,
        took: started.elapsed(),
    })
}

/// Opens a backup read-only: the doctor must pass.
pub async fn verify(path: &Path) -> anyhow::Result<()> {
    let url = format!("sqlite://{}", path.display());
    let copy = Store::open_read_only(&url, &StoreOptions::default()).await?;
    let checked = async {
        let report = copy.doctor().await.context("running the doctor")?;
        anyhow::ensure!(report.is_healthy(), "the doctor found problems:\n{report}");
        anyhow::Ok(())
    }
    .await;
    copy.close().await;
    checked
}

/// Makes a backup every `settings.every_hours` for as long as it runs,
/// keeping the newest `settings.keep`. Failures are logged; the loop goes
/// on. Returns at once when periodic backups are off.
pub async fn periodic(store: Store, settings: BackupSettings) {
    if settings.every_hours == 0 {
        return;
    }
    let every = Duration::from_secs(settings.every_hours * 3600);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let name = chrono::Utc::now()
            .format("fanclub-%Y%m%d-%H%M%S.db")
            .to_string();
        match make(&store, &settings.dir.join(name)).await {
            Ok(made) => {
                tracing::info!(path = %made.path.display(), bytes = made.bytes, seconds = made.took.as_secs_f64(), "backup made");
                match prune(&settings.dir, settings.keep) {
                    Ok(deleted) if deleted > 0 => {
                        tracing::info!(deleted, keep = settings.keep, "old backups deleted");
                    }
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(error = %format!("{error:#}"), "old backups could not be deleted")
                    }
                }
            }
            Err(error) => tracing::error!(error = %format!("{error:#}"), "periodic backup failed"),
        }
    }
}

/// Deletes the oldest periodic backups (`fanclub-*.db` in `dir`) beyond
/// `keep`; other files are never touched. Returns how many it deleted.
pub fn prune(dir: &Path, keep: usize) -> anyhow::Result<usize> {
    let mut backups: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("fanclub-") && name.ends_with(".db"))
        })
        .collect();
    // The names carry the time, so their order is their age.
    backups.sort();
    let excess = backups.len().saturating_sub(keep);
    for old in &backups[..excess] {
        std::fs::remove_file(old).with_context(|| format!("deleting {}", old.display()))?;
    }
    Ok(excess)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_keeps_the_newest_backups_and_touches_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "fanclub-20260101-000000.db",
            "fanclub-20260102-000000.db",
            "fanclub-20260103-000000.db",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        assert_eq!(prune(dir.path(), 2).unwrap(), 1);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "fanclub-20260102-000000.db",
                "fanclub-20260103-000000.db",
                "notes.txt"
            ]
        );
    }
}
