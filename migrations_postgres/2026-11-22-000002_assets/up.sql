-- Assets: every Anthias field, per tenant. `id` keeps insertion order, which is the order
-- Anthias lists assets in; `asset_id` is the public id, unique within a tenant.
CREATE TABLE assets (
    id BIGSERIAL PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL,
    name TEXT,
    uri TEXT,
    md5 TEXT,
    start_date TIMESTAMP,
    end_date TIMESTAMP,
    duration BIGINT,
    mimetype TEXT,
    is_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    is_processing BOOLEAN NOT NULL DEFAULT FALSE,
    nocache BOOLEAN NOT NULL DEFAULT FALSE,
    play_order INTEGER NOT NULL DEFAULT 0,
    skip_asset_check BOOLEAN NOT NULL DEFAULT FALSE,
    skip_ssl_verify BOOLEAN NOT NULL DEFAULT FALSE,
    play_days TEXT NOT NULL DEFAULT '[1, 2, 3, 4, 5, 6, 7]',
    play_time_from TEXT,
    play_time_to TEXT,
    is_reachable BOOLEAN NOT NULL DEFAULT TRUE,
    last_reachability_check TIMESTAMP,
    metadata TEXT NOT NULL DEFAULT '{}',
    -- The stored file, when Signate holds the content (uploads, downloads, restores).
    file_key TEXT,
    file_size BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, asset_id)
);
CREATE INDEX assets_tenant_name ON assets (tenant_id, name);

ALTER TABLE assets ENABLE ROW LEVEL SECURITY;
ALTER TABLE assets FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON assets
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''));
