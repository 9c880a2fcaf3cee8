//! Readiness: whether the database and the storage answer.

use crate::error::Error;
use crate::services::context::Core;

/// What answers and what does not.
pub struct Readiness {
    pub database: Result<(), Error>,
    pub storage: Result<(), Error>,
}

impl Readiness {
    /// Everything answers.
    pub fn ok(&self) -> bool {
        self.database.is_ok() && self.storage.is_ok()
    }
}

/// Asks the database (a trivial query in a transaction) and then the storage.
pub async fn check(core: &Core) -> Readiness {
    let database = core.db.system(crate::db::probe).await;
    let storage = core.storage.check().await;
    Readiness { database, storage }
}
