import { useId, useState } from "react";
import { useCreateTeam, useRemoveTeamMember, useSetTeamMember, useTeams } from "../api/admin";
import type { Team } from "../api/types";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { MembersEditor } from "./MembersEditor";

/** Teams (every team for an admin, else your own): create one, its members and their roles. */
export function AdminTeams() {
  const teams = useTeams();
  const create = useCreateTeam();
  const [name, setName] = useState("");
  const titleId = useId();
  return (
    <section className="settings-section" aria-labelledby={titleId}>
      <h2 id={titleId}>Teams</h2>
      <p className="hint">
        Team members have their role on the team&apos;s team-visible and public projects; team admins also on its
        private ones, and manage its members.
      </p>
      <form
        className="admin-create"
        aria-label="Create a team"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim() !== "") create.mutate(name.trim(), { onSuccess: () => { setName(""); } });
        }}
      >
        <label className="admin-field">
          Team name
          <input value={name} maxLength={128} autoComplete="off" onChange={(e) => { setName(e.target.value); }} />
        </label>
        <button type="submit" disabled={create.isPending || name.trim() === ""}>Create team</button>
      </form>
      {create.isError && <p className="settings-error" role="alert">Could not create the team: {create.error.message}</p>}
      {teams.isPending ? (
        <Loading what="teams" />
      ) : teams.isError ? (
        <ErrorMessage error={teams.error} what="teams" />
      ) : teams.data.length === 0 ? (
        <Empty>No teams yet.</Empty>
      ) : (
        teams.data.map((team) => <TeamMembers key={team.name} team={team} />)
      )}
    </section>
  );
}

function TeamMembers({ team }: { team: Team }) {
  const set = useSetTeamMember();
  const remove = useRemoveTeamMember();
  const failed = set.isError ? set.error : remove.isError ? remove.error : null;
  return (
    <div className="admin-team">
      <h3>{team.name}</h3>
      <MembersEditor
        label={`Members of ${team.name}`}
        members={team.members}
        busy={set.isPending || remove.isPending}
        onSetRole={(username, role) => { remove.reset(); set.mutate({ team: team.name, username, role }); }}
        onRemove={(username) => { set.reset(); remove.mutate({ team: team.name, username }); }}
      />
      {failed !== null && <p className="settings-error" role="alert">{failed.message}</p>}
    </div>
  );
}
