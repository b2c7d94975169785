import { describe, expect, it } from "vitest";
import { runStateLabel, sweepLive } from "./sweeps";

describe("runStateLabel", () => {
  it("reads hyperband's stops as stopped early, other kills as killed", () => {
    expect(runStateLabel({ state: "killed", meta: { stop_reason: "early_terminate" } })).toBe("stopped early");
    expect(runStateLabel({ state: "killed", meta: { stop_reason: "user" } })).toBe("killed");
    expect(runStateLabel({ state: "failed", meta: null })).toBe("failed");
  });
  it("polls sweeps that can still change", () => {
    expect(sweepLive({ state: "paused" })).toBe(true);
    expect(sweepLive({ state: "cancelled" })).toBe(false);
    expect(sweepLive(undefined)).toBe(false);
  });
});
