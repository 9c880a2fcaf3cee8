// Device mode (one screen, Anthias-compatible, plus the LAN's screens that pair with it):
// session check, the login page when the password is on, live updates from the event stream,
// and the device's pages.
import { useEffect, useState } from "preact/hooks";
import { api, setUnauthorizedHandler, type Session } from "./api";
import { errorText } from "./components";
import { AddContentPage } from "./pages/AddContent";
import { LoginPage } from "./pages/Login";
import { SchedulePage } from "./pages/Schedule";
import { ADD_PATH, ScreensPage } from "./pages/Screens";
import { SettingsPage } from "./pages/Settings";
import { SystemPage } from "./pages/System";
import { navigate, usePath } from "./router";
import { type Page, Shell } from "./shell";
import { loadAssets, loadSettings, setSessionHandler, startLive, stopLive } from "./store";

const PAGES: Page[] = [
  { path: "/", title: "Schedule", view: SchedulePage, nav: "Schedule" },
  { path: "/add", title: "Add content", view: AddContentPage, nav: "Add" },
  // Other screens of the LAN that paired with this device (its own kiosk is not listed).
  { path: "/screens", title: "Screens", view: ScreensPage, nav: "Screens" },
  // A screen's QR code: the Screens page with "Add screen" open and the code filled in.
  { path: ADD_PATH, title: "Add screen", view: ScreensPage },
  { path: "/settings", title: "Settings", view: SettingsPage, nav: "Settings" },
  { path: "/system", title: "System", view: SystemPage, nav: "System" },
];

export function DeviceApp() {
  const path = usePath();
  const [session, setSession] = useState<Session | null>(null);
  const [sessionErr, setSessionErr] = useState<string | null>(null);

  async function checkSession() {
    try {
      const s = await api.session();
      setSession(s);
      setSessionErr(null);
    } catch (e) {
      setSessionErr(errorText(e));
    }
  }

  useEffect(() => {
    const signedOut = () => {
      stopLive();
      setSession((s) => ({ auth_required: true, authenticated: false, username: s?.username ?? "" }));
    };
    setUnauthorizedHandler(signedOut);
    setSessionHandler((s) => {
      if (s.auth_required && !s.authenticated) stopLive();
      setSession(s);
    });
    void checkSession();
  }, []);

  const signedIn = session !== null && (!session.auth_required || session.authenticated);
  useEffect(() => {
    if (!signedIn) return;
    void loadAssets();
    void loadSettings();
    startLive();
    if (path === "/login") navigate("/", true);
  }, [signedIn]);

  const page = PAGES.find((p) => p.path === path) ?? null;
  useEffect(() => {
    document.title = `${page?.title ?? (signedIn ? "Not found" : "Sign in")} · Signate`;
  }, [page, signedIn]);

  if (session === null) {
    return <main class="content">{sessionErr ? <p class="error">Cannot reach the device: {sessionErr}</p> : <p class="muted">Loading…</p>}</main>;
  }
  if (!signedIn) {
    return (
      <div key="login">
        <LoginPage onDone={() => void checkSession()} />
      </div>
    );
  }
  return (
    <Shell
      key="app"
      pages={PAGES}
      path={path}
      right={
        session.auth_required ? (
          <button
            type="button"
            class="link"
            onClick={async () => {
              await api.logout().catch(() => {});
              stopLive();
              setSession({ auth_required: true, authenticated: false, username: "" });
            }}
          >
            Sign out
          </button>
        ) : null
      }
    />
  );
}
