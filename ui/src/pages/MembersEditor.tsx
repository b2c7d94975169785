import { useState } from "react";
import type { Member, Role } from "../api/types";
import { Empty } from "../components/Status";
import "./AdminPage.css";

const ROLES: readonly Role[] = ["viewer", "member", "admin"];
const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

interface Props {
  /** names the table and the form, e.g. "Members of lab" */
  label: string;
  members: Member[];
  busy: boolean;
  onSetRole: (username: string, role: Role) => void;
  onRemove: (username: string) => void;
}

/** A members table (role per user, remove) and a form to add a user with a role. */
export function MembersEditor({ label, members, busy, onSetRole, onRemove }: Props) {
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<Role>("member");
  return (
    <>
      {members.length === 0 ? (
        <Empty>No members yet.</Empty>
      ) : (
        <table className="admin-table" aria-label={label}>
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Role</th>
              <th scope="col"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {members.map((member) => (
              <tr key={member.username}>
                <th scope="row" className="admin-name">{member.username}</th>
                <td>
                  <select aria-label={`Role of ${member.username}`} value={member.role} disabled={busy}
                    onChange={(e) => { if (isRole(e.target.value)) onSetRole(member.username, e.target.value); }}>
                    {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                  </select>
                </td>
                <td className="admin-actions">
                  <button type="button" aria-label={`Remove ${member.username}`} disabled={busy}
                    onClick={() => { onRemove(member.username); }}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="admin-create"
        aria-label={`Add to ${label}`}
        onSubmit={(e) => {
          e.preventDefault();
          if (username.trim() === "") return;
          onSetRole(username.trim(), role);
          setUsername("");
        }}
      >
        <label className="admin-field">
          Username
          <input value={username} maxLength={128} autoComplete="off" onChange={(e) => { setUsername(e.target.value); }} />
        </label>
        <label className="admin-field">
          Role
          <select value={role} onChange={(e) => { if (isRole(e.target.value)) setRole(e.target.value); }}>
            {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </label>
        <button type="submit" disabled={busy || username.trim() === ""}>Add member</button>
      </form>
    </>
  );
}
