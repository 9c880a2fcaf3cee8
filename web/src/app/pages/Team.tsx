// Cloud mode: the tenant's members (role, removal), invitations out, and the invite form.
import { useEffect, useState } from "preact/hooks";
import { can, useMe } from "../account";
import { type Invitation, type Member, ROLES, type Role, roleLabel, v3 } from "../cloudApi";
import { reloadMe } from "../cloudSession";
import { Confirm, Field, errorText, formErrors, toast } from "../components";
import { shortDate } from "../format";
import { RoleSelect } from "./RoleSelect";

function InviteForm(props: { onSent: () => void }) {
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
      await v3.invite(to, role);
      setErrors({});
      setEmail("");
      toast(`Invitation sent to ${to}`);
      props.onSent();
    } catch (ex) {
      const r = formErrors(ex, ["email", "role"]);
      setErrors(r.fields);
      if (r.message) toast(`Not sent: ${r.message}`, "bad");
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
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Sending…" : "Send invitation"}
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
  const manage = can("users.manage");

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
      {can("users.invite") ? <InviteForm onSent={() => void load()} /> : null}
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
