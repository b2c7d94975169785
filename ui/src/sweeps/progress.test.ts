import { describe, expect, it } from "vitest";
import type { Run } from "../api/types";
import { agentCommand, bestSoFar, countsLine, sweepActions, trialPoints } from "./progress";

function run(id: string, created: number, loss: unknown, extra: Partial<Run> = {}): Run {
  return {
    entity: "e", project: "p", id, path: `e/p/${id}`, name: id, state: "finished", config: {}, summary: loss === undefined ? {} : { loss },
    tags: [], group: null, job_type: null, notes: "", host: null, git: null, meta: null,
    created_at: created, updated_at: created, heartbeat_at: created, finished_at: created + 10, exit_code: 0, last_step: 1, ...extra,
  };
}

describe("trialPoints and bestSoFar", () => {
  const runs = [run("c", 30, 0.5), run("a", 10, 0.8), run("b", 20, "NaN"), run("d", 40, 0.9), run("e", 50, undefined)];
  it("keeps runs with a finite metric, in time order", () => {
    expect(trialPoints(runs, "loss", "created_at").map((p) => p.run.id)).toEqual(["a", "c", "d"]);
    expect(trialPoints(runs, "loss", "finished_at")[0]?.time).toBe(20);
  });
  it("tracks the best by the goal", () => {
    const points = trialPoints(runs, "loss", "created_at");
    expect(bestSoFar(points, "minimize").map((p) => p.value)).toEqual([0.8, 0.5, 0.5]);
    expect(bestSoFar(points, "maximize").map((p) => p.value)).toEqual([0.8, 0.8, 0.9]);
  });
});

describe("header helpers", () => {
  it("counts hyperband's stops as stopped early, apart from other kills", () => {
    const counts = { running: 1, finished: 3, failed: 0, crashed: 0, killed: 2 };
    const runs = [run("a", 1, 1, { state: "killed", meta: { stop_reason: "early_terminate" } }), run("b", 1, 1, { state: "killed", meta: { stop_reason: "user" } })];
    expect(countsLine({ counts }, runs)).toBe("1 running · 3 finished · 1 stopped early · 1 killed");
    expect(countsLine({ counts: { running: 0, finished: 0, failed: 0, crashed: 0, killed: 0 } })).toBe("no runs yet");
  });
  it("offers the controls of the state and the agent command", () => {
    expect(sweepActions("paused")).toEqual(["resume", "stop", "cancel"]);
    expect(sweepActions("finished")).toEqual([]);
    expect(agentCommand({ path: "me/proj/abc12345" })).toBe("cairn agent me/proj/abc12345");
  });
});
