import { useId } from "react";
import { useProjectMembers, useRemoveProjectMember, useSetProjectMember } from "../api/admin";
import { ErrorMessage, Loading } from "../components/Status";
import { MembersEditor } from "./MembersEditor";

/** The project settings' members: users given a role on this project itself (admins only). */
export function ProjectMembers({ entity, project, canEdit }: { entity: string; project: string; canEdit: boolean }) {
  const members = useProjectMembers(entity, project, canEdit);
  const set = useSetProjectMember(entity, project);
  const remove = useRemoveProjectMember(entity, project);
  const titleId = useId();
  const failed = set.isError ? set.error : remove.isError ? remove.error : null;
  return (
    <section className="settings-section" aria-labelledby={titleId}>
      <h2 id={titleId}>Members</h2>
      <p className="hint">
        Roles on this project alone: viewers read, members log runs, admins change its settings. The owner, the
        owning team&apos;s members (by visibility) and server admins have their roles besides these.
      </p>
      {!canEdit ? (
        <p className="hint">Only admins of the project see and change its members.</p>
      ) : members.isPending ? (
        <Loading what="members" />
      ) : members.isError ? (
        <ErrorMessage error={members.error} what="members" />
      ) : (
        <MembersEditor
          label={`Members of ${entity}/${project}`}
          members={members.data}
          busy={set.isPending || remove.isPending}
          onSetRole={(username, role) => { remove.reset(); set.mutate({ username, role }); }}
          onRemove={(username) => { set.reset(); remove.mutate(username); }}
        />
      )}
      {failed !== null && <p className="settings-error" role="alert">{failed.message}</p>}
    </section>
  );
}
