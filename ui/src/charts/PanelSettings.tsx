/** The settings dialog of a line panel: its lines (`children`: metrics and derived metrics),
 * smoothing, x axis, log scales, y range, legend, runs, band. */

import { useEffect, useId, useRef, type ReactNode } from "react";
import { SMOOTHING_LABELS, SMOOTHING_PARAMS, SMOOTHING_TYPES, type SmoothingType } from "../lib/smoothing";
import type { BandKind, LineSettings } from "./layout";
import { DEFAULT_SETTINGS } from "./layout";

interface Props {
  /** shown first: what the panel plots */
  children?: ReactNode;
  title: string;
  settings: LineSettings;
  /** the panel has saved settings of its own (Reset is offered); left out: they differ from the defaults */
  customized?: boolean;
  xKeys: readonly string[];
  grouped: boolean;
  onChange: (settings: Partial<LineSettings>) => void;
  onReset: () => void;
  onClose: () => void;
}

function numberOrNull(text: string): number | null {
  if (text.trim() === "") return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

export function PanelSettings({ children, title, settings, customized, xKeys, grouped, onChange, onReset, onClose }: Props) {
  const id = useId();
  const box = useRef<HTMLDivElement>(null);
  const kind = SMOOTHING_TYPES.includes(settings.smoothingType) ? settings.smoothingType : "exponential";
  const param = SMOOTHING_PARAMS[kind];
  useEffect(() => {
    box.current?.querySelector<HTMLElement>("input, select")?.focus();
  }, []);
  return (
    <div
      ref={box}
      className="panel-settings"
      role="dialog"
      aria-label={`Settings for ${title}`}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      {children}
      <div className="settings-row">
        <label htmlFor={`${id}-smooth-type`}>Smoothing</label>
        <select
          id={`${id}-smooth-type`}
          aria-label="Smoothing type"
          value={kind}
          onChange={(e) => {
            const next = e.target.value as SmoothingType;
            // each kind's parameter means something else: start from the kind's own value
            onChange(next === "none" ? { smoothingType: next } : { smoothingType: next, smoothing: SMOOTHING_PARAMS[next].initial });
          }}
        >
          {SMOOTHING_TYPES.map((t) => (
            <option key={t} value={t}>
              {SMOOTHING_LABELS[t]}
            </option>
          ))}
        </select>
      </div>
      {kind !== "none" ? (
        <div className="settings-row">
          <label htmlFor={`${id}-smooth`} title={param.label}>
            {param.label}
          </label>
          <input
            type="range"
            min={param.min}
            max={param.sliderMax}
            step={param.step}
            value={Math.min(settings.smoothing, param.sliderMax)}
            aria-hidden="true"
            tabIndex={-1}
            onChange={(e) => {
              onChange({ smoothing: Number(e.target.value) });
            }}
          />
          <input
            id={`${id}-smooth`}
            type="number"
            min={param.min}
            max={param.max}
            step={param.step}
            className="settings-number"
            aria-label="Smoothing"
            value={settings.smoothing}
            onChange={(e) => {
              const v = Number(e.target.value);
              if (Number.isFinite(v)) onChange({ smoothing: Math.min(param.max, Math.max(param.min, v)) });
            }}
          />
        </div>
      ) : null}
      <div className="settings-row">
        <label htmlFor={`${id}-x`}>X axis</label>
        <select
          id={`${id}-x`}
          aria-label="X axis"
          value={settings.xAxis}
          onChange={(e) => {
            onChange({ xAxis: e.target.value, logX: false });
          }}
        >
          <option value="step">Step</option>
          <option value="time">Wall time</option>
          <option value="relative">Relative time</option>
          {xKeys.length > 0 ? (
            <optgroup label="Metric">
              {xKeys.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </optgroup>
          ) : null}
        </select>
      </div>
      <div className="settings-row">
        <label>
          <input
            type="checkbox"
            checked={settings.logX}
            disabled={settings.xAxis === "time"}
            onChange={(e) => {
              onChange({ logX: e.target.checked });
            }}
          />{" "}
          Log x
        </label>
        <label>
          <input
            type="checkbox"
            checked={settings.logY}
            onChange={(e) => {
              onChange({ logY: e.target.checked });
            }}
          />{" "}
          Log y
        </label>
        <label>
          <input
            type="checkbox"
            checked={settings.legend}
            onChange={(e) => {
              onChange({ legend: e.target.checked });
            }}
          />{" "}
          Legend
        </label>
      </div>
      <div className="settings-row">
        <label htmlFor={`${id}-ymin`}>Y min</label>
        <input
          id={`${id}-ymin`}
          className="settings-number"
          type="number"
          placeholder="auto"
          defaultValue={settings.yMin ?? ""}
          onChange={(e) => {
            onChange({ yMin: numberOrNull(e.target.value) });
          }}
        />
        <label htmlFor={`${id}-ymax`}>Y max</label>
        <input
          id={`${id}-ymax`}
          className="settings-number"
          type="number"
          placeholder="auto"
          defaultValue={settings.yMax ?? ""}
          onChange={(e) => {
            onChange({ yMax: numberOrNull(e.target.value) });
          }}
        />
      </div>
      <div className="settings-row">
        <label htmlFor={`${id}-max`}>Max runs</label>
        <input
          id={`${id}-max`}
          className="settings-number"
          type="number"
          min={0}
          step={1}
          placeholder="all"
          value={settings.maxRuns || ""}
          onChange={(e) => {
            onChange({ maxRuns: Math.max(0, Math.floor(Number(e.target.value) || 0)) });
          }}
        />
        <label htmlFor={`${id}-band`}>{grouped ? "Group band" : "Band"}</label>
        <select
          id={`${id}-band`}
          value={settings.band}
          title={grouped ? "spread across the group's runs" : "spread of each run's points within a bucket"}
          onChange={(e) => {
            onChange({ band: e.target.value as BandKind });
          }}
        >
          <option value="minmax">min/max</option>
          <option value="std">±1 std</option>
          <option value="off">off</option>
        </select>
      </div>
      <div className="settings-actions">
        <button
          type="button"
          onClick={() => {
            onReset();
          }}
          disabled={customized === undefined ? JSON.stringify(settings) === JSON.stringify(DEFAULT_SETTINGS) : !customized}
        >
          Reset
        </button>
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </div>
  );
}
