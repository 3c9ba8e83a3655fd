import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Names the Chromium of a Linux distribution goes by on PATH. */
const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/**
 * The Chromium to drive: `CHROMIUM_PATH` if set, else the first of the usual names on PATH; undefined
 * when there is none. The driver package downloads no browser of its own, so this is the only source.
 */
export function findChromium(): string | undefined {
  const given = process.env.CHROMIUM_PATH;
  if (given) return existsSync(given) ? given : undefined;
  for (const name of NAMES) {
    try {
      const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (found !== '') return found;
    } catch {
      // not on PATH: try the next name
    }
  }
  return undefined;
}
