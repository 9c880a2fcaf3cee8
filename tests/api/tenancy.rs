//! Row-level security on PostgreSQL: a query without the tenant sees nothing; with tenant A,
//! only A's rows; writing B's row while A is set fails.

use diesel::prelude::*;
use diesel::sql_types::Text;
use signate::db::AnyConnection;
use signate::db::models::tenant::Tenant;
use signate::db::schema::settings;
use signate::tenancy::TenantScope;

use crate::helpers::{Backend, TestApp};

#[derive(QueryableByName, Debug)]
struct Row {
    #[diesel(sql_type = Text)]
    tenant_id: String,
}

fn put_setting(conn: &mut AnyConnection, scope: &TenantScope, key: &str) -> QueryResult<usize> {
    diesel::insert_into(settings::table)
        .values((
            settings::tenant_id.eq(scope.id()),
            settings::key.eq(key),
            settings::value.eq("v"),
            settings::updated_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(conn)
}

#[tokio::test]
async fn postgres_rls_hides_other_tenants_rows() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let db = &app.state.db;
    let a = app.tenant();
    let b = TenantScope::new(
        signate::tenancy::create(db, Tenant::new("tenant-b", "B"))
            .await
            .unwrap()
            .id,
    );
    for (scope, key) in [(&a, "a1"), (&a, "a2"), (&b, "b1")] {
        let s = scope.clone();
        let key = key.to_string();
        db.write(scope, move |c| Ok(put_setting(c, &s, &key)?))
            .await
            .unwrap();
    }

    let mut conn = db.conn().unwrap();
    let AnyConnection::Postgresql(pg) = &mut *conn else {
        panic!("postgres connection expected")
    };
    // Tenant unset: a raw SELECT with no filter returns nothing.
    let rows: Vec<Row> = diesel::sql_query("SELECT tenant_id FROM settings")
        .load(pg)
        .unwrap();
    assert!(rows.is_empty(), "unset tenant saw {rows:?}");

    // Tenant A set in the transaction: only A's rows, still without any filter.
    let rows: Vec<Row> = pg
        .transaction(|pg| {
            diesel::sql_query("SELECT set_config('app.current_tenant_id', $1, true)")
                .bind::<Text, _>(a.id())
                .execute(pg)?;
            diesel::sql_query("SELECT tenant_id FROM settings").load(pg)
        })
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.tenant_id == a.id()));

    // After that transaction the setting reads as '' and again hides everything.
    let rows: Vec<Row> = diesel::sql_query("SELECT tenant_id FROM settings")
        .load(pg)
        .unwrap();
    assert!(rows.is_empty(), "leaked past SET LOCAL: {rows:?}");

    // Writing another tenant's row while A is set is refused by WITH CHECK.
    let err = pg
        .transaction(|pg| {
            diesel::sql_query("SELECT set_config('app.current_tenant_id', $1, true)")
                .bind::<Text, _>(a.id())
                .execute(pg)?;
            diesel::sql_query("INSERT INTO settings (tenant_id, key, value, updated_at) VALUES ($1, 'x', 'v', now())")
                .bind::<Text, _>(b.id())
                .execute(pg)
        })
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");

    // The rows are really there: the owner (superuser, outside the app role) sees all three.
    let mut owner = PgConnection::establish(app.config.database_url.as_deref().unwrap()).unwrap();
    let all: Vec<Row> = diesel::sql_query("SELECT tenant_id FROM settings")
        .load(&mut owner)
        .unwrap();
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn postgres_requests_run_as_unprivileged_role() {
    let app = TestApp::spawn(Backend::Postgres).await;
    #[derive(QueryableByName)]
    struct Me {
        #[diesel(sql_type = Text)]
        role: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        privileged: bool,
    }
    let mut conn = app.state.db.conn().unwrap();
    let AnyConnection::Postgresql(pg) = &mut *conn else {
        panic!("postgres connection expected")
    };
    let me: Me = diesel::sql_query(
        "SELECT current_user::text AS role, rolsuper OR rolbypassrls AS privileged \
         FROM pg_roles WHERE rolname = current_user",
    )
    .get_result(pg)
    .unwrap();
    assert_eq!(me.role, "signate_app");
    assert!(!me.privileged);
}

#[tokio::test]
async fn postgres_server_migrates_an_empty_database() {
    // The other PostgreSQL tests start on a clone of a template the harness migrated; this one
    // starts on an empty database, as a new installation does, so the server's own start-up
    // path (migrations, then the app role's grants) stays covered.
    let app = TestApp::spawn(Backend::PostgresUnmigrated).await;
    let ready = app.get_json("/readyz", 200).await;
    assert_eq!(ready["checks"]["database"], "ok");
    let web = serde_json::json!({"name": "Web", "uri": "https://example.com", "start_date": "2020-01-01T00:00:00Z", "end_date": "2030-01-01T00:00:00Z", "duration": 10, "mimetype": "webpage", "is_enabled": true, "skip_asset_check": true});
    assert_eq!(app.post_json("/api/v2/assets", &web).await.status(), 201);
    let list = app.get_json("/api/v2/assets", 200).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    #[derive(QueryableByName)]
    struct Applied {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut owner = PgConnection::establish(app.config.database_url.as_deref().unwrap()).unwrap();
    let applied: Applied =
        diesel::sql_query("SELECT count(*) AS n FROM __diesel_schema_migrations")
            .get_result(&mut owner)
            .unwrap();
    let on_disk = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations_postgres"))
        .unwrap()
        .count();
    assert_eq!(applied.n, on_disk as i64);
}
