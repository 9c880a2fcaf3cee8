// Typed calls to API v3 (cloud mode: accounts, team, API keys, the tenant). The contract is
// openapi/v3.json; errors arrive as ApiError with `fields[error.field]` set.
import { call } from "./api";

// Roles and permissions come from the server's one list (src/domain/permission.rs).
import type { Permission, Role } from "./permissions.gen";
export type { Permission, Role } from "./permissions.gen";

export const ROLES: { role: Role; label: string; hint: string }[] = [
  { role: "viewer", label: "Viewer", hint: "sees the content" },
  { role: "content_manager", label: "Content manager", hint: "adds, changes and removes content" },
  { role: "device_operator", label: "Device operator", hint: "sees the content, runs the screens" },
  { role: "tenant_admin", label: "Admin", hint: "everything, including the team and API keys" },
];

export function roleLabel(r: string): string {
  return ROLES.find((x) => x.role === r)?.label ?? r;
}

export interface User {
  id: string;
  email: string;
  name: string;
  email_verified: boolean;
}

export interface TenantRef {
  id: string;
  slug: string;
  name: string;
}

/** What became of an e-mail a request meant to send: `email_reason` says why not. */
export interface MailResult {
  email_sent: boolean;
  email_reason?: string;
}

export interface TokenBody {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
  user: User;
  tenant: TenantRef;
  role: Role;
  /** Sign-up only: whether the confirmation e-mail went out. */
  email_sent?: boolean;
  email_reason?: string;
}

export interface Me {
  user: User | null;
  api_key?: { id: string; name: string } | null;
  tenant: TenantRef;
  role: Role;
  permissions: Permission[];
}

export interface Member {
  id: string;
  email: string;
  name: string;
  role: Role;
  permissions: Permission[];
  email_verified: boolean;
  joined_at: string;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  expires_at: string;
}

/** A new (or resent) invitation; `link` only when no e-mail went out and we manage users. */
export interface InvitationSent extends Invitation, MailResult {
  link?: string;
}

/** A password reset link to hand to a member. */
export interface ResetLink {
  link: string;
  expires_at: string;
}

/** Whether the server's e-mail works (`GET /api/v3/status`). */
export interface ServerStatus {
  email: { state: "ok" | "not_configured" | "unreachable"; message: string };
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
}

export interface ApiKeyCreated extends ApiKey {
  key: string;
}

export interface Tenant {
  id: string;
  slug: string;
  name: string;
  domain: string | null;
  plan: string;
  max_devices: number;
  max_users: number;
  storage_quota_bytes: number;
  storage_used_bytes: number;
  member_count: number;
}

export interface Signup {
  email: string;
  password: string;
  name: string;
  tenant_name: string;
  tenant_slug: string;
}

type Items<T> = { items: T[] };
type Status = { status: string };
type MailAck = Status & MailResult;
const open = { open: true };
const id = (s: string) => encodeURIComponent(s);

export const v3 = {
  signup: (b: Signup) => call<TokenBody>("POST", "/api/v3/auth/signup", b, open),
  login: (email: string, password: string) => call<TokenBody>("POST", "/api/v3/auth/login", { email, password }, open),
  refresh: (refresh_token: string) => call<TokenBody>("POST", "/api/v3/auth/refresh", { refresh_token }, open),
  logout: () => call<null>("POST", "/api/v3/auth/logout"),
  me: () => call<Me>("GET", "/api/v3/auth/me"),
  mediaCookie: () => call<null>("POST", "/api/v3/auth/media-cookie"),
  forgotPassword: (email: string) => call<MailAck>("POST", "/api/v3/auth/forgot-password", { email }, open),
  resetPassword: (token: string, password: string) => call<Status>("POST", "/api/v3/auth/reset-password", { token, password }, open),
  verifyEmail: (token: string) => call<Status>("POST", "/api/v3/auth/verify-email", { token }, open),
  resendVerification: () => call<Status & Partial<MailResult>>("POST", "/api/v3/auth/resend-verification"),
  status: () => call<ServerStatus>("GET", "/api/v3/status"),
  acceptInvite: (token: string, password: string, name?: string) =>
    call<TokenBody>("POST", "/api/v3/auth/accept-invite", name ? { token, password, name } : { token, password }, open),

  members: () => call<Items<Member>>("GET", "/api/v3/users").then((r) => r.items),
  invitations: () => call<Items<Invitation>>("GET", "/api/v3/users/invitations").then((r) => r.items),
  invite: (email: string, role: Role) => call<InvitationSent>("POST", "/api/v3/users/invite", { email, role }),
  resendInvitation: (invitationId: string) => call<InvitationSent>("POST", `/api/v3/users/invitations/${id(invitationId)}/resend`),
  resetLink: (userId: string) => call<ResetLink>("POST", `/api/v3/users/${id(userId)}/reset-link`),
  setRole: (userId: string, role: Role) => call<Member>("PATCH", `/api/v3/users/${id(userId)}`, { role }),
  removeMember: (userId: string) => call<null>("DELETE", `/api/v3/users/${id(userId)}`),
  cancelInvitation: (invitationId: string) => call<null>("DELETE", `/api/v3/users/invitations/${id(invitationId)}`),

  apiKeys: () => call<Items<ApiKey>>("GET", "/api/v3/api-keys").then((r) => r.items),
  createApiKey: (name: string, role: Role) => call<ApiKeyCreated>("POST", "/api/v3/api-keys", { name, role }),
  revokeApiKey: (keyId: string) => call<null>("DELETE", `/api/v3/api-keys/${id(keyId)}`),

  tenant: () => call<Tenant>("GET", "/api/v3/tenants/current"),
  updateTenant: (p: { name?: string; domain?: string | null }) => call<Tenant>("PATCH", "/api/v3/tenants/current", p),
};

/** The server's mode from `GET /healthz`; a server too old to say is a device. */
export async function serverMode(): Promise<"device" | "cloud"> {
  try {
    const r = await fetch("/healthz", { credentials: "same-origin" });
    const b = (await r.json()) as { mode?: string };
    return b.mode === "cloud" ? "cloud" : "device";
  } catch {
    return "device";
  }
}
