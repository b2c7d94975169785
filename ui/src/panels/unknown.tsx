/** The body of a panel whose type this build does not know (a layout saved by a newer build, or a
 * panel type since removed): kept in the layout, shown as such, removable. */

import { useEffect } from "react";
import type { PanelBodyProps } from "./types";

export function UnknownPanelBody({ panel, onState }: PanelBodyProps) {
  useEffect(() => {
    onState("empty", null);
  }, [onState]);
  return (
    <div className="panel-empty" data-testid="unknown-panel">
      Unknown panel type “{panel.type}”: this version of Cairn cannot show it.
    </div>
  );
}
