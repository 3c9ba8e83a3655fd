/**
 * The registry of benchmark scenarios, in run order (= report order). A scenario is a file
 * `bench/scenarios/<id>.ts` exporting `scenario: Scenario` (bench/lib/scenario.ts); add its id here,
 * one per line. `BENCH_ONLY=<id>,<id>` runs only those.
 */
export const SCENARIO_IDS: readonly string[] = [
  'cold-jpeg',
  'cold-jpeg-apart',
  'cold-webp',
  'cold-avif',
  'exif',
  'big',
  'hits',
  'zipf-hits',
  'info',
  'signed-hits',
  'coalesce',
  'bomb',
  'import-legacy',
  'import-time',
];
