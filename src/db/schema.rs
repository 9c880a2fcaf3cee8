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
        page_status -> Nullable<Text>,
        page_reason -> Nullable<Text>,
        page_checked_at -> Nullable<Timestamp>,
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
        screen_id -> Nullable<Text>,
        playlist_id -> Nullable<Text>,
        schedule_id -> Nullable<Text>,
        interrupt_id -> Nullable<Text>,
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

diesel::table! {
    screen_groups (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    screens (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        group_id -> Nullable<Text>,
        tags -> Text,
        token_hash -> Nullable<Text>,
        connection -> Nullable<Text>,
        last_seen_at -> Nullable<Timestamp>,
        ip -> Nullable<Text>,
        resolution -> Nullable<Text>,
        player_version -> Nullable<Text>,
        now_playing_asset_id -> Nullable<Text>,
        now_playing_since -> Nullable<Timestamp>,
        skipped -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    screen_pairings (secret_hash) {
        secret_hash -> Text,
        code -> Text,
        ip -> Nullable<Text>,
        resolution -> Nullable<Text>,
        player_version -> Nullable<Text>,
        tenant_id -> Nullable<Text>,
        screen_id -> Nullable<Text>,
        expires_at -> Timestamp,
        claimed_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    playlists (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        shuffle -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    playlist_items (playlist_id, position) {
        playlist_id -> Text,
        position -> Integer,
        tenant_id -> Text,
        asset_id -> Text,
        duration -> Nullable<Integer>,
    }
}

diesel::table! {
    schedules (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        playlist_id -> Text,
        targets -> Text,
        start_date -> Nullable<Timestamp>,
        end_date -> Nullable<Timestamp>,
        play_days -> Text,
        play_time_from -> Nullable<Text>,
        play_time_to -> Nullable<Text>,
        priority -> Integer,
        is_enabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    interrupts (id) {
        id -> Text,
        tenant_id -> Text,
        targets -> Text,
        asset_id -> Nullable<Text>,
        message -> Nullable<Text>,
        until -> Nullable<Timestamp>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    play_daily (tenant_id, day, asset_id, screen_id, schedule_id) {
        tenant_id -> Text,
        day -> Text,
        asset_id -> Text,
        screen_id -> Text,
        schedule_id -> Text,
        plays -> BigInt,
        seconds -> BigInt,
        last_at -> Timestamp,
    }
}

diesel::table! {
    screen_uptime (tenant_id, screen_id, day) {
        tenant_id -> Text,
        screen_id -> Text,
        day -> Text,
        online_seconds -> Integer,
    }
}

diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(memberships -> tenants (tenant_id));
diesel::table! {
    subscriptions (tenant_id) {
        tenant_id -> Text,
        stripe_customer_id -> Nullable<Text>,
        stripe_subscription_id -> Nullable<Text>,
        stripe_item_id -> Nullable<Text>,
        plan -> Nullable<Text>,
        status -> Text,
        current_period_end -> Nullable<Timestamp>,
        cancel_at_period_end -> Bool,
        trial_end -> Nullable<Timestamp>,
        past_due_since -> Nullable<Timestamp>,
        event_at -> Nullable<Timestamp>,
        payment_event_at -> Nullable<Timestamp>,
        had_trial -> Bool,
        grace_mailed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    invoices (id) {
        id -> Text,
        tenant_id -> Text,
        number -> Nullable<Text>,
        created_at -> Timestamp,
        amount_due -> BigInt,
        amount_paid -> BigInt,
        currency -> Text,
        status -> Text,
        hosted_invoice_url -> Nullable<Text>,
        invoice_pdf -> Nullable<Text>,
        event_at -> Timestamp,
    }
}

diesel::table! {
    stripe_events (id) {
        id -> Text,
        #[sql_name = "type"]
        kind -> Text,
        created_at -> Timestamp,
        tenant_id -> Nullable<Text>,
        payload -> Text,
        state -> Text,
        note -> Nullable<Text>,
        received_at -> Timestamp,
        applied_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    usage_reports (tenant_id, period) {
        tenant_id -> Text,
        period -> Text,
        asset_count -> BigInt,
        storage_bytes -> BigInt,
        api_calls -> BigInt,
        active_screens -> BigInt,
        plays -> BigInt,
        created_at -> Timestamp,
        reported_to_stripe_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_usage (tenant_id, period) {
        tenant_id -> Text,
        period -> Text,
        calls -> BigInt,
    }
}

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
    screen_groups,
    screens,
    screen_pairings,
    playlists,
    playlist_items,
    schedules,
    interrupts,
    screen_uptime,
    play_daily,
    subscriptions,
    invoices,
    stripe_events,
    usage_reports,
    api_usage,
);
