import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { type Config } from './config-schema.js';
import { knownKeysAt, nearestName, validateConfig } from './validate-config.js';

type EnvKind = 'string' | 'number' | 'boolean' | 'list';

/**
 * One environment variable per key that operators change. The table is the single source for
 * docs/configuration.md's "Environment" column (a test checks that every entry is documented).
 */
export const ENVIRONMENT_VARIABLES: ReadonlyArray<readonly [name: string, key: string, kind: EnvKind]> = [
  ['HOST', 'server.host', 'string'],
  ['PORT', 'server.port', 'number'],
  ['TRUSTED_PROXIES', 'server.trustedProxies', 'list'],
  ['HEADERS_TIMEOUT_MS', 'server.headersTimeoutMs', 'number'],
  ['REQUEST_TIMEOUT_MS', 'server.requestTimeoutMs', 'number'],
  ['DATA_DIR', 'dataDir', 'string'],
  ['ALLOW_INDEXING', 'allowIndexing', 'boolean'],
  ['LOG_LEVEL', 'log.level', 'string'],
  ['MAX_WIDTH', 'limits.maxWidth', 'number'],
  ['MAX_HEIGHT', 'limits.maxHeight', 'number'],
  ['MAX_SCALE', 'limits.maxScale', 'number'],
  ['MAX_INPUT_PIXELS', 'limits.maxInputPixels', 'number'],
  ['MAX_FRAMES', 'limits.maxFrames', 'number'],
  ['ALLOWED_SIZES', 'limits.allowedSizes', 'list'],
  ['RENDER_CONCURRENCY', 'render.concurrency', 'number'],
  ['RENDER_QUEUE_LIMIT', 'render.queueLimit', 'number'],
  ['RENDER_TIMEOUT_MS', 'render.timeoutMs', 'number'],
  ['RENDER_LOCK_WAIT_MS', 'render.lockWaitMs', 'number'],
  ['RENDER_ALLOW_UPSCALE', 'render.allowUpscale', 'boolean'],
  ['RENDER_BLUR_SIGMA', 'render.blurSigma', 'number'],
  ['QUALITY_JPEG', 'render.quality.jpeg', 'number'],
  ['QUALITY_WEBP', 'render.quality.webp', 'number'],
  ['QUALITY_AVIF', 'render.quality.avif', 'number'],
  ['AVIF_EFFORT', 'render.avifEffort', 'number'],
  ['WEBP_EFFORT', 'render.webpEffort', 'number'],
  ['FORMATS_NEGOTIATE', 'formats.negotiate', 'boolean'],
  ['AVIF_MAX_PIXELS', 'formats.avifMaxPixels', 'number'],
  ['DELIVERY_MODE', 'delivery.mode', 'string'],
  ['REDIRECT_STATUS', 'delivery.redirectStatus', 'number'],
  ['REDIRECT_MAX_AGE', 'delivery.redirectMaxAge', 'number'],
  ['PUBLIC_BASE_URL', 'delivery.publicBaseUrl', 'string'],
  ['SIGNED_URL_TTL_SECONDS', 'delivery.signedUrlTtlSeconds', 'number'],
  ['TOKENS_ALLOW_FROM', 'tokens.allowFrom', 'list'],
  ['TOKEN_SECRET', 'tokens.secret', 'string'],
  ['TOKEN_TTL_SECONDS', 'tokens.ttlSeconds', 'number'],
  ['CORS_ALLOWED_ORIGINS', 'cors.allowedOrigins', 'list'],
  ['URL_SIGNING_KEYS', 'signing.keys', 'list'],
  ['UPLOAD_MAX_BYTES', 'uploads.maxBytes', 'number'],
  ['UPLOAD_ALLOW_OVERWRITE', 'uploads.allowOverwrite', 'boolean'],
  ...(['originals', 'renditions'] as const).flatMap((store) => {
    const prefix = store.toUpperCase();
    return [
      [`${prefix}_DRIVER`, `${store}.driver`, 'string'],
      [`${prefix}_ROOT`, `${store}.root`, 'string'],
      [`${prefix}_MIN_FREE_BYTES`, `${store}.minFreeBytes`, 'number'],
      [`${prefix}_BUCKET`, `${store}.bucket`, 'string'],
      [`${prefix}_PREFIX`, `${store}.prefix`, 'string'],
      [`${prefix}_REGION`, `${store}.region`, 'string'],
      [`${prefix}_ENDPOINT`, `${store}.endpoint`, 'string'],
      [`${prefix}_FORCE_PATH_STYLE`, `${store}.forcePathStyle`, 'boolean'],
      [`${prefix}_ACCESS_KEY_ID`, `${store}.accessKeyId`, 'string'],
      [`${prefix}_SECRET_ACCESS_KEY`, `${store}.secretAccessKey`, 'string'],
      [`${prefix}_PROJECT_ID`, `${store}.projectId`, 'string'],
      [`${prefix}_API_ENDPOINT`, `${store}.apiEndpoint`, 'string'],
      [`${prefix}_KEY_FILENAME`, `${store}.keyFilename`, 'string'],
    ] as const;
  }),
  ['RENDITIONS_MAX_BYTES', 'renditions.maxBytes', 'number'],
  ['INDEX_DRIVER', 'index.driver', 'string'],
  ['SQLITE_FILENAME', 'index.filename', 'string'],
  ['DATABASE_URL', 'index.url', 'string'],
  ['DATABASE_POOL_MAX', 'index.poolMax', 'number'],
  ['MEMORY_RENDITION_ROWS', 'memory.renditionRows', 'number'],
  ['MEMORY_ROW_TTL_SECONDS', 'memory.rowTtlSeconds', 'number'],
  ['MEMORY_RENDITION_BYTES', 'memory.renditionBytes', 'number'],
  ['MEMORY_LARGEST_RENDITION_BYTES', 'memory.largestRenditionBytes', 'number'],
  ['MEMORY_SHARED_DECODE_BYTES', 'memory.sharedDecodeBytes', 'number'],
  ['SHUTDOWN_TIMEOUT_MS', 'shutdown.timeoutMs', 'number'],
  ['COMPAT_LEGACY', 'compat.legacy', 'boolean'],
];

export { ConfigError } from './validate-config.js';

type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Overlays `overlay` on `base`, recording in `sources` where each leaf now comes from, so that a
 * problem can name the file or variable that set the value.
 */
function merge(base: Tree, overlay: Tree, sourceOf: (key: string) => string, sources: Map<string, string>, prefix = ''): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const dotted = `${prefix}${key}`;
    const current = out[key];
    // A driver change replaces the whole driver block: S3 keys must not leak into a filesystem config.
    const replaces = isTree(value) && isTree(current) && 'driver' in value && value.driver !== current.driver;
    if (replaces) for (const known of [...sources.keys()]) if (known.startsWith(`${dotted}.`)) sources.delete(known);
    if (isTree(value) && isTree(current) && !replaces) {
      out[key] = merge(current, value, sourceOf, sources, `${dotted}.`);
    } else {
      out[key] = isTree(value) ? merge({}, value, sourceOf, sources, `${dotted}.`) : value;
      // An empty block has no leaf to name its file by.
      if (!isTree(value) || Object.keys(value).length === 0) sources.set(dotted, sourceOf(dotted));
    }
  }
  return out;
}

function setPath(tree: Tree, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    if (!isTree(node[key])) node[key] = {};
    node = node[key] as Tree;
  }
  node[keys.at(-1) as string] = value;
}

function convert(name: string, raw: string, kind: EnvKind, problems: string[]): unknown {
  switch (kind) {
    case 'string':
      return raw;
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    case 'boolean':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      problems.push(`${name}: must be true or false (got ${JSON.stringify(raw)})`);
      return undefined;
    case 'number': {
      const value = raw.trim() === '' ? NaN : Number(raw);
      if (Number.isNaN(value)) problems.push(`${name}: must be a number (got ${JSON.stringify(raw)})`);
      return value;
    }
  }
}

/** `undefined` when the file does not exist (an optional layer), `{}` when it is unusable. */
function readJson(file: string, problems: string[]): Tree | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (isTree(parsed)) return parsed;
    problems.push(`${file}: must contain a JSON object`);
  } catch (error) {
    problems.push(`${file}: ${(error as Error).message}`);
  }
  return {};
}

/** The environment variables that are set, as a tree, with the variable behind each key. */
function readEnvironment(env: Readonly<Record<string, string | undefined>>, problems: string[]): { tree: Tree; variables: Map<string, string> } {
  const tree: Tree = {};
  const variables = new Map<string, string>();
  for (const [name, key, kind] of ENVIRONMENT_VARIABLES) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setPath(tree, key, convert(name, raw, kind, problems));
    variables.set(key, name);
  }
  // DATABASE_URL alone is enough to choose PostgreSQL.
  if (env.DATABASE_URL && !env.INDEX_DRIVER) {
    setPath(tree, 'index.driver', 'postgres');
    variables.set('index.driver', 'DATABASE_URL');
  }
  return { tree, variables };
}

/** Whether this runs as a production deployment (`NODE_ENV=production`); for start-up advice only. */
export function isProduction(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env.NODE_ENV === 'production';
}

export interface LoadConfigOptions {
  /** Folder with default.json and {NODE_ENV}.json; `CONFIG_DIR` or ./config by default. */
  readonly configDir?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Applied last, for tests and embedding. */
  readonly overrides?: Tree;
  /** The variables `applyDotEnv` added to `env` from `file`, so a problem with one names the file. */
  readonly dotEnv?: { readonly file: string; readonly variables: readonly string[] };
}

export interface LoadedConfig {
  readonly config: Config;
  /** The config files that existed and were read, in the order they were applied (for the start-up log). */
  readonly files: readonly string[];
  /** Set variables that are not read but look like a misspelt one (`TOKEN_ALLOW_FROM`), for the start-up log. */
  readonly warnings: readonly string[];
}

/**
 * Loads `config/default.json`, overlays `config/{NODE_ENV}.json`, then environment variables, then
 * `overrides`; validates the result once and returns it frozen with the files it read. Throws
 * `ConfigError` listing every problem, each naming its key and the file or variable that set it.
 */
export function loadConfigWithSources(options: LoadConfigOptions = {}): LoadedConfig {
  // The one place that reads process.env (STYLE.md rule 23).
  const env = options.env ?? process.env;
  const configDir = options.configDir ?? env.CONFIG_DIR ?? path.resolve('config');
  const problems: string[] = [];
  const sources = new Map<string, string>();
  const files: string[] = [];
  let tree: Tree = {};
  const fileNames = env.NODE_ENV ? ['default.json', `${env.NODE_ENV}.json`] : ['default.json'];
  for (const file of fileNames.map((name) => path.join(configDir, name))) {
    const layer = readJson(file, problems);
    if (layer === undefined) continue;
    files.push(file);
    tree = merge(tree, layer, () => file, sources);
  }
  const { tree: fromEnv, variables } = readEnvironment(env, problems);
  const fromFile = new Set(options.dotEnv?.variables ?? []);
  const describeVariable = (name: string): string => `env ${name}${fromFile.has(name) ? ` from ${options.dotEnv?.file}` : ''}`;
  tree = merge(tree, fromEnv, (key) => describeVariable(variables.get(key) ?? '?'), sources);
  if (options.overrides) tree = merge(tree, options.overrides, () => 'overrides', sources);
  dropOtherDriversVariables(tree, sources);

  const config = validateConfig(tree, (key) => describeSource(key, sources), problems);
  return { config, files, warnings: misspeltVariables(env) };
}

/**
 * The environment is shared with everything else on the host, so a variable we do not read cannot be an
 * error; one a letter or two away from one we do (and not a short, common name) is worth a warning.
 */
function misspeltVariables(env: Readonly<Record<string, string | undefined>>): string[] {
  const known = [...ENVIRONMENT_VARIABLES.map(([name]) => name), 'CONFIG_DIR', 'NODE_ENV'];
  return Object.keys(env)
    .filter((name) => name.length >= 6 && /^[A-Z][A-Z0-9_]*$/.test(name) && !known.includes(name))
    .flatMap((name) => {
      // No prefix matches here: HOSTNAME, set in every container, is not a misspelt HOST.
      const near = nearestName(name, known, 2, false);
      return near === undefined ? [] : [`environment variable ${name} is not read; did you mean ${near}?`];
    });
}

/**
 * A variable for another driver's key (`DATABASE_URL` while `INDEX_DRIVER=sqlite`, `ORIGINALS_BUCKET`
 * with the filesystem driver) is ignored: platforms set some of them for every app. A file naming a key
 * its block does not have is a mistake and is reported.
 */
function dropOtherDriversVariables(tree: Tree, sources: Map<string, string>): void {
  for (const [key, source] of [...sources]) {
    if (!source.startsWith('env ')) continue;
    const path = key.split('.');
    const known = knownKeysAt(path.slice(0, -1), tree);
    if (known.length === 0 || known.includes(path.at(-1) as string)) continue;
    const parent = path.slice(0, -1).reduce<unknown>((node, segment) => (node as Tree)[segment], tree) as Tree;
    delete parent[path.at(-1) as string];
    sources.delete(key);
  }
}

/**
 * The file or variable that set `key` — or, for a list entry, the list; for a block, any key inside it.
 * A key nobody set is named with the variable that could set it.
 */
function describeSource(key: string, sources: ReadonlyMap<string, string>): string | undefined {
  for (let prefix = key; prefix !== ''; prefix = prefix.includes('.') ? prefix.slice(0, prefix.lastIndexOf('.')) : '') {
    const source = sources.get(prefix);
    if (source !== undefined) return source;
  }
  for (const [known, source] of sources) if (known.startsWith(`${key}.`)) return source;
  const variable = ENVIRONMENT_VARIABLES.find(([, k]) => k === key)?.[0];
  return variable === undefined ? undefined : `not set; env ${variable}`;
}

/** `loadConfigWithSources` without the list of files. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  return loadConfigWithSources(options).config;
}

/**
 * Adds the variables of a `.env` file (`process.loadEnvFile`'s syntax) to `env`, as Node's
 * `--env-file` would, without a dependency: a variable already set wins, so the platform's environment
 * overrides a file left in the working directory. No file, no change. Returns the names it added, for
 * the start-up log.
 */
export function applyDotEnv(file: string, env: Record<string, string | undefined>): string[] {
  if (!existsSync(file)) return [];
  const added: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
    if (name in env) continue;
    env[name] = value;
    added.push(name);
  }
  return added;
}
