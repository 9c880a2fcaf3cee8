DROP TABLE api_usage;
DROP TABLE usage_reports;
DROP TABLE stripe_events;
DROP TABLE invoices;
DROP TABLE subscriptions;
