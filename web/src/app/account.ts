// Who uses the app and what they may do. Device mode: one operator who may do everything.
// Cloud mode: the signed-in member (GET /api/v3/auth/me) and the permissions of their role.
import { useEffect, useState } from "preact/hooks";
import type { Me, Permission } from "./cloudApi";

let cloud = false;
let me: Me | null = null;
const listeners = new Set<(m: Me | null) => void>();

export function setCloud(): void {
  cloud = true;
}

/** Whether the server runs in cloud mode (many tenants, accounts, roles). */
export function isCloud(): boolean {
  return cloud;
}

export function setMe(m: Me | null): void {
  me = m;
  for (const l of listeners) l(me);
}

export function currentMe(): Me | null {
  return me;
}

export function useMe(): Me | null {
  const [m, setM] = useState(me);
  useEffect(() => {
    listeners.add(setM);
    setM(me);
    return () => listeners.delete(setM);
  }, []);
  return m;
}

/** Whether the user may do `p`: always on a device; in the cloud, as the role allows. */
export function can(p: Permission): boolean {
  return !cloud || (me?.permissions.includes(p) ?? false);
}
