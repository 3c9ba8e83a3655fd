import { coldRun } from '../lib/cold.js';
import type { Scenario } from '../lib/scenario.js';

export const scenario: Scenario = {
  id: 'big',
  title: 'cold JPEG 7360×4912 → fit 500 at c = 4: throughput and peak RSS',
  run: (bench) => coldRun(bench, { scenario: 'big JPEG → 500 (7360×4912)', image: bench.images.big, format: 'jpeg', connections: 4, boxBase: 500, goal: { peakMB: 180 } }),
};
