// Cloud mode (many tenants, accounts and roles): sign-in or the e-mailed link pages when
// signed out, else the pages the role allows, the organisation and user in the header, and
// live updates from the event stream (it takes the media cookie, see cloudSession.ts).
import { useEffect, useState } from "preact/hooks";
import { can, useMe } from "./account";
import type { Permission } from "./cloudApi";
import { v3 } from "./cloudApi";
import { signOut, startCloudSession, useCloudSession } from "./cloudSession";
import { errorText, toast } from "./components";
import { AddContentPage } from "./pages/AddContent";
import { ApiKeysPage } from "./pages/ApiKeys";
import { AcceptInvitePage, ResetPasswordPage, VerifyEmailPage } from "./pages/EmailLinks";
import { SchedulePage } from "./pages/Schedule";
import { SettingsPage } from "./pages/Settings";
import { SignInPage } from "./pages/SignIn";
import { TeamPage } from "./pages/Team";
import { navigate, usePath } from "./router";
import { type Page, Shell } from "./shell";
import { loadAssets, loadSettings, startLive, stopLive } from "./store";

/** Pages with the permission that shows them (none: every member). */
const PAGES: (Page & { need?: Permission })[] = [
  { path: "/", title: "Schedule", view: SchedulePage, nav: "Schedule" },
  { path: "/add", title: "Add content", view: AddContentPage, nav: "Add", need: "assets.create" },
  { path: "/team", title: "Team", view: TeamPage, nav: "Team", need: "users.view" },
  { path: "/api-keys", title: "API keys", view: ApiKeysPage, nav: "API keys", need: "apikeys.manage" },
  { path: "/settings", title: "Settings", view: SettingsPage, nav: "Settings" },
];

/** Pages e-mailed links open; shown signed in or not. */
const LINK_PAGES: Page[] = [
  { path: "/reset-password", title: "New password", view: ResetPasswordPage },
  { path: "/verify-email", title: "Confirm your e-mail address", view: VerifyEmailPage },
  { path: "/accept-invite", title: "Join your team", view: AcceptInvitePage },
];

/** Sign-in's own paths; a signed-in user is sent home from them. */
const SIGNED_OUT_PATHS = ["/login", "/signup", "/forgot-password"];

function VerifyNotice(props: { email: string }) {
  const [busy, setBusy] = useState(false);
  return (
    <p class="notice banner" role="status">
      Please confirm your e-mail address: we sent a link to {props.email}.{" "}
      <button
        type="button"
        class="link"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            toast((await v3.resendVerification()).status);
          } catch (e) {
            toast(errorText(e), "bad");
          } finally {
            setBusy(false);
          }
        }}
      >
        Send it again
      </button>
    </p>
  );
}

export function CloudApp() {
  const path = usePath();
  const session = useCloudSession();
  const me = useMe();
  useEffect(() => void startCloudSession(), []);

  const signedIn = session.phase === "in" && me !== null;
  const who = me ? `${me.user?.id ?? ""}@${me.tenant.id}` : "";
  useEffect(() => {
    if (!signedIn) return;
    void loadAssets();
    void loadSettings();
    startLive();
    if (SIGNED_OUT_PATHS.includes(path)) navigate("/", true);
    // Someone else (another tab's sign-in) gets a stream of their own tenant.
    return stopLive;
  }, [signedIn, who]);

  const pages = PAGES.filter((p) => !p.need || can(p.need));
  const linkPage = LINK_PAGES.find((p) => p.path === path);
  const page = linkPage ?? pages.find((p) => p.path === path) ?? null;
  useEffect(() => {
    const title =
      page?.title ?? (signedIn ? "Not found" : path === "/signup" ? "Create an account" : path === "/forgot-password" ? "Reset your password" : "Sign in");
    document.title = `${title} · Signate`;
  }, [page, signedIn, path]);

  if (linkPage) {
    const View = linkPage.view;
    return (
      <div key="link">
        <View />
      </div>
    );
  }
  if (session.phase === "loading") {
    return (
      <main class="content">
        <p class="muted">Loading…</p>
      </main>
    );
  }
  if (!signedIn) {
    return (
      <div key="login">
        <SignInPage path={path} notice={session.notice} />
      </div>
    );
  }
  const user = me.user;
  return (
    <Shell
      key={`app-${who}`}
      pages={pages}
      path={path}
      notice={user && !user.email_verified ? <VerifyNotice email={user.email} /> : null}
      right={
        <>
          <span class="who" title={user ? `${user.email} · ${me.tenant.name}` : me.tenant.name}>
            <strong class="tenant-name">{me.tenant.name}</strong>
            <span class="user-name">{user?.name || user?.email || me.api_key?.name}</span>
          </span>
          <button type="button" class="link" onClick={() => void signOut().then(() => navigate("/", true))}>
            Sign out
          </button>
        </>
      }
    />
  );
}
