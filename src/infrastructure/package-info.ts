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
