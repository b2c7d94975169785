/** A version's aliases; members add one (moving it here when another version held it), move one
 * from another version, or remove one. `latest` and `vN` are the server's and stay. */

import { useState } from "react";
import { isManagedAlias, useDeleteAlias, useSetAlias, type ArtifactVersion } from "../api/artifacts";
import { ErrorMessage } from "../components/Status";
import { aliasProblem } from "./format";

interface Props {
  entity: string;
  project: string;
  version: ArtifactVersion;
  /** the artifact's versions loaded so far: their aliases can be moved here */
  versions: ArtifactVersion[];
  canEdit: boolean;
}

export function AliasEditor({ entity, project, version, versions, canEdit }: Props) {
  const set = useSetAlias(entity, project, version.name);
  const remove = useDeleteAlias(entity, project, version.name);
  const [draft, setDraft] = useState("");
  const [tried, setTried] = useState(false);
  const problem = aliasProblem(draft.trim());
  const elsewhere = versions
    .filter((v) => v.version !== version.version)
    .flatMap((v) => v.aliases.filter((a) => !isManagedAlias(a)).map((alias) => ({ alias, from: v.version })));
  const setHere = (alias: string) => {
    remove.reset();
    set.mutate({ alias, version: version.version }, { onSuccess: () => { setDraft(""); setTried(false); } });
  };
  return (
    <section className="run-card" aria-label="Aliases">
      <h2>Aliases</h2>
      {version.aliases.length === 0 ? <p className="muted">No aliases.</p> : null}
      <ul className="alias-list">
        {version.aliases.map((alias) => (
          <li key={alias} className="tag">
            <span>{alias}</span>
            {canEdit && !isManagedAlias(alias) ? (
              <button type="button" aria-label={`Remove alias ${alias}`} disabled={remove.isPending}
                onClick={() => { set.reset(); remove.mutate(alias); }}>
                ✕
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {canEdit ? (
        <>
          <form
            className="alias-form"
            aria-label="Add an alias"
            onSubmit={(e) => {
              e.preventDefault();
              setTried(true);
              if (problem === null) setHere(draft.trim());
            }}
          >
            <input aria-label="New alias" placeholder="production" maxLength={128} value={draft}
              onChange={(e) => { setDraft(e.target.value); }} />
            <button type="submit" disabled={set.isPending}>Add alias</button>
          </form>
          <p className="muted small">An alias names one version: adding one that another version holds moves it here.</p>
          {tried && problem !== null ? <p className="status-error" role="alert">{problem}</p> : null}
          {elsewhere.length > 0 ? (
            <div className="alias-moves" role="group" aria-label="Aliases of other versions">
              {elsewhere.map(({ alias, from }) => (
                <button key={alias} type="button" disabled={set.isPending} onClick={() => { setHere(alias); }}>
                  Move {alias} here (from {from})
                </button>
              ))}
            </div>
          ) : null}
          {set.isError && <ErrorMessage error={set.error} what="the alias set" />}
          {remove.isError && <ErrorMessage error={remove.error} what="the alias removed" />}
        </>
      ) : null}
    </section>
  );
}
