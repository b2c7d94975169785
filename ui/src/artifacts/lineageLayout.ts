/** Positions for the lineage graph: dagre's layered layout, data flowing left to right. */

import dagre from "@dagrejs/dagre";
import type { Edge, LayoutNode } from "./lineage";

export interface PlacedNode extends LayoutNode {
  /** the node's centre */
  x: number;
  y: number;
}

export interface PlacedEdge extends Edge {
  points: { x: number; y: number }[];
}

export interface Placed {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

const MARGIN = 20;

/** Lay the graph out in layers (sources on the left); the same input gives the same positions. */
export function placeGraph(input: { nodes: LayoutNode[]; edges: Edge[] }): Placed {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: "LR", nodesep: 18, ranksep: 70, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of input.nodes) g.setNode(node.id, { width: node.width, height: node.height });
  for (const edge of input.edges) {
    if (g.hasNode(edge.source) && g.hasNode(edge.target)) g.setEdge(edge.source, edge.target);
  }
  dagre.layout(g);
  const nodes = input.nodes.map((node) => {
    const placed = g.node(node.id) as { x: number; y: number };
    return { ...node, x: placed.x, y: placed.y };
  });
  const edges = input.edges
    .filter((edge) => g.hasEdge(edge.source, edge.target))
    .map((edge) => {
      const label = g.edge(edge.source, edge.target) as { points?: { x: number; y: number }[] };
      return { ...edge, points: label.points ?? [] };
    });
  const size = g.graph() as { width?: number; height?: number };
  return { nodes, edges, width: size.width ?? 0, height: size.height ?? 0 };
}
