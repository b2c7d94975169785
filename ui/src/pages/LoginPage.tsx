import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useLogin, useViewer } from "../api/auth";
import { ApiError } from "../api/client";
import { ErrorMessage, Loading } from "../components/Status";
import { ThemeToggle } from "../components/ThemeToggle";
import "./LoginPage.css";

/** Where to go after signing in: only a path on this site ("/x", never "//host" or "https://..."). */
export function safeNext(next: string | null): string {
  if (next === null || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  // no control characters or backslashes that browsers could read as another host
  for (const ch of next) if (ch.charCodeAt(0) < 0x20 || ch === "\\") return "/";
  return next;
}

export function LoginPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const navigate = useNavigate();
  const viewer = useViewer();
  const login = useLogin();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");

  const submit = (event: React.SyntheticEvent) => {
    event.preventDefault();
    login.mutate(
      { username: username.trim(), password },
      {
        onSuccess: () => {
          void navigate(next, { replace: true });
        },
      },
    );
  };

  let body: React.ReactNode;
  if (viewer.isPending) {
    body = <Loading what="the server's settings" />;
  } else if (viewer.isError && !(viewer.error instanceof ApiError && viewer.error.status === 401)) {
    body = <ErrorMessage error={viewer.error} what="the server's settings" />;
  } else if (viewer.data?.auth === "open") {
    body = (
      <div className="login-note">
        <p>This server runs open (on loopback, without accounts): there is nothing to sign in to.</p>
        <p>
          <Link to={next}>Continue to Cairn</Link>
        </p>
      </div>
    );
  } else {
    const signedInAs = viewer.data?.username ?? null;
    body = (
      <form className="login-form" onSubmit={submit} aria-label="Sign in">
        {signedInAs !== null && (
          <p className="login-note">
            You are signed in as <strong>{signedInAs}</strong>. <Link to={next}>Continue</Link>, or sign in as
            someone else.
          </p>
        )}
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            required
            autoFocus
            value={username}
            onChange={(event) => {
              setUsername(event.target.value);
            }}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => {
              setPassword(event.target.value);
            }}
          />
        </label>
        {login.isError && (
          <div className="status-error login-error" role="alert">
            {login.error.message}
          </div>
        )}
        <button type="submit" className="primary" disabled={login.isPending || username.trim() === "" || password === ""}>
          {login.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
    );
  }

  return (
    <div className="login-page">
      <div className="login-theme">
        <ThemeToggle />
      </div>
      <main className="login-card">
        <h1>
          <span aria-hidden="true">◭</span> Sign in to Cairn
        </h1>
        {body}
      </main>
    </div>
  );
}
