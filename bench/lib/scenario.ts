/**
 * A benchmark scenario: one file `bench/scenarios/<id>.ts` exporting `scenario`, listed once in
 * bench/scenarios.ts (run order = report order). It measures, logs as it goes, and returns the lines it
 * adds to docs/benchmarks.md: rows of tables (sections), checks, and bars for the chart.
 */
import type { Bench } from './bench.js';

/** A table of docs/benchmarks.md; scenarios that share one put their rows under the same heading. */
export interface Section {
  /** The heading without `## `; sections appear in the order their first row was returned. */
  readonly heading: string;
  /** Column titles of the table. */
  readonly columns: readonly string[];
  /** Paragraph lines after the table (how to read it). */
  readonly after?: readonly string[];
}

/** One group of bars in the chart: req/s of the service and of what it is compared with, same run. */
export interface ChartGroup {
  readonly label: string;
  readonly series: Readonly<Partial<Record<ChartSeries, number>>>;
}
export type ChartSeries = 'service' | 'raw sharp' | 'IPX' | 'bare';

export interface ScenarioOutput {
  /** Table rows (`| a | b |`, one cell per column of the section). */
  readonly rows: ReadonlyArray<{ readonly section: Section; readonly row: string }>;
  /** Lines of the "Checks" section: proof that the run measured what it says (statuses, X-Cache, sizes). */
  readonly checks: readonly string[];
  readonly chart?: readonly ChartGroup[];
}

export interface Scenario {
  /** What `BENCH_ONLY` selects; also the file name. */
  readonly id: string;
  /** One line: what it measures. */
  readonly title: string;
  run(bench: Bench): Promise<ScenarioOutput>;
}

/** `yes`/`no` for a table's "met" column. */
export const yesNo = (met: boolean): string => (met ? 'yes' : 'no');
