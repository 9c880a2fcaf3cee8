// Cloud mode (many tenants, accounts and roles): sign-in or the e-mailed link pages when
// signed out, else the pages the role allows, the organisation and user in the header, and
// live updates from the event stream (it takes the media cookie, see cloudSession.ts).
import { useEffect, useState } from "preact/hooks";
import { can, useMe } from "./account";
import type { Permission } from "./cloudApi";
import { v3 } from "./cloudApi";
import { signOut, startCloudSession, useCloudSession } from "./cloudSession";
import { errorText, toast } from "./components";
import { mailOff, useMailStatus } from "./mailStatus";
import { AddContentPage } from "./pages/AddContent";
import { ApiKeysPage } from "./pages/ApiKeys";
import { BillingPage } from "./pages/Billing";
import { CalendarPage } from "./pages/Calendar";
import { AcceptInvitePage, ResetPasswordPage, VerifyEmailPage } from "./pages/EmailLinks";
import { InterruptBanner, InterruptButton, watchInterrupts } from "./pages/Interrupt";
import { PlaylistsPage } from "./pages/Playlists";
import { ReportsPage } from "./pages/Reports";
import { SchedulePage } from "./pages/Schedule";
import { ADD_PATH, ScreensPage } from "./pages/Screens";
import { SettingsPage } from "./pages/Settings";
import { SignInPage } from "./pages/SignIn";
import { TeamPage } from "./pages/Team";
import { navigate, usePath } from "./router";
import { type Page, Shell } from "./shell";
import { loadAssets, loadSettings, startLive, stopLive } from "./store";

/** Pages with the permission that shows them (none: every member). */
const PAGES: (Page & { need?: Permission })[] = [
  { path: "/", title: "Schedule", view: SchedulePage, nav: "Schedule" },
  { path: "/playlists", title: "Playlists", view: PlaylistsPage, nav: "Playlists", need: "assets.view" },
  { path: "/calendar", title: "Calendar", view: CalendarPage, nav: "Calendar", need: "assets.view" },
  { path: "/add", title: "Add content", view: AddContentPage, nav: "Add", need: "assets.create" },
  { path: "/screens", title: "Screens", view: ScreensPage, nav: "Screens", need: "devices.view" },
  { path: "/reports", title: "Reports", view: ReportsPage, nav: "Reports", need: "tenant.analytics" },
  // A screen's QR code: the Screens page with "Add screen" open and the code filled in.
  { path: ADD_PATH, title: "Add screen", view: ScreensPage, need: "devices.view" },
  { path: "/team", title: "Team", view: TeamPage, nav: "Team", need: "users.view" },
  { path: "/api-keys", title: "API keys", view: ApiKeysPage, nav: "API keys", need: "apikeys.manage" },
  { path: "/billing", title: "Billing", view: BillingPage, nav: "Billing", need: "tenant.billing" },
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

/**
 * The address a signed-out visitor came to (e.g. /screens/add?code=K7Q2XM from a screen's QR
 * code), kept for this tab while they sign in or sign up (which leaves it for /signup).
 */
const RETURN_KEY = "signate.after_sign_in";

function rememberReturn(path: string): void {
  if (path === "/" || SIGNED_OUT_PATHS.includes(path) || LINK_PAGES.some((p) => p.path === path)) return;
  try {
    sessionStorage.setItem(RETURN_KEY, location.pathname + location.search);
  } catch {
    // no storage: the visitor lands on the schedule
  }
}

/** The remembered address (once), if it is one of this app's own paths. */
function takeReturn(): string | null {
  try {
    const p = sessionStorage.getItem(RETURN_KEY);
    sessionStorage.removeItem(RETURN_KEY);
    return p && /^\/(?![/\\])/.test(p) ? p : null;
  } catch {
    return null;
  }
}

function VerifyNotice(props: { email: string }) {
  const [busy, setBusy] = useState(false);
  const mail = useMailStatus();
  if (mailOff(mail)) {
    // Nothing was sent, and asking again sends nothing either.
    return (
      <p class="notice banner" role="status">
        Your e-mail address {props.email} is not confirmed yet. This server cannot send e-mail, so no confirmation link was sent.
      </p>
    );
  }
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
            const r = await v3.resendVerification();
            toast(r.status, r.email_sent === false ? "bad" : "ok");
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
  useEffect(() => {
    if (session.phase === "out") rememberReturn(path);
  }, [session.phase, path]);
  const who = me ? `${me.user?.id ?? ""}@${me.tenant.id}` : "";
  useEffect(() => {
    if (!signedIn) return;
    void loadAssets();
    void loadSettings();
    startLive();
    const unwatch = watchInterrupts();
    const back = takeReturn();
    if (back && (path === "/" || SIGNED_OUT_PATHS.includes(path))) navigate(back, true);
    else if (SIGNED_OUT_PATHS.includes(path)) navigate("/", true);
    // Someone else (another tab's sign-in) gets a stream of their own tenant.
    return () => {
      unwatch();
      stopLive();
    };
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
      notice={
        <>
          {user && !user.email_verified ? <VerifyNotice email={user.email} /> : null}
          <InterruptBanner />
        </>
      }
      right={
        <>
          <InterruptButton />
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
