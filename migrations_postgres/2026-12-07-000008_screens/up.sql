-- Screens (issue 13): a tenant's paired players, their groups, and pairing codes.

CREATE TABLE screen_groups (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX screen_groups_tenant_name ON screen_groups (tenant_id, name);

-- A screen holds a device token (sgd_…) whose SHA-256 is token_hash; NULL until the screen
-- picks it up after an admin claimed its code. `connection` names the instance connection
-- that holds its WebSocket (NULL: none); with last_seen_at it makes the status.
CREATE TABLE screens (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    group_id TEXT REFERENCES screen_groups(id) ON DELETE SET NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    token_hash TEXT UNIQUE,
    connection TEXT,
    last_seen_at TIMESTAMP,
    ip TEXT,
    resolution TEXT,
    player_version TEXT,
    now_playing_asset_id TEXT,
    now_playing_since TIMESTAMP,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX screens_tenant_name ON screens (tenant_id, name);
CREATE INDEX screens_group ON screens (group_id);

-- A code a screen shows until an admin claims it (then tenant_id and screen_id are set) and
-- the screen collects its token (delivered_at). Only the secret's SHA-256 is kept: the screen
-- polls with the secret, the admin types the code.
CREATE TABLE screen_pairings (
    secret_hash TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    ip TEXT,
    resolution TEXT,
    player_version TEXT,
    tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,
    screen_id TEXT REFERENCES screens(id) ON DELETE CASCADE,
    expires_at TIMESTAMP NOT NULL,
    claimed_at TIMESTAMP,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX screen_pairings_ip ON screen_pairings (ip, created_at);

-- Proof of play names the screen (NULL: the device's own kiosk, or a record from before).
ALTER TABLE play_events ADD COLUMN screen_id TEXT;

-- Row-level security. Screens are found by their token's hash before the tenant is known
-- (app.lookup_key); pairings by the secret's hash (the screen) or, for an admin claiming a
-- code, by the code itself (app.lookup_key = 'code:' || code), by the address that asked for them (the rate
-- limit: 'ip:' || ip), and by their tenant once claimed.
ALTER TABLE screen_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE screen_groups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON screen_groups
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''));

ALTER TABLE screens ENABLE ROW LEVEL SECURITY;
ALTER TABLE screens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON screens
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')
        OR token_hash = NULLIF(current_setting('app.lookup_key', true), ''))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''));

ALTER TABLE screen_pairings ENABLE ROW LEVEL SECURITY;
ALTER TABLE screen_pairings FORCE ROW LEVEL SECURITY;
CREATE POLICY pairing ON screen_pairings
    USING (secret_hash = NULLIF(current_setting('app.lookup_key', true), '')
        OR 'code:' || code = NULLIF(current_setting('app.lookup_key', true), '')
        OR 'ip:' || ip = NULLIF(current_setting('app.lookup_key', true), '')
        OR tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''))
    WITH CHECK (secret_hash = NULLIF(current_setting('app.lookup_key', true), '')
        OR 'code:' || code = NULLIF(current_setting('app.lookup_key', true), ''));
