//! Roles and permissions, decided by Casbin (RBAC with domains: a domain is a tenant).
//!
//! The model and the role definitions are compiled into the binary; who holds which role in
//! which tenant comes from the `memberships` and `api_keys` rows. Those rows are read on every
//! request anyway (to see that the member or key still exists), so the enforcer is brought up
//! to date from them lazily: [`Rbac::check`] replaces a subject's grouping and extra policies
//! whenever the row it was given differs from what the enforcer last saw. Every instance
//! behind a load balancer thereby decides from the database, never from a stale copy.

use std::collections::HashMap;

use casbin::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi};
use tokio::sync::RwLock;

use crate::error::Error;

/// The Casbin model: a request (subject, tenant, permission) is allowed when the subject has a
/// role in that tenant whose policy matches the permission (`assets.*` covers `assets.view`),
/// or holds the permission itself in that tenant (extra per-member grants).
const MODEL: &str = r#"
[request_definition]
r = sub, dom, obj

[policy_definition]
p = sub, dom, obj

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && (p.dom == "*" || p.dom == r.dom) && keyMatch(r.obj, p.obj)
"#;

use crate::domain::permission::{self, Permission};
pub use crate::domain::permission::{ROLES, is_role};

/// Whether `permission` names a permission.
pub fn is_permission(permission: &str) -> bool {
    Permission::parse(permission).is_some()
}

/// The names of the permissions a role grants.
pub fn permissions_of(role: &str) -> Vec<&'static str> {
    permission::permissions_of(role)
        .into_iter()
        .map(Permission::as_str)
        .collect()
}

/// Whether someone holding `actor` (role and effective permissions) may hand out `role` with
/// `extra` permissions, or change a member who holds `target_role`: never more than they hold
/// themselves, and only an admin makes or touches admins.
pub fn may_grant(
    actor_role: &str,
    actor_permissions: &[&str],
    role: &str,
    extra: &[String],
    target_role: Option<&str>,
) -> Result<(), String> {
    let admin = actor_role == "tenant_admin";
    if !admin && (role == "tenant_admin" || target_role == Some("tenant_admin")) {
        return Err("Only a tenant_admin may make, change or remove a tenant_admin.".into());
    }
    let wanted = permissions_of(role).into_iter().chain(
        extra
            .iter()
            .filter_map(|e| Permission::parse(e).map(Permission::as_str)),
    );
    for p in wanted {
        if !actor_permissions.contains(&p) {
            return Err(format!(
                "You cannot grant {p}, which you do not hold yourself."
            ));
        }
    }
    Ok(())
}

/// A subject's standing in one tenant, as its database row says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: String,
    pub extra: Vec<String>,
}

/// Subjects kept in the enforcer before it starts over.
const MAX_SUBJECTS: usize = 100_000;

/// The enforcer and what it was last told about each (subject, tenant).
pub struct Rbac {
    enforcer: RwLock<Enforcer>,
    known: std::sync::Mutex<HashMap<(String, String), Grant>>,
}

impl Rbac {
    /// Builds the enforcer with the compiled-in model and roles.
    pub async fn new() -> Result<Rbac, Error> {
        let fail = |e: casbin::Error| Error::Startup(format!("authorisation model: {e}"));
        let model = DefaultModel::from_str(MODEL).await.map_err(fail)?;
        let mut enforcer = Enforcer::new(model, MemoryAdapter::default())
            .await
            .map_err(fail)?;
        let policies = ROLES
            .iter()
            .flat_map(|(role, perms)| {
                perms
                    .iter()
                    .map(|p| vec![role_subject(role), "*".to_string(), p.to_string()])
            })
            .collect();
        enforcer.add_policies(policies).await.map_err(fail)?;
        Ok(Rbac {
            enforcer: RwLock::new(enforcer),
            known: Default::default(),
        })
    }

    /// Whether `subject` (e.g. `user:<id>`, `key:<id>`) holding `grant` in `tenant` may do
    /// `permission`.
    pub async fn check(
        &self,
        subject: &str,
        tenant: &str,
        grant: &Grant,
        permission: &str,
    ) -> Result<bool, Error> {
        let key = (subject.to_string(), tenant.to_string());
        let fail = |e: casbin::Error| Error::Internal(format!("authorisation check failed: {e}"));
        if self.known().get(&key) == Some(grant) {
            let enforcer = self.enforcer.read().await;
            // Still what we synced? (A request with a newer row may have changed it.)
            if self.known().get(&key) == Some(grant) {
                return enforcer
                    .enforce((subject, tenant, permission))
                    .map_err(fail);
            }
        }
        // Sync and decide under one lock, so no other request's row slips in between.
        let mut enforcer = self.enforcer.write().await;
        if self.known().len() >= MAX_SUBJECTS {
            // Subjects seen once (old keys, removed members) must not pile up for ever:
            // start over; active subjects come back on their next request.
            Self::reset(&mut enforcer).await?;
            self.known().clear();
        }
        Self::sync(&mut enforcer, subject, tenant, grant).await?;
        self.known().insert(key, grant.clone());
        enforcer
            .enforce((subject, tenant, permission))
            .map_err(fail)
    }

    /// Forgets a subject in a tenant (member removed, key revoked).
    pub async fn forget(&self, subject: &str, tenant: &str) -> Result<(), Error> {
        let mut enforcer = self.enforcer.write().await;
        self.known()
            .remove(&(subject.to_string(), tenant.to_string()));
        let none = Grant {
            role: String::new(),
            extra: vec![],
        };
        Self::sync(&mut enforcer, subject, tenant, &none).await
    }

    async fn reset(e: &mut Enforcer) -> Result<(), Error> {
        let fail = |e: casbin::Error| Error::Internal(format!("authorisation reset: {e}"));
        let subjects: Vec<String> = e
            .get_all_subjects()
            .into_iter()
            .filter(|s| !s.starts_with("role:"))
            .collect();
        for s in subjects {
            e.remove_filtered_policy(0, vec![s]).await.map_err(fail)?;
        }
        let grouped: Vec<String> = e
            .get_grouping_policy()
            .into_iter()
            .filter_map(|g| g.first().cloned())
            .collect();
        for s in grouped {
            e.remove_filtered_grouping_policy(0, vec![s])
                .await
                .map_err(fail)?;
        }
        Ok(())
    }

    async fn sync(
        e: &mut Enforcer,
        subject: &str,
        tenant: &str,
        grant: &Grant,
    ) -> Result<(), Error> {
        let fail = |e: casbin::Error| Error::Internal(format!("authorisation update: {e}"));
        // Filtered removal: the subject's rows in this tenant only, without copying the rest.
        e.remove_filtered_grouping_policy(
            0,
            vec![subject.to_string(), String::new(), tenant.to_string()],
        )
        .await
        .map_err(fail)?;
        e.remove_filtered_policy(0, vec![subject.to_string(), tenant.to_string()])
            .await
            .map_err(fail)?;
        if is_role(&grant.role) {
            e.add_grouping_policy(vec![
                subject.to_string(),
                role_subject(&grant.role),
                tenant.to_string(),
            ])
            .await
            .map_err(fail)?;
        }
        let extra: Vec<Vec<String>> = grant
            .extra
            .iter()
            .filter(|p| is_permission(p))
            .map(|p| vec![subject.to_string(), tenant.to_string(), p.clone()])
            .collect();
        if !extra.is_empty() {
            e.add_policies(extra).await.map_err(fail)?;
        }
        Ok(())
    }

    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Grant>> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn role_subject(role: &str) -> String {
    format!("role:{role}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: &str, extra: &[&str]) -> Grant {
        Grant {
            role: role.into(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[tokio::test]
    async fn roles_allow_what_the_issue_lists() {
        let rbac = Rbac::new().await.unwrap();
        let cases: &[(&str, &str, bool)] = &[
            ("tenant_admin", "apikeys.manage", true),
            ("tenant_admin", "tenant.billing", true),
            ("content_manager", "assets.share", true),
            ("content_manager", "layouts.delete", true),
            ("content_manager", "devices.view", false),
            ("content_manager", "users.invite", false),
            ("device_operator", "devices.manage", true),
            ("device_operator", "assets.view", true),
            ("device_operator", "assets.edit", false),
            ("viewer", "assets.view", true),
            ("viewer", "layouts.view", true),
            ("viewer", "assets.create", false),
            ("viewer", "users.view", false),
        ];
        for (i, (role, perm, allowed)) in cases.iter().enumerate() {
            let subject = format!("user:{i}");
            assert_eq!(
                rbac.check(&subject, "t1", &grant(role, &[]), perm)
                    .await
                    .unwrap(),
                *allowed,
                "{role} {perm}"
            );
        }
    }

    #[test]
    fn nobody_grants_more_than_they_hold() {
        assert_eq!(
            permissions_of("viewer"),
            vec!["assets.view", "layouts.view"]
        );
        assert_eq!(permissions_of("tenant_admin").len(), Permission::ALL.len());
        assert!(permissions_of("content_manager").contains(&"assets.share"));
        let cm = permissions_of("content_manager");
        let mut with_users = cm.clone();
        with_users.push("users.manage");
        // A content manager with users.manage may make viewers and content managers…
        assert!(
            may_grant(
                "content_manager",
                &with_users,
                "viewer",
                &[],
                Some("viewer")
            )
            .is_ok()
        );
        assert!(may_grant("content_manager", &with_users, "content_manager", &[], None).is_ok());
        // …but not admins, not device operators (devices.* they lack), and not touch admins.
        assert!(may_grant("content_manager", &with_users, "tenant_admin", &[], None).is_err());
        assert!(may_grant("content_manager", &with_users, "device_operator", &[], None).is_err());
        assert!(
            may_grant(
                "content_manager",
                &with_users,
                "viewer",
                &[],
                Some("tenant_admin")
            )
            .is_err()
        );
        assert!(
            may_grant(
                "content_manager",
                &with_users,
                "viewer",
                &["apikeys.manage".into()],
                None
            )
            .is_err()
        );
        let all = permissions_of("tenant_admin");
        assert!(
            may_grant(
                "tenant_admin",
                &all,
                "tenant_admin",
                &["users.view".into()],
                Some("tenant_admin")
            )
            .is_ok()
        );
    }

    #[tokio::test]
    async fn grants_are_per_tenant_and_follow_the_row() {
        let rbac = Rbac::new().await.unwrap();
        let admin = grant("tenant_admin", &[]);
        assert!(
            rbac.check("user:a", "t1", &admin, "users.manage")
                .await
                .unwrap()
        );
        // The same user with no row in t2: nothing there, even though t1 made them admin.
        let none = grant("", &[]);
        assert!(
            !rbac
                .check("user:a", "t2", &none, "assets.view")
                .await
                .unwrap()
        );
        // Demoted in t1: the next check sees the new row.
        let viewer = grant("viewer", &["assets.share"]);
        assert!(
            !rbac
                .check("user:a", "t1", &viewer, "users.manage")
                .await
                .unwrap()
        );
        assert!(
            rbac.check("user:a", "t1", &viewer, "assets.share")
                .await
                .unwrap()
        );
        assert!(
            !rbac
                .check("user:a", "t1", &viewer, "assets.delete")
                .await
                .unwrap()
        );
        // An unknown extra permission grants nothing.
        let odd = grant("viewer", &["*"]);
        assert!(
            !rbac
                .check("user:b", "t1", &odd, "assets.delete")
                .await
                .unwrap()
        );
        rbac.forget("user:a", "t1").await.unwrap();
        assert!(
            !rbac
                .check("user:a", "t1", &none, "assets.view")
                .await
                .unwrap()
        );
    }
}
