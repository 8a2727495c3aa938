//! A consistent copy of the database while the bot runs.
//!
//! Copying the file is not a backup: with WAL the newest transactions live
//! in `fanclub.db-wal` until a checkpoint, so `cp fanclub.db` restores to
//! old (or empty) balances. `VACUUM INTO` writes one self-contained file
//! from a single read transaction: every commit before it, none after, and
//! the writer is never blocked (readers do not wait in WAL mode).

use std::path::Path;

use super::{Context as _, Store, StoreError};

impl Store {
    /// Writes a consistent copy of the database to `target`, which must not
    /// exist yet (SQLite refuses to overwrite; so do we, with a clearer
    /// message).
    #[tracing::instrument(skip_all)]
    pub async fn backup_into(&self, target: &Path) -> Result<(), StoreError> {
        if target.exists() {
            return Err(StoreError::Inconsistent(format!(
                "the backup file {} exists already; name a new one",
                target.display()
            )));
        }
        let target = target.to_str().ok_or_else(|| {
            StoreError::Inconsistent(format!(
                "the backup path {} is not valid UTF-8",
                target.display()
            ))
        })?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.pool)
            .await
            .context("writing the backup with VACUUM INTO")?;
        Ok(())
    }
}
