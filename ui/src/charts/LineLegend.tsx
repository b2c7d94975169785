/** A line panel's legend: every line with its value at the cursor (smoothed, raw in brackets),
 * and the cursor's x above them; names alone while no cursor is on this x axis. */

import type { LineModel } from "./lineData";
import { Swatch } from "./Swatch";
import { formatNumber, formatX } from "./theme";

/** Where the cursor is: uPlot's data index, and per series the index of its nearest point. */
export interface LegendCursor {
  idx: number;
  idxs: (number | null)[];
}

interface Props {
  model: LineModel;
  cursor: LegendCursor | null;
  xAxis: string;
}

const AXIS_NAMES: Record<string, string> = { step: "step", time: "time", relative: "time since start" };

/** The value of one line at the cursor (its nearest point), and the raw one under a smoothed line. */
export function legendValues(
  model: LineModel,
  cursor: LegendCursor,
): { series: number; value: number | null; raw: number | null }[] {
  return model.lines.map((line) => {
    const i = cursor.idxs[line.series] ?? cursor.idx;
    const value = model.columns[line.series - 1]?.[i] ?? null;
    const raw = line.raw !== null ? (model.columns[line.raw - 1]?.[i] ?? null) : null;
    return { series: line.series, value, raw };
  });
}

export function LineLegend({ model, cursor, xAxis }: Props) {
  const x = cursor ? model.x[cursor.idx] : undefined;
  const values = cursor ? new Map(legendValues(model, cursor).map((v) => [v.series, v])) : null;
  return (
    <div className="panel-legend-box">
      <div className="panel-legend-x" data-testid="legend-x">
        {x === undefined ? "\u00a0" : `${AXIS_NAMES[xAxis] ?? xAxis} ${formatX(x, xAxis)}`}
      </div>
      <ul className="panel-legend" aria-label="Legend">
        {model.lines.map((line) => {
          const v = values?.get(line.series);
          return (
            <li key={line.series} data-line={line.label}>
              <Swatch color={line.color} dash={line.dash} />
              <span className="legend-name">{line.label}</span>
              {v ? (
                <span className="legend-value">
                  {formatNumber(v.value)}
                  {v.raw !== null ? ` (${formatNumber(v.raw)})` : ""}
                </span>
              ) : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
