import { useEffect } from "react";
import { Link, Outlet, useLocation, useNavigate, useParams } from "react-router";
import { useViewer, useLogout } from "../api/auth";
import { setUnauthorizedHandler } from "../api/client";
import { registryPagePath } from "../api/registry";
import { ThemeToggle } from "./ThemeToggle";
import { ErrorMessage, Loading } from "./Status";

const ACCOUNT_PAGE = "/settings/account";

/** Top bar and the signed-in guard around every page but the login page. */
export function Layout() {
  const viewer = useViewer();
  const navigate = useNavigate();
  const location = useLocation();
  const logout = useLogout();

  useEffect(() => {
    setUnauthorizedHandler(() => {
      if (!window.location.pathname.startsWith("/login")) {
        void navigate(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
      }
    });
  }, [navigate]);

  const needsLogin = viewer.data?.auth_required === true && viewer.data.username === null;
  useEffect(() => {
    if (needsLogin) void navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
  }, [needsLogin, navigate, location.pathname, location.search]);
  // after an admin's reset the server refuses everything but changing the password
  const mustChange = viewer.data?.must_change_password === true && viewer.data.auth === "session";
  useEffect(() => {
    if (mustChange && location.pathname !== ACCOUNT_PAGE) void navigate(ACCOUNT_PAGE, { replace: true });
  }, [mustChange, navigate, location.pathname]);
  const signedIn = viewer.data?.username != null;
  // the current page's entity (a project's, or the registry's), else the user's own
  const { entity: pageEntity } = useParams();
  const registryEntity = pageEntity ?? viewer.data?.username ?? null;

  return (
    <div className="app">
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Cairn home">
          ◭ Cairn
        </Link>
        <nav className="topnav" aria-label="Main">
          <Link to="/">Projects</Link>
          {registryEntity !== null && <Link to={registryPagePath(registryEntity)}>Registry</Link>}
          {signedIn && <Link to="/settings/api-keys">API keys</Link>}
          {signedIn && <Link to={ACCOUNT_PAGE}>Account</Link>}
          {signedIn && viewer.data?.is_admin === true && <Link to="/admin">Admin</Link>}
          <a href="/api/docs">API</a>
        </nav>
        <div className="topbar-right">
          <ThemeToggle />
          {viewer.data?.username != null && viewer.data.auth === "session" && (
            <button type="button" className="link-button" onClick={() => {
                logout.mutate();
              }}>
              Sign out {viewer.data.username}
            </button>
          )}
        </div>
      </header>
      <main className="content">
        {viewer.isPending ? (
          <Loading what="your session" />
        ) : viewer.isError ? (
          <ErrorMessage error={viewer.error} what="your session" />
        ) : needsLogin ? null : (
          <Outlet />
        )}
      </main>
    </div>
  );
}
