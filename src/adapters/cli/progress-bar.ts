/** Where a progress bar draws: a terminal redraws one line, anything else (a log, a pipe) gets a line now and then. */
export interface ProgressOutput {
  write(text: string): void;
  readonly isTTY?: boolean;
}

export interface ProgressState {
  readonly done: number;
  /** Unknown while a source is still being listed. */
  readonly total: number | undefined;
  readonly elapsedMs: number;
  /** A short tally after the bar, e.g. `12 imported, 3 skipped, 1 refused`. */
  readonly detail?: string;
}

const BAR_WIDTH = 24;
/** How often a redrawn line may change, and how often a non-terminal gets a new line. */
const TTY_INTERVAL_MS = 100;
const LOG_INTERVAL_MS = 5_000;

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** `[#########---------------]  412/1000  41%  35.2/s  ETA 17s  (detail)`: rate over the whole run so far. */
export function formatProgress(state: ProgressState): string {
  const { done, total, elapsedMs } = state;
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const parts: string[] = [];
  if (total !== undefined && total > 0) {
    const filled = Math.min(BAR_WIDTH, Math.round((done / total) * BAR_WIDTH));
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`, `${done}/${total}`, `${Math.floor((done / total) * 100)}%`);
  } else {
    parts.push(`${done}${total === 0 ? '/0' : ''}`);
  }
  parts.push(`${rate.toFixed(rate < 10 ? 1 : 0)}/s`);
  if (total !== undefined && rate > 0 && done < total) parts.push(`ETA ${duration(((total - done) / rate) * 1000)}`);
  else parts.push(`in ${duration(elapsedMs)}`);
  if (state.detail !== undefined) parts.push(`(${state.detail})`);
  return parts.join('  ');
}

/**
 * A progress bar with rate and ETA for long runs. Redraws in place on a terminal; elsewhere writes a plain line
 * at most every few seconds, so a log stays readable. `now` is injected so the bar is testable.
 */
export class ProgressBar {
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private readonly started: number;

  constructor(
    private readonly output: ProgressOutput,
    private readonly now: () => number,
  ) {
    this.started = now();
  }

  update(done: number, total: number | undefined, detail?: string): void {
    const at = this.now();
    if (at - this.lastDraw < (this.output.isTTY === true ? TTY_INTERVAL_MS : LOG_INTERVAL_MS)) return;
    this.lastDraw = at;
    this.draw({ done, total, elapsedMs: at - this.started, ...(detail === undefined ? {} : { detail }) });
  }

  /** Draws the final state and ends the line. */
  finish(done: number, total: number | undefined, detail?: string): void {
    this.draw({ done, total, elapsedMs: this.now() - this.started, ...(detail === undefined ? {} : { detail }) });
    if (this.output.isTTY === true) this.output.write('\n');
  }

  private draw(state: ProgressState): void {
    const line = formatProgress(state);
    // `\x1b[K` clears what a longer previous line left behind.
    if (this.output.isTTY === true) this.output.write(`\r${line}\x1b[K`);
    else this.output.write(`${line}\n`);
    this.drawn = true;
  }

  get hasDrawn(): boolean {
    return this.drawn;
  }
}
