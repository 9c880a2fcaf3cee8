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
        tags -> Text,
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

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        email_verified_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    memberships (tenant_id, user_id) {
        tenant_id -> Text,
        user_id -> Text,
        role -> Text,
        permissions -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    auth_sessions (id) {
        id -> Text,
        tenant_id -> Text,
        user_id -> Text,
        ip -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        tenant_id -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        prefix -> Text,
        key_hash -> Text,
        role -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        tenant_id -> Text,
        email -> Text,
        role -> Text,
        token_hash -> Text,
        invited_by -> Nullable<Text>,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        purpose -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    shares (token_hash) {
        token_hash -> Text,
        tenant_id -> Text,
        asset_id -> Text,
        created_by -> Nullable<Text>,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        tenant_id -> Text,
        actor_type -> Text,
        actor_id -> Nullable<Text>,
        actor_label -> Nullable<Text>,
        action -> Text,
        object_type -> Nullable<Text>,
        object_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        details -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tenant_secrets (tenant_id, name) {
        tenant_id -> Text,
        name -> Text,
        nonce -> Text,
        ciphertext -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    auth_throttle (key) {
        key -> Text,
        failures -> Integer,
        window_start -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(memberships -> tenants (tenant_id));
diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    settings,
    assets,
    play_events,
    jobs,
    users,
    memberships,
    auth_sessions,
    refresh_tokens,
    api_keys,
    invitations,
    user_tokens,
    shares,
    audit_log,
    tenant_secrets,
    auth_throttle,
);
