import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useProjects } from "../api/projects";
import { seg } from "../api/client";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { formatDateTime, formatRelativeTime } from "../lib/format";
import "./ProjectsPage.css";
import { useNow } from "../lib/useNow";

const SNIPPET = `import cairn
run = cairn.init(project="my-project")
run.log({"loss": 0.1})
run.finish()`;

/** All projects the viewer can see, most recently active first, with a name search. */
export function ProjectsPage() {
  const [params, setParams] = useSearchParams();
  const urlSearch = params.get("q") ?? "";
  const showArchived = params.get("archived") === "1";
  const [text, setText] = useState(urlSearch);
  const [search, setSearch] = useState(urlSearch);

  // ask the server once typing pauses; keep the search in the URL so back/forward restore it
  useEffect(() => {
    const timer = window.setTimeout(() => {
      const trimmed = text.trim();
      setSearch(trimmed);
      if (trimmed !== urlSearch) {
        setParams(
          (current) => {
            const next = new URLSearchParams(current);
            if (trimmed === "") next.delete("q");
            else next.set("q", trimmed);
            return next;
          },
          { replace: true },
        );
      }
    }, 250);
    return () => {
      window.clearTimeout(timer);
    };
  }, [text, urlSearch, setParams]);

  const query = useProjects(search, showArchived);
  const pages = query.data?.pages ?? [];
  const projects = pages.flatMap((page) => page.projects);
  const total = pages[0]?.total ?? 0;
  const now = useNow();

  return (
    <div className="page projects-page">
      <div className="projects-head">
        <h1>Projects</h1>
        <input
          type="search"
          className="projects-search"
          placeholder="Search projects…"
          aria-label="Search projects"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
          }}
        />
        <label className="projects-archived">
          <input
            type="checkbox"
            checked={showArchived}
            onChange={(event) => {
              const checked = event.target.checked;
              setParams(
                (current) => {
                  const next = new URLSearchParams(current);
                  if (checked) next.set("archived", "1");
                  else next.delete("archived");
                  return next;
                },
                { replace: true },
              );
            }}
          />{" "}
          Show archived
        </label>
      </div>
      {query.isPending ? (
        <Loading what="projects" />
      ) : query.isError ? (
        <ErrorMessage error={query.error} what="projects" />
      ) : projects.length === 0 ? (
        search !== "" ? (
          <Empty>No project name contains “{search}”.</Empty>
        ) : (
          <NoProjects />
        )
      ) : (
        <>
          <table className="projects-table" aria-label="Projects" aria-busy={query.isFetching}>
            <thead>
              <tr>
                <th scope="col">Project</th>
                <th scope="col" className="num">
                  Runs
                </th>
                <th scope="col">Last activity</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {projects.map((project) => (
                <tr key={`${project.entity}/${project.name}`}>
                  <td>
                    <Link to={`/${seg(project.entity)}/${seg(project.name)}`} className="project-link">
                      <span className="project-entity">{project.entity}/</span>
                      <span className="project-name">{project.name}</span>
                    </Link>
                    {project.archived_at != null && (
                      <>
                        {" "}
                        <span className="badge archived-badge" title={`Archived ${formatDateTime(project.archived_at)}`}>
                          archived
                        </span>
                      </>
                    )}
                    {project.description !== "" && <div className="project-description">{project.description}</div>}
                  </td>
                  <td className="num">{project.run_count.toLocaleString()}</td>
                  <td title={formatDateTime(project.updated_at)}>{formatRelativeTime(project.updated_at, now)}</td>
                  <td title={formatDateTime(project.created_at)}>{formatRelativeTime(project.created_at, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="projects-foot">
            <span className="projects-count">
              {projects.length.toLocaleString()} of {total.toLocaleString()} project{total === 1 ? "" : "s"}
            </span>
            {query.hasNextPage && (
              <button
                type="button"
                disabled={query.isFetchingNextPage}
                onClick={() => {
                  void query.fetchNextPage();
                }}
              >
                {query.isFetchingNextPage ? "Loading…" : "Load more"}
              </button>
            )}
          </div>
        </>
      )}
    </div>
  );
}

function NoProjects() {
  return (
    <div className="no-projects">
      <h2>No projects yet</h2>
      <p>Log a run from Python and its project appears here:</p>
      <pre className="snippet">
        <code>{SNIPPET}</code>
      </pre>
      <p className="hint">
        Install the SDK with <code>pip install cairn-ml</code>. Runs go to <code>http://127.0.0.1:8080</code> by
        default; see the quickstart (<code>docs/quickstart.md</code>) and the <a href="/api/docs">API documentation</a>.
      </p>
    </div>
  );
}
