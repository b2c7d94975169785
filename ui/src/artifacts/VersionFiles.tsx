/** A version's files by path, a page at a time, filtered by a path prefix: size, sha256 (short,
 * copyable), a download link; references show where they point. */

import { useDeferredValue, useState } from "react";
import { artifactFileUrl, useVersionFiles, type ArtifactVersion } from "../api/artifacts";
import { Empty, ErrorMessage, Loading } from "../components/Status";
import { formatBytes } from "../lib/format";
import { shortSha } from "./format";
import { CopyButton } from "./parts";

export function VersionFiles({ entity, project, version }: { entity: string; project: string; version: ArtifactVersion }) {
  const [prefix, setPrefix] = useState("");
  const shownPrefix = useDeferredValue(prefix);
  const files = useVersionFiles(entity, project, version.name, version.version, shownPrefix);
  const rows = files.data?.pages.flatMap((page) => page.files);
  return (
    <div className="version-files">
      <div className="files-toolbar">
        <input type="search" aria-label="Path prefix" placeholder="Only paths starting with…" maxLength={1024} value={prefix}
          onChange={(e) => { setPrefix(e.target.value); }} />
        <span className="muted">{version.file_count.toLocaleString()} file{version.file_count === 1 ? "" : "s"} in this version</span>
      </div>
      {files.isPending ? <Loading what="the files" /> : null}
      {files.isError ? <ErrorMessage error={files.error} what="the files" /> : null}
      {rows && rows.length === 0 ? <Empty>{shownPrefix ? `No file path starts with “${shownPrefix}”.` : "This version has no files."}</Empty> : null}
      {rows && rows.length > 0 ? (
        <>
          <table className="files-table artifact-files" aria-label="Files of the version">
            <thead>
              <tr>
                <th scope="col">Path</th>
                <th scope="col" className="right">Size</th>
                <th scope="col">SHA-256</th>
                <th scope="col">Download</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((file) => (
                <tr key={file.path} data-path={file.path}>
                  <th scope="row" className="mono">{file.path}</th>
                  <td className="right">{formatBytes(file.size)}</td>
                  <td className="mono">
                    {file.sha256 ? (
                      <>
                        <span title={file.sha256}>{shortSha(file.sha256)}</span>{" "}
                        <CopyButton text={file.sha256} label={`Copy the SHA-256 of ${file.path}`} />
                      </>
                    ) : (
                      <span className="muted" title={file.checksum ?? undefined}>reference</span>
                    )}
                  </td>
                  <td>
                    {file.sha256 ? (
                      <a href={artifactFileUrl(entity, project, version.name, version.version, file.path)}
                        download={file.path.split("/").pop()} aria-label={`Download ${file.path}`}>
                        Download
                      </a>
                    ) : (
                      <span className="mono ref-uri" title="The server holds no bytes of a reference: fetch it from there">{file.ref}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {files.hasNextPage && (
            <button type="button" disabled={files.isFetchingNextPage} onClick={() => { void files.fetchNextPage(); }}>
              {files.isFetchingNextPage ? "Loading…" : "Load more files"}
            </button>
          )}
        </>
      ) : null}
    </div>
  );
}
