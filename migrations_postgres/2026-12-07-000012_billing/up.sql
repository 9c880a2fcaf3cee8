-- Billing (issue 17): the mirror of each tenant's Stripe subscription and invoices, the Stripe
-- events received (stored by id before they are applied, so a repeat is a no-op), monthly
-- usage reports, and API calls counted per month.

-- One row per tenant that ever went to checkout. `event_at` is the Stripe time of the last
-- subscription event applied (older news never overwrites newer); `payment_event_at` the
-- same for invoice events; `past_due_since` when a payment first failed (the grace period
-- runs from there).
CREATE TABLE subscriptions (
    tenant_id TEXT PRIMARY KEY NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    stripe_customer_id TEXT UNIQUE,
    stripe_subscription_id TEXT,
    -- The subscription item that carries the plan's price: a plan change replaces its price.
    stripe_item_id TEXT,
    plan TEXT,
    status TEXT NOT NULL DEFAULT 'none',
    current_period_end TIMESTAMP,
    cancel_at_period_end BOOLEAN NOT NULL DEFAULT FALSE,
    trial_end TIMESTAMP,
    past_due_since TIMESTAMP,
    event_at TIMESTAMP,
    payment_event_at TIMESTAMP,
    had_trial BOOLEAN NOT NULL DEFAULT FALSE,
    grace_mailed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE invoices (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    number TEXT,
    created_at TIMESTAMP NOT NULL,
    amount_due BIGINT NOT NULL,
    amount_paid BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    hosted_invoice_url TEXT,
    invoice_pdf TEXT,
    event_at TIMESTAMP NOT NULL
);
CREATE INDEX invoices_tenant_created ON invoices (tenant_id, created_at);

-- Every Stripe event received, whatever it concerns. `state`: queued (waiting for the job
-- queue), applied, ignored (nothing for us in it), unknown_tenant. Not tenant data: only the
-- webhook and the billing jobs read it.
CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY NOT NULL,
    type TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    tenant_id TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    note TEXT,
    received_at TIMESTAMP NOT NULL,
    applied_at TIMESTAMP
);

CREATE TABLE usage_reports (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    asset_count BIGINT NOT NULL,
    storage_bytes BIGINT NOT NULL,
    api_calls BIGINT NOT NULL,
    active_screens BIGINT NOT NULL,
    plays BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    reported_to_stripe_at TIMESTAMP,
    PRIMARY KEY (tenant_id, period)
);

-- API calls per tenant and month, added to in batches by each instance.
CREATE TABLE api_usage (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    calls BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, period)
);

-- Row-level security: a tenant sees its own rows; a Stripe customer's subscription is found
-- by its id before the tenant is known (app.lookup_key = 'cus:' || id). stripe_events is
-- read and written unbound (the webhook does not know the tenant yet), like jobs.
ALTER TABLE subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE subscriptions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON subscriptions
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')
        OR 'cus:' || stripe_customer_id = NULLIF(current_setting('app.lookup_key', true), ''))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''));

ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON invoices
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''));

ALTER TABLE usage_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON usage_reports
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''));

ALTER TABLE api_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_usage
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), ''));
