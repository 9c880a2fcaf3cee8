-- Tenants: device mode has exactly one; cloud mode many. Not under row-level security,
-- because a request must be able to resolve its tenant first.
CREATE TABLE tenants (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    domain TEXT UNIQUE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    plan TEXT NOT NULL DEFAULT 'free',
    max_devices INTEGER NOT NULL DEFAULT 5,
    max_users INTEGER NOT NULL DEFAULT 10,
    storage_quota_bytes BIGINT NOT NULL DEFAULT 10737418240,
    features TEXT NOT NULL DEFAULT '[]',
    settings TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Tenant-scoped key/value settings (the Anthias device settings live here).
CREATE TABLE settings (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

-- Every tenant-owned table gets the same fail-closed policy: without
-- app.current_tenant_id set in the transaction (or after SET LOCAL ended, when it reads as ''),
-- no row is visible and no row can be written. FORCE makes it bind the table owner too.
ALTER TABLE settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON settings
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''));
