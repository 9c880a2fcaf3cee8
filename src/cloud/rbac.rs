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

/// Every permission a route can require.
pub const PERMISSIONS: &[&str] = &[
    "assets.view",
    "assets.create",
    "assets.edit",
    "assets.delete",
    "assets.share",
    "layouts.view",
    "layouts.create",
    "layouts.edit",
    "layouts.delete",
    "devices.view",
    "devices.manage",
    "users.view",
    "users.invite",
    "users.manage",
    "tenant.settings",
    "tenant.billing",
    "tenant.analytics",
    "apikeys.manage",
];

/// The roles and what each may do (the same in every tenant).
pub const ROLES: &[(&str, &[&str])] = &[
    ("tenant_admin", &["*"]),
    ("content_manager", &["assets.*", "layouts.*"]),
    (
        "device_operator",
        &["assets.view", "layouts.view", "devices.*"],
    ),
    ("viewer", &["assets.view", "layouts.view"]),
];

/// Whether `role` names a role.
pub fn is_role(role: &str) -> bool {
    ROLES.iter().any(|(r, _)| *r == role)
}

/// Whether `permission` names a permission.
pub fn is_permission(permission: &str) -> bool {
    PERMISSIONS.contains(&permission)
}

/// A subject's standing in one tenant, as its database row says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: String,
    pub extra: Vec<String>,
}

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
        let stale = self.known().get(&key) != Some(grant);
        if stale {
            self.sync(subject, tenant, grant).await?;
            self.known().insert(key, grant.clone());
        }
        let enforcer = self.enforcer.read().await;
        enforcer
            .enforce((subject, tenant, permission))
            .map_err(|e| Error::Internal(format!("authorisation check failed: {e}")))
    }

    /// Forgets a subject in a tenant (member removed, key revoked).
    pub async fn forget(&self, subject: &str, tenant: &str) -> Result<(), Error> {
        self.known()
            .remove(&(subject.to_string(), tenant.to_string()));
        self.sync(
            subject,
            tenant,
            &Grant {
                role: String::new(),
                extra: vec![],
            },
        )
        .await
    }

    async fn sync(&self, subject: &str, tenant: &str, grant: &Grant) -> Result<(), Error> {
        let fail = |e: casbin::Error| Error::Internal(format!("authorisation update: {e}"));
        let mut e = self.enforcer.write().await;
        let groupings: Vec<Vec<String>> = e
            .get_grouping_policy()
            .into_iter()
            .filter(|g| {
                g.first().map(String::as_str) == Some(subject)
                    && g.get(2).map(String::as_str) == Some(tenant)
            })
            .collect();
        if !groupings.is_empty() {
            e.remove_grouping_policies(groupings).await.map_err(fail)?;
        }
        let extras: Vec<Vec<String>> = e
            .get_policy()
            .into_iter()
            .filter(|p| {
                p.first().map(String::as_str) == Some(subject)
                    && p.get(1).map(String::as_str) == Some(tenant)
            })
            .collect();
        if !extras.is_empty() {
            e.remove_policies(extras).await.map_err(fail)?;
        }
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
