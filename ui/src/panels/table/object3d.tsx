/** The 3D panel (`object3D-file`, pts.json): a point cloud coloured by category or rgb, boxes as
 * line segments, orbit on drag and zoom on wheel. three.js is imported only when such a panel
 * draws, and every WebGL resource is released on unmount. */

import { useEffect, useMemo, useRef, useState } from "react";
import { chartColors, useTheme } from "../../charts/theme";
import type { PanelBodyProps, PanelModule } from "../types";
import { useFileJson } from "./mediaValue";
import { CloudError, parseCloud, type Cloud } from "./points3d";
import { viewSettings, withSettings } from "./settings";
import { useRunWithKey } from "./runWithKey";
import { StepSelect } from "./StepSelect";
import { useLatest } from "./useLatest";
import "./table.css";

const TOOLBAR = 30;

async function loadThree() {
  const [three, controls] = await Promise.all([import("three"), import("three/examples/jsm/controls/OrbitControls.js")]);
  return { THREE: three, OrbitControls: controls.OrbitControls };
}

export function Object3DBody(props: PanelBodyProps) {
  const { panel, entity, project, runs, seen, width, height, onState, onPainted, onChange } = props;
  const key = panel.key ?? "";
  const { step } = viewSettings(panel);
  const run = useRunWithKey(entity, project, runs, key, seen, null);
  const { values, logged, file, url, json } = useFileJson(entity, project, run, key, step, seen, true);
  const format = file?.format ?? "pts.json";
  const supported = format === "pts.json" || format === "json";
  const parsed = useMemo((): Cloud | Error | undefined => {
    if (json.data === undefined) return undefined;
    try {
      return parseCloud(json.data);
    } catch (error) {
      return error instanceof CloudError ? error : new Error(String(error));
    }
  }, [json.data]);
  const cloud = parsed instanceof Error ? undefined : parsed;
  const box = useRef<HTMLDivElement>(null);
  const theme = useTheme();
  const report = useLatest({ onState, onPainted });
  const [drawError, setDrawError] = useState<string | null>(null);
  const plotHeight = Math.max(120, height - TOOLBAR);

  const loadError =
    values.error ??
    (logged && !file ? new Error("the logged value names no file") : null) ??
    (file && !supported ? null : (json.error ?? (parsed instanceof Error ? parsed : null)));
  const state = !seen
    ? "idle"
    : loadError || drawError
      ? "error"
      : (values.data && !logged) || cloud?.count === 0 || (file && !supported)
        ? "empty"
        : "loading";
  const drawing = state === "loading" && cloud !== undefined;
  useEffect(() => {
    if (state !== "idle" && !drawing) onState(state);
    if (state === "empty") onPainted();
  }, [state, drawing, onState, onPainted]);

  // one renderer per cloud and theme; resizing only resizes it
  const sizeRef = useRef({ width, height: plotHeight });
  const resize = useRef<((w: number, h: number) => void) | null>(null);
  useEffect(() => {
    sizeRef.current = { width, height: plotHeight };
    resize.current?.(width, plotHeight);
  }, [width, plotHeight]);

  useEffect(() => {
    const el = box.current;
    if (!el || !cloud || cloud.count === 0) return;
    let cancelled = false;
    let cleanup: (() => void) | null = null;
    const bg = chartColors().bg;
    loadThree()
      .then(({ THREE, OrbitControls }) => {
        if (cancelled) return;
        const { width: w, height: h } = sizeRef.current;
        const renderer = new THREE.WebGLRenderer({ antialias: true });
        renderer.setPixelRatio(window.devicePixelRatio || 1);
        renderer.setSize(w, h);
        renderer.setClearColor(new THREE.Color(bg));
        el.appendChild(renderer.domElement);
        renderer.domElement.setAttribute("aria-label", `3D point cloud ${key}: ${cloud.count} points, ${cloud.boxes.length} boxes; drag to orbit, wheel to zoom`);
        renderer.domElement.setAttribute("role", "img");
        const scene = new THREE.Scene();
        const camera = new THREE.PerspectiveCamera(50, w / h, cloud.radius / 1000, cloud.radius * 100);
        // lidar and most point clouds are z-up
        camera.up.set(0, 0, 1);
        const [cx, cy, cz] = cloud.center;
        camera.position.set(cx - cloud.radius * 1.6, cy - cloud.radius * 1.6, cz + cloud.radius * 1.2);
        const geometry = new THREE.BufferGeometry();
        geometry.setAttribute("position", new THREE.BufferAttribute(cloud.positions, 3));
        geometry.setAttribute("color", new THREE.BufferAttribute(cloud.colors, 3));
        const material = new THREE.PointsMaterial({ size: 2, sizeAttenuation: false, vertexColors: true });
        scene.add(new THREE.Points(geometry, material));
        const lineGeometry = new THREE.BufferGeometry();
        lineGeometry.setAttribute("position", new THREE.BufferAttribute(cloud.boxLines, 3));
        lineGeometry.setAttribute("color", new THREE.BufferAttribute(cloud.boxColors, 3));
        const lineMaterial = new THREE.LineBasicMaterial({ vertexColors: true });
        if (cloud.boxLines.length > 0) scene.add(new THREE.LineSegments(lineGeometry, lineMaterial));
        const controls = new OrbitControls(camera, renderer.domElement);
        controls.target.set(cx, cy, cz);
        const render = () => {
          renderer.render(scene, camera);
        };
        controls.addEventListener("change", render);
        controls.update();
        render();
        resize.current = (nw, nh) => {
          renderer.setSize(nw, nh);
          camera.aspect = nw / nh;
          camera.updateProjectionMatrix();
          render();
        };
        cleanup = () => {
          resize.current = null;
          controls.removeEventListener("change", render);
          controls.dispose();
          geometry.dispose();
          material.dispose();
          lineGeometry.dispose();
          lineMaterial.dispose();
          renderer.dispose();
          // browsers allow few live WebGL contexts: give this one back now, not at GC
          renderer.forceContextLoss();
          renderer.domElement.remove();
        };
        setDrawError(null);
        report.current.onState("ready");
        report.current.onPainted();
      })
      .catch((error: unknown) => {
        if (!cancelled) setDrawError(error instanceof Error ? error.message : String(error));
      });
    return () => {
      cancelled = true;
      cleanup?.();
    };
  }, [cloud, theme, key, report]);

  if (!seen) return <div style={{ height }} />;
  if (!run) return <div className="panel-empty">No run is shown.</div>;
  const error = loadError ?? (drawError ? new Error(drawError) : null);
  return (
    <div className="tp-panel">
      <div className="tp-toolbar">
        {runs.length > 1 ? <span className="tp-footer">{run.name} (the first of {runs.length} runs shown that has {key})</span> : null}
        <StepSelect values={values.data ?? []} step={step} onStep={(s) => { onChange(withSettings(panel, { step: s })); }} />
        {cloud ? <span className="tp-footer">{cloud.count.toLocaleString()} points{cloud.boxes.length ? `, ${cloud.boxes.length} ${cloud.boxes.length === 1 ? "box" : "boxes"}` : ""}</span> : null}
      </div>
      {error ? (
        <div className="tp-error" role="alert">
          Could not draw {key}: {error.message}
        </div>
      ) : values.data && !logged ? (
        <div className="panel-empty">{run.name} has no {key}{step !== null ? ` at step ${step}` : ""}.</div>
      ) : file && !supported ? (
        <div className="panel-empty">
          {format} models are not drawn here yet:{" "}
          {url ? (
            <a href={url} target="_blank" rel="noreferrer">
              download the file
            </a>
          ) : null}
        </div>
      ) : cloud?.count === 0 ? (
        <div className="panel-empty">The point cloud is empty.</div>
      ) : (
        <>
          {cloud ? null : (
            <div className="panel-empty" role="status">
              Loading {key}…
            </div>
          )}
          <div ref={box} className="tp-3d" style={{ width, height: cloud ? plotHeight : 0 }} />
          {cloud ? <Boxes boxes={cloud.boxes} /> : null}
        </>
      )}
    </div>
  );
}

function Boxes({ boxes }: { boxes: Cloud["boxes"] }) {
  const labels = [...new Map(boxes.map((b) => [`${b.label}${b.color}`, b])).values()];
  if (labels.length === 0) return null;
  return (
    <div className="tp-legend" aria-label="Boxes">
      {labels.map((b) => (
        <span key={`${b.label}${b.color}`} className="tp-legend-item">
          <span className="swatch" style={{ background: b.color }} />
          {b.label}
        </span>
      ))}
    </div>
  );
}

export const object3dPanel: PanelModule = {
  type: "object3d",
  label: "3D point cloud",
  add: "media",
  mediaTypes: ["object3D-file"],
  Body: Object3DBody,
  title: (panel) => panel.key ?? "3D",
};
