/** The frame of the file-backed step panels (audio, video, HTML, text): the step slider and one
 * column per run, each drawing the run's file value at the step. */

import { useEffect, type ReactNode } from "react";
import type { ChartRun } from "../../charts/chartRun";
import type { PanelBodyProps } from "../types";
import { mediaUrl } from "./api";
import { NoSteps, RunColumns } from "./RunColumns";
import { StepSlider, stepKeys } from "./StepSlider";
import { useStepMedia } from "./useStepMedia";
import { asFile, type FileValue } from "./values";
import "./media.css";

interface Props extends PanelBodyProps {
  /** the value `_type` this panel shows */
  type: string;
  /** what the values are, for messages ("audio", "videos") */
  what: string;
  render: (file: FileValue, url: string, run: ChartRun, step: number) => ReactNode;
}

export function StepFileBody(props: Props) {
  const { panel, entity, project, seen, onState, type, what, render } = props;
  const media = useStepMedia(props);
  useEffect(() => {
    onState(media.state);
  }, [media.state, onState]);
  if (media.bounds === null || media.step === null) return <NoSteps state={media.state} mediaKey={panel.key} error={media.error} seen={seen} />;
  const label = panel.key ?? "";
  return (
    <div className="media-panel" tabIndex={0} onKeyDown={stepKeys(media.move)} aria-label={`${label} ${what}`}>
      <StepSlider label={label} bounds={media.bounds} step={media.step} onStep={media.setStep} onMove={media.move} />
      <RunColumns what={what} runs={media.runs} step={media.step}>
        {({ run, row }) => {
          const file = asFile(row.value, type);
          if (!file) return <div className="media-note">Step {row.step} holds no {what} this panel can show</div>;
          return (
            <>
              {render(file, mediaUrl(run, entity, project, file.sha256), run, row.step)}
              {file.caption ? <div className="media-caption">{file.caption}</div> : null}
            </>
          );
        }}
      </RunColumns>
    </div>
  );
}
