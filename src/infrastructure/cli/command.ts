import { parseArgs } from 'node:util';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The value's name in the help text (`--url URL`). */
  readonly value?: string;
  readonly help: string;
}

export interface ParsedArguments {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/** One `lir` command: what `--help` shows, and what it does; `run` resolves with the exit code. */
export interface Command {
  readonly name: string;
  /** Positionals after the name, as the usage line shows them: `<id> <file>`. */
  readonly arguments: string;
  readonly positionals: { readonly min: number; readonly max: number };
  readonly summary: string;
  /** Paragraphs after the usage line. */
  readonly description: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  run(args: ParsedArguments): Promise<number>;
}

/** Exit codes: 0 done, 1 failed, 2 the command line was wrong, 78 (EX_CONFIG) the configuration was refused. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Options every command takes. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'config-dir': { type: 'string', value: 'DIR', help: 'folder with default.json and {NODE_ENV}.json (default: $CONFIG_DIR or ./config)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function helpOf(command: Command): string {
  const options = { ...command.options, ...COMMON_OPTIONS };
  const lines = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short === undefined ? '    ' : `-${spec.short}, `}--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`;
    return `  ${flag.padEnd(26)} ${spec.help}`;
  });
  return `Usage: lir ${command.name}${command.arguments === '' ? '' : ` ${command.arguments}`} [options]\n\n${command.description.trim()}\n\nOptions:\n${lines.join('\n')}\n`;
}

export function parseCommandLine(command: Command, argv: readonly string[]): ParsedArguments {
  const options = Object.fromEntries(
    Object.entries({ ...command.options, ...COMMON_OPTIONS }).map(([name, spec]) => [name, spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short }]),
  );
  let parsed: ParsedArguments;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.values.help === true) return parsed;
  const { min, max } = command.positionals;
  const count = parsed.positionals.length;
  if (count < min) throw new UsageError(`lir ${command.name} needs ${command.arguments}`);
  if (count > max) throw new UsageError(`lir ${command.name} takes ${max === 0 ? 'no arguments' : command.arguments} (got ${count}: ${parsed.positionals.join(' ')})`);
  return parsed;
}

export function stringOption(args: ParsedArguments, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function integerOption(args: ParsedArguments, name: string, min: number): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${name} must be a whole number of at least ${min} (got ${JSON.stringify(raw)})`);
  return value;
}
