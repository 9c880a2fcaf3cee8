DROP TABLE settings;
DROP TABLE tenants;
