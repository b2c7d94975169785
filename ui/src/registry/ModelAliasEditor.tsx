/** A model's aliases and the version each names; members move one onto a version (the server
 * moves it in one step) or remove it. `latest` and `vN` are refused before asking the server. */

import { useState } from "react";
import { useDeleteModelAlias, useSetModelAlias, type RegisteredModel, type RegistryVersion } from "../api/registry";
import { ErrorMessage } from "../components/Status";
import { aliasProblem } from "../artifacts/format";

interface Props {
  entity: string;
  model: RegisteredModel;
  /** the versions loaded: an alias can be moved onto any of them */
  versions: RegistryVersion[];
  canEdit: boolean;
}

export function ModelAliasEditor({ entity, model, versions, canEdit }: Props) {
  const set = useSetModelAlias(entity, model.name);
  const remove = useDeleteModelAlias(entity, model.name);
  const [alias, setAlias] = useState("");
  const [target, setTarget] = useState("");
  const [tried, setTried] = useState(false);
  const problem = aliasProblem(alias.trim());
  const version = target || versions[0]?.version || "";
  const names = Object.keys(model.aliases).sort();
  return (
    <section className="run-card" aria-label="Aliases">
      <h2>Aliases</h2>
      {names.length === 0 ? <p className="muted">No aliases.</p> : null}
      <ul className="alias-list">
        {names.map((name) => (
          <li key={name} className="tag" data-alias={name}>
            <span>{name} → {model.aliases[name]}</span>
            {canEdit ? (
              <button type="button" aria-label={`Remove alias ${name}`} disabled={remove.isPending}
                onClick={() => { set.reset(); remove.mutate(name); }}>
                ✕
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {canEdit && versions.length > 0 ? (
        <>
          <form
            className="alias-move-form"
            aria-label="Move an alias"
            onSubmit={(e) => {
              e.preventDefault();
              setTried(true);
              if (problem !== null || version === "") return;
              remove.reset();
              set.mutate({ alias: alias.trim(), version }, { onSuccess: () => { setAlias(""); setTried(false); } });
            }}
          >
            <input aria-label="Alias" placeholder="production" maxLength={128} value={alias} list="model-aliases"
              onChange={(e) => { setAlias(e.target.value); }} />
            <datalist id="model-aliases">
              {names.map((name) => <option key={name} value={name} />)}
            </datalist>
            <label>
              to{" "}
              <select aria-label="Version" value={version} onChange={(e) => { setTarget(e.target.value); }}>
                {versions.map((v) => <option key={v.version} value={v.version}>{v.version}</option>)}
              </select>
            </label>
            <button type="submit" disabled={set.isPending}>Move alias</button>
          </form>
          <p className="muted small">An alias names one version: moving it takes it off the version that held it.</p>
          {tried && problem !== null ? <p className="status-error" role="alert">{problem}</p> : null}
          {set.isError && <ErrorMessage error={set.error} what="the alias moved" />}
          {remove.isError && <ErrorMessage error={remove.error} what="the alias removed" />}
        </>
      ) : null}
    </section>
  );
}
