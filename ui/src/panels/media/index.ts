/** The media panel modules (design 0010), for the registry to list: images and galleries,
 * histograms over steps, audio, video, HTML and text. */

import type { PanelModule } from "../types";
import { audioPanel } from "./audio";
import { histogramPanel } from "./histogram";
import { htmlPanel } from "./html";
import { imagePanel } from "./image";
import { textPanel } from "./text";
import { videoPanel } from "./video";

export { audioPanel, histogramPanel, htmlPanel, imagePanel, textPanel, videoPanel };

export const mediaPanels: PanelModule[] = [imagePanel, histogramPanel, audioPanel, videoPanel, htmlPanel, textPanel];
