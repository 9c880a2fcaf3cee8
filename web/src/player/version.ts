/**
 * The browser player's version, sent in every heartbeat (`player_version`) and
 * with each request for a pairing code; the fleet list shows it. The player is
 * embedded in the server binary, so this follows the package version in
 * `Cargo.toml`: raise them together.
 */
export const PLAYER_VERSION = "0.1.0";
