import { useId, useState } from "react";
import { useChangePassword } from "../api/admin";
import { useViewer } from "../api/auth";
import { ErrorMessage, Loading } from "../components/Status";
import { newPasswordProblem } from "./adminModel";
import "./AdminPage.css";
import "./ProjectSettingsPage.css";

/** `/settings/account`: who you are and changing your password (required after an admin's reset). */
export default function AccountPage() {
  const viewer = useViewer();
  if (viewer.isPending) return <Loading what="your session" />;
  if (viewer.isError) return <ErrorMessage error={viewer.error} what="your session" />;
  const me = viewer.data;
  return (
    <div className="page admin-page">
      <h1>Account</h1>
      {me.username === null ? (
        <p className="hint">This server runs without accounts (open on loopback): there is no password to change.</p>
      ) : (
        <>
          <p>
            Signed in as <strong>{me.username}</strong>
            {me.is_admin ? " (admin of this server)" : ""}.
          </p>
          {me.must_change_password && (
            <p className="settings-readonly" role="note">
              An admin reset your password: choose a new one to go on.
            </p>
          )}
          {me.auth === "session" || me.auth === "api_key" ? <ChangePassword /> : null}
        </>
      )}
    </div>
  );
}

function ChangePassword() {
  const change = useChangePassword();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [done, setDone] = useState(false);
  const titleId = useId();
  const problem = newPasswordProblem(current, next, again);
  return (
    <section className="settings-section" aria-labelledby={titleId}>
      <h2 id={titleId}>Change password</h2>
      <form
        className="settings-form"
        aria-label="Change password"
        onSubmit={(e) => {
          e.preventDefault();
          if (problem !== null || current === "") return;
          setDone(false);
          change.mutate(
            { current_password: current, new_password: next },
            {
              onSuccess: () => {
                setDone(true);
                setCurrent("");
                setNext("");
                setAgain("");
              },
            },
          );
        }}
      >
        <label className="admin-field">
          Current password
          <input type="password" autoComplete="current-password" value={current}
            onChange={(e) => { setCurrent(e.target.value); }} />
        </label>
        <label className="admin-field">
          New password
          <input type="password" autoComplete="new-password" value={next}
            onChange={(e) => { setNext(e.target.value); }} />
        </label>
        <label className="admin-field">
          New password again
          <input type="password" autoComplete="new-password" value={again}
            onChange={(e) => { setAgain(e.target.value); }} />
        </label>
        {next !== "" && problem !== null && <p className="hint">{problem}</p>}
        <button type="submit" className="primary" disabled={change.isPending || problem !== null || current === ""}>
          Change password
        </button>
      </form>
      {done && (
        <p role="status" className="muted">
          Password changed. Your other browser sessions were signed out; your API keys still work.
        </p>
      )}
      {change.isError && <p className="settings-error" role="alert">Could not change the password: {change.error.message}</p>}
    </section>
  );
}
