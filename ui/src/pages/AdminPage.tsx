import { useViewer } from "../api/auth";
import { ErrorMessage, Loading } from "../components/Status";
import { AdminTeams } from "./AdminTeams";
import { AdminUsers } from "./AdminUsers";
import "./AdminPage.css";
import "./ProjectSettingsPage.css";

/** `/admin`: users (create, disable, reset, unlock), locked addresses, teams and their members. */
export default function AdminPage() {
  const viewer = useViewer();
  if (viewer.isPending) return <Loading what="your session" />;
  if (viewer.isError) return <ErrorMessage error={viewer.error} what="your session" />;
  const me = viewer.data;
  return (
    <div className="page admin-page">
      <h1>Admin</h1>
      {me.username === null ? (
        <p className="hint">
          This server runs without accounts (open on loopback): there are no users to manage. Start it with{" "}
          <code>--auth required</code> to have accounts.
        </p>
      ) : !me.is_admin ? (
        <>
          <p className="settings-readonly" role="note">
            Only admins of this server manage users. Here are the teams you belong to.
          </p>
          <AdminTeams />
        </>
      ) : (
        <>
          <AdminUsers me={me.username} />
          <AdminTeams />
        </>
      )}
    </div>
  );
}
