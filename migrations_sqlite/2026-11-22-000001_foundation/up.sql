-- Tenants: device mode has exactly one; cloud mode many. Not under a tenant scope itself,
-- because a request must be able to resolve its tenant first.
CREATE TABLE tenants (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    domain TEXT UNIQUE,
    is_active BOOLEAN NOT NULL DEFAULT 1,
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
