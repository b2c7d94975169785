import { describe, expect, it } from "vitest";
import { activeLayout, checkViewName, layoutLabel, savesPersonal, viewIdOf, viewLink, withView } from "./views";

describe("view in the address", () => {
  it("reads ?view= and ignores an empty one", () => {
    expect(viewIdOf(new URLSearchParams("view=ab12&q=x"))).toBe("ab12");
    expect(viewIdOf(new URLSearchParams("view="))).toBeNull();
    expect(viewIdOf(new URLSearchParams("q=x"))).toBeNull();
  });

  it("opens and leaves a view keeping filter, sort and zoom but not an expanded panel", () => {
    const start = new URLSearchParams("q=config.lr+%3E+1&sort=-name&xmin=1&xmax=9&panel=line%3Atrain%2Floss");
    const opened = withView(start, "k3");
    expect(opened.get("view")).toBe("k3");
    expect(opened.get("q")).toBe("config.lr > 1");
    expect(opened.get("sort")).toBe("-name");
    expect(opened.get("xmin")).toBe("1");
    expect(opened.has("panel")).toBe(false);
    const left = withView(opened, null);
    expect(left.has("view")).toBe(false);
    expect(left.get("q")).toBe("config.lr > 1");
    expect(start.get("panel")).toBe("line:train/loss"); // the input is not changed
  });

  it("links to the workspace with only the view", () => {
    expect(viewLink("http://127.0.0.1:8080", "my team", "p/1", "ab12")).toBe(
      "http://127.0.0.1:8080/my%20team/p%2F1?view=ab12",
    );
  });
});

describe("which layout is in use", () => {
  it("is your own layout or the project's default without a view", () => {
    expect(layoutLabel(activeLayout("user", null))).toBe("My layout");
    expect(layoutLabel(activeLayout("project", null))).toBe("Project default");
    expect(layoutLabel(activeLayout(null, null))).toBe("Project default");
    expect(savesPersonal(activeLayout("user", null))).toBe(true);
  });

  it("is the open view, marked once changed, and changes are not saved as your own", () => {
    const open = activeLayout("user", { id: "v1", view: { name: "Big loss", edited: false }, error: null });
    expect(layoutLabel(open)).toBe("Big loss");
    expect(savesPersonal(open)).toBe(false);
    const edited = activeLayout("user", { id: "v1", view: { name: "Big loss", edited: true }, error: null });
    expect(layoutLabel(edited)).toBe("Big loss (edited)");
  });

  it("saves nothing while the view is still loading", () => {
    const loading = activeLayout("user", { id: "v1", view: null, error: null });
    expect(loading.kind).toBe("loading-view");
    expect(savesPersonal(loading)).toBe(false);
  });

  it("falls back to your own layout with a message when the view does not exist", () => {
    const gone = activeLayout("user", { id: "v1", view: null, error: { status: 404, message: "no view v1" } });
    expect(gone.kind).toBe("missing-view");
    expect(layoutLabel(gone)).toBe("My layout");
    expect(savesPersonal(gone)).toBe(true);
    if (gone.kind === "missing-view") expect(gone.message).toMatch(/does not exist/);
    const broken = activeLayout(null, { id: "v1", view: null, error: { status: 500, message: "boom" } });
    if (broken.kind === "missing-view") expect(broken.message).toMatch(/Could not open the view “v1”: boom/);
  });
});

describe("view names", () => {
  it("needs a non-blank name of at most 128 characters", () => {
    expect(checkViewName("  ")).toMatch(/name/);
    expect(checkViewName("x".repeat(129))).toMatch(/128/);
    expect(checkViewName(" ok ")).toBeNull();
  });
});
