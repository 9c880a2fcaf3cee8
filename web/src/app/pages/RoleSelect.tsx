// A role picker (cloud mode), named by `label` alone: wrapped in its field's <label>, the
// selected option would otherwise become part of its name.
import { ROLES, type Role } from "../cloudApi";

export function RoleSelect(props: { value: Role; onChange: (r: Role) => void; label: string; name?: string; disabled?: boolean }) {
  return (
    <select
      name={props.name}
      aria-label={props.label}
      value={props.value}
      disabled={props.disabled}
      onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value as Role)}
    >
      {ROLES.map((r) => (
        <option value={r.role}>{r.label}</option>
      ))}
    </select>
  );
}
