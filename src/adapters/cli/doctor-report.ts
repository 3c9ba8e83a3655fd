/** How one check came out: `ok` fine, `note` worth knowing, `warn` works but should change, `fail` will not work. */
export type Verdict = 'ok' | 'note' | 'warn' | 'fail';

export interface DoctorLine {
  readonly verdict: Verdict;
  /** What was checked, one word: `node`, `config`, `originals`… */
  readonly topic: string;
  readonly message: string;
}

/** One line per check, the verdict first so that the eye finds the failures, then a tally. */
export function formatDoctor(lines: readonly DoctorLine[]): string {
  const body = lines.map((line) => `${line.verdict.toUpperCase().padEnd(5)} ${line.topic.padEnd(11)} ${line.message}`);
  const count = (verdict: Verdict): number => lines.filter((line) => line.verdict === verdict).length;
  const failures = count('fail');
  const warnings = count('warn');
  const verdict =
    failures > 0
      ? `${failures} check${failures === 1 ? '' : 's'} failed: the service will not work until ${failures === 1 ? 'it is' : 'they are'} fixed.`
      : warnings > 0
        ? `Usable, with ${warnings} warning${warnings === 1 ? '' : 's'} worth fixing.`
        : 'All checks passed.';
  return `${body.join('\n')}\n\n${verdict}\n`;
}
