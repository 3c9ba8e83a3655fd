import os from 'node:os';
import path from 'node:path';
import { formatDoctor, type DoctorLine } from '../../adapters/cli/doctor-report.js';
import { guardExposureWarning } from '../../adapters/http/caller-guard.js';
import { allocatorFit } from '../allocator.js';
import { applyDotEnv, ConfigError, loadConfigWithSources, type LoadedConfig } from '../config/load-config.js';
import type { Config, StorageConfig } from '../config/config-schema.js';
import { TOKENS } from '../di/tokens.js';
import { nodeFitsEngines, packageInfo } from '../package-info.js';
import { threadPoolFit } from '../thread-pool.js';
import { serviceUrlOf } from './cli-context.js';
import { EXIT, stringOption, type Command, type ParsedArguments } from './command.js';

/** `v22.3.1` against the engines field's range (`^20.19.0 || ^22.12.0 || …`). */
function nodeLine(): DoctorLine {
  const wanted = packageInfo().engines?.node ?? '';
  const fits = nodeFitsEngines(process.versions.node, wanted);
  return { verdict: fits ? 'ok' : 'fail', topic: 'node', message: `${process.version} (the package supports ${wanted || 'any'})` };
}

async function versionsLine(): Promise<DoctorLine> {
  const { name, version } = packageInfo();
  const { default: sharp } = await import('sharp');
  return { verdict: 'ok', topic: 'versions', message: `${name} ${version}, sharp ${sharp.versions.sharp ?? '?'}, libvips ${sharp.versions.vips}` };
}

function loadLine(args: ParsedArguments): { line: DoctorLine; loaded?: LoadedConfig } {
  const file = path.resolve('.env');
  const variables = applyDotEnv(file, process.env);
  const configDir = stringOption(args, 'config-dir');
  const fromDotEnv = variables.length > 0 ? `, ${variables.length} variables from ${file}` : '';
  try {
    const loaded = loadConfigWithSources({ dotEnv: { file, variables }, ...(configDir === undefined ? {} : { configDir }) });
    const files = loaded.files.length > 0 ? loaded.files.map((f) => path.relative('.', f) || f).join(', ') : 'no config file (defaults)';
    return { line: { verdict: loaded.warnings.length > 0 ? 'warn' : 'ok', topic: 'config', message: `valid: ${files} + environment${fromDotEnv}${loaded.warnings.map((w) => `; ${w}`).join('')}` }, loaded };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { line: { verdict: 'fail', topic: 'config', message: error.message.replaceAll('\n', '\n                  ') } };
  }
}

function storeLabel(store: StorageConfig, dataDir: string, kind: string): string {
  switch (store.driver) {
    case 'filesystem':
      return `folder ${store.root ?? path.join(dataDir, kind)}`;
    case 's3':
    case 'gcs':
      return `${store.driver}://${store.bucket}/${store.prefix}${store.driver === 's3' && store.endpoint !== undefined ? ` at ${store.endpoint}` : ''}`;
    case 'memory':
      return 'memory';
  }
}

function indexLabel(config: Config): string {
  const index = config.index;
  if (index.driver === 'sqlite') return `sqlite ${index.filename ?? path.join(config.dataDir, 'index.sqlite')}`;
  if (index.driver === 'postgres') return `postgres ${index.url.replace(/\/\/[^@/]*@/, '//…@')}`;
  return 'memory';
}

/** Asks the configured stores and index whether they answer, without running migrations or writing a row. */
async function reachabilityLines(config: Config): Promise<DoctorLine[]> {
  const [{ pino }, { buildContainer }, { createLogger }] = await Promise.all([import('pino'), import('../di/build-container.js'), import('../logging/create-logger.js')]);
  const container = buildContainer(config, createLogger({ level: 'silent', serviceName: 'live-image-resize', serviceVersion: 'doctor' }, pino.destination(2)));
  try {
    const { checks } = await container.get(TOKENS.CheckReadiness).execute();
    const labels = { originals: storeLabel(config.originals, config.dataDir, 'originals'), renditions: storeLabel(config.renditions, config.dataDir, 'renditions'), index: indexLabel(config) };
    return (['originals', 'renditions', 'index'] as const).map((topic) => {
      const check = checks[topic];
      if (!check.ok) return { verdict: 'fail', topic, message: `${labels[topic]}: ${check.error}` };
      if (labels[topic] === 'memory') return { verdict: 'warn', topic, message: 'memory: lost when the process ends, and not shared with the lir commands' };
      return { verdict: 'ok', topic, message: `${labels[topic]}: answers` };
    });
  } finally {
    await container.unbindAllAsync();
  }
}

function capacityLines(config: Config): DoctorLine[] {
  const { concurrency, queueLimit, timeoutMs } = config.render;
  const cores = os.availableParallelism();
  // Not configuration of ours: libuv's own variable, read to compare it with the config (ADR 0009).
  const pool = threadPoolFit(concurrency, process.env.UV_THREADPOOL_SIZE);
  return [
    {
      verdict: concurrency > cores * 2 ? 'warn' : 'ok',
      topic: 'render',
      message: `${concurrency} at a time on ${cores} cores, ${queueLimit} may wait, ${timeoutMs} ms each at most${concurrency > cores * 2 ? ': more renders than twice the cores only queue up inside libvips' : ''}`,
    },
    pool.advice === undefined
      ? { verdict: 'ok', topic: 'threads', message: `UV_THREADPOOL_SIZE=${pool.poolSize} fits render.concurrency + 4 (${pool.wanted}); npm start, lir serve and the image set it` }
      : { verdict: 'warn', topic: 'threads', message: pool.advice },
    { topic: 'memory', ...allocatorFit(process.env, glibcVersion()) },
  ];
}

/** The glibc this process runs on, as Node's diagnostic report gives it; undefined on musl, macOS and Windows. */
function glibcVersion(): string | undefined {
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
  return report.header?.glibcVersionRuntime;
}

function exposureLines(config: Config): DoctorLine[] {
  const { host, port } = config.server;
  const everywhere = host === '0.0.0.0' || host === '::';
  const guard = guardExposureWarning({ allowFrom: config.tokens.allowFrom, secret: config.tokens.secret });
  return [
    { verdict: 'note', topic: 'listen', message: `${host}:${port}${everywhere ? ' (every interface; HOST=127.0.0.1 for this host only)' : ''}` },
    { verdict: guard === undefined ? 'ok' : config.tokens.allowFrom.length === 0 ? 'warn' : 'note', topic: 'guard', message: guard ?? 'POST /token and DELETE are guarded by tokens.secret or by tokens.allowFrom' },
  ];
}

/** Whether a service answers where the client commands (token, upload, info, delete) will look for it. */
async function serviceLine(config: Config): Promise<DoctorLine> {
  const url = serviceUrlOf(config);
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_500) });
    await response.body?.cancel();
    return { verdict: response.ok ? 'ok' : 'warn', topic: 'service', message: `${url} answers /healthz with ${response.status}` };
  } catch {
    // Not running is a normal state (a fresh clone); the line says what needs it.
    return { verdict: 'note', topic: 'service', message: `none answers at ${url}: lir token/upload/info/delete need one (lir serve)` };
  }
}

export const doctorCommand: Command = {
  name: 'doctor',
  arguments: '',
  positionals: { min: 0, max: 0 },
  summary: 'check the configuration, stores, index, versions, thread pool and allocator',
  description: `Checks what the service needs, one line each with a verdict: OK fine, NOTE worth knowing,
WARN works but should change, FAIL will not work. Reads the configuration as the service would
(config files, environment, ./.env), asks the configured stores and index whether they answer (a folder
store is created if missing, as the service does; no migration runs, nothing is written to the index),
and whether a service answers where the client commands will look. Exits 1 when a check failed.`,
  options: { json: { type: 'boolean', help: 'print the lines as JSON' } },
  run: async (args) => {
    const lines: DoctorLine[] = [nodeLine(), await versionsLine()];
    const { line, loaded } = loadLine(args);
    lines.push(line);
    if (loaded !== undefined) {
      const { config } = loaded;
      lines.push(...(await reachabilityLines(config)), ...capacityLines(config), ...exposureLines(config), await serviceLine(config));
    }
    process.stdout.write(args.values.json === true ? `${JSON.stringify(lines, null, 2)}\n` : formatDoctor(lines));
    return lines.some((l) => l.verdict === 'fail') ? EXIT.failed : EXIT.ok;
  },
};
