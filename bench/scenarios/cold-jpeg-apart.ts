import { coldRuns } from '../lib/cold.js';
import type { Scenario } from '../lib/scenario.js';

export const scenario: Scenario = {
  id: 'cold-jpeg-apart',
  title: 'cold JPEG 2725×2225 → fit 560, originals apart (no decode to share) at c = 2 and 8: service vs raw sharp vs IPX',
  run: (bench) =>
    coldRuns(
      bench,
      { scenario: 'cold JPEG 2725×2225 → fit 560, originals apart', image: bench.images.photo, format: 'jpeg', boxBase: 560, goal: { raw: 0.95, ipx: 1.2 }, originalsApart: true },
      [2, 8],
    ),
};
