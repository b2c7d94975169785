/** Audio panel (`audio-file`): a player per run at the chosen step, with its caption and length. */

import type { PanelBodyProps, PanelModule } from "../types";
import { StepFileBody } from "./stepFile";

function AudioBody(props: PanelBodyProps) {
  return (
    <StepFileBody
      {...props}
      type="audio-file"
      what="audio"
      render={(file, url, run, step) => (
        <div className="media-audio">
          <audio controls preload="metadata" src={url} aria-label={file.caption ?? `${props.panel.key ?? "audio"} of ${run.name} at step ${step}`} />
          {file.duration !== undefined ? <span className="media-note">{file.duration.toFixed(2)} s</span> : null}
        </div>
      )}
    />
  );
}

export const audioPanel: PanelModule = {
  type: "audio",
  label: "Audio",
  add: "media",
  mediaTypes: ["audio-file"],
  Body: AudioBody,
  title: (panel) => panel.key ?? "Audio",
};
