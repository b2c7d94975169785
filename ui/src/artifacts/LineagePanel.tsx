/** The lineage graph around a version, drawn in SVG: runs (pills) and versions (boxes), edges by
 * data flow, left to right. A node's + asks the server for its neighbours and merges them in; its
 * − hides what hangs off it. Drag to pan, wheel or the buttons to zoom, click a node to open it.
 * Loaded on demand (it brings dagre along). */

import { useEffect, useId, useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { artifactPagePath, fetchLineage, fetchRunArtifacts, useLineage, type Lineage, type LineageNode } from "../api/artifacts";
import { ErrorMessage, Loading } from "../components/Status";
import { artifactNodeId, collapse, graphFrom, layoutInput, mergeLineage, neighbours, runNeighbourhood, type LineageGraph } from "./lineage";
import { placeGraph, type PlacedNode } from "./lineageLayout";
import { fitView, zoomAt, type View } from "./viewport";

const HEIGHT = 520;
const DEPTHS = [1, 2, 3, 4, 5, 6];
/** A press that moves farther than this (px) pans instead of clicking. */
const DRAG_SLOP = 4;

export default function LineagePanel({ path }: { path: string }) {
  const [depth, setDepth] = useState(2);
  const lineage = useLineage(path, depth);
  const root = artifactNodeId(path);
  const [graph, setGraph] = useState<LineageGraph | null>(null);
  const [source, setSource] = useState<Lineage | undefined>(undefined);
  if (lineage.data !== undefined && lineage.data !== source) {
    // a new answer (another depth, or a refresh) starts the picture over
    setSource(lineage.data);
    setGraph(graphFrom(lineage.data, root, depth));
  }
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);

  const expand = (node: LineageNode) => {
    setBusy(node.id);
    setFailure(null);
    const more =
      node.kind === "artifact"
        ? fetchLineage(node.path, 1)
        : fetchRunArtifacts(node.entity, node.project, node.run_id).then((found) => runNeighbourhood(node, found));
    more.then(
      (answer) => { setGraph((g) => (g === null ? g : mergeLineage(g, answer, node.id))); },
      (error: unknown) => { setFailure(error); },
    ).finally(() => { setBusy(null); });
  };

  return (
    <div className="lineage">
      <div className="lineage-toolbar">
        <label>
          Links to follow{" "}
          <select aria-label="Lineage depth" value={depth} onChange={(e) => { setDepth(Number(e.target.value)); }}>
            {DEPTHS.map((d) => <option key={d} value={d}>{d}</option>)}
          </select>
        </label>
        <span className="lineage-legend" aria-hidden="true">
          <span className="legend-run">run</span> <span className="legend-artifact">artifact version</span>
        </span>
        {graph ? (
          <span className="muted" aria-live="polite">
            {graph.nodes.size} node{graph.nodes.size === 1 ? "" : "s"}
            {graph.truncated ? " (cut at the server's limit)" : ""}
          </span>
        ) : null}
      </div>
      {lineage.isPending ? <Loading what="the lineage" /> : null}
      {lineage.isError ? <ErrorMessage error={lineage.error} what="the lineage" /> : null}
      {failure !== null ? <ErrorMessage error={failure} what="the node's neighbours" /> : null}
      {graph ? (
        <GraphView
          graph={graph}
          busy={busy}
          onExpand={expand}
          onCollapse={(id) => { setGraph((g) => (g === null ? g : collapse(g, id))); }}
        />
      ) : null}
    </div>
  );
}

function nodeHref(node: LineageNode): string {
  if (node.kind === "artifact") return artifactPagePath(node.entity, node.project, node.name, node.version);
  return `/${encodeURIComponent(node.entity)}/${encodeURIComponent(node.project)}/runs/${encodeURIComponent(node.run_id)}`;
}

function nodeTitle(node: LineageNode): string {
  return node.kind === "artifact" ? `${node.name}:${node.version}` : node.name || node.run_id;
}

function GraphView({ graph, busy, onExpand, onCollapse }: {
  graph: LineageGraph;
  busy: string | null;
  onExpand: (node: LineageNode) => void;
  onCollapse: (id: string) => void;
}) {
  const navigate = useNavigate();
  const marker = `arrow-${useId().replace(/[^A-Za-z0-9_-]/g, "")}`;
  const placed = useMemo(() => placeGraph(layoutInput(graph)), [graph]);
  const svgRef = useRef<SVGSVGElement>(null);
  const [view, setView] = useState<View>({ x: 0, y: 0, k: 1 });
  const press = useRef<{ x: number; y: number; view: View; panning: boolean; id: number } | null>(null);
  const dragged = useRef(false);

  const fit = () => {
    const width = svgRef.current?.getBoundingClientRect().width ?? 0;
    setView(fitView(placed.width, placed.height, width, HEIGHT));
  };
  // fit once per picture size (not on every expand that keeps it)
  const size = `${String(Math.round(placed.width))}x${String(Math.round(placed.height))}`;
  const fitted = useRef<string | null>(null);
  useEffect(() => {
    if (fitted.current === size) return;
    fitted.current = size;
    const width = svgRef.current?.getBoundingClientRect().width ?? 0;
    setView(fitView(placed.width, placed.height, width, HEIGHT));
  }, [size, placed.width, placed.height]);

  // wheel zoom needs a non-passive listener to keep the page from scrolling
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const box = svg.getBoundingClientRect();
      setView((v) => zoomAt(v, Math.exp(-e.deltaY / 500), e.clientX - box.left, e.clientY - box.top));
    };
    svg.addEventListener("wheel", onWheel, { passive: false });
    return () => { svg.removeEventListener("wheel", onWheel); };
  }, []);

  const zoomButton = (factor: number) => {
    const width = svgRef.current?.getBoundingClientRect().width ?? 0;
    setView((v) => zoomAt(v, factor, width / 2, HEIGHT / 2));
  };

  const open = (node: LineageNode) => { void navigate(nodeHref(node)); };

  return (
    <div className="lineage-view">
      <div className="lineage-zoom" role="group" aria-label="Zoom">
        <button type="button" aria-label="Zoom in" onClick={() => { zoomButton(1.25); }}>+</button>
        <button type="button" aria-label="Zoom out" onClick={() => { zoomButton(0.8); }}>−</button>
        <button type="button" onClick={fit}>Fit</button>
      </div>
      <svg
        ref={svgRef}
        className="lineage-svg"
        role="group"
        aria-label="Lineage graph"
        height={HEIGHT}
        data-nodes={graph.nodes.size}
        data-edges={graph.edges.length}
        data-zoom={view.k.toFixed(3)}
        onPointerDown={(e) => {
          if (e.button !== 0) return;
          dragged.current = false;
          press.current = { x: e.clientX, y: e.clientY, view, panning: false, id: e.pointerId };
        }}
        onPointerMove={(e) => {
          const p = press.current;
          if (!p) return;
          const dx = e.clientX - p.x;
          const dy = e.clientY - p.y;
          if (!p.panning && Math.hypot(dx, dy) > DRAG_SLOP) {
            p.panning = true;
            dragged.current = true;
            svgRef.current?.setPointerCapture(p.id);
          }
          if (p.panning) setView({ ...p.view, x: p.view.x + dx, y: p.view.y + dy });
        }}
        onPointerUp={() => { press.current = null; }}
        onPointerCancel={() => { press.current = null; }}
      >
        <defs>
          <marker id={marker} viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" className="lineage-arrow" />
          </marker>
        </defs>
        <g transform={`translate(${String(view.x)},${String(view.y)}) scale(${String(view.k)})`}>
          {placed.edges.map((edge) => (
            <path
              key={`${edge.source}>${edge.target}`}
              className="lineage-edge"
              d={edge.points.map((pt, i) => `${i === 0 ? "M" : "L"}${String(pt.x)},${String(pt.y)}`).join(" ")}
              markerEnd={`url(#${marker})`}
              data-source={edge.source}
              data-target={edge.target}
            />
          ))}
          {placed.nodes.map((box) => {
            const node = graph.nodes.get(box.id);
            if (!node) return null;
            return (
              <NodeBox
                key={box.id}
                box={box}
                node={node}
                root={box.id === graph.root}
                expanded={graph.expanded.has(box.id)}
                canCollapse={neighbours(graph, box.id).length > 0}
                busy={busy === box.id}
                onOpen={() => { if (!dragged.current) open(node); }}
                onToggle={() => {
                  if (dragged.current) return;
                  if (graph.expanded.has(box.id)) onCollapse(box.id);
                  else onExpand(node);
                }}
              />
            );
          })}
        </g>
      </svg>
      <p className="muted small">
        Drag to move, scroll to zoom. + shows a node&apos;s neighbours, − hides what hangs off it; click a node to open it.
      </p>
    </div>
  );
}

function NodeBox({ box, node, root, expanded, canCollapse, busy, onOpen, onToggle }: {
  box: PlacedNode;
  node: LineageNode;
  root: boolean;
  expanded: boolean;
  canCollapse: boolean;
  busy: boolean;
  onOpen: () => void;
  onToggle: () => void;
}) {
  const title = nodeTitle(node);
  const left = box.x - box.width / 2;
  const top = box.y - box.height / 2;
  const showToggle = expanded ? canCollapse : true;
  const keys = (action: () => void) => (e: React.KeyboardEvent) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      action();
    }
  };
  return (
    <g
      className={`lineage-node node-${node.kind}${root ? " node-root" : ""}`}
      transform={`translate(${String(left)},${String(top)})`}
      data-node-id={node.id}
      data-kind={node.kind}
      data-expanded={expanded ? "true" : "false"}
    >
      <g role="link" tabIndex={0} aria-label={`Open ${node.kind === "run" ? "run" : "artifact"} ${title}`} className="node-body"
        onClick={onOpen} onKeyDown={keys(onOpen)}>
        <title>{node.path}</title>
        <rect width={box.width} height={box.height} rx={node.kind === "run" ? box.height / 2 : 4} />
        <text x={node.kind === "run" ? 18 : 10} y={19} className="node-label">{box.label}</text>
        <text x={node.kind === "run" ? 18 : 10} y={35} className="node-detail">{box.detail}</text>
      </g>
      {showToggle ? (
        <g role="button" tabIndex={0} aria-label={`${expanded ? "Collapse" : "Expand"} ${title}`} aria-expanded={expanded}
          className="node-toggle" transform={`translate(${String(box.width)},${String(box.height / 2)})`}
          onClick={onToggle} onKeyDown={keys(onToggle)}>
          <circle r={9} />
          <text textAnchor="middle" dominantBaseline="central">{busy ? "…" : expanded ? "−" : "+"}</text>
        </g>
      ) : null}
    </g>
  );
}
