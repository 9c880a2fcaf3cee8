// Cloud mode: the tenant's members (role, removal), invitations out, and the invite form.
// When the server cannot send e-mail the page says so, and hands an admin the invitation and
// password reset links to pass on by other means, instead of claiming anything was sent.
import { useEffect, useRef, useState } from "preact/hooks";
import { can, useMe } from "../account";
import { copyText } from "../clipboard";
import { type Invitation, type InvitationSent, type Member, ROLES, type Role, roleLabel, v3 } from "../cloudApi";
import { reloadMe } from "../cloudSession";
import { Confirm, Dialog, Field, errorText, formErrors, toast, toastError } from "../components";
import { shortDate } from "../format";
import { mailOff, useMailStatus } from "../mailStatus";
import { RoleSelect } from "./RoleSelect";

/** A link to pass on by hand, with a copy button. */
export interface HandOver {
  title: string;
  text: string;
  link: string;
}

function LinkDialog(props: { handOver: HandOver; onClose: () => void }) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => ref.current?.select(), []);
  const h = props.handOver;
  return (
    <Dialog title={h.title} onClose={props.onClose}>
      <p class="notice warn" role="alert">
        {h.text}
      </p>
      <div class="field">
        <label class="label" for="hand-over-link">
          Link
        </label>
        <div class="copy-row">
          <input ref={ref} id="hand-over-link" name="link" readOnly value={h.link} class="mono" onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} />
          <button type="button" onClick={async () => toast((await copyText(h.link, ref.current)) ? "Link copied to the clipboard" : "Select the link and copy it by hand")}>
            Copy link
          </button>
        </div>
        <p class="hint">Whoever has this link can use it: send it only to the person it is for.</p>
      </div>
      <div class="actions">
        <button type="button" class="primary" onClick={props.onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}

/** Says what really became of an invitation's e-mail; a link to hand over when there is one. */
function invitationOutcome(i: InvitationSent, again: boolean): HandOver | null {
  if (i.email_sent) {
    toast(again ? `Invitation sent again to ${i.email}` : `Invitation sent to ${i.email}`);
    return null;
  }
  if (i.link) {
    return {
      title: `Invitation for ${i.email}`,
      text: "E-mail is not set up on this server, so no invitation was sent. Copy this link and send it yourself:",
      link: i.link,
    };
  }
  toast(`No invitation e-mail was sent to ${i.email}: ${i.email_reason ?? "e-mail does not work on this server."} Ask an admin for the link.`, "bad");
  return null;
}

function InviteForm(props: { onSent: (i: InvitationSent) => void; mailIsOff: boolean }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("content_manager");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    const to = email.trim();
    if (!/^\S+@\S+\.\S+$/.test(to)) {
      setErrors({ email: "Enter the e-mail address to invite." });
      return;
    }
    setBusy(true);
    try {
      const sent = await v3.invite(to, role);
      setErrors({});
      setEmail("");
      props.onSent(sent);
    } catch (ex) {
      const r = formErrors(ex, ["email", "role"]);
      setErrors(r.fields);
      if (r.message) toastError("Not invited: ", ex);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="form card" onSubmit={submit} noValidate aria-labelledby="invite-h">
      <h2 id="invite-h">Invite someone</h2>
      <div class="two">
        <Field label="E-mail address" error={errors.email}>
          <input type="email" name="invite_email" value={email} onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)} />
        </Field>
        <Field label="Role" error={errors.role}>
          <RoleSelect name="invite_role" label="Role" value={role} onChange={setRole} />
        </Field>
      </div>
      <p class="hint">{ROLES.map((r) => `${r.label}: ${r.hint}.`).join(" ")}</p>
      {props.mailIsOff ? <p class="hint">No e-mail goes out from this server: you get a link to send yourself.</p> : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Inviting…" : props.mailIsOff ? "Invite and get the link" : "Send invitation"}
        </button>
      </div>
    </form>
  );
}

export function TeamPage() {
  const me = useMe();
  const [members, setMembers] = useState<Member[] | null>(null);
  const [invites, setInvites] = useState<Invitation[]>([]);
  const [err, setErr] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [handOver, setHandOver] = useState<HandOver | null>(null);
  const manage = can("users.manage");
  const mail = useMailStatus();
  const off = mailOff(mail);

  async function load() {
    try {
      const [m, i] = await Promise.all([v3.members(), v3.invitations()]);
      setMembers(m);
      setInvites(i);
      setErr(null);
    } catch (e) {
      setErr(errorText(e));
    }
  }
  useEffect(() => void load(), []);

  async function changeRole(m: Member, role: Role) {
    setMembers((list) => list?.map((x) => (x.id === m.id ? { ...x, role } : x)) ?? null);
    try {
      await v3.setRole(m.id, role);
      toast(`${m.name || m.email} is now ${roleLabel(role)}`);
      if (m.id === me?.user?.id) void reloadMe();
    } catch (e) {
      setMembers((list) => list?.map((x) => (x.id === m.id ? m : x)) ?? null);
      toast(`Role not changed: ${errorText(e)}`, "bad");
    }
  }

  async function cancel(i: Invitation) {
    try {
      await v3.cancelInvitation(i.id);
      toast(`The invitation to ${i.email} was cancelled`);
      void load();
    } catch (e) {
      toast(`Not cancelled: ${errorText(e)}`, "bad");
    }
  }

  async function resend(i: Invitation) {
    try {
      setHandOver(invitationOutcome(await v3.resendInvitation(i.id), true));
      void load();
    } catch (e) {
      toast(`Not sent again: ${errorText(e)}`, "bad");
    }
  }

  async function resetLink(m: Member) {
    try {
      const r = await v3.resetLink(m.id);
      setHandOver({
        title: `Password reset link for ${m.name || m.email}`,
        text: `With this link ${m.name || m.email} chooses a new password. It works once, for 24 hours. Send it to them yourself:`,
        link: r.link,
      });
    } catch (e) {
      toast(`No reset link: ${errorText(e)}`, "bad");
    }
  }

  async function remove(m: Member) {
    setRemoving(null);
    try {
      await v3.removeMember(m.id);
      toast(`${m.name || m.email} was removed`);
      void load();
    } catch (e) {
      toast(`Not removed: ${errorText(e)}`, "bad");
    }
  }

  return (
    <div class="team">
      <div class="page-head">
        <h1>Team</h1>
      </div>
      {mail && mail.state !== "ok" && can("users.invite") ? (
        <p class="notice warn" role="status" data-testid="mail-notice">
          {off
            ? "E-mail is not set up on this server, so invitations and password resets are not e-mailed. When you invite someone you get a link to send them yourself; a member who forgot their password can get a reset link from an admin here."
            : `E-mail does not work right now: ${mail.message}`}
        </p>
      ) : null}
      {err ? <p class="error">Could not load the team: {err}</p> : null}
      {members === null ? (
        err ? null : <p class="muted">Loading…</p>
      ) : (
        <section aria-labelledby="members-h">
          <h2 id="members-h">Members ({members.length})</h2>
          <ul class="list people">
            {members.map((m) => (
              <li class="person" data-testid="member">
                <div class="main">
                  <strong>{m.name || m.email}</strong>
                  {m.id === me?.user?.id ? <span class="chip info">You</span> : null}
                  <div class="meta">
                    <span>{m.email}</span>
                    <span>Joined {shortDate(m.joined_at)}</span>
                    {m.email_verified ? null : <span class="chip warn">Address not confirmed</span>}
                  </div>
                </div>
                <div class="row-actions">
                  {manage && m.id !== me?.user?.id ? (
                    <>
                      <RoleSelect label={`Role of ${m.name || m.email}`} value={m.role} onChange={(r) => void changeRole(m, r)} />
                      {off ? (
                        <button type="button" onClick={() => void resetLink(m)}>
                          Copy reset link
                        </button>
                      ) : null}
                      <button type="button" class="danger" onClick={() => setRemoving(m)}>
                        Remove
                      </button>
                    </>
                  ) : (
                    <span class="chip info">{roleLabel(m.role)}</span>
                  )}
                </div>
              </li>
            ))}
          </ul>
        </section>
      )}
      {invites.length ? (
        <section aria-labelledby="invites-h">
          <h2 id="invites-h">Invitations waiting ({invites.length})</h2>
          <ul class="list people">
            {invites.map((i) => (
              <li class="person" data-testid="invitation">
                <div class="main">
                  <strong>{i.email}</strong>
                  <div class="meta">
                    <span>{roleLabel(i.role)}</span>
                    <span>Link valid until {shortDate(i.expires_at)}</span>
                  </div>
                </div>
                {can("users.invite") ? (
                  <div class="row-actions">
                    <button type="button" onClick={() => void resend(i)}>
                      {off ? "New link" : "Send again"}
                    </button>
                    <button type="button" class="danger" onClick={() => void cancel(i)}>
                      Cancel invitation
                    </button>
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {can("users.invite") ? (
        <InviteForm
          mailIsOff={off}
          onSent={(i) => {
            setHandOver(invitationOutcome(i, false));
            void load();
          }}
        />
      ) : null}
      {handOver ? <LinkDialog handOver={handOver} onClose={() => setHandOver(null)} /> : null}
      {removing ? (
        <Confirm
          title="Remove from the team?"
          text={`${removing.name || removing.email} will no longer be able to sign in to this organisation. Their content stays.`}
          action="Remove"
          danger
          onNo={() => setRemoving(null)}
          onYes={() => void remove(removing)}
        />
      ) : null}
    </div>
  );
}
