import { describe, expect, it } from "vitest";
import { formatBytes, formatDateTime, formatDuration, formatNumber, formatRelativeTime, formatValue } from "./format";

describe("formatRelativeTime", () => {
  const now = 1_700_000_000;
  it("says how long ago", () => {
    expect(formatRelativeTime(now - 10, now)).toBe("just now");
    expect(formatRelativeTime(now - 60, now)).toBe("1 min ago");
    expect(formatRelativeTime(now - 5 * 60, now)).toBe("5 min ago");
    expect(formatRelativeTime(now - 3 * 3600, now)).toBe("3 h ago");
    expect(formatRelativeTime(now - 86400, now)).toBe("1 day ago");
    expect(formatRelativeTime(now - 2 * 86400, now)).toBe("2 days ago");
    expect(formatRelativeTime(now - 65 * 86400, now)).toBe("2 months ago");
    expect(formatRelativeTime(now - 800 * 86400, now)).toBe("2 years ago");
  });
  it("handles the future and missing times", () => {
    expect(formatRelativeTime(now + 600, now)).toBe("in 10 min");
    expect(formatRelativeTime(null, now)).toBe("—");
    expect(formatRelativeTime(Number.NaN, now)).toBe("—");
  });
});

describe("formatDateTime", () => {
  it("writes a local date and time", () => {
    expect(formatDateTime(0)).toMatch(/^19(69|70)-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(formatDateTime(null)).toBe("—");
  });
});

describe("formatDuration", () => {
  it("picks units", () => {
    expect(formatDuration(0.25)).toBe("250 ms");
    expect(formatDuration(42.7)).toBe("42s");
    expect(formatDuration(185)).toBe("3m 05s");
    expect(formatDuration(2 * 3600 + 3 * 60 + 9)).toBe("2h 03m");
    expect(formatDuration(3 * 86400 + 4 * 3600)).toBe("3d 4h");
    expect(formatDuration(-5)).toBe("-5s");
    expect(formatDuration(undefined)).toBe("—");
  });
});

describe("formatNumber", () => {
  it("is compact", () => {
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(42)).toBe("42");
    expect(formatNumber(12345)).toBe("12345");
    expect(formatNumber(1234567)).toBe("1.23M");
    expect(formatNumber(999_950)).toBe("1M");
    expect(formatNumber(25_000.5)).toBe("25k");
    expect(formatNumber(0.5)).toBe("0.5");
    expect(formatNumber(0.123456)).toBe("0.1235");
    expect(formatNumber(3.14159265)).toBe("3.142");
    expect(formatNumber(0.000123)).toBe("1.23e-4");
    expect(formatNumber(-0.000123)).toBe("-1.23e-4");
    expect(formatNumber(1e21)).toBe("1e21");
    expect(formatNumber(-2_500_000)).toBe("-2.5M");
  });
  it("passes non-finite values", () => {
    expect(formatNumber("NaN")).toBe("NaN");
    expect(formatNumber("Infinity")).toBe("∞");
    expect(formatNumber("-Infinity")).toBe("-∞");
    expect(formatNumber(Number.NaN)).toBe("NaN");
    expect(formatNumber(Number.NEGATIVE_INFINITY)).toBe("-∞");
    expect(formatNumber(null)).toBe("—");
  });
});

describe("formatBytes", () => {
  it("uses binary units", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(12 * 1024 * 1024)).toBe("12 MiB");
    expect(formatBytes(150 * 1024 ** 3)).toBe("150 GiB");
    expect(formatBytes(null)).toBe("—");
  });
});

describe("formatValue", () => {
  it("writes any value as text", () => {
    expect(formatValue(0.000123)).toBe("1.23e-4");
    expect(formatValue(0.000123, true)).toBe("0.000123");
    expect(formatValue("adam")).toBe("adam");
    expect(formatValue(true)).toBe("true");
    expect(formatValue(null)).toBe("null");
    expect(formatValue([1, 2])).toBe("[1,2]");
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
  });
});
