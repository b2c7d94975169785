import { useMemo, useState } from "react";
import { Link } from "react-router";
import { useEditRun, useRunFileText, useRunFiles } from "../api/runDetails";
import type { Run } from "../api/types";
import { ErrorMessage } from "../components/Status";
import { formatDateTime, formatDuration, formatValue } from "../lib/format";
import { flatten } from "../compare/flatten";
import { parseMetricRules, summaryText } from "../charts/metricRules";
import { Alerts } from "./Alerts";
import { SyncIssues } from "./SyncIssues";
import { commitUrl, repoWebUrl } from "./git";

/** The summary without the SDK's own bookkeeping (`_cairn`: counts that let a resumed run's means continue). */
function userSummary(summary: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(summary).filter(([key]) => key !== "_cairn"));
}

function KeyValues({ title, values }: { title: string; values: Record<string, unknown> }) {
  const [search, setSearch] = useState("");
  const flat = useMemo(() => Object.entries(flatten(values)).sort(([a], [b]) => a.localeCompare(b)), [values]);
  const needle = search.trim().toLowerCase();
  const shown = flat.filter(([k, v]) => !needle || k.toLowerCase().includes(needle) || formatValue(v).toLowerCase().includes(needle));
  return (
    <section className="run-card" aria-label={title}>
      <div className="run-card-head">
        <h2>{title}</h2>
        {flat.length > 8 && (
          <input type="search" aria-label={`Search ${title.toLowerCase()}`} placeholder="Search…" value={search}
            onChange={(e) => { setSearch(e.target.value); }} />
        )}
      </div>
      {flat.length === 0 ? (
        <p className="muted">Nothing recorded.</p>
      ) : (
        <table className="kv-table">
          <tbody>
            {shown.map(([key, value]) => (
              <tr key={key}>
                <th scope="row">{key}</th>
                <td title={formatValue(value, true)}>{formatValue(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Notes({ run, entity, project }: { run: Run; entity: string; project: string }) {
  const edit = useEditRun(entity, project, run.id);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(run.notes);
  return (
    <section className="run-card" aria-label="Notes">
      <div className="run-card-head">
        <h2>Notes</h2>
        {!editing && (
          <button type="button" onClick={() => { setDraft(run.notes); setEditing(true); }}>
            {run.notes ? "Edit notes" : "Add notes"}
          </button>
        )}
      </div>
      {editing ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            edit.mutate({ notes: draft }, { onSuccess: () => { setEditing(false); } });
          }}
        >
          <textarea aria-label="Notes" rows={5} value={draft} autoFocus onChange={(e) => { setDraft(e.target.value); }} />
          <div className="form-buttons">
            <button type="submit" className="primary" disabled={edit.isPending}>Save</button>
            <button type="button" onClick={() => { setEditing(false); }}>Cancel</button>
          </div>
          {edit.isError && <ErrorMessage error={edit.error} what="the notes saved" />}
        </form>
      ) : run.notes ? (
        <p className="notes">{run.notes}</p>
      ) : (
        <p className="muted">No notes yet.</p>
      )}
    </section>
  );
}

function Tags({ run, entity, project }: { run: Run; entity: string; project: string }) {
  const edit = useEditRun(entity, project, run.id);
  const [adding, setAdding] = useState(false);
  const [draft, setDraft] = useState("");
  const save = (tags: string[]) => { edit.mutate({ tags }); };
  return (
    <div className="tags" aria-label="Tags">
      {run.tags.map((tag) => (
        <span key={tag} className="tag">
          <span>{tag}</span>
          <button type="button" aria-label={`Remove tag ${tag}`} onClick={() => { save(run.tags.filter((t) => t !== tag)); }}>✕</button>
        </span>
      ))}
      {adding ? (
        <input
          aria-label="New tag"
          autoFocus
          value={draft}
          onChange={(e) => { setDraft(e.target.value); }}
          onBlur={() => { setAdding(false); }}
          onKeyDown={(e) => {
            if (e.key === "Escape") setAdding(false);
            if (e.key === "Enter" && draft.trim()) {
              if (!run.tags.includes(draft.trim())) save([...run.tags, draft.trim()]);
              setDraft("");
              setAdding(false);
            }
          }}
        />
      ) : (
        <button type="button" onClick={() => { setAdding(true); }}>+ Add tag</button>
      )}
      {edit.isError && <ErrorMessage error={edit.error} what="the tags saved" />}
    </div>
  );
}

function Diff({ entity, project, run }: { entity: string; project: string; run: Run }) {
  const files = useRunFiles(entity, project, run.id, false);
  const diffFile = files.data?.find((f) => f.path === "diff.patch") ?? null;
  const text = useRunFileText(entity, project, run.id, diffFile?.path ?? null, diffFile?.sha256 ?? null);
  const [open, setOpen] = useState(false);
  if (!diffFile) return null;
  return (
    <div className="diff">
      <button type="button" aria-expanded={open} onClick={() => { setOpen(!open); }}>
        {open ? "Hide" : "Show"} the uncommitted diff
      </button>
      {open && text.isError && <ErrorMessage error={text.error} what="the diff" />}
      {open && text.data && (
        <pre className="diff-text" aria-label="Uncommitted diff">
          {text.data.text.split("\n").map((line, i) => (
            <div key={i} className={line.startsWith("+") && !line.startsWith("+++") ? "add" : line.startsWith("-") && !line.startsWith("---") ? "del" : line.startsWith("@@") ? "hunk" : undefined}>
              {line || " "}
            </div>
          ))}
        </pre>
      )}
    </div>
  );
}

/** The run's `define_metric` rules (`meta.metrics`), when it has any. */
function MetricRules({ value }: { value: unknown }) {
  const rules = useMemo(() => parseMetricRules(value), [value]);
  if (rules.length === 0) return null;
  return (
    <section className="run-card" aria-label="Metric definitions">
      <h2>Metric definitions</h2>
      <table className="kv-table metric-rules">
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">X axis</th>
            <th scope="col">Summary</th>
            <th scope="col">Charts</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((rule) => (
            <tr key={rule.name}>
              <th scope="row" className="mono">{rule.name}</th>
              <td className="mono">
                {rule.step_metric ?? "step"}
                {rule.step_metric && !rule.step_sync ? <span className="muted"> (not synced)</span> : null}
              </td>
              <td>{summaryText(rule)}</td>
              <td>{rule.hidden ? "hidden" : "shown"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const STOP_REASONS: Record<string, string> = {
  user: "stopped from the web app",
  early_terminate: "stopped early by the sweep's hyperband",
  sweep: "stopped: its sweep was cancelled",
  preempted: "preempted (SIGTERM); resume it with init(id=..., resume=\"allow\")",
};

/** The state badge, with why a killed run was stopped (`meta.stop_reason`) or that a stop was
 * asked for and the run has not answered yet (`meta.stop_requested`). */
function RunStateFact({ run }: { run: Run }) {
  const reason = run.meta?.stop_reason;
  const requested = run.meta?.stop_requested;
  const early = run.state === "killed" && reason === "early_terminate";
  return (
    <>
      <span className={`badge state-${early ? "stopped-early" : run.state}`}>{early ? "stopped early" : run.state}</span>
      {typeof reason === "string" && run.state === "killed" ? (
        <span className="stop-reason" data-stop-reason={reason}> {STOP_REASONS[reason] ?? reason}</span>
      ) : null}
      {typeof requested === "string" && run.state === "running" ? <span className="stop-reason"> stop requested</span> : null}
    </>
  );
}

export function Overview({ run, entity, project }: { run: Run; entity: string; project: string }) {
  const meta = run.meta ?? {};
  const git = run.git ?? {};
  const remote = typeof git.remote === "string" ? git.remote : undefined;
  const commit = typeof git.commit === "string" ? git.commit : undefined;
  const link = commitUrl(remote, commit);
  // a running run's runtime is up to its last heartbeat (render stays pure)
  const end = run.finished_at ?? run.heartbeat_at;
  const argv: unknown[] = Array.isArray(meta.argv) ? (meta.argv as unknown[]) : [meta.program];
  const command = argv.filter((p): p is string => typeof p === "string").join(" ");
  const facts: [string, React.ReactNode][] = [
    ["State", <RunStateFact key="s" run={run} />],
    ...(run.sweep
      ? ([["Sweep", <Link key="sw" to={`/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/sweeps/${encodeURIComponent(run.sweep)}`}>{run.sweep}</Link>]] as [string, React.ReactNode][])
      : []),
    ["Created", formatDateTime(run.created_at)],
    ["Runtime", formatDuration(Math.max(0, end - run.created_at))],
    ["Finished", run.finished_at ? formatDateTime(run.finished_at) : "—"],
    ["Exit code", run.exit_code ?? "—"],
    ["Host", run.host ?? (typeof meta.hostname === "string" ? meta.hostname : "—")],
    ["Command", command || "—"],
    ["Python", typeof meta.python_version === "string" ? meta.python_version : "—"],
    ["Group", run.group ?? "—"],
    ["Job type", run.job_type ?? "—"],
    ["Run id", run.id],
  ];
  return (
    <div className="overview">
      <SyncIssues value={meta.sync_issues} />
      <Alerts entity={entity} project={project} runId={run.id} live={run.state === "running"} />
      <div className="overview-grid">
        <section className="run-card" aria-label="Run">
          <h2>Run</h2>
          <dl className="facts">
            {facts.map(([label, value]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
            <div>
              <dt>Tags</dt>
              <dd><Tags run={run} entity={entity} project={project} /></dd>
            </div>
          </dl>
        </section>
        <section className="run-card" aria-label="Git">
          <h2>Git</h2>
          {run.git === null ? (
            <p className="muted">Not a git repository (or git capture was off).</p>
          ) : (
            <dl className="facts">
              <div>
                <dt>Commit</dt>
                <dd className="mono">
                  {commit === undefined ? "—" : link ? <a href={link} target="_blank" rel="noreferrer noopener">{commit.slice(0, 12)}</a> : commit.slice(0, 12)}
                  {git.dirty === true && <span className="badge state-crashed" title="uncommitted changes">dirty</span>}
                </dd>
              </div>
              <div><dt>Branch</dt><dd>{typeof git.branch === "string" ? git.branch : "—"}</dd></div>
              <div>
                <dt>Remote</dt>
                <dd className="mono">{remote ? (repoWebUrl(remote)?.replace(/^https:\/\//, "") ?? remote) : "—"}</dd>
              </div>
            </dl>
          )}
          <Diff entity={entity} project={project} run={run} />
        </section>
        <Notes run={run} entity={entity} project={project} />
      </div>
      <div className="overview-grid">
        <KeyValues title="Config" values={run.config} />
        <KeyValues title="Summary" values={userSummary(run.summary)} />
      </div>
      <MetricRules value={meta.metrics} />
    </div>
  );
}
