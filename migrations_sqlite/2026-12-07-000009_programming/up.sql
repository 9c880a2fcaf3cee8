-- Programming (issue 14): playlists, schedules aimed at screens or groups, interrupts; proof of
-- play says what made an item play; screens' online time per day.

CREATE TABLE playlists (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    shuffle BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX playlists_tenant_name ON playlists (tenant_id, name);

-- The items in order; an asset may appear several times; duration overrides the asset's.
CREATE TABLE playlist_items (
    playlist_id TEXT NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL,
    duration INTEGER,
    PRIMARY KEY (playlist_id, position)
);
CREATE INDEX playlist_items_asset ON playlist_items (tenant_id, asset_id);

-- targets: JSON {"all":true} or {"screen_ids":[…],"group_ids":[…]}; dates UTC (NULL: open);
-- the daily window in the tenant's time zone, as for assets.
CREATE TABLE schedules (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    playlist_id TEXT NOT NULL REFERENCES playlists(id),
    targets TEXT NOT NULL,
    start_date TIMESTAMP,
    end_date TIMESTAMP,
    play_days TEXT NOT NULL DEFAULT '[1,2,3,4,5,6,7]',
    play_time_from TEXT,
    play_time_to TEXT,
    priority INTEGER NOT NULL DEFAULT 50,
    is_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX schedules_tenant ON schedules (tenant_id, created_at);
CREATE INDEX schedules_playlist ON schedules (playlist_id);

-- message: JSON {"text","background","color"} when there is no asset.
CREATE TABLE interrupts (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    targets TEXT NOT NULL,
    asset_id TEXT,
    message TEXT,
    until TIMESTAMP,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE INDEX interrupts_tenant ON interrupts (tenant_id, created_at);

ALTER TABLE play_events ADD COLUMN playlist_id TEXT;
ALTER TABLE play_events ADD COLUMN schedule_id TEXT;
ALTER TABLE play_events ADD COLUMN interrupt_id TEXT;
CREATE INDEX play_events_tenant_asset ON play_events (tenant_id, asset_id, started_at);

-- Plays summed per tenant-local day, asset, screen and schedule ('' for none), kept as plays
-- arrive, so a month's report reads thousands of rows, not millions of plays.
CREATE TABLE play_daily (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    screen_id TEXT NOT NULL,
    schedule_id TEXT NOT NULL,
    plays BIGINT NOT NULL,
    seconds BIGINT NOT NULL,
    -- When the last of them ended.
    last_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, day, asset_id, screen_id, schedule_id)
);
CREATE INDEX play_daily_asset ON play_daily (tenant_id, asset_id);

-- Seconds each screen was online per UTC day, from its heartbeats.
CREATE TABLE screen_uptime (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    screen_id TEXT NOT NULL,
    day TEXT NOT NULL,
    online_seconds INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, screen_id, day)
);
