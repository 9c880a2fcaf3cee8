//! Diesel table definitions, shared by both backends (the portable subset: ids and JSON as
//! `Text`, times as `Timestamp` in UTC).

diesel::table! {
    tenants (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        domain -> Nullable<Text>,
        is_active -> Bool,
        plan -> Text,
        max_devices -> Integer,
        max_users -> Integer,
        storage_quota_bytes -> BigInt,
        features -> Text,
        settings -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    settings (tenant_id, key) {
        tenant_id -> Text,
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(settings -> tenants (tenant_id));
diesel::allow_tables_to_appear_in_same_query!(tenants, settings);
