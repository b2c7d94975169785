/** The table, chart, plotly and 3D panel modules, for the registry to register (docs/design/0010). */

import type { PanelModule } from "../types";
import { chartPanel } from "./chart";
import { object3dPanel } from "./object3d";
import { plotlyPanel } from "./plotly";
import { tablePanel } from "./table";

export { chartPanel, object3dPanel, plotlyPanel, tablePanel };

export const tablePanels: PanelModule[] = [tablePanel, chartPanel, plotlyPanel, object3dPanel];
