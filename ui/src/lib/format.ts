/** Formatting times, durations, numbers and sizes for display. Pure functions, no React. */

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONTH = 30 * DAY;
const YEAR = 365 * DAY;

/**
 * "just now", "5 min ago", "3 h ago", "2 days ago", "in 5 min" for a time in seconds since the epoch
 * (as the API sends). `now` is in seconds too (defaults to the current time).
 */
export function formatRelativeTime(seconds: number | null | undefined, now: number = Date.now() / 1000): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const delta = now - seconds;
  const future = delta < 0;
  const d = Math.abs(delta);
  let text: string;
  if (d < 45) return "just now";
  else if (d < HOUR) text = `${Math.max(1, Math.round(d / MINUTE))} min`;
  else if (d < DAY) text = `${Math.round(d / HOUR)} h`;
  else if (d < MONTH) text = plural(Math.round(d / DAY), "day");
  else if (d < YEAR) text = plural(Math.round(d / MONTH), "month");
  else text = plural(Math.round(d / YEAR), "year");
  return future ? `in ${text}` : `${text} ago`;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** A full local date and time for tooltips and detail views ("2024-05-01 13:45:12"). */
export function formatDateTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const date = new Date(seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** A duration in seconds: "850 ms", "42s", "3m 05s", "2h 03m", "3d 4h". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  if (seconds < 0) return `-${formatDuration(-seconds)}`;
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < MINUTE) return `${Math.floor(seconds)}s`;
  const s = Math.floor(seconds);
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < HOUR) return `${Math.floor(s / MINUTE)}m ${pad(s % MINUTE)}s`;
  if (s < DAY) return `${Math.floor(s / HOUR)}h ${pad(Math.floor((s % HOUR) / MINUTE))}m`;
  return `${Math.floor(s / DAY)}d ${Math.floor((s % DAY) / HOUR)}h`;
}

const SUFFIXES = ["", "k", "M", "G", "T", "P"];

/**
 * A number in at most about `digits` significant digits: 0.000123 → "1.23e-4", 1234567 → "1.23M",
 * 0.5 → "0.5", 42 → "42". Non-finite values as the API writes them ("NaN", "Infinity") pass through.
 */
export function formatNumber(value: number | string | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") {
    if (value === "Infinity") return "∞";
    if (value === "-Infinity") return "-∞";
    return value;
  }
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  if (value === 0) return "0";
  if (Number.isInteger(value) && Math.abs(value) < 10 ** digits * 10) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e18) return trimExponent(value.toExponential(2));
  if (abs >= 1e4) {
    const precision = Math.max(1, Math.min(digits, 3));
    let tier = Math.min(SUFFIXES.length - 1, Math.floor(Math.log10(abs) / 3));
    let scaled = Number((value / 10 ** (tier * 3)).toPrecision(precision));
    if (Math.abs(scaled) >= 1000 && tier < SUFFIXES.length - 1) {
      tier++; // 999,950 rounds up to 1000k: say 1M
      scaled = Number((value / 10 ** (tier * 3)).toPrecision(precision));
    }
    return `${String(scaled)}${SUFFIXES[tier] ?? ""}`;
  }
  if (abs < 1e-3) return trimExponent(value.toExponential(Math.max(0, digits - 2)));
  return trimZeros(value.toPrecision(digits));
}

function trimZeros(text: string): string {
  if (!text.includes(".") || text.includes("e")) return text;
  return text.replace(/\.?0+$/, "");
}

function trimExponent(text: string): string {
  // "1.230e-4" → "1.23e-4"
  const [mantissa = text, exponent] = text.split("e");
  const m = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
  return exponent === undefined ? m : `${m}e${exponent.replace("+", "")}`;
}

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** A size in bytes: "512 B", "1.5 KiB", "12 MiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "—";
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  return `${trimZeros(text)} ${BYTE_UNITS[unit] ?? "B"}`;
}

/**
 * Any config/summary value as one line of text: numbers compact, strings as they are, lists and
 * objects as JSON. `exactNumbers` keeps full precision (for tooltips).
 */
export function formatValue(value: unknown, exactNumbers = false): string {
  if (value === null) return "null";
  if (value === undefined) return "";
  if (typeof value === "number") return exactNumbers ? String(value) : formatNumber(value);
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  try {
    return JSON.stringify(value);
  } catch {
    return "(unprintable value)"; // e.g. a cycle; server JSON never has one
  }
}
