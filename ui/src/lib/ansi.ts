/**
 * ANSI escape sequences in console lines → styled text spans (never HTML).
 *
 * SGR (`ESC [ ... m`) is understood: reset, bold, dim, italic, underline, inverse, strike-through,
 * the 16 standard colours, 256-colour (`38;5;n`) and truecolor (`38;2;r;g;b`, also with colons)
 * foreground and background. Every other escape sequence (cursor moves, erase, OSC titles and
 * hyperlinks, charset switches) and other control characters are removed; tabs are kept.
 */

/** 0–15: a palette colour the theme defines (so it stays readable); a string: "#rrggbb". */
export type AnsiColor = number | string;

export interface AnsiStyle {
  fg?: AnsiColor;
  bg?: AnsiColor;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
  strike?: boolean;
}

export interface AnsiSpan extends AnsiStyle {
  text: string;
}

const ESC = "\u001b";
const CUBE = [0, 95, 135, 175, 215, 255];

function hex(r: number, g: number, b: number): string {
  const h = (n: number) => Math.max(0, Math.min(255, Math.round(n))).toString(16).padStart(2, "0");
  return `#${h(r)}${h(g)}${h(b)}`;
}

/** The colour of a 256-colour index: 0–15 stay palette indices, the rest become "#rrggbb". */
export function color256(n: number): AnsiColor | undefined {
  if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
  if (n < 16) return n;
  if (n < 232) {
    const i = n - 16;
    return hex(CUBE[Math.floor(i / 36)] ?? 0, CUBE[Math.floor(i / 6) % 6] ?? 0, CUBE[i % 6] ?? 0);
  }
  const level = 8 + (n - 232) * 10;
  return hex(level, level, level);
}

/** Apply one SGR parameter list (already split on ";" with ":" sub-parameters kept) to a style. */
function applySgr(style: AnsiStyle, params: string[]): AnsiStyle {
  let next: AnsiStyle = { ...style };
  if (params.length === 0) return {};
  for (let i = 0; i < params.length; i++) {
    const raw = params[i] ?? "";
    if (raw.includes(":")) {
      // 38:2::r:g:b, 38:2:r:g:b, 38:5:n (ITU T.416 form)
      const parts = raw.split(":").map((p) => (p === "" ? NaN : Number(p)));
      const code = parts[0];
      if (code === 38 || code === 48 || code === 58) {
        let color: AnsiColor | undefined;
        if (parts[1] === 5) color = color256(parts[2] ?? NaN);
        else if (parts[1] === 2) {
          const rgb = parts.length >= 6 ? parts.slice(3, 6) : parts.slice(2, 5);
          if (rgb.length === 3 && rgb.every((v) => Number.isFinite(v))) {
            color = hex(rgb[0] ?? 0, rgb[1] ?? 0, rgb[2] ?? 0);
          }
        }
        if (color !== undefined && code === 38) next.fg = color;
        if (color !== undefined && code === 48) next.bg = color;
      } else if (code === 4) {
        next.underline = parts[1] !== 0;
      }
      continue;
    }
    const code = raw === "" ? 0 : Number(raw);
    if (!Number.isInteger(code)) continue;
    if (code === 0) next = {};
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 7) next.inverse = true;
    else if (code === 9) next.strike = true;
    else if (code === 21) next.underline = true; // doubly underlined on most terminals
    else if (code === 22) {
      delete next.bold;
      delete next.dim;
    } else if (code === 23) delete next.italic;
    else if (code === 24) delete next.underline;
    else if (code === 27) delete next.inverse;
    else if (code === 29) delete next.strike;
    else if (code >= 30 && code <= 37) next.fg = code - 30;
    else if (code === 39) delete next.fg;
    else if (code >= 40 && code <= 47) next.bg = code - 40;
    else if (code === 49) delete next.bg;
    else if (code >= 90 && code <= 97) next.fg = code - 90 + 8;
    else if (code >= 100 && code <= 107) next.bg = code - 100 + 8;
    else if (code === 38 || code === 48 || code === 58) {
      const mode = Number(params[i + 1]);
      let color: AnsiColor | undefined;
      if (mode === 5) {
        color = color256(Number(params[i + 2]));
        i += 2;
      } else if (mode === 2) {
        const rgb = [params[i + 2], params[i + 3], params[i + 4]].map(Number);
        if (rgb.every((v) => Number.isFinite(v))) color = hex(rgb[0] ?? 0, rgb[1] ?? 0, rgb[2] ?? 0);
        i += 4;
      } else {
        i = params.length; // malformed: ignore the rest
      }
      if (color !== undefined && code === 38) next.fg = color;
      if (color !== undefined && code === 48) next.bg = color;
    }
  }
  return next;
}

function sameStyle(a: AnsiStyle, b: AnsiStyle): boolean {
  return (
    a.fg === b.fg &&
    a.bg === b.bg &&
    a.bold === b.bold &&
    a.dim === b.dim &&
    a.italic === b.italic &&
    a.underline === b.underline &&
    a.inverse === b.inverse &&
    a.strike === b.strike
  );
}

/** Index just past an escape sequence starting at `i` (text[i] is ESC), and its SGR params if it is one. */
function scanEscape(text: string, i: number): { end: number; sgr: string[] | null } {
  const kind = text[i + 1];
  if (kind === undefined) return { end: i + 1, sgr: null };
  if (kind === "[") {
    // CSI: parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, one final byte 0x40–0x7E
    let j = i + 2;
    while (j < text.length && /[0-?]/.test(text[j] ?? "")) j++;
    const params = text.slice(i + 2, j);
    while (j < text.length && /[ -/]/.test(text[j] ?? "")) j++;
    const final = text[j];
    if (final === undefined) return { end: text.length, sgr: null };
    const end = j + 1;
    if (final === "m" && /^[0-9;:]*$/.test(params)) {
      return { end, sgr: params === "" ? [] : params.split(";") };
    }
    return { end, sgr: null };
  }
  if (kind === "]" || kind === "P" || kind === "X" || kind === "^" || kind === "_") {
    // OSC / DCS / SOS / PM / APC: until BEL or ST (ESC \)
    for (let j = i + 2; j < text.length; j++) {
      if (text[j] === "\u0007") return { end: j + 1, sgr: null };
      if (text[j] === ESC && text[j + 1] === "\\") return { end: j + 2, sgr: null };
    }
    return { end: text.length, sgr: null };
  }
  if (kind === "(" || kind === ")" || kind === "*" || kind === "+" || kind === "#" || kind === "%") {
    return { end: Math.min(text.length, i + 3), sgr: null }; // charset designation etc.
  }
  return { end: i + 2, sgr: null }; // two-character escape (ESC 7, ESC M, ...)
}

/**
 * Split a line into spans of text with their style. Adjacent spans with the same style are merged,
 * empty ones dropped. `initial` is the style in force at the start of the line.
 */
export function parseAnsi(line: string, initial: AnsiStyle = {}): AnsiSpan[] {
  const text = line.includes("\u009b") ? line.replaceAll("\u009b", `${ESC}[`) : line; // 8-bit CSI
  const spans: AnsiSpan[] = [];
  let style: AnsiStyle = { ...initial };
  let buffer = "";
  const flush = () => {
    if (buffer === "") return;
    const last = spans[spans.length - 1];
    if (last !== undefined && sameStyle(last, style)) last.text += buffer;
    else spans.push({ ...style, text: buffer });
    buffer = "";
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? "";
    if (ch === ESC) {
      const { end, sgr } = scanEscape(text, i);
      if (sgr !== null) {
        flush();
        style = applySgr(style, sgr);
      }
      i = end;
      continue;
    }
    const code = ch.charCodeAt(0);
    if ((code < 0x20 && ch !== "\t") || code === 0x7f) {
      i++; // other control characters (\r, \b, BEL, ...) are dropped
      continue;
    }
    // copy a run of ordinary characters at once
    let j = i + 1;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c === 0x1b || c === 0x7f || (c < 0x20 && c !== 0x09)) break;
      j++;
    }
    buffer += text.slice(i, j);
    i = j;
  }
  flush();
  return spans;
}

/** The line's text without any escape sequences (what search matches against). */
export function stripAnsi(text: string): string {
  let plain = true;
  for (let i = 0; i < text.length && plain; i++) {
    const c = text.charCodeAt(i);
    plain = !((c < 0x20 && c !== 0x09) || c === 0x7f || c === 0x9b);
  }
  if (plain) return text;
  return parseAnsi(text)
    .map((span) => span.text)
    .join("");
}
