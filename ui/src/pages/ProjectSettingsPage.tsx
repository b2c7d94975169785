import { useId, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import {
  useDeleteProject,
  useEditProject,
  useProject,
  useProjectUsage,
} from "../api/housekeeping";
import type { Project } from "../api/types";
import { ErrorMessage, Loading } from "../components/Status";
import { formatDateTime } from "../lib/format";
import { ProjectMembers } from "./ProjectMembers";
import { usageRows } from "./projectSettings";
import "./ProjectSettingsPage.css";

const VISIBILITIES = [
  ["private", "Private: its members only"],
  ["team", "Team: members of the team that owns it"],
  ["public", "Public: anyone who can reach the server"],
] as const;
type Visibility = (typeof VISIBILITIES)[number][0];

const isVisibility = (value: string): value is Visibility => VISIBILITIES.some(([v]) => v === value);

/** `/:entity/:project/settings`: disk use, rename, visibility, description, members, archive, delete. */
export default function ProjectSettingsPage() {
  const { entity = "", project = "" } = useParams();
  const info = useProject(entity, project);
  const base = `/${encodeURIComponent(entity)}/${encodeURIComponent(project)}`;

  if (info.isPending) return <Loading what="the project" />;
  if (info.isError) return <ErrorMessage error={info.error} what="the project" />;
  const data = info.data;
  // the server says what the caller may do with the project
  const readOnly = data.role !== "admin";
  return (
    <div className="page project-settings">
      <nav aria-label="Breadcrumb" className="breadcrumbs">
        <Link to="/">Projects</Link> / <span>{entity}</span> / <Link to={base}>{project}</Link> / settings
      </nav>
      <h1>
        Settings of {entity}/{data.name}
        {data.archived_at != null && (
          <>
            {" "}
            <span className="badge archived-badge" title={`Archived ${formatDateTime(data.archived_at)}`}>archived</span>
          </>
        )}
      </h1>
      {readOnly && (
        <p className="settings-readonly" role="note">
          {`You can see this project but not change it: your role on ${entity}/${data.name} is ${data.role ?? "viewer"}; this needs admin.`}
        </p>
      )}
      <Usage entity={entity} project={project} />
      <fieldset className="settings-sections" disabled={readOnly}>
        <legend className="visually-hidden">Change the project</legend>
        <Rename key={`name:${data.name}`} project={data} />
        <Details key={`details:${data.name}`} project={data} />
        <ProjectMembers key={`members:${data.name}`} entity={entity} project={data.name} canEdit={!readOnly} />
        <Archive project={data} />
        <Delete project={data} />
      </fieldset>
    </div>
  );
}

function Usage({ entity, project }: { entity: string; project: string }) {
  const usage = useProjectUsage(entity, project);
  const titleId = useId();
  return (
    <section className="settings-section" aria-labelledby={titleId}>
      <h2 id={titleId}>Disk use</h2>
      {usage.isPending ? (
        <Loading what="disk use" />
      ) : usage.isError ? (
        <ErrorMessage error={usage.error} what="disk use" />
      ) : (
        <>
          <table className="usage-table" aria-label="Disk use">
            <tbody>
              {usageRows(usage.data).map((row) => (
                <tr key={row.label}>
                  <th scope="row">{row.label}</th>
                  <td className="num">{row.text}</td>
                  <td className="num muted">{row.bytes ? `${row.exact.toLocaleString()} bytes` : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="hint">
            Series data is stored in the database; file data counts each stored file once, however many runs share
            it. Deleted runs give their file data back at the next blob collection.
          </p>
        </>
      )}
    </section>
  );
}

function Rename({ project }: { project: Project }) {
  const edit = useEditProject(project.entity, project.name);
  const navigate = useNavigate();
  const [name, setName] = useState(project.name);
  const titleId = useId();
  const trimmed = name.trim();
  return (
    <section className="settings-section" aria-labelledby={titleId}>
      <h2 id={titleId}>Name</h2>
      <form
        className="settings-row"
        aria-label="Rename project"
        onSubmit={(e) => {
          e.preventDefault();
          if (trimmed === "" || trimmed === project.name) return;
          edit.mutate(
            { name: trimmed },
            {
              onSuccess: (updated) => {
                void navigate(`/${encodeURIComponent(updated.entity)}/${encodeURIComponent(updated.name)}/settings`, { replace: true });
              },
            },
          );
        }}
      >
        <input aria-label="Project name" value={name} maxLength={128} onChange={(e) => { setName(e.target.value); }} />
        <button type="submit" className="primary" disabled={edit.isPending || trimmed === "" || trimmed === project.name}>
          Rename
        </button>
      </form>
      <p className="hint">The project&apos;s address changes; a script that still logs to the old name starts a new project under it.</p>
      {edit.isError && <p className="settings-error" role="alert">Could not rename: {edit.error.message}</p>}
    </section>
  );
}

function Details({ project }: { project: Project }) {
  const edit = useEditProject(project.entity, project.name);
  const [visibility, setVisibility] = useState<Visibility>(isVisibility(project.visibility) ? project.visibility : "private");
  const [description, setDescription] = useState(project.description);
  const [saved, setSaved] = useState(false);
  const titleId = useId();
  const changed = visibility !== project.visibility || description !== project.description;
  return (
    <section className="settings-section" aria-labelledby={titleId}>
      <h2 id={titleId}>Visibility and description</h2>
      <form
        className="settings-form"
        aria-label="Project details"
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(false);
          edit.mutate({ visibility, description }, { onSuccess: () => { setSaved(true); } });
        }}
      >
        <label>
          Visibility{" "}
          <select aria-label="Visibility" value={visibility}
            onChange={(e) => { if (isVisibility(e.target.value)) setVisibility(e.target.value); }}>
            {VISIBILITIES.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </label>
        <label className="settings-description">
          Description
          <textarea aria-label="Description" rows={3} maxLength={10_000} value={description}
            onChange={(e) => { setDescription(e.target.value); }} />
        </label>
        <div className="settings-row">
          <button type="submit" className="primary" disabled={edit.isPending || !changed}>Save</button>
          {saved && !changed && <span role="status" className="muted">Saved.</span>}
        </div>
      </form>
      {edit.isError && <p className="settings-error" role="alert">Could not save: {edit.error.message}</p>}
    </section>
  );
}

function Archive({ project }: { project: Project }) {
  const edit = useEditProject(project.entity, project.name);
  const archived = project.archived_at != null;
  const titleId = useId();
  return (
    <section className="settings-section" aria-labelledby={titleId}>
      <h2 id={titleId}>Archive</h2>
      <p className="hint">
        {archived
          ? `Archived ${formatDateTime(project.archived_at)}: hidden from the projects list unless “Show archived” is on. Its runs are kept whole.`
          : "An archived project is hidden from the projects list (“Show archived” lists it) and kept whole; restore it any time."}
      </p>
      <button type="button" disabled={edit.isPending} onClick={() => { edit.mutate({ archived: !archived }); }}>
        {archived ? "Restore project" : "Archive project"}
      </button>
      {edit.isError && (
        <p className="settings-error" role="alert">Could not {archived ? "restore" : "archive"}: {edit.error.message}</p>
      )}
    </section>
  );
}

function Delete({ project }: { project: Project }) {
  const remove = useDeleteProject(project.entity, project.name);
  const navigate = useNavigate();
  const [typed, setTyped] = useState("");
  const titleId = useId();
  const runs = `${project.run_count.toLocaleString()} ${project.run_count === 1 ? "run" : "runs"}`;
  return (
    <section className="settings-section danger-zone" aria-labelledby={titleId}>
      <h2 id={titleId}>Delete project</h2>
      <p className="hint">
        Deletes {project.entity}/{project.name}, its {runs} and all their data. This cannot be undone.
      </p>
      <form
        className="settings-row"
        aria-label="Delete project"
        onSubmit={(e) => {
          e.preventDefault();
          if (typed !== project.name) return;
          remove.mutate(undefined, { onSuccess: () => { void navigate("/", { replace: true }); } });
        }}
      >
        <input
          aria-label="Type the project name to confirm"
          placeholder={project.name}
          value={typed}
          autoComplete="off"
          onChange={(e) => { setTyped(e.target.value); }}
        />
        <button type="submit" className="danger" disabled={remove.isPending || typed !== project.name}>
          Delete project
        </button>
      </form>
      {remove.isError && <p className="settings-error" role="alert">Could not delete: {remove.error.message}</p>}
    </section>
  );
}
