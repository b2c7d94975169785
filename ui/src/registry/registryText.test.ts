import { describe, expect, it } from "vitest";
import {
  auditText,
  automationSpec,
  deliveriesPending,
  entityRole,
  filterText,
  parseTags,
  roleAtLeast,
  type AutomationForm,
} from "./registryText";

const user = { username: "ada", is_admin: false, auth: "session" as const };
const teams = [{ name: "lab", created_at: 0, members: [{ username: "ada", role: "viewer" as const }] }];

describe("entityRole", () => {
  it("gives admin on the user's own entity, to superusers and on an open server", () => {
    expect(entityRole(user, null, "ada")).toBe("admin");
    expect(entityRole({ ...user, is_admin: true }, null, "lab")).toBe("admin");
    expect(entityRole({ username: null, is_admin: false, auth: "open" }, null, "lab")).toBe("admin");
  });
  it("needs the teams for another entity, then gives the team role or none", () => {
    expect(entityRole(user, null, "lab")).toBeUndefined();
    expect(entityRole(user, teams, "lab")).toBe("viewer");
    expect(entityRole(user, teams, "other")).toBeNull();
    expect(entityRole({ username: null, is_admin: false, auth: "anonymous" }, null, "lab")).toBeNull();
  });
  it("ranks roles", () => {
    expect(roleAtLeast("viewer", "member")).toBe(false);
    expect(roleAtLeast("admin", "member")).toBe(true);
    expect(roleAtLeast(null, "viewer")).toBe(false);
  });
});

describe("auditText", () => {
  it("says what each change did", () => {
    expect(auditText({ action: "alias_moved", details: { alias: "production", version: "v1", previous: "v0" } }))
      .toBe("moved production to v1 (from v0)");
    expect(auditText({ action: "alias_moved", details: { alias: "staging", version: "v0", previous: null } }))
      .toBe("moved staging to v0");
    expect(auditText({ action: "linked", details: { version: "v2", source: "e/p/net:v4" } })).toBe("linked v2 from e/p/net:v4");
    expect(auditText({ action: "edited", details: { fields: ["description", "tags"] } })).toBe("edited description, tags");
    expect(auditText({ action: "alias_removed", details: { alias: "staging", version: "v0" } })).toBe("removed staging (from v0)");
    expect(auditText({ action: "something_new", details: {} })).toBe("something_new");
  });
});

describe("deliveriesPending", () => {
  it("is true while an attempt is pending or a retry is due", () => {
    expect(deliveriesPending([])).toBe(false);
    expect(deliveriesPending([{ state: "delivered", next_attempt_at: null }])).toBe(false);
    expect(deliveriesPending([{ state: "failed", next_attempt_at: null }])).toBe(false);
    expect(deliveriesPending([{ state: "failed", next_attempt_at: 5 }])).toBe(true);
    expect(deliveriesPending([{ state: "pending", next_attempt_at: null }])).toBe(true);
  });
});

describe("filterText and parseTags", () => {
  it("lists the filter", () => {
    expect(filterText({})).toBe("every event");
    expect(filterText({ model: "clf", threshold: 0.9 })).toBe("model=clf, threshold=0.9");
  });
  it("splits tags", () => {
    expect(parseTags(" a, b,,a , c ")).toEqual(["a", "b", "c"]);
    expect(parseTags("")).toEqual([]);
  });
});

describe("automationSpec", () => {
  const form: AutomationForm = {
    name: "deploy", event: "alias_moved", filter: { model: " clf ", alias: "" },
    action: "webhook", url: "https://ci.example/hook", secret: "s3cret", slackUrl: "ignored",
  };
  it("builds a webhook body with only the filled filter fields", () => {
    expect(automationSpec(form)).toEqual({
      spec: { name: "deploy", event: "alias_moved", filter: { model: "clf" }, action: "webhook",
        url: "https://ci.example/hook", secret: "s3cret" },
    });
  });
  it("builds a Slack body without webhook fields", () => {
    expect(automationSpec({ ...form, action: "slack", slackUrl: "https://hooks.slack.com/x" })).toEqual({
      spec: { name: "deploy", event: "alias_moved", filter: { model: "clf" }, action: "slack", slack_url: "https://hooks.slack.com/x" },
    });
  });
  it("refuses what the server would", () => {
    expect(automationSpec({ ...form, name: "../x" })).toHaveProperty("problem");
    expect(automationSpec({ ...form, url: "ftp://x" })).toHaveProperty("problem");
    expect(automationSpec({ ...form, action: "slack", slackUrl: "" })).toHaveProperty("problem");
    const threshold = { ...form, event: "run_metric_threshold" as const, filter: { metric: "acc", op: ">=" } };
    expect(automationSpec(threshold)).toEqual({ problem: "The threshold is required for this event." });
    expect(automationSpec({ ...threshold, filter: { ...threshold.filter, threshold: "abc" } })).toEqual({ problem: "The threshold is a number." });
    expect(automationSpec({ ...threshold, filter: { ...threshold.filter, threshold: "0.95" } })).toMatchObject({
      spec: { filter: { metric: "acc", op: ">=", threshold: 0.95 } },
    });
  });
});
