/** A grouped table: one row per value of the group-by column with its count and, for each numeric
 * column, mean and min–max (the server's `groups`). */

import { formatNumber } from "../../charts/theme";
import type { TableGroup } from "./api";
import { Cell } from "./cells";

export function TableGroups({ groups, groupBy, height }: { groups: TableGroup[]; groupBy: string; height: number }) {
  const statColumns = [...new Set(groups.flatMap((g) => Object.keys(g.stats)))].filter((c) => c !== groupBy);
  return (
    <div className="tp-scroll" style={{ maxHeight: height }}>
      <table className="tp-groups">
        <caption className="tp-sr-only">Rows grouped by {groupBy}</caption>
        <thead>
          <tr>
            <th scope="col">{groupBy}</th>
            <th scope="col">count</th>
            {statColumns.map((c) => (
              <th key={c} scope="col" title="mean (min – max)">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {groups.map((g, i) => (
            <tr key={i}>
              <td>
                <Cell value={g.value} />
              </td>
              <td className="tp-num">{g.count}</td>
              {statColumns.map((c) => {
                const s = g.stats[c];
                return (
                  <td key={c} className="tp-num">
                    {s ? `${formatNumber(s.mean)} (${formatNumber(s.min)} – ${formatNumber(s.max)})` : "–"}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
