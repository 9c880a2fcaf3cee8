// The frame around every signed-in page: skip link, header (brand, navigation, theme switch and
// whatever the mode adds on the right), an optional notice, and the page for the URL.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Link } from "./components";

export interface Page {
  path: string;
  title: string;
  view: () => preact.JSX.Element;
  nav?: string;
}

type Theme = "light" | "dark";
const THEME_KEY = "signate.theme";

function initialTheme(): Theme {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === "light" || saved === "dark") return saved;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function Shell(props: { pages: Page[]; path: string; right?: ComponentChildren; notice?: ComponentChildren }) {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const page = props.pages.find((p) => p.path === props.path) ?? null;
  const View = page?.view;
  return (
    <div>
      <a href="#content" class="skip">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand">
          Signate
        </Link>
        <nav aria-label="Main">
          {props.pages
            .filter((p) => p.nav)
            .map((p) => (
              <Link href={p.path} current={p.path === props.path || props.path.startsWith(`${p.path}/`)}>
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
          {props.right}
        </div>
      </header>
      {props.notice}
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
