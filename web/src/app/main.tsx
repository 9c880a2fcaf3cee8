// App shell: session check, navigation, theme, live updates and the page for the URL.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, setUnauthorizedHandler, type Session } from "./api";
import { Link, Toasts, errorText } from "./components";
import { AddContentPage } from "./pages/AddContent";
import { LoginPage } from "./pages/Login";
import { SchedulePage } from "./pages/Schedule";
import { SettingsPage } from "./pages/Settings";
import { SystemPage } from "./pages/System";
import { navigate, usePath } from "./router";
import { loadAssets, loadSettings, setSessionHandler, startLive, stopLive } from "./store";
import "./styles.css";

type Theme = "light" | "dark";
const THEME_KEY = "signate.theme";

function initialTheme(): Theme {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === "light" || saved === "dark") return saved;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

/** Pages by path; cloud pages can be added here later. */
const PAGES: { path: string; title: string; view: () => preact.JSX.Element; nav?: string }[] = [
  { path: "/", title: "Schedule", view: SchedulePage, nav: "Schedule" },
  { path: "/add", title: "Add content", view: AddContentPage, nav: "Add" },
  { path: "/settings", title: "Settings", view: SettingsPage, nav: "Settings" },
  { path: "/system", title: "System", view: SystemPage, nav: "System" },
];

function App() {
  const path = usePath();
  const [session, setSession] = useState<Session | null>(null);
  const [sessionErr, setSessionErr] = useState<string | null>(null);
  const [theme, setTheme] = useState<Theme>(initialTheme);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

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
  const View = page?.view;
  return (
    <div key="app">
      <a href="#content" class="skip">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand">
          Signate
        </Link>
        <nav aria-label="Main">
          {PAGES.filter((p) => p.nav).map((p) => (
            <Link href={p.path} current={p.path === path}>
              {p.nav}
            </Link>
          ))}
        </nav>
        <div class="top-right">
          <button
            type="button"
            class="icon"
            aria-label={theme === "dark" ? "Use light theme" : "Use dark theme"}
            title="Switch theme"
            onClick={() => {
              const t = theme === "dark" ? "light" : "dark";
              localStorage.setItem(THEME_KEY, t);
              setTheme(t);
            }}
          >
            {theme === "dark" ? "☀" : "☾"}
          </button>
          {session.auth_required ? (
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
          ) : null}
        </div>
      </header>
      <main class="content" id="content">
        {View ? (
          <View />
        ) : (
          <div>
            <h1>Page not found</h1>
            <Link href="/">Back to the schedule</Link>
          </div>
        )}
      </main>
    </div>
  );
}

render(<App />, document.getElementById("app") as HTMLElement);
// Toasts live in their own root so they survive the app switching to the login page and back.
const toastRoot = document.body.appendChild(document.createElement("div"));
render(<Toasts />, toastRoot);
