/** The state behind a step slider over one media key for several runs: the runs' key ranges,
 * the chosen step (persisted, debounced, in the panel's settings), the step window of values each
 * run needs for it (neighbouring windows prefetched), and each run's value at the step. */

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useQueries, useQueryClient } from "@tanstack/react-query";
import type { ChartRun } from "../../charts/chartRun";
import type { PanelBodyProps, PanelState } from "../types";
import { mediaKey, useRunKeys, windowQuery, type MediaKeyInfo, type ValueRow } from "./api";
import { mediaSettings, withMediaSettings } from "./settings";
import { nextWindow, previousWindow, stepMove, unionRange, valueAt, windowOf, type StepWindow } from "./steps";

export interface RunAtStep {
  run: ChartRun;
  info: MediaKeyInfo | null;
  /** the value shown: the last at or before the step; null when the run has none (yet) */
  row: ValueRow | null;
  loading: boolean;
  error: unknown;
  /** the values around the step known so far (the step's window, then the next window's when
   * it is loaded), in step order: what a panel may prefetch */
  values: readonly ValueRow[];
}

export interface StepMedia {
  state: PanelState;
  error: unknown;
  bounds: { lo: number; hi: number } | null;
  step: number | null;
  setStep: (step: number) => void;
  move: (direction: 1 | -1) => void;
  runs: RunAtStep[];
}

const PERSIST_AFTER_MS = 600;

export function useStepMedia(props: Pick<PanelBodyProps, "panel" | "entity" | "project" | "runs" | "seen" | "onChange">): StepMedia {
  const { panel, entity, project, runs, seen, onChange } = props;
  const key = panel.key ?? "";
  const saved = mediaSettings(panel).step;
  const [chosen, setChosen] = useState<number | null>(saved);
  const keys = useRunKeys(runs, entity, project, seen && key !== "");
  const infos = keys.map((q) => mediaKey(q.data, key));
  const infosKey = JSON.stringify(infos);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- recomputed when the ranges change, not on every poll
  const stableInfos = useMemo(() => infos, [infosKey]);
  const bounds = useMemo(() => unionRange(stableInfos), [stableInfos]);
  const step = bounds === null ? null : Math.min(bounds.hi, Math.max(bounds.lo, chosen ?? bounds.hi));

  const windows: (StepWindow | null)[] = stableInfos.map((info) => (info && step !== null ? windowOf(info, step) : null));
  const current = useQueries({
    queries: runs.map((run, i) => {
      const w = windows[i] ?? { index: 0, lo: 0, hi: 0 };
      return { ...windowQuery(run, entity, project, key, w), enabled: seen && windows[i] != null };
    }),
  });
  // a step in a gap at the start of its window shows the previous window's last value
  const previous = useQueries({
    queries: runs.map((run, i) => {
      const info = stableInfos[i];
      const w = windows[i];
      const prev = info && w ? previousWindow(info, w) : null;
      const data = current[i]?.data;
      const needed = prev !== null && data !== undefined && step !== null && valueAt(data.values, step) === null;
      return { ...windowQuery(run, entity, project, key, prev ?? { index: 0, lo: 0, hi: 0 }), enabled: seen && needed };
    }),
  });

  const client = useQueryClient();
  const windowsKey = JSON.stringify(windows);
  useEffect(() => {
    if (!seen) return;
    runs.forEach((run, i) => {
      const info = stableInfos[i];
      const w = windows[i];
      if (!info || !w) return;
      for (const n of [nextWindow(info, w), previousWindow(info, w)]) {
        if (n) client.query(windowQuery(run, entity, project, key, n)).catch(() => undefined);
      }
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- windowsKey stands for windows
  }, [client, runs, stableInfos, windowsKey, seen, entity, project, key]);

  const atStep: RunAtStep[] = runs.map((run, i) => {
    const cur = current[i];
    const prev = previous[i];
    const row = step === null ? null : (valueAt(cur?.data?.values ?? [], step) ?? valueAt(prev?.data?.values ?? [], step));
    const info = stableInfos[i];
    const w = windows[i];
    const next = info && w ? nextWindow(info, w) : null;
    const nextValues = next ? (client.getQueryData(windowQuery(run, entity, project, key, next).queryKey)?.values ?? []) : [];
    return {
      run,
      info: info ?? null,
      row,
      loading: Boolean(cur?.isLoading || prev?.isLoading),
      error: cur?.error ?? prev?.error ?? null,
      values: nextValues.length > 0 ? [...(cur?.data?.values ?? []), ...nextValues] : (cur?.data?.values ?? []),
    };
  });

  const known = useMemo(() => {
    const steps: number[] = [];
    for (const q of current) for (const v of q.data?.values ?? []) steps.push(v.step);
    return steps;
  }, [current]);

  const move = useCallback(
    (direction: 1 | -1) => {
      if (bounds === null || step === null) return;
      let edge: number | null = null;
      stableInfos.forEach((info, i) => {
        const w = windows[i];
        if (!info || !w) return;
        const e = direction > 0 ? (w.hi < info.step_max ? w.hi + 1 : null) : w.index > 0 ? w.lo - 1 : null;
        if (e === null) return;
        edge = edge === null ? e : direction > 0 ? Math.min(edge, e) : Math.max(edge, e);
      });
      setChosen(stepMove(known, step, direction, bounds, edge));
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- windowsKey stands for windows
    [bounds, step, stableInfos, windowsKey, known],
  );

  // persist the chosen step a moment after the last change, not on every key press
  const latest = useRef({ panel, onChange });
  useEffect(() => {
    latest.current = { panel, onChange };
  }, [panel, onChange]);
  useEffect(() => {
    if (chosen === saved) return;
    const timer = window.setTimeout(() => {
      latest.current.onChange(withMediaSettings(latest.current.panel, { step: chosen }));
    }, PERSIST_AFTER_MS);
    return () => {
      window.clearTimeout(timer);
    };
  }, [chosen, saved]);

  const keysError = keys.find((q) => q.error)?.error ?? null;
  const valueError = atStep.find((r) => r.error)?.error ?? null;
  let state: PanelState;
  if (!seen) state = "idle";
  else if (keysError || valueError) state = "error";
  else if (keys.some((q) => q.isLoading)) state = "loading";
  else if (bounds === null) state = "empty";
  else if (atStep.some((r) => r.loading)) state = "loading";
  else state = "ready";

  return { state, error: keysError ?? valueError, bounds, step, setStep: setChosen, move, runs: atStep };
}
