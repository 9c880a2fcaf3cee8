// Cloud mode's sign-in: the token keeper, who is signed in (me), and the ways in and out.
// The shell and the sign-in pages share it.
import { useEffect, useState } from "preact/hooks";
import { setMe, currentMe } from "./account";
import { setBearer, setUnauthorizedHandler } from "./api";
import { type TokenBody, v3 } from "./cloudApi";
import { live, resetStore } from "./store";
import { REFRESH_KEY, TokenKeeper, webLock } from "./tokens";

export type Phase = "loading" | "out" | "in";
interface State {
  phase: Phase;
  /** Said on the sign-in page: why the user is there (session ended, password changed). */
  notice: string;
}

let state: State = { phase: "loading", notice: "" };
const listeners = new Set<(s: State) => void>();

function set(next: State): void {
  state = next;
  for (const l of listeners) l(state);
}

export function useCloudSession(): State {
  const [s, setS] = useState(state);
  useEffect(() => {
    listeners.add(setS);
    setS(state);
    return () => listeners.delete(setS);
  }, []);
  return s;
}

export const keeper = new TokenKeeper({ refresh: v3.refresh, storage: localStorage, lock: webLock });

async function loadMe(): Promise<void> {
  setMe(await v3.me());
}

/** Gone without signing out (refresh refused, another tab signed out): back to sign-in. */
function lost(notice: string): void {
  if (state.phase === "out") return;
  resetStore();
  setMe(null);
  set({ phase: "out", notice });
}

/** Installs the bearer and resumes a stored sign-in; once, when the cloud app starts. */
export async function startCloudSession(): Promise<void> {
  setBearer(keeper);
  keeper.onLost = lost;
  keeper.onTokens = async (b) => {
    // <img>, <video> and the event stream reach the server through a cookie with the new
    // token; a stream that was refused for an expired one can open again now.
    await v3.mediaCookie().then(
      () => live.renewed(),
      () => {},
    );
    // Another tab may have signed in as someone else: follow it (after the cookie, so the
    // stream the app reopens for them is theirs).
    const m = currentMe();
    if (m && (m.user?.id !== b.user.id || m.tenant.id !== b.tenant.id)) await loadMe().catch(() => {});
  };
  // Reopening the stream after a refusal: a fresh cookie first (refreshing the token if it ran out).
  live.renew = () => v3.mediaCookie();
  setUnauthorizedHandler(() => lost("Your sign-in has ended; sign in again."));
  addEventListener("storage", (e) => {
    if ((e.key === REFRESH_KEY || e.key === null) && e.newValue === null && state.phase === "in") {
      keeper.forget();
      lost("You signed out in another tab.");
    }
  });
  if (!keeper.hasSession() || !(await keeper.refresh())) {
    if (state.phase === "loading") set({ phase: "out", notice: keeper.hasSession() ? "Cannot reach the server; try again." : "" });
    return;
  }
  await enter();
}

async function enter(): Promise<void> {
  try {
    await v3.mediaCookie().catch(() => {});
    await loadMe();
    set({ phase: "in", notice: "" });
  } catch (e) {
    endSession(`Could not open your account: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** After sign-in, sign-up or an accepted invitation: keep the tokens and open the app. */
export async function signedIn(b: TokenBody): Promise<void> {
  resetStore();
  keeper.start(b);
  await enter();
}

/** The sign-out button: ends the session on the server too. */
export async function signOut(notice = ""): Promise<void> {
  await v3.logout().catch(() => {});
  keeper.clear();
  resetStore();
  setMe(null);
  set({ phase: "out", notice });
}

/** The password was reset: every session of the user has ended on the server. */
export function endSession(notice: string): void {
  keeper.clear();
  resetStore();
  setMe(null);
  set({ phase: "out", notice });
}

export async function reloadMe(): Promise<void> {
  await loadMe().catch(() => {});
}
