/** Delete a version after a confirmation; when the server refuses because the version holds
 * aliases (409), say so and offer to delete it with them. */

import { useNavigate } from "react-router";
import { ApiError } from "../api/client";
import { artifactPagePath, isManagedAlias, useDeleteVersion, type ArtifactVersion } from "../api/artifacts";
import { ErrorMessage } from "../components/Status";

export function DeleteVersion({ entity, project, version }: { entity: string; project: string; version: ArtifactVersion }) {
  const remove = useDeleteVersion(entity, project, version.name);
  const navigate = useNavigate();
  const title = `${version.name}:${version.version}`;
  const held = version.aliases.filter((a) => !isManagedAlias(a));
  const refusal = remove.error instanceof ApiError && remove.error.status === 409 ? remove.error : null;
  const run = (deleteAliases: boolean) => {
    // the promise, not mutate's callbacks: refreshing the caches unmounts this page's version
    remove.mutateAsync({ ver: version.version, deleteAliases }).then(
      () => { void navigate(artifactPagePath(entity, project, version.name), { replace: true }); },
      () => undefined, // shown from remove.error
    );
  };
  return (
    <div className="delete-version">
      <button
        type="button"
        className="danger-button"
        disabled={remove.isPending}
        onClick={() => {
          remove.reset();
          if (window.confirm(`Delete ${title}? Its files go once no other version holds them. Its number is never given again.`)) run(false);
        }}
      >
        Delete version
      </button>
      {refusal ? (
        <div className="status status-error" role="alert">
          <p>
            {title} was not deleted: it holds the alias{held.length === 1 ? "" : "es"} {held.join(", ")}, which
            someone may be using to fetch it. Move {held.length === 1 ? "it" : "them"} to another version first, or
            delete the version with {held.length === 1 ? "it" : "them"}.
          </p>
          <p className="muted">The server said: {refusal.message}</p>
          <button
            type="button"
            className="danger-button"
            onClick={() => {
              if (window.confirm(`Delete ${title} and its aliases ${held.join(", ")}?`)) run(true);
            }}
          >
            Delete with its aliases
          </button>
        </div>
      ) : remove.isError ? (
        <ErrorMessage error={remove.error} what="the version deleted" />
      ) : null}
    </div>
  );
}
