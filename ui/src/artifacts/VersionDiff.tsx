/** What changed between another version of the artifact and this one: files added, removed and
 * changed, with their sizes. */

import { useState } from "react";
import { useVersionDiff, type ArtifactVersion } from "../api/artifacts";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { formatBytes } from "../lib/format";
import { diffRows, diffSummary, formatDelta } from "./format";

export function VersionDiff({ entity, project, version, versions }: {
  entity: string; project: string; version: ArtifactVersion; versions: ArtifactVersion[];
}) {
  const others = versions.filter((v) => v.version !== version.version);
  // by default the version before this one (versions are listed newest first)
  const index = versions.findIndex((v) => v.version === version.version);
  const older = index >= 0 ? versions[index + 1] : undefined;
  const [picked, setPicked] = useState<string | null>(null);
  const base = picked ?? older?.version ?? others[0]?.version ?? null;
  const diff = useVersionDiff(entity, project, version.name, base, version.version);
  if (others.length === 0) return <Empty>This is the only version: there is nothing to compare it with.</Empty>;
  return (
    <div className="version-diff">
      <label className="diff-pick">
        Compare with{" "}
        <select aria-label="Compare with" value={base ?? ""} onChange={(e) => { setPicked(e.target.value); }}>
          {others.map((v) => (
            <option key={v.version} value={v.version}>
              {v.version}{v.aliases.length > 0 ? ` (${v.aliases.join(", ")})` : ""}
            </option>
          ))}
        </select>
      </label>
      {diff.isPending ? <Loading what="the differences" /> : null}
      {diff.isError ? <ErrorMessage error={diff.error} what="the differences" /> : null}
      {diff.data ? (
        <>
          <p className="diff-summary" aria-live="polite">
            From {base} to {version.version}: {diffSummary(diff.data)}
          </p>
          {diffRows(diff.data).length > 0 ? (
            <table className="files-table diff-table" aria-label="Changed files">
              <thead>
                <tr>
                  <th scope="col">Change</th>
                  <th scope="col">Path</th>
                  <th scope="col" className="right">Size in {base}</th>
                  <th scope="col" className="right">Size in {version.version}</th>
                  <th scope="col" className="right">Difference</th>
                </tr>
              </thead>
              <tbody>
                {diffRows(diff.data).map((row) => (
                  <tr key={row.path} data-change={row.kind}>
                    <td><span className={`badge change-${row.kind}`}>{row.kind}</span></td>
                    <th scope="row" className="mono">{row.path}</th>
                    <td className="right">{row.kind === "added" ? "—" : formatBytes(row.before)}</td>
                    <td className="right">{row.kind === "removed" ? "—" : formatBytes(row.after)}</td>
                    <td className="right">{formatDelta(row.delta)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
