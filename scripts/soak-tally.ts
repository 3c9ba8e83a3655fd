/** Answers and latencies of one soak phase, by kind of request (normal traffic or one attack of the hostile mix). */
export class Tally {
  private readonly kinds = new Map<string, { answers: Map<string, number>; ms: number[] }>();

  add(kind: string, answer: string, ms: number): void {
    let entry = this.kinds.get(kind);
    if (entry === undefined) this.kinds.set(kind, (entry = { answers: new Map(), ms: [] }));
    entry.answers.set(answer, (entry.answers.get(answer) ?? 0) + 1);
    entry.ms.push(ms);
  }

  get count(): number {
    return this.latencies().length;
  }

  /** Every answer, all kinds together, sorted by name. */
  answers(): Array<[string, number]> {
    const all = new Map<string, number>();
    for (const { answers } of this.kinds.values()) for (const [answer, n] of answers) all.set(answer, (all.get(answer) ?? 0) + n);
    return [...all].sort(([a], [b]) => a.localeCompare(b));
  }

  latencies(): number[] {
    return [...this.kinds.values()].flatMap(({ ms }) => ms);
  }

  byKind(): Record<string, { sent: number; answers: Record<string, number>; ms: { p50: number; p99: number; max: number } }> {
    return Object.fromEntries(
      [...this.kinds].map(([kind, { answers, ms }]) => [
        kind,
        { sent: ms.length, answers: Object.fromEntries([...answers].sort(([a], [b]) => a.localeCompare(b))), ms: spread(ms) },
      ]),
    );
  }
}

/** Nearest-rank percentiles in whole milliseconds. */
export function spread(ms: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number): number => (sorted.length === 0 ? Number.NaN : Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!));
  return { p50: at(0.5), p99: at(0.99), max: at(1) };
}
