/** The admin and account pages' pure parts: checking a new password, a user's status line. */

import type { AdminUser } from "../api/types";
import { formatDateTime } from "../lib/format";

export const MIN_PASSWORD = 8;

/** What is wrong with a new password before the server is asked, or null when nothing is. */
export function newPasswordProblem(current: string, next: string, again: string): string | null {
  if (next.length < MIN_PASSWORD) return `The new password needs at least ${MIN_PASSWORD} characters.`;
  if (next !== again) return "The two new passwords differ.";
  if (next === current) return "The new password must differ from the current one.";
  return null;
}

/** How a user stands, most pressing first: disabled, locked (until when), password to change. */
export function userStatus(user: AdminUser, now: number): string[] {
  const status: string[] = [];
  if (user.disabled) status.push("disabled");
  if (user.locked_until !== null && user.locked_until > now) {
    status.push(`locked until ${formatDateTime(user.locked_until)}`);
  }
  if (user.must_change_password) status.push("must change password");
  if (status.length === 0) status.push("active");
  return status;
}
