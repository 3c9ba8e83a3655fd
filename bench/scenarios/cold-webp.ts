import { coldRuns } from '../lib/cold.js';
import type { Scenario } from '../lib/scenario.js';

export const scenario: Scenario = {
  id: 'cold-webp',
  title: 'cold WebP 2725×2225 → fit 512 at c = 2 and 8: service vs raw sharp vs IPX',
  run: (bench) =>
    coldRuns(bench, { scenario: 'cold WebP 2725×2225 → fit 512', image: bench.images.photo, format: 'webp', boxBase: 512, goal: { raw: 0.95, ipx: 1.2 } }, [2, 8]),
};
