/** `/registry/:entity?q=`: the entity's registered models by name, with their aliases. */

import { Link, useParams, useSearchParams } from "react-router";
import { automationsPagePath, registryPagePath, useModels } from "../api/registry";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { formatDateTime, formatRelativeTime } from "../lib/format";
import { ModelAliases, Tags } from "./parts";
import "../artifacts/artifacts.css";
import "./registry.css";

export default function RegistryListPage() {
  const { entity = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const search = params.get("q") ?? "";
  const models = useModels(entity, search);
  const shown = models.data?.models;

  return (
    <div className="page registry-page">
      <nav aria-label="Breadcrumb" className="breadcrumbs">
        <Link to="/">Projects</Link> / {entity} / registry · <Link to={automationsPagePath(entity)}>automations</Link>
      </nav>
      <h1>Model registry</h1>
      <div className="artifacts-toolbar">
        <input
          type="search"
          aria-label="Search models"
          placeholder="Search by name…"
          value={search}
          maxLength={128}
          onChange={(e) => {
            const next = new URLSearchParams(params);
            if (e.target.value === "") next.delete("q");
            else next.set("q", e.target.value);
            setParams(next, { replace: true });
          }}
        />
      </div>
      {models.isPending ? <Loading what="the registered models" /> : null}
      {models.isError ? <ErrorMessage error={models.error} what="the registered models" /> : null}
      {shown && shown.length === 0 ? (
        search ? (
          <Empty>No model matches “{search}”.</Empty>
        ) : (
          <Empty>
            No registered models in {entity} yet. Link an artifact version with{" "}
            <code>cairn registry link ENTITY/PROJECT/NAME:vN {entity}/MODEL</code>.
          </Empty>
        )
      ) : null}
      {shown && shown.length > 0 ? (
        <>
          <table className="artifact-table" aria-label="Registered models">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Tags</th>
                <th scope="col" className="right">Versions</th>
                <th scope="col">Aliases</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((m) => (
                <tr key={m.name} data-model={m.name}>
                  <th scope="row">
                    <Link to={registryPagePath(entity, m.name)}>{m.name}</Link>
                    {m.description ? <div className="muted artifact-description-line">{m.description}</div> : null}
                  </th>
                  <td><Tags tags={m.tags} /></td>
                  <td className="right">{m.versions}</td>
                  <td><ModelAliases aliases={m.aliases} /></td>
                  <td title={formatDateTime(m.updated_at)}>{formatRelativeTime(m.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {models.data?.next ? (
            <p className="muted">The first {shown.length} models are shown: search by name to find others.</p>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
