import path from 'node:path';
import { applyDotEnv, ConfigError, loadConfigWithSources, type LoadedConfig } from './load-config.js';

export interface ConfigAtStartOptions {
  /** Folder with default.json and {NODE_ENV}.json (`CONFIG_DIR` or ./config otherwise). */
  readonly configDir?: string;
  /** Config keys set on the command line (`lir serve --port`), applied after files and environment. */
  readonly overrides?: Record<string, unknown>;
}

/** EX_CONFIG from sysexits.h: the configuration was refused. */
export const EX_CONFIG = 78;

/** Reads `./.env` (a variable already set wins) and loads the configuration; a refused one ends the process. */
export function loadConfigOrExit(options: ConfigAtStartOptions = {}): LoadedConfig & { readonly dotEnv: { readonly file: string; readonly variables: readonly string[] } } {
  // Before anything reads process.env; the file sits in the working directory, beside ./config.
  const file = path.resolve('.env');
  const variables = applyDotEnv(file, process.env);
  try {
    const loaded = loadConfigWithSources({ dotEnv: { file, variables }, ...options });
    return { ...loaded, dotEnv: { file, variables } };
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EX_CONFIG);
    }
    throw error;
  }
}

