import type { Section } from './scenario.js';

/** Scenarios that check behaviour under load rather than speed: one row each. */
export const CORRECTNESS_SECTION: Section = {
  heading: 'Correctness under load',
  columns: ['scenario', 'result', 'target', 'met'],
};
