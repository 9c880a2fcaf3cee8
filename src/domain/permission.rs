//! The one list of permissions and roles. Casbin's policies (`cloud::rbac`), the v3 route
//! guards (`Allowed<perm::…>`), the Anthias routes' guard in cloud mode and the web app's role
//! checks (`web/src/app/permissions.gen.ts`, generated from here by a test) all come from it.

/// A permission type for route guards: `Allowed<perm::AssetsView>`.
pub trait Required {
    const PERMISSION: Permission;
}

macro_rules! permissions {
    ($($ty:ident => $name:literal),* $(,)?) => {
        /// Something a credential may be allowed to do in its tenant.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Permission { $($ty),* }

        impl Permission {
            /// Every permission, in a stable order.
            pub const ALL: &'static [Permission] = &[$(Permission::$ty),*];

            /// The permission's name (`assets.view`), as Casbin, the API and the web app use it.
            pub const fn as_str(self) -> &'static str {
                match self { $(Permission::$ty => $name),* }
            }
        }

        /// One type per permission, for route guards.
        pub mod perm {
            $(
                #[doc = concat!("`", $name, "`")]
                pub struct $ty;
                impl super::Required for $ty {
                    const PERMISSION: super::Permission = super::Permission::$ty;
                }
            )*
        }
    };
}

permissions! {
    AssetsView => "assets.view",
    AssetsCreate => "assets.create",
    AssetsEdit => "assets.edit",
    AssetsDelete => "assets.delete",
    AssetsShare => "assets.share",
    LayoutsView => "layouts.view",
    LayoutsCreate => "layouts.create",
    LayoutsEdit => "layouts.edit",
    LayoutsDelete => "layouts.delete",
    DevicesView => "devices.view",
    DevicesManage => "devices.manage",
    ScreensInterrupt => "screens.interrupt",
    UsersView => "users.view",
    UsersInvite => "users.invite",
    UsersManage => "users.manage",
    TenantSettings => "tenant.settings",
    TenantBilling => "tenant.billing",
    TenantAnalytics => "tenant.analytics",
    ApiKeysManage => "apikeys.manage",
}

impl Permission {
    /// The permission named `name`.
    pub fn parse(name: &str) -> Option<Permission> {
        Permission::ALL.iter().copied().find(|p| p.as_str() == name)
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The roles and the permission patterns each grants (the same in every tenant); `assets.*`
/// covers every `assets.` permission, `*` everything.
pub const ROLES: &[(&str, &[&str])] = &[
    ("tenant_admin", &["*"]),
    ("content_manager", &["assets.*", "layouts.*"]),
    (
        "device_operator",
        &[
            "assets.view",
            "layouts.view",
            "devices.*",
            "screens.interrupt",
        ],
    ),
    ("viewer", &["assets.view", "layouts.view"]),
];

/// A credential's standing in one tenant, as its database row says: a role and extra
/// permissions granted one by one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: String,
    pub extra: Vec<String>,
}

/// Whether `role` names a role.
pub fn is_role(role: &str) -> bool {
    ROLES.iter().any(|(r, _)| *r == role)
}

/// The permissions a role grants.
pub fn permissions_of(role: &str) -> Vec<Permission> {
    let Some((_, patterns)) = ROLES.iter().find(|(r, _)| *r == role) else {
        return Vec::new();
    };
    Permission::ALL
        .iter()
        .copied()
        .filter(|p| {
            let p = p.as_str();
            patterns.iter().any(|pat| {
                *pat == "*"
                    || *pat == p
                    || pat
                        .strip_suffix('*')
                        .is_some_and(|prefix| p.starts_with(prefix))
            })
        })
        .collect()
}

/// The TypeScript the web app's role checks are typed with.
pub fn typescript() -> String {
    let quoted = |names: Vec<&str>| {
        names
            .iter()
            .map(|n| format!("\n  | \"{n}\""))
            .collect::<String>()
    };
    format!(
        "// Generated from src/domain/permission.rs by `cargo test` (SIGNATE_BLESS=1 rewrites it); do not edit.\n\
         export type Role ={};\n\nexport type Permission ={};\n",
        quoted(ROLES.iter().map(|(r, _)| *r).collect()),
        quoted(Permission::ALL.iter().map(|p| p.as_str()).collect()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(*p));
        }
        let mut names: Vec<_> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Permission::ALL.len());
    }

    #[test]
    fn roles_grant_what_they_say() {
        assert_eq!(permissions_of("tenant_admin").len(), Permission::ALL.len());
        assert!(permissions_of("content_manager").contains(&Permission::AssetsDelete));
        assert!(!permissions_of("content_manager").contains(&Permission::UsersView));
        assert_eq!(
            permissions_of("viewer"),
            vec![Permission::AssetsView, Permission::LayoutsView]
        );
        assert!(permissions_of("nobody").is_empty());
    }

    /// The web app's copy is generated from this list; a change here must reach it.
    #[test]
    fn the_web_app_types_are_generated_from_this_list() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/web/src/app/permissions.gen.ts"
        );
        let want = typescript();
        if std::env::var_os("SIGNATE_BLESS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "{path} is stale: run `SIGNATE_BLESS=1 cargo test --lib permission` and commit it"
        );
    }
}
