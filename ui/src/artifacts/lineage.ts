/** The lineage graph the page draws: the server's answers merged as the user expands nodes, and
 * collapsed again. Pure functions on immutable values; no React, no layout. */

import { splitVersionPath, type ArtifactNode, type ArtifactVersion, type Lineage, type LineageNode, type RunArtifacts, type RunNode } from "../api/artifacts";

export interface Edge {
  source: string;
  target: string;
}

export interface LineageGraph {
  /** the version the page is about: never removed by a collapse */
  root: string;
  nodes: ReadonlyMap<string, LineageNode>;
  /** data flow: a used version → the run → a version it logged; each pair once */
  edges: readonly Edge[];
  /** nodes whose neighbours are all shown */
  expanded: ReadonlySet<string>;
  /** the server cut an answer at its node limit */
  truncated: boolean;
}

const edgeKey = (edge: Edge) => `${edge.source}\u0000${edge.target}`;

/** Node id of a version path `e/p/name:vN`, as the server writes it. */
export const artifactNodeId = (path: string) => `artifact:${path}`;
/** Node id of a run path `e/p/run_id`. */
export const runNodeId = (path: string) => `run:${path}`;

function neighbourMap(edges: readonly Edge[]): Map<string, Set<string>> {
  const around = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    let set = around.get(a);
    if (!set) around.set(a, (set = new Set()));
    set.add(b);
  };
  for (const { source, target } of edges) {
    link(source, target);
    link(target, source);
  }
  return around;
}

/** Ids of the nodes linked to `id` either way. */
export function neighbours(graph: Pick<LineageGraph, "edges">, id: string): string[] {
  return [...(neighbourMap(graph.edges).get(id) ?? [])].sort();
}

/**
 * The graph of the server's answer around `root` asked with `depth`: every node closer than
 * `depth` links to the root had all its neighbours listed, so it starts expanded (unless the
 * answer was truncated, when only what the root reached in full is known: nothing).
 */
export function graphFrom(lineage: Lineage, root: string, depth: number): LineageGraph {
  const nodes = new Map(lineage.nodes.map((node) => [node.id, node] as const));
  const edges = mergeEdges([], lineage.edges);
  const expanded = new Set<string>();
  if (!lineage.truncated && nodes.has(root)) {
    const around = neighbourMap(edges);
    let frontier = [root];
    const seen = new Set(frontier);
    for (let distance = 0; distance < depth && frontier.length > 0; distance++) {
      const next: string[] = [];
      for (const id of frontier) {
        expanded.add(id);
        for (const other of around.get(id) ?? []) {
          if (!seen.has(other)) {
            seen.add(other);
            next.push(other);
          }
        }
      }
      frontier = next;
    }
  }
  return { root, nodes, edges, expanded, truncated: lineage.truncated };
}

function mergeEdges(known: readonly Edge[], more: readonly Edge[]): Edge[] {
  const seen = new Set(known.map(edgeKey));
  const merged = [...known];
  for (const edge of more) {
    const key = edgeKey(edge);
    if (!seen.has(key)) {
      seen.add(key);
      merged.push({ source: edge.source, target: edge.target });
    }
  }
  return merged;
}

/** The graph with `more` (the neighbourhood of `expandedId`) added; nodes already shown keep what
 * they had, edges appear once. */
export function mergeLineage(graph: LineageGraph, more: Lineage, expandedId: string): LineageGraph {
  const nodes = new Map(graph.nodes);
  for (const node of more.nodes) if (!nodes.has(node.id)) nodes.set(node.id, node);
  const edges = mergeEdges(graph.edges, more.edges.filter((e) => nodes.has(e.source) && nodes.has(e.target)));
  const expanded = new Set(graph.expanded);
  if (!more.truncated) expanded.add(expandedId);
  return { ...graph, nodes, edges, expanded, truncated: graph.truncated || more.truncated };
}

/** A version of the API as a lineage node (null for a path that is not `e/p/name:vN`). */
export function versionNode(version: ArtifactVersion): ArtifactNode | null {
  const parts = splitVersionPath(version.path);
  if (parts === null) return null;
  return { id: artifactNodeId(version.path), kind: "artifact", path: version.path, ...parts, type: version.type, digest: version.digest };
}

/** A run's neighbourhood (the versions it used and logged) in the lineage route's shape. */
export function runNeighbourhood(run: RunNode, artifacts: RunArtifacts): Lineage {
  const nodes: LineageNode[] = [run];
  const edges: Edge[] = [];
  for (const [versions, used] of [[artifacts.used, true], [artifacts.logged, false]] as const) {
    for (const version of versions) {
      const node = versionNode(version);
      if (node === null) continue;
      nodes.push(node);
      edges.push(used ? { source: node.id, target: run.id } : { source: run.id, target: node.id });
    }
  }
  return { nodes, edges, truncated: false };
}

/**
 * Hide what hangs off `id`: every node that is no longer connected to the root once `id` is
 * taken out (so collapsing the root leaves the root alone). `id` itself stays, no longer expanded.
 */
export function collapse(graph: LineageGraph, id: string): LineageGraph {
  const around = neighbourMap(graph.edges);
  const keep = new Set<string>([graph.root, id]);
  if (id !== graph.root) {
    const queue = [graph.root];
    while (queue.length > 0) {
      const current = queue.pop() as string;
      for (const other of around.get(current) ?? []) {
        if (other !== id && !keep.has(other)) {
          keep.add(other);
          queue.push(other);
        }
      }
    }
    // what linked to the root only through `id` goes; `id`'s own link towards the root stays
  }
  const nodes = new Map([...graph.nodes].filter(([nodeId]) => keep.has(nodeId)));
  const edges = graph.edges.filter((e) => keep.has(e.source) && keep.has(e.target));
  const expanded = new Set([...graph.expanded].filter((nodeId) => keep.has(nodeId) && nodeId !== id));
  // a kept node that lost a neighbour no longer shows all of them
  for (const nodeId of expanded) {
    const before = around.get(nodeId)?.size ?? 0;
    const after = edges.filter((e) => e.source === nodeId || e.target === nodeId).length;
    if (after < before) expanded.delete(nodeId);
  }
  return { ...graph, nodes, edges, expanded };
}

/** What the layout needs of a node: its size and the text drawn in it. */
export interface LayoutNode {
  id: string;
  kind: "run" | "artifact";
  /** the first line: `name:vN` or the run's name */
  label: string;
  /** the second line: the artifact's type or the run's id and state */
  detail: string;
  width: number;
  height: number;
}

export const NODE_HEIGHT = 46;
const MIN_WIDTH = 120;
const MAX_WIDTH = 260;
const CHAR_WIDTH = 7.8;

/** The text shortened to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/** Nodes (sized to their text, within bounds) and edges, sorted by id so the layout is stable. */
export function layoutInput(graph: Pick<LineageGraph, "nodes" | "edges">): { nodes: LayoutNode[]; edges: Edge[] } {
  const maxChars = Math.floor((MAX_WIDTH - 24) / CHAR_WIDTH);
  const nodes = [...graph.nodes.values()]
    .map((node): LayoutNode => {
      const label = clip(node.kind === "artifact" ? `${node.name}:${node.version}` : node.name, maxChars);
      const detail = clip(node.kind === "artifact" ? node.type : `${node.run_id} · ${node.state}`, maxChars);
      const width = Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, 24 + CHAR_WIDTH * Math.max(label.length, detail.length)));
      return { id: node.id, kind: node.kind, label, detail, width, height: NODE_HEIGHT };
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const edges = [...graph.edges].sort((a, b) => {
    const x = edgeKey(a);
    const y = edgeKey(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return { nodes, edges };
}
