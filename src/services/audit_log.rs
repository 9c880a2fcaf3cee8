//! Reading the audit log (entries are written by each use case, in its own transaction).

use crate::db::models::audit::{self, Entry, Filter};
use crate::error::Error;
use crate::services::context::Ctx;

/// The tenant's entries that pass `filter`, newest first.
pub async fn list(ctx: &Ctx<'_>, filter: Filter) -> Result<Vec<Entry>, Error> {
    ctx.read(move |c, s| audit::list(c, s, &filter)).await
}
