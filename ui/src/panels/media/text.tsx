/** Text panel (`text-file`): the logged text per run at the chosen step, plain or as markdown
 * (rendered by our small element-only renderer). */

import { useQuery } from "@tanstack/react-query";
import type { ChartRun } from "../../charts/chartRun";
import { ErrorMessage } from "../../components/Status";
import type { PanelBodyProps, PanelModule } from "../types";
import { mediaFileQuery } from "./api";
import { Markdown } from "./Markdown";
import { StepFileBody } from "./stepFile";
import type { FileValue } from "./values";

/** Longer texts are cut for display, and say so. */
const MAX_CHARS = 200_000;

function TextFile({ file, run, entity, project, maxHeight }: { file: FileValue; run: ChartRun; entity: string; project: string; maxHeight: number }) {
  const text = useQuery(mediaFileQuery(run, entity, project, file.sha256, "text"));
  if (text.error) return <ErrorMessage error={text.error} what="the text" />;
  if (text.data === undefined) return <div className="media-note">{file.preview ?? "Loading…"}</div>;
  const full = typeof text.data === "string" ? text.data : JSON.stringify(text.data);
  const shown = full.length > MAX_CHARS ? full.slice(0, MAX_CHARS) : full;
  return (
    <div className="media-text" style={{ maxHeight }}>
      {file.format === "markdown" ? <Markdown source={shown} /> : <pre>{shown}</pre>}
      {shown.length < full.length ? (
        <div className="media-note">
          Showing the first {MAX_CHARS.toLocaleString()} of {full.length.toLocaleString()} characters
        </div>
      ) : null}
    </div>
  );
}

function TextBody(props: PanelBodyProps) {
  const maxHeight = Math.max(120, (props.expanded ? props.height * 2 : props.height) - 70);
  return (
    <StepFileBody
      {...props}
      type="text-file"
      what="text"
      render={(file, _url, run) => <TextFile key={file.sha256} file={file} run={run} entity={props.entity} project={props.project} maxHeight={maxHeight} />}
    />
  );
}

export const textPanel: PanelModule = {
  type: "text",
  label: "Text",
  add: "media",
  mediaTypes: ["text-file"],
  Body: TextBody,
  title: (panel) => panel.key ?? "Text",
};
