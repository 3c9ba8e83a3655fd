import { coldRun } from '../lib/cold.js';
import type { Scenario } from '../lib/scenario.js';

export const scenario: Scenario = {
  id: 'exif',
  title: 'cold JPEG 1800×1200 with EXIF orientation 6 → fit 512 at c = 8',
  run: (bench) =>
    coldRun(bench, { scenario: 'cold JPEG 1800×1200 EXIF-rotated → fit 512', image: bench.images.exif, format: 'jpeg', connections: 8, boxBase: 512, goal: { raw: 0.95, ipx: 1.2 } }),
};
