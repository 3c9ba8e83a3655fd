import { createRequire } from 'node:module';
import type * as Embed from './embed.js';

// The package's main entry as installed (package.json "exports" "."): the API of embed.ts, whose
// implementation (inversify, zod, pino, prom-client, sharp, express, the HTTP adapter: about 750 modules) is loaded
// the first time one of the functions below is called rather than when the package is imported, so an
// app that imports the package for its types, errors or URL helpers does not pay for the server.
// ADR 0029 says why it is loaded with require() and why the sources (`lir-source`) use embed.ts itself.
export * from './embed-exports.js';
export type { Application, ApplicationAdapters, ImageService, LoadConfigOptions, RequestHandler } from './embed.js';

let embed: typeof Embed | undefined;

/**
 * embed.js, loaded synchronously (the functions are synchronous) by require(esm), which every Node line
 * in "engines" has: the module joins the same ES module graph as an `import` of it would, so the error
 * classes it throws are the ones exported above.
 */
function implementation(): typeof Embed {
  return (embed ??= createRequire(import.meta.url)('./embed.js') as typeof Embed);
}

/** Validates a configuration object with the service's schema and returns it frozen; throws `ConfigError`. */
export const parseConfig: typeof Embed.parseConfig = (input) => implementation().parseConfig(input);
/** Loads `config/default.json`, `config/{NODE_ENV}.json` and the environment variables, validated; throws `ConfigError`. */
export const loadConfig: typeof Embed.loadConfig = (options) => implementation().loadConfig(options);
/** Builds the use cases on your own adapters; see `Application` and `ApplicationAdapters`. */
export const createApplication: typeof Embed.createApplication = (adapters, config) => implementation().createApplication(adapters, config);
/** Builds the whole service from a configuration object, without listening; see `ImageService`. */
export const createImageService: typeof Embed.createImageService = (config, options) => implementation().createImageService(config, options);
