import { describe, expect, it } from "vitest";
import { color256, parseAnsi, stripAnsi } from "./ansi";

const E = "\u001b";

describe("parseAnsi", () => {
  it("keeps plain text as one unstyled span", () => {
    expect(parseAnsi("hello world")).toEqual([{ text: "hello world" }]);
    expect(parseAnsi("")).toEqual([]);
  });

  it("keeps HTML as text", () => {
    expect(parseAnsi("<script>alert(1)</script>")).toEqual([{ text: "<script>alert(1)</script>" }]);
  });

  it("reads the 16 standard colours and reset", () => {
    expect(parseAnsi(`${E}[31mred${E}[0m plain`)).toEqual([{ fg: 1, text: "red" }, { text: " plain" }]);
    expect(parseAnsi(`${E}[92mbright${E}[m`)).toEqual([{ fg: 10, text: "bright" }]);
    expect(parseAnsi(`${E}[44;97mx`)).toEqual([{ bg: 4, fg: 15, text: "x" }]);
    expect(parseAnsi(`${E}[103mx${E}[49my`)).toEqual([{ bg: 11, text: "x" }, { text: "y" }]);
  });

  it("reads bold, dim, italic, underline, inverse, strike and their resets", () => {
    const spans = parseAnsi(`${E}[1;3;4ma${E}[22mb${E}[23;24mc${E}[2;7;9md`);
    expect(spans).toEqual([
      { bold: true, italic: true, underline: true, text: "a" },
      { italic: true, underline: true, text: "b" },
      { text: "c" },
      { dim: true, inverse: true, strike: true, text: "d" },
    ]);
  });

  it("reads 256-colour and truecolor foreground and background", () => {
    expect(parseAnsi(`${E}[38;5;196mx`)).toEqual([{ fg: "#ff0000", text: "x" }]);
    expect(parseAnsi(`${E}[38;5;3mx`)).toEqual([{ fg: 3, text: "x" }]);
    expect(parseAnsi(`${E}[48;5;232mx`)).toEqual([{ bg: "#080808", text: "x" }]);
    expect(parseAnsi(`${E}[38;2;10;20;30;1mx`)).toEqual([{ fg: "#0a141e", bold: true, text: "x" }]);
    expect(parseAnsi(`${E}[48;2;255;128;0mx`)).toEqual([{ bg: "#ff8000", text: "x" }]);
    expect(parseAnsi(`${E}[38:2::1:2:3mx`)).toEqual([{ fg: "#010203", text: "x" }]);
    expect(parseAnsi(`${E}[38:5:21mx`)).toEqual([{ fg: "#0000ff", text: "x" }]);
  });

  it("default foreground (39) keeps the background", () => {
    expect(parseAnsi(`${E}[31;42ma${E}[39mb`)).toEqual([{ fg: 1, bg: 2, text: "a" }, { bg: 2, text: "b" }]);
  });

  it("merges spans with the same style and drops empty ones", () => {
    expect(parseAnsi(`${E}[31ma${E}[31mb${E}[0m${E}[0m`)).toEqual([{ fg: 1, text: "ab" }]);
  });

  it("strips non-SGR escapes and control characters", () => {
    expect(parseAnsi(`${E}[2K${E}[1Gprogress\r 50%`)).toEqual([{ text: "progress 50%" }]);
    expect(parseAnsi(`${E}]0;title\u0007text`)).toEqual([{ text: "text" }]);
    expect(parseAnsi(`${E}]8;;https://x.org${E}\\link${E}]8;;${E}\\`)).toEqual([{ text: "link" }]);
    expect(parseAnsi(`${E}(Bok${E}7${E}8`)).toEqual([{ text: "ok" }]);
    expect(parseAnsi(`a\u0008b\u0007c\td`)).toEqual([{ text: "abc\td" }]);
    expect(parseAnsi(`${E}[?25lhidden cursor${E}[?25h`)).toEqual([{ text: "hidden cursor" }]);
  });

  it("survives truncated and malformed sequences", () => {
    expect(parseAnsi(`abc${E}`)).toEqual([{ text: "abc" }]);
    expect(parseAnsi(`abc${E}[31`)).toEqual([{ text: "abc" }]);
    expect(parseAnsi(`${E}[38;5mx`)).toEqual([{ text: "x" }]);
    expect(parseAnsi(`${E}[38;9;1;31mx`)).toEqual([{ text: "x" }]);
    expect(parseAnsi(`${E}[38;5;999mx`)).toEqual([{ text: "x" }]);
  });

  it("reads the 8-bit CSI", () => {
    expect(parseAnsi("\u009b32mgreen")).toEqual([{ fg: 2, text: "green" }]);
  });

  it("starts from a given style", () => {
    expect(parseAnsi("x", { fg: 1 })).toEqual([{ fg: 1, text: "x" }]);
  });
});

describe("color256", () => {
  it("maps the cube and grey ramp", () => {
    expect(color256(16)).toBe("#000000");
    expect(color256(231)).toBe("#ffffff");
    expect(color256(255)).toBe("#eeeeee");
    expect(color256(9)).toBe(9);
    expect(color256(256)).toBeUndefined();
  });
});

describe("stripAnsi", () => {
  it("returns plain text unchanged and strips escapes", () => {
    const plain = "loss 0.1";
    expect(stripAnsi(plain)).toBe(plain);
    expect(stripAnsi(`${E}[1;31mError${E}[0m: boom`)).toBe("Error: boom");
  });
});
