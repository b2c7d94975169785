/** Video panel (`video-file`): a player per run at the chosen step; a GIF is shown as an image. */

import type { PanelBodyProps, PanelModule } from "../types";
import { StepFileBody } from "./stepFile";

function VideoBody(props: PanelBodyProps) {
  const maxHeight = Math.max(120, (props.expanded ? props.height * 2 : props.height) - 70);
  return (
    <StepFileBody
      {...props}
      type="video-file"
      what="videos"
      render={(file, url, run, step) => {
        const alt = file.caption ?? `${props.panel.key ?? "video"} of ${run.name} at step ${step}`;
        return file.format === "gif" ? (
          <img className="media-video" src={url} alt={alt} style={{ maxHeight }} />
        ) : (
          <video className="media-video" controls preload="metadata" src={url} aria-label={alt} style={{ maxHeight }} />
        );
      }}
    />
  );
}

export const videoPanel: PanelModule = {
  type: "video",
  label: "Video",
  add: "media",
  mediaTypes: ["video-file"],
  Body: VideoBody,
  title: (panel) => panel.key ?? "Video",
};
