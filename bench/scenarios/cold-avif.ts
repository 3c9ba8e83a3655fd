import { coldRun } from '../lib/cold.js';
import type { Scenario } from '../lib/scenario.js';

export const scenario: Scenario = {
  id: 'cold-avif',
  title: 'cold AVIF 2725×2225 → fit 512 at c = 2 at the default effort, against the service rendering JPEG in the same repetitions',
  async run(bench) {
    const service = bench.targets.find((t) => t.label === 'service')!;
    const serviceJpeg = { ...service, label: 'service JPEG', format: 'jpeg' as const };
    return coldRun(bench, {
      scenario: 'cold AVIF 2725×2225 → fit 512',
      image: bench.images.photo,
      format: 'avif',
      connections: 2,
      boxBase: 512,
      goal: { of: 'service JPEG', ratio: 0.5 },
      extraTargets: [serviceJpeg],
    });
  },
};
