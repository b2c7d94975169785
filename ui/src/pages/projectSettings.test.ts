import { describe, expect, it } from "vitest";
import { usageRows } from "./projectSettings";

describe("usageRows", () => {
  it("shows counts as numbers and sizes human-readable, with a total", () => {
    const rows = usageRows({ runs: 7, series: 1234, series_bytes: 1536, files: 2, blob_bytes: 12 * 1024 * 1024 });
    expect(rows.map((r) => [r.label, r.text])).toEqual([
      ["Runs", "7"],
      ["Series", "1,234"],
      ["Series data", "1.5 KiB"],
      ["Files", "2"],
      ["File data", "12 MiB"],
      ["Total", "12 MiB"],
    ]);
    expect(rows.find((r) => r.label === "Total")?.exact).toBe(1536 + 12 * 1024 * 1024);
    expect(rows.filter((r) => r.bytes).map((r) => r.label)).toEqual(["Series data", "File data", "Total"]);
  });
});
