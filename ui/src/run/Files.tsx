import { useRunFiles, runFileUrl } from "../api/runDetails";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { formatBytes, formatDateTime } from "../lib/format";

/** The files saved with a run: path, size, time, download link. */
export function Files({ entity, project, runId, running }: { entity: string; project: string; runId: string; running: boolean }) {
  const files = useRunFiles(entity, project, runId, running);
  if (files.isPending) return <Loading what="files" />;
  if (files.isError) return <ErrorMessage error={files.error} what="files" />;
  if (files.data.length === 0) return <Empty>No files saved with this run (use <code>run.save(path)</code>).</Empty>;
  const sorted = [...files.data].sort((a, b) => a.path.localeCompare(b.path));
  return (
    <table className="files-table" aria-label="Files">
      <thead>
        <tr>
          <th scope="col">Path</th>
          <th scope="col" className="right">Size</th>
          <th scope="col">Updated</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((file) => (
          <tr key={file.path}>
            <td className="mono">
              <a href={runFileUrl(entity, project, runId, file.path)} download={file.path.split("/").pop()}>
                {file.path}
              </a>
            </td>
            <td className="right">{formatBytes(file.size)}</td>
            <td>{formatDateTime(file.updated_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
