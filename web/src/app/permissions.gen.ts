// Generated from src/domain/permission.rs by `cargo test` (SIGNATE_BLESS=1 rewrites it); do not edit.
export type Role =
  | "tenant_admin"
  | "content_manager"
  | "device_operator"
  | "viewer";

export type Permission =
  | "assets.view"
  | "assets.create"
  | "assets.edit"
  | "assets.delete"
  | "assets.share"
  | "layouts.view"
  | "layouts.create"
  | "layouts.edit"
  | "layouts.delete"
  | "devices.view"
  | "devices.manage"
  | "screens.interrupt"
  | "users.view"
  | "users.invite"
  | "users.manage"
  | "tenant.settings"
  | "tenant.billing"
  | "tenant.analytics"
  | "apikeys.manage";
