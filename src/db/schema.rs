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

diesel::table! {
    assets (id) {
        id -> BigInt,
        tenant_id -> Text,
        asset_id -> Text,
        name -> Nullable<Text>,
        uri -> Nullable<Text>,
        md5 -> Nullable<Text>,
        start_date -> Nullable<Timestamp>,
        end_date -> Nullable<Timestamp>,
        duration -> Nullable<BigInt>,
        mimetype -> Nullable<Text>,
        is_enabled -> Bool,
        is_processing -> Bool,
        nocache -> Bool,
        play_order -> Integer,
        skip_asset_check -> Bool,
        skip_ssl_verify -> Bool,
        play_days -> Text,
        play_time_from -> Nullable<Text>,
        play_time_to -> Nullable<Text>,
        is_reachable -> Bool,
        last_reachability_check -> Nullable<Timestamp>,
        metadata -> Text,
        file_key -> Nullable<Text>,
        file_size -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sha256 -> Nullable<Text>,
        thumbnail_key -> Nullable<Text>,
    }
}

diesel::table! {
    play_events (id) {
        id -> BigInt,
        tenant_id -> Text,
        asset_id -> Text,
        started_at -> Timestamp,
        duration_ms -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        tenant_id -> Text,
        kind -> Text,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(assets -> tenants (tenant_id));
diesel::joinable!(jobs -> tenants (tenant_id));
diesel::joinable!(play_events -> tenants (tenant_id));
diesel::allow_tables_to_appear_in_same_query!(tenants, settings, assets, play_events, jobs);
