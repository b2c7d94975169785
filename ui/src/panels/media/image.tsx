/** Image panel (`image-file`, `images/separated`): a step slider over the key's steps, one column
 * per run side by side, galleries as a grid, and boxes and masks drawn over each image with
 * per-class toggles, a score threshold and mask opacity (all kept in the panel's settings). */

import { useEffect } from "react";
import { useQueries } from "@tanstack/react-query";
import type { PanelBodyProps, PanelModule } from "../types";
import { mediaFileQuery, mediaUrl } from "./api";
import { classColor, classLabels, parseBoxes, scoreNames, scoreRange } from "./boxes";
import { ImageView } from "./ImageView";
import { usePrefetchNeighbours } from "./prefetch";
import { NoSteps, RunColumns } from "./RunColumns";
import { mediaSettings, withMediaSettings, type MediaSettings } from "./settings";
import { StepSlider, stepKeys } from "./StepSlider";
import { useStepMedia } from "./useStepMedia";
import { imagesOf, type ImageValue } from "./values";
import "./media.css";

function ImageBody(props: PanelBodyProps) {
  const { panel, entity, project, seen, height, expanded, onState, onPainted, onChange } = props;
  const key = panel.key;
  const media = useStepMedia(props);
  const settings = mediaSettings(panel);
  const update = (change: Partial<MediaSettings>) => {
    onChange(withMediaSettings(panel, change));
  };

  useEffect(() => {
    onState(media.state);
  }, [media.state, onState]);
  usePrefetchNeighbours(
    media.runs,
    media.step,
    (i, row) => {
      const run = media.runs[i]?.run;
      return run ? imagesOf(row.value).map((image) => mediaUrl(run, entity, project, image.sha256)) : [];
    },
    seen && media.state === "ready",
  );

  const perRun = media.runs.map((entry) => ({ entry, images: entry.row ? imagesOf(entry.row.value) : [] }));
  const boxRefs = perRun.flatMap(({ entry, images }) =>
    images.flatMap((image) => Object.entries(image.boxes ?? {}).map(([name, ref]) => ({ run: entry.run, image, name, sha256: ref.sha256 }))),
  );
  const boxQueries = useQueries({
    queries: boxRefs.map((b) => ({ ...mediaFileQuery(b.run, entity, project, b.sha256, "json"), enabled: seen })),
  });
  const boxJson = new Map<string, unknown>();
  boxRefs.forEach((b, i) => {
    const data = boxQueries[i]?.data;
    if (data !== undefined) boxJson.set(b.sha256, data);
  });
  const allImages: ImageValue[] = perRun.flatMap((r) => r.images);
  const parsedFiles = boxRefs.flatMap((b) => {
    const json = boxJson.get(b.sha256);
    return json === undefined ? [] : [parseBoxes(json, b.image.width ?? 1, b.image.height ?? 1)];
  });
  const classes = classLabels(allImages, parsedFiles);
  const classNames = new Map(classes.map((c) => [c.id, c.name]));
  const scores = scoreNames(parsedFiles);
  const range = settings.scoreName ? scoreRange(parsedFiles, settings.scoreName) : null;
  const hasBoxes = boxRefs.length > 0;
  const hasMasks = allImages.some((image) => image.masks !== undefined);

  const hiddenSet = new Set(settings.hiddenClasses);

  if (media.bounds === null || media.step === null) return <NoSteps state={media.state} mediaKey={key} error={media.error} seen={seen} />;
  const label = key ?? "";
  const single = Math.max(120, (expanded ? height * 2 : height) - 70);

  return (
    <div className="media-panel" tabIndex={0} onKeyDown={stepKeys(media.move)} aria-label={`${label} images`}>
      <StepSlider label={label} bounds={media.bounds} step={media.step} onStep={media.setStep} onMove={media.move} />
      {hasBoxes || hasMasks ? (
        <div className="media-tools">
          {hasBoxes ? (
            <label>
              <input type="checkbox" checked={settings.showBoxes} onChange={(e) => { update({ showBoxes: e.currentTarget.checked }); }} /> Boxes
            </label>
          ) : null}
          {hasMasks ? (
            <>
              <label>
                <input type="checkbox" checked={settings.showMasks} onChange={(e) => { update({ showMasks: e.currentTarget.checked }); }} /> Masks
              </label>
              <label>
                Opacity
                <input
                  type="range"
                  aria-label="Mask opacity"
                  min={0}
                  max={1}
                  step={0.05}
                  value={settings.maskOpacity}
                  onChange={(e) => { update({ maskOpacity: Number(e.currentTarget.value) }); }}
                />
              </label>
            </>
          ) : null}
          {scores.length > 0 ? (
            <label>
              Score
              <select
                aria-label="Score to threshold on"
                value={settings.scoreName ?? ""}
                onChange={(e) => { update({ scoreName: e.currentTarget.value || null }); }}
              >
                <option value="">(no threshold)</option>
                {scores.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          {settings.scoreName && range ? (
            <label>
              ≥ {Number(settings.scoreMin.toPrecision(3))}
              <input
                type="range"
                aria-label={`Minimum ${settings.scoreName}`}
                min={Math.min(range[0], 0)}
                max={range[1]}
                step={(range[1] - Math.min(range[0], 0)) / 100 || 0.01}
                value={settings.scoreMin}
                onChange={(e) => { update({ scoreMin: Number(e.currentTarget.value) }); }}
              />
            </label>
          ) : null}
          {classes.length > 0 ? (
            <div className="media-classes" role="group" aria-label="Classes">
              {classes.map((c) => {
                const hidden = hiddenSet.has(c.id);
                return (
                  <button
                    key={c.id}
                    type="button"
                    className={`media-class${hidden ? " media-class-off" : ""}`}
                    aria-pressed={!hidden}
                    aria-label={`Show class ${c.name}`}
                    onClick={() => {
                      const next = hidden ? settings.hiddenClasses.filter((h) => h !== c.id) : [...settings.hiddenClasses, c.id];
                      update({ hiddenClasses: next });
                    }}
                  >
                    <span className="media-swatch" style={{ background: classColor(Number(c.id)) }} />
                    {c.name}
                  </button>
                );
              })}
            </div>
          ) : null}
        </div>
      ) : null}
      <RunColumns what="images" runs={media.runs} step={media.step}>
        {({ run, row }) => {
          const images = imagesOf(row.value);
          if (images.length === 0) return <div className="media-note">Step {row.step} holds no image this panel can show</div>;
          return (
            <div className={images.length > 1 ? "media-gallery" : "media-single"}>
              {images.map((image, i) => (
                <ImageView
                  key={`${image.sha256}-${i}`}
                  src={mediaUrl(run, entity, project, image.sha256)}
                  image={image}
                  alt={image.caption ?? `${label} of ${run.name} at step ${row.step}${images.length > 1 ? ` (${i + 1} of ${images.length})` : ""}`}
                  boxes={Object.entries(image.boxes ?? {}).flatMap(([name, ref]) => {
                    const json = boxJson.get(ref.sha256);
                    return json === undefined ? [] : [{ name, json }];
                  })}
                  masks={Object.entries(image.masks ?? {}).map(([name, ref]) => ({ name, sha256: ref.sha256, url: mediaUrl(run, entity, project, ref.sha256) }))}
                  hiddenClasses={settings.hiddenClasses}
                  scoreName={settings.scoreName}
                  scoreMin={settings.scoreMin}
                  classNames={classNames}
                  showBoxes={settings.showBoxes}
                  showMasks={settings.showMasks}
                  maskOpacity={settings.maskOpacity}
                  maxHeight={images.length > 1 ? 150 : single}
                  onLoad={onPainted}
                />
              ))}
            </div>
          );
        }}
      </RunColumns>
    </div>
  );
}

export const imagePanel: PanelModule = {
  type: "image",
  label: "Images",
  add: "media",
  mediaTypes: ["image-file", "images/separated"],
  Body: ImageBody,
  title: (panel) => panel.key ?? "Images",
};
