import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema, type Config } from './config-schema.js';

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
  ['UPLOAD_MAX_BYTES', 'uploads.maxBytes', 'number'],
  ['UPLOAD_ALLOW_OVERWRITE', 'uploads.allowOverwrite', 'boolean'],
  ...(['originals', 'renditions'] as const).flatMap((store) => {
    const prefix = store.toUpperCase();
    return [
      [`${prefix}_DRIVER`, `${store}.driver`, 'string'],
      [`${prefix}_ROOT`, `${store}.root`, 'string'],
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
  ['INDEX_DRIVER', 'index.driver', 'string'],
  ['SQLITE_FILENAME', 'index.filename', 'string'],
  ['DATABASE_URL', 'index.url', 'string'],
  ['DATABASE_POOL_MAX', 'index.poolMax', 'number'],
  ['SHUTDOWN_TIMEOUT_MS', 'shutdown.timeoutMs', 'number'],
];

/** Every problem found in the configuration, each naming its key (and variable or file). */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merge(base: Tree, overlay: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = out[key];
    // A driver change replaces the whole driver block: S3 keys must not leak into a filesystem config.
    const replaces = isTree(value) && isTree(current) && 'driver' in value && value.driver !== current.driver;
    out[key] = isTree(value) && isTree(current) && !replaces ? merge(current, value) : value;
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

function readJson(file: string, problems: string[]): Tree {
  if (!existsSync(file)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (isTree(parsed)) return parsed;
    problems.push(`${file}: must contain a JSON object`);
  } catch (error) {
    problems.push(`${file}: ${(error as Error).message}`);
  }
  return {};
}

export interface LoadConfigOptions {
  /** Folder with default.json and {NODE_ENV}.json; `CONFIG_DIR` or ./config by default. */
  readonly configDir?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Applied last, for tests and embedding. */
  readonly overrides?: Tree;
}

/**
 * Loads `config/default.json`, overlays `config/{NODE_ENV}.json`, then environment variables, then
 * `overrides`; validates the result once and returns it frozen. Throws `ConfigError` listing every
 * problem, each naming its key.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  // The one place that reads process.env (STYLE.md rule 23).
  const env = options.env ?? process.env;
  const configDir = options.configDir ?? env.CONFIG_DIR ?? path.resolve('config');
  const problems: string[] = [];
  let tree = readJson(path.join(configDir, 'default.json'), problems);
  if (env.NODE_ENV) tree = merge(tree, readJson(path.join(configDir, `${env.NODE_ENV}.json`), problems));

  const fromEnv: Tree = {};
  for (const [name, key, kind] of ENVIRONMENT_VARIABLES) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') setPath(fromEnv, key, convert(name, raw, kind, problems));
  }
  // DATABASE_URL alone is enough to choose PostgreSQL.
  if (env.DATABASE_URL && !env.INDEX_DRIVER) setPath(fromEnv, 'index.driver', 'postgres');
  tree = merge(tree, fromEnv);
  if (options.overrides) tree = merge(tree, options.overrides);

  const result = configSchema.safeParse(tree);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path.join('.') || '(root)';
      const variable = ENVIRONMENT_VARIABLES.find(([, k]) => k === key)?.[0];
      problems.push(`${key}${variable ? ` (env ${variable})` : ''}: ${issue.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(result.data as Config);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
