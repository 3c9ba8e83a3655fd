import type { z } from 'zod';
import { ConfigError } from './config-error.js';
import { configSchema, type Config } from './config-schema.js';

export { ConfigError };

/** Where the value at a dotted key came from (`/etc/lir/default.json`, `env PORT`), if anyone knows. */
export type SourceOf = (key: string) => string | undefined;

type Tree = Record<string, unknown>;

/**
 * Validates a merged configuration tree against the schema and returns it frozen. Throws `ConfigError`
 * with `earlier` problems (found while reading files and variables) plus one line per schema issue:
 * `key (source): message`, unknown keys with the nearest known one.
 */
export function validateConfig(tree: unknown, sourceOf: SourceOf = () => undefined, earlier: readonly string[] = []): Config {
  const problems = [...earlier];
  const result = configSchema.safeParse(tree);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(...describeIssue(issue, tree, sourceOf));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(result.data as Config);
}

function describeIssue(issue: z.core.$ZodIssue, tree: unknown, sourceOf: SourceOf): string[] {
  const path = issue.path.map(String);
  const line = (keyPath: readonly string[], message: string): string => {
    const key = keyPath.join('.') || '(root)';
    const source = sourceOf(key);
    return `${key}${source === undefined ? '' : ` (${source})`}: ${message}`;
  };
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(path, tree);
    return issue.keys.map((key) => line([...path, key], `unknown key${suggestion(key, known)}`));
  }
  const missing = issue.code === 'invalid_type' && valueAt(tree, path) === undefined;
  return [line(path, missing ? 'required' : issue.message)];
}

function valueAt(tree: unknown, path: readonly string[]): unknown {
  let node = tree;
  for (const key of path) node = typeof node === 'object' && node !== null ? (node as Tree)[key] : undefined;
  return node;
}

type AnySchema = z.core.$ZodType;

/**
 * The keys an object schema at `path` accepts, following wrappers (default, optional…) and, for a
 * driver union, the option the value's own `driver` selects.
 */
export function knownKeysAt(path: readonly string[], tree: unknown, schema: AnySchema = configSchema): string[] {
  let node: AnySchema | undefined = schema;
  for (let depth = 0; node !== undefined; depth += 1) {
    node = unwrap(node, valueAt(tree, path.slice(0, depth)));
    if (node === undefined || depth === path.length) break;
    const shape = objectShape(node);
    node = shape?.[path[depth] as string];
  }
  const shape = node === undefined ? undefined : objectShape(node);
  return shape === undefined ? [] : Object.keys(shape);
}

function unwrap(schema: AnySchema, value: unknown): AnySchema | undefined {
  let node: AnySchema = schema;
  for (;;) {
    const def = node._zod.def as { type: string; innerType?: AnySchema; options?: AnySchema[]; discriminator?: string };
    if (def.innerType !== undefined) {
      node = def.innerType;
    } else if (def.type === 'union' && def.options !== undefined && def.discriminator !== undefined) {
      const chosen = (value as Tree | undefined)?.[def.discriminator];
      return def.options.find((option) => {
        const literal = objectShape(option)?.[def.discriminator as string];
        return literal !== undefined && (literal._zod.def as { values?: unknown[] }).values?.includes(chosen) === true;
      });
    } else {
      return node;
    }
  }
}

function objectShape(schema: AnySchema): Record<string, AnySchema> | undefined {
  const def = schema._zod.def as { type: string; shape?: Record<string, AnySchema> };
  return def.type === 'object' ? def.shape : undefined;
}

/** `; did you mean "port"?` for a near miss, otherwise the list of keys that would be accepted. */
function suggestion(key: string, known: readonly string[]): string {
  if (known.length === 0) return '';
  const near = nearestName(key, known, Math.max(2, Math.floor(key.length / 3)));
  return near === undefined ? `; expected one of ${known.map((k) => `"${k}"`).join(', ')}` : `; did you mean "${near}"?`;
}

/**
 * The name in `known` closest to `name` if it is at most `maxDistance` edits away (case-insensitive);
 * with `prefixes`, a name that starts the other (`ttl`, `ttlSeconds`) counts as one edit.
 */
export function nearestName(name: string, known: readonly string[], maxDistance: number, prefixes = true): string | undefined {
  const lower = name.toLowerCase();
  let best: { readonly candidate: string; readonly distance: number } | undefined;
  for (const candidate of known) {
    const other = candidate.toLowerCase();
    // `ttl` for `ttlSeconds`: a unit left off is as near a miss as a typo.
    const distance = prefixes && (other.startsWith(lower) || lower.startsWith(other)) ? 1 : editDistance(lower, other);
    if (best === undefined || distance < best.distance) best = { candidate, distance };
  }
  return best !== undefined && best.distance <= maxDistance ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
