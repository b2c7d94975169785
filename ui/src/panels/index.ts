/** Registers every panel type of this build, once, in order (the first module listing a media
 * `_type` is that type's default panel). A new panel type is one module and one line here. */

import { barModule } from "./bar";
import { importanceModule } from "./importance";
import { lineModule } from "./line";
import { parallelModule } from "./parallel";
import { audioPanel } from "./media/audio";
import { histogramPanel } from "./media/histogram";
import { htmlPanel } from "./media/html";
import { imagePanel } from "./media/image";
import { textPanel } from "./media/text";
import { videoPanel } from "./media/video";
import { registerPanel } from "./registry";
import { scatterModule } from "./scatter";
import { chartPanel } from "./table/chart";
import { object3dPanel } from "./table/object3d";
import { plotlyPanel } from "./table/plotly";
import { tablePanel } from "./table/table";

registerPanel(lineModule);
registerPanel(scatterModule);
registerPanel(barModule);
registerPanel(parallelModule);
registerPanel(importanceModule);
registerPanel(imagePanel);
registerPanel(histogramPanel);
registerPanel(audioPanel);
registerPanel(videoPanel);
registerPanel(htmlPanel);
registerPanel(textPanel);
registerPanel(tablePanel);
registerPanel(chartPanel);
registerPanel(plotlyPanel);
registerPanel(object3dPanel);
