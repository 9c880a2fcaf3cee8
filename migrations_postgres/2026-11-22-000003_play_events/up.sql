-- Proof of play: one row per showing the player reported.
CREATE TABLE play_events (
    id BIGSERIAL PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    duration_ms BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX play_events_tenant_started ON play_events (tenant_id, started_at);

ALTER TABLE play_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE play_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON play_events
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''));
