import { describe, expect, it } from "vitest";
import type { ArtifactNode, ArtifactVersion, Lineage, RunNode } from "../api/artifacts";
import { collapse, graphFrom, layoutInput, mergeLineage, neighbours, runNeighbourhood } from "./lineage";
import { placeGraph } from "./lineageLayout";

const art = (name: string, version = "v0"): ArtifactNode => ({
  id: `artifact:e/p/${name}:${version}`, kind: "artifact", path: `e/p/${name}:${version}`,
  entity: "e", project: "p", name, type: "dataset", version,
});
const run = (id: string): RunNode => ({
  id: `run:e/p/${id}`, kind: "run", path: `e/p/${id}`, entity: "e", project: "p", run_id: id, name: `run ${id}`, state: "finished",
});
const flow = (source: { id: string }, target: { id: string }) => ({ source: source.id, target: target.id });

// raw:v0 → prep → data:v0 → train → model:v0
const raw = art("raw");
const prep = run("prep");
const data = art("data");
const train = run("train");
const model = art("model");

describe("graphFrom", () => {
  it("marks as expanded the nodes closer than depth to the root", () => {
    const lineage: Lineage = { nodes: [prep, data, train], edges: [flow(prep, data), flow(data, train)], truncated: false };
    const graph = graphFrom(lineage, data.id, 1);
    expect([...graph.expanded]).toEqual([data.id]);
    expect(graph.nodes.size).toBe(3);
    const deeper = graphFrom({ ...lineage, nodes: [raw, ...lineage.nodes], edges: [flow(raw, prep), ...lineage.edges] }, data.id, 2);
    expect([...deeper.expanded].sort()).toEqual([data.id, prep.id, train.id].sort());
  });

  it("expands nothing from a truncated answer", () => {
    const graph = graphFrom({ nodes: [data], edges: [], truncated: true }, data.id, 2);
    expect(graph.expanded.size).toBe(0);
    expect(graph.truncated).toBe(true);
  });
});

describe("mergeLineage", () => {
  it("adds new nodes and edges once and marks the expanded node", () => {
    const graph = graphFrom({ nodes: [prep, data, train], edges: [flow(prep, data), flow(data, train)], truncated: false }, data.id, 1);
    const merged = mergeLineage(graph, { nodes: [train, data, model], edges: [flow(data, train), flow(train, model)], truncated: false }, train.id);
    expect([...merged.nodes.keys()].sort()).toEqual([data.id, model.id, prep.id, train.id].sort());
    expect(merged.edges).toHaveLength(3);
    expect(merged.expanded.has(train.id)).toBe(true);
    // the input is left as it was
    expect(graph.nodes.size).toBe(3);
  });

  it("keeps the node data already shown", () => {
    const graph = graphFrom({ nodes: [data, train], edges: [flow(data, train)], truncated: false }, data.id, 1);
    const renamed = { ...train, name: "other" };
    const merged = mergeLineage(graph, { nodes: [renamed], edges: [], truncated: false }, train.id);
    expect(merged.nodes.get(train.id)).toBe(train);
  });
});

describe("runNeighbourhood", () => {
  it("draws used versions into the run and logged ones out of it", () => {
    const version = (path: string): ArtifactVersion => ({
      name: "x", type: "model", version: "v1", digest: "d", aliases: [], description: null, metadata: {},
      file_count: 1, size: 1, created_at: 0, expires_at: null, logged_by: null, path,
    });
    const lineage = runNeighbourhood(train, { used: [version("e/p/data:v0")], logged: [version("e/p/model:v0")] });
    expect(lineage.edges).toEqual([
      { source: "artifact:e/p/data:v0", target: train.id },
      { source: train.id, target: "artifact:e/p/model:v0" },
    ]);
    const node = lineage.nodes[1];
    expect(node).toMatchObject({ kind: "artifact", entity: "e", project: "p", name: "data", version: "v0", type: "model" });
  });
});

describe("collapse", () => {
  const full = graphFrom(
    {
      nodes: [raw, prep, data, train, model],
      edges: [flow(raw, prep), flow(prep, data), flow(data, train), flow(train, model)],
      truncated: false,
    },
    data.id,
    3,
  );

  it("hides what hangs off the node, keeps the node and the way to the root", () => {
    const folded = collapse(full, train.id);
    expect([...folded.nodes.keys()].sort()).toEqual([data.id, prep.id, raw.id, train.id].sort());
    expect(neighbours(folded, train.id)).toEqual([data.id]);
    expect(folded.expanded.has(train.id)).toBe(false);
    expect(folded.expanded.has(data.id)).toBe(true);
  });

  it("collapsing the root leaves the root alone", () => {
    const folded = collapse(full, data.id);
    expect([...folded.nodes.keys()]).toEqual([data.id]);
    expect(folded.edges).toEqual([]);
  });

  it("keeps a node still reachable another way", () => {
    // train also used raw: raw stays tied to the root through train, and so its edge to prep
    const graph = mergeLineage(full, { nodes: [raw, train], edges: [flow(raw, train)], truncated: false }, train.id);
    const folded = collapse(graph, prep.id);
    expect(folded.nodes.has(raw.id)).toBe(true);
    expect(neighbours(folded, prep.id)).toEqual([data.id, raw.id]);
  });
});

describe("layout", () => {
  it("sizes nodes to their text and sorts the input", () => {
    const input = layoutInput({ nodes: new Map([[model.id, model], [data.id, data]]), edges: [flow(data, model)] });
    expect(input.nodes.map((n) => n.id)).toEqual([data.id, model.id]);
    expect(input.nodes[0]).toMatchObject({ label: "data:v0", detail: "dataset", kind: "artifact" });
    const long = layoutInput({ nodes: new Map([[train.id, { ...train, name: "x".repeat(300) }]]), edges: [] });
    expect(long.nodes[0]?.width).toBeLessThanOrEqual(260);
    expect(long.nodes[0]?.label.endsWith("…")).toBe(true);
  });

  it("places data flowing left to right", () => {
    const graph = graphFrom(
      { nodes: [raw, prep, data, train, model], edges: [flow(raw, prep), flow(prep, data), flow(data, train), flow(train, model)], truncated: false },
      data.id,
      3,
    );
    const placed = placeGraph(layoutInput(graph));
    const x = new Map(placed.nodes.map((n) => [n.id, n.x]));
    for (const edge of graph.edges) expect(x.get(edge.source) ?? 0).toBeLessThan(x.get(edge.target) ?? 0);
    expect(placed.edges).toHaveLength(4);
    expect(placed.width).toBeGreaterThan(0);
    // the same input gives the same picture
    expect(placeGraph(layoutInput(graph))).toEqual(placed);
  });
});
