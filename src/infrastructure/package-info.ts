import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  readonly name: string;
  readonly version: string;
  readonly engines?: { readonly node?: string };
}

/** The nearest package.json above this file: `src/infrastructure` under tsx, `dist/src/infrastructure` when built. */
export function packageInfo(): PackageInfo {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageInfo;
}

/**
 * Whether a Node version (`22.3.1`) falls in an `engines.node` range written as alternatives of `^x.y.z` (that
 * major line from x.y.z) or `>=x.y.z` (from x.y.z on), the two forms this package uses. An empty range allows any.
 */
export function nodeFitsEngines(version: string, range: string): boolean {
  if (range.trim() === '') return true;
  const [major = 0, minor = 0, patch = 0] = version.replace(/^v/, '').split('.').map(Number);
  return range.split('||').some((alternative) => {
    const match = /^\s*(\^|>=)\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(alternative);
    if (match === null) return false;
    const [wanted, least, lowest] = [Number(match[2]), Number(match[3] ?? 0), Number(match[4] ?? 0)];
    const fromLowest = major > wanted || (major === wanted && (minor > least || (minor === least && patch >= lowest)));
    return fromLowest && (match[1] === '>=' || major === wanted);
  });
}
