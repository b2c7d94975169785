import { describe, expect, it } from "vitest";
import { commitUrl, repoWebUrl } from "./git";

describe("commit links", () => {
  it("builds https links from https, ssh and scp-like remotes", () => {
    expect(repoWebUrl("https://github.com/example/vision.git")).toBe("https://github.com/example/vision");
    expect(repoWebUrl("git@github.com:example/vision.git")).toBe("https://github.com/example/vision");
    expect(repoWebUrl("ssh://git@gitlab.com/group/sub/repo.git")).toBe("https://gitlab.com/group/sub/repo");
    expect(commitUrl("git@gitlab.com:g/r.git", "abcdef1")).toBe("https://gitlab.com/g/r/-/commit/abcdef1");
    expect(commitUrl("https://bitbucket.org/a/b", "abcdef1")).toBe("https://bitbucket.org/a/b/commits/abcdef1");
  });

  it("never links anything but https, and nothing odd", () => {
    expect(repoWebUrl("javascript:alert(1)")).toBeNull();
    expect(repoWebUrl("/local/path/repo")).toBeNull();
    expect(repoWebUrl("file:///tmp/repo")).toBeNull();
    expect(commitUrl("https://github.com/a/b", "not-a-sha")).toBeNull();
    expect(commitUrl("https://github.com/a/b\"onmouseover=x", "abcdef1")).toBeNull();
  });
});
