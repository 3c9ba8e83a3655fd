import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ServiceCallError, ServiceClient } from '../../adapters/cli/service-client.js';
import { configOf, serviceUrlOf } from './cli-context.js';
import { EXIT, integerOption, stringOption, type Command, type OptionSpec, type ParsedArguments } from './command.js';

const CLIENT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  url: { type: 'string', value: 'URL', help: 'the running service (default: http://127.0.0.1:{server.port} from the configuration)' },
  json: { type: 'boolean', help: "print the service's JSON answer as it is" },
  timeout: { type: 'string', value: 'MS', help: 'give up on the service after this long (default 30000)' },
};

const OVER_HTTP = `It talks to a running service over HTTP, as your back end would: POST /token and DELETE are
guarded (tokens.allowFrom, default loopback only), and tokens.secret, when configured, is sent as
"Authorization: Bearer". Nothing is read from the stores or the index directly (docs/cli.md).`;

function clientOf(args: ParsedArguments): ServiceClient {
  const config = configOf(args);
  const secret = config.tokens.secret;
  return new ServiceClient({
    baseUrl: stringOption(args, 'url') ?? serviceUrlOf(config),
    timeoutMs: integerOption(args, 'timeout', 1) ?? 30_000,
    ...(secret === undefined ? {} : { secret }),
  });
}

/** Runs a call; a refusal or an unreachable service is one line on stderr and exit code 1, never a stack trace. */
async function reporting(work: () => Promise<string>): Promise<number> {
  try {
    process.stdout.write(`${await work()}\n`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ServiceCallError)) throw error;
    process.stderr.write(`lir: ${error.message}${error.code === 'UNREACHABLE' || error.code === 'HTTP_ERROR' ? '' : ` [${error.code}]`}\n`);
    return EXIT.failed;
  }
}

const json = (value: unknown): string => JSON.stringify(value, null, 2);

export const tokenCommand: Command = {
  name: 'token',
  arguments: '<id>',
  positionals: { min: 1, max: 1 },
  summary: 'issue a one-time upload token for an id (POST /token)',
  description: `Issues a one-time upload token for <id> and prints it, so that a browser or an app can upload
that one image: TOKEN=$(lir token holiday-01).\n\n${OVER_HTTP}`,
  options: CLIENT_OPTIONS,
  run: (args) =>
    reporting(async () => {
      const issued = await clientOf(args).issueToken(args.positionals[0]!);
      return args.values.json === true ? json(issued) : issued.token;
    }),
};

export const uploadCommand: Command = {
  name: 'upload',
  arguments: '<id> <file>',
  positionals: { min: 2, max: 2 },
  summary: 'upload an original under an id (a token, then POST /{id})',
  description: `Uploads <file> as the original of <id>: asks for a token, then uploads with it, exactly as the
walk-through does with curl. Prints the stored original's size and format.\n\n${OVER_HTTP}`,
  options: CLIENT_OPTIONS,
  run: (args) =>
    reporting(async () => {
      const [id, file] = args.positionals as [string, string];
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (error) {
        throw new ServiceCallError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, undefined, 'UNREADABLE');
      }
      const stored = await clientOf(args).upload(id, bytes, path.basename(file));
      if (args.values.json === true) return json(stored);
      return `${id}: ${String(stored.format)} ${String(stored.original_width)}x${String(stored.original_height)}, ${String(stored.bytes)} bytes`;
    }),
};

export const infoCommand: Command = {
  name: 'info',
  arguments: '<id>',
  positionals: { min: 1, max: 1 },
  summary: "print an original's size, format and placeholders (GET /{id}.json)",
  description: `Prints what the service knows about the original of <id>: size, format, bytes, upload time
and placeholders, from GET /{id}.json.\n\n${OVER_HTTP}`,
  options: CLIENT_OPTIONS,
  run: (args) => reporting(async () => json(await clientOf(args).info(args.positionals[0]!))),
};

export const deleteCommand: Command = {
  name: 'delete',
  arguments: '<id>',
  positionals: { min: 1, max: 1 },
  summary: 'delete an original, its renditions and index rows (DELETE /{id})',
  description: `Deletes the original of <id>, every rendition of it and its index rows.\n\n${OVER_HTTP}`,
  options: CLIENT_OPTIONS,
  run: (args) =>
    reporting(async () => {
      await clientOf(args).delete(args.positionals[0]!);
      return args.values.json === true ? json({ deleted: args.positionals[0] }) : `deleted ${args.positionals[0]!}`;
    }),
};
