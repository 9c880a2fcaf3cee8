//! Proof of play: what the screens showed, when and for how long.

use crate::db::models::play::{self, Play};
use crate::error::Error;
use crate::services::context::Ctx;

/// Records a batch of showings: all or none.
pub async fn record(ctx: &Ctx<'_>, plays: Vec<Play>) -> Result<(), Error> {
    ctx.write(move |c, s| play::insert(c, s, &plays)).await
}

/// The latest `limit` showings, newest first.
pub async fn recent(ctx: &Ctx<'_>, limit: i64) -> Result<Vec<Play>, Error> {
    ctx.read(move |c, s| play::recent(c, s, limit)).await
}
