// Whether this cloud server can send e-mail (GET /api/v3/status), asked once per page load:
// pages that would say "we sent you a link" ask it first, so they never say it untruthfully.
import { useEffect, useState } from "preact/hooks";
import { type ServerStatus, v3 } from "./cloudApi";

type Email = ServerStatus["email"];

let asked: Promise<Email | null> | null = null;

/** The e-mail status; null while unknown (or when it could not be read). */
export function mailStatus(): Promise<Email | null> {
  asked ??= v3.status().then(
    (s) => s.email,
    () => {
      asked = null; // asked again next time
      return null;
    },
  );
  return asked;
}

export function useMailStatus(): Email | null {
  const [s, setS] = useState<Email | null>(null);
  useEffect(() => {
    let live = true;
    void mailStatus().then((x) => live && setS(x));
    return () => {
      live = false;
    };
  }, []);
  return s;
}

/** Whether e-mail is off for sure (so links must be handed over by hand). */
export function mailOff(s: Email | null): boolean {
  return s?.state === "not_configured";
}
