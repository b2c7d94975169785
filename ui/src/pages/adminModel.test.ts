import { describe, expect, it } from "vitest";
import type { AdminUser } from "../api/types";
import { newPasswordProblem, userStatus } from "./adminModel";

const user = (over: Partial<AdminUser>): AdminUser => ({
  username: "bob",
  is_admin: false,
  disabled: false,
  must_change_password: false,
  created_at: 0,
  last_login_at: null,
  failed_logins: 0,
  locked_until: null,
  ...over,
});

describe("newPasswordProblem", () => {
  it("wants 8 characters, the same twice, and a change", () => {
    expect(newPasswordProblem("old-password", "short", "short")).toMatch(/at least 8/);
    expect(newPasswordProblem("old-password", "long enough", "long enougH")).toMatch(/differ/);
    expect(newPasswordProblem("same-password", "same-password", "same-password")).toMatch(/must differ/);
    expect(newPasswordProblem("old-password", "new-password", "new-password")).toBeNull();
  });
});

describe("userStatus", () => {
  it("is active with nothing to say", () => {
    expect(userStatus(user({}), 100)).toEqual(["active"]);
  });
  it("lists disabled, a lock in force and a password to change", () => {
    const status = userStatus(user({ disabled: true, locked_until: 200, must_change_password: true }), 100);
    expect(status[0]).toBe("disabled");
    expect(status[1]).toMatch(/^locked until /);
    expect(status[2]).toBe("must change password");
  });
  it("ignores a lock that is over", () => {
    expect(userStatus(user({ locked_until: 50 }), 100)).toEqual(["active"]);
  });
});
