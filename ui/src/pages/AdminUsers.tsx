import { useId, useState } from "react";
import { useCreateUser, useEditUser, useLoginLocks, useResetPassword, useUnlock, useUsers } from "../api/admin";
import type { AdminUser, PasswordReset } from "../api/types";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { formatDateTime, formatRelativeTime } from "../lib/format";
import { useNow } from "../lib/useNow";
import { MIN_PASSWORD, userStatus } from "./adminModel";

/** Users: create, disable/enable, admin or not, reset a password, lift a sign-in lock. */
export function AdminUsers({ me }: { me: string | null }) {
  const users = useUsers();
  const titleId = useId();
  const [reset, setReset] = useState<PasswordReset | null>(null);
  return (
    <section className="settings-section" aria-labelledby={titleId}>
      <h2 id={titleId}>Users</h2>
      <CreateUser />
      {reset !== null && <ResetShown reset={reset} onDone={() => { setReset(null); }} />}
      {users.isPending ? (
        <Loading what="users" />
      ) : users.isError ? (
        <ErrorMessage error={users.error} what="users" />
      ) : (
        <UsersTable users={users.data} me={me} onReset={setReset} />
      )}
      <LockedAddresses />
    </section>
  );
}

function CreateUser() {
  const create = useCreateUser();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [isAdmin, setIsAdmin] = useState(false);
  const [mustChange, setMustChange] = useState(true);
  const ready = username.trim() !== "" && password.length >= MIN_PASSWORD;
  return (
    <>
      <form
        className="admin-create"
        aria-label="Create a user"
        onSubmit={(e) => {
          e.preventDefault();
          if (!ready) return;
          create.mutate(
            { username: username.trim(), password, is_admin: isAdmin, must_change_password: mustChange },
            { onSuccess: () => { setUsername(""); setPassword(""); setIsAdmin(false); setMustChange(true); } },
          );
        }}
      >
        <label className="admin-field">
          Username
          <input value={username} maxLength={128} autoComplete="off" onChange={(e) => { setUsername(e.target.value); }} />
        </label>
        <label className="admin-field">
          Password
          <input type="password" value={password} autoComplete="new-password" onChange={(e) => { setPassword(e.target.value); }} />
        </label>
        <label className="admin-check">
          <input type="checkbox" checked={isAdmin} onChange={(e) => { setIsAdmin(e.target.checked); }} /> Admin
        </label>
        <label className="admin-check">
          <input type="checkbox" checked={mustChange} onChange={(e) => { setMustChange(e.target.checked); }} /> Must change
          it at first sign-in
        </label>
        <button type="submit" className="primary" disabled={create.isPending || !ready}>Create user</button>
      </form>
      {password !== "" && password.length < MIN_PASSWORD && (
        <p className="hint">A password needs at least {MIN_PASSWORD} characters.</p>
      )}
      {create.isError && <p className="settings-error" role="alert">Could not create the user: {create.error.message}</p>}
    </>
  );
}

function UsersTable({ users, me, onReset }: { users: AdminUser[]; me: string | null; onReset: (r: PasswordReset) => void }) {
  const edit = useEditUser();
  const reset = useResetPassword();
  const unlock = useUnlock();
  const now = useNow();
  const [resetting, setResetting] = useState<string | null>(null);
  const [temporary, setTemporary] = useState("");
  const failed = edit.isError ? edit.error : reset.isError ? reset.error : unlock.isError ? unlock.error : null;
  return (
    <>
      <table className="admin-table" aria-label="Users">
        <thead>
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Last sign-in</th>
            <th scope="col">Failed sign-ins</th>
            <th scope="col"><span className="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => {
            const self = user.username === me;
            const locked = user.locked_until !== null && user.locked_until > now;
            return (
              <tr key={user.username}>
                <th scope="row" className="admin-name">{user.username}</th>
                <td>{user.is_admin ? "admin" : "user"}</td>
                <td className={user.disabled || locked ? "admin-warn" : undefined}>{userStatus(user, now).join(", ")}</td>
                <td title={formatDateTime(user.last_login_at)}>
                  {user.last_login_at === null ? "never" : formatRelativeTime(user.last_login_at, now)}
                </td>
                <td className="num">{user.failed_logins}</td>
                <td className="admin-actions">
                  {resetting === user.username ? (
                    <form
                      className="admin-inline"
                      aria-label={`Reset the password of ${user.username}`}
                      onSubmit={(e) => {
                        e.preventDefault();
                        reset.mutate(
                          { username: user.username, password: temporary || undefined },
                          { onSuccess: (answer) => { setResetting(null); setTemporary(""); onReset(answer); } },
                        );
                      }}
                    >
                      <input type="password" aria-label="Temporary password" placeholder="blank: make one up"
                        autoComplete="new-password" value={temporary} onChange={(e) => { setTemporary(e.target.value); }} />
                      <button type="submit" className="danger"
                        disabled={reset.isPending || (temporary !== "" && temporary.length < MIN_PASSWORD)}>
                        Reset
                      </button>
                      <button type="button" onClick={() => { setResetting(null); setTemporary(""); }}>Cancel</button>
                    </form>
                  ) : (
                    <>
                      {self && <span className="muted">you (see Account)</span>}
                      {locked && (
                        <button type="button" aria-label={`Unlock ${user.username}`}
                          onClick={() => { unlock.mutate({ kind: "account", name: user.username }); }}>
                          Unlock
                        </button>
                      )}
                      {!self && (
                        <>
                          <button type="button" aria-label={`Reset the password of ${user.username}`}
                            onClick={() => { reset.reset(); setResetting(user.username); }}>
                            Reset password
                          </button>
                          <button type="button" aria-label={`${user.is_admin ? "Remove admin from" : "Make admin"} ${user.username}`}
                            onClick={() => { edit.mutate({ username: user.username, is_admin: !user.is_admin }); }}>
                            {user.is_admin ? "Remove admin" : "Make admin"}
                          </button>
                          <button type="button" className={user.disabled ? undefined : "danger"}
                            aria-label={`${user.disabled ? "Enable" : "Disable"} ${user.username}`}
                            onClick={() => { edit.mutate({ username: user.username, disabled: !user.disabled }); }}>
                            {user.disabled ? "Enable" : "Disable"}
                          </button>
                        </>
                      )}
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {failed !== null && <p className="settings-error" role="alert">{failed.message}</p>}
    </>
  );
}

function ResetShown({ reset, onDone }: { reset: PasswordReset; onDone: () => void }) {
  return (
    <section className="admin-secret" aria-label="New password">
      <p>
        <strong>New password of {reset.username}.</strong> Give it to them now: it is not shown again.
        {reset.must_change_password ? " They must choose their own when they sign in." : ""}
      </p>
      <div className="admin-secret-value">
        <input readOnly aria-label="New password value" value={reset.password}
          onFocus={(e) => { e.target.select(); }} />
      </div>
      <button type="button" onClick={onDone}>Done</button>
    </section>
  );
}

function LockedAddresses() {
  const locks = useLoginLocks();
  const unlock = useUnlock();
  const titleId = useId();
  if (locks.isPending) return <Loading what="sign-in locks" />;
  if (locks.isError) return <ErrorMessage error={locks.error} what="sign-in locks" />;
  const addresses = locks.data.filter((lock) => lock.kind === "address");
  return (
    <>
      <h3 id={titleId}>Locked client addresses</h3>
      {addresses.length === 0 ? (
        <Empty>No address is locked. Too many failed sign-ins from one address lock it for a while.</Empty>
      ) : (
        <table className="admin-table" aria-labelledby={titleId}>
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">Failed sign-ins</th>
              <th scope="col">Locked until</th>
              <th scope="col"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {addresses.map((lock) => (
              <tr key={lock.name}>
                <th scope="row"><code>{lock.name}</code></th>
                <td className="num">{lock.failures}</td>
                <td>{formatDateTime(lock.locked_until)}</td>
                <td className="admin-actions">
                  <button type="button" aria-label={`Unlock ${lock.name}`}
                    onClick={() => { unlock.mutate({ kind: "address", name: lock.name }); }}>
                    Unlock
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
