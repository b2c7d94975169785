/** HTML panel (`html-file`): the logged page in a sandboxed iframe loaded from the media route,
 * which also serves it under `Content-Security-Policy: sandbox allow-scripts`. Scripts may run,
 * but in an opaque origin: no same-origin access to the app, its cookies or its API. The page is
 * never written inline (no srcdoc), so nothing of it is parsed in the app's document. */

import type { PanelBodyProps, PanelModule } from "../types";
import { StepFileBody } from "./stepFile";

function HtmlBody(props: PanelBodyProps) {
  const frameHeight = Math.max(120, (props.expanded ? props.height * 2 : props.height) - 70);
  return (
    <StepFileBody
      {...props}
      type="html-file"
      what="HTML"
      render={(file, url, run, step) => (
        <iframe
          className="media-html"
          sandbox="allow-scripts"
          referrerPolicy="no-referrer"
          src={url}
          title={`${props.panel.key ?? "HTML"} of ${run.name} at step ${step}`}
          style={{ height: frameHeight }}
          key={file.sha256}
        />
      )}
    />
  );
}

export const htmlPanel: PanelModule = {
  type: "html",
  label: "HTML",
  add: "media",
  mediaTypes: ["html-file"],
  Body: HtmlBody,
  title: (panel) => panel.key ?? "HTML",
};
