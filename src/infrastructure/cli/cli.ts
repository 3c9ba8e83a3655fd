import 'reflect-metadata';
import { ApplicationError } from '../../application/application-error.js';
import { DomainError } from '../../domain/domain-error.js';
import { packageInfo } from '../package-info.js';
import { deleteCommand, infoCommand, tokenCommand, uploadCommand } from './client-commands.js';
import { EXIT, helpOf, integerOption, parseCommandLine, stringOption, UsageError, type Command } from './command.js';
import { doctorCommand } from './doctor-command.js';
import { importCommand } from './import-command.js';
import { importLegacyCommand } from './import-legacy-command.js';
import { prerenderCommand } from './prerender-command.js';

const serveCommand: Command = {
  name: 'serve',
  arguments: '',
  positionals: { min: 0, max: 0 },
  summary: 'run the service (what npm start runs)',
  description: `Runs the service with the configuration from config/, the environment and ./.env, until SIGTERM
or SIGINT (then it finishes requests and background stores and exits 0). Logs are JSON lines on stdout.`,
  options: {
    port: { type: 'string', short: 'p', value: 'PORT', help: 'listen on this port (server.port; 0 picks a free one)' },
    host: { type: 'string', value: 'ADDRESS', help: 'listen on this address (server.host), e.g. 127.0.0.1' },
  },
  run: async (args) => {
    const port = integerOption(args, 'port', 0);
    const host = stringOption(args, 'host');
    const configDir = stringOption(args, 'config-dir');
    const server = { ...(port === undefined ? {} : { port }), ...(host === undefined ? {} : { host }) };
    const { runService } = await import('../run-service.js');
    await runService({ ...(configDir === undefined ? {} : { configDir }), overrides: Object.keys(server).length > 0 ? { server } : {} });
    // Runs until a signal ends the process.
    return new Promise<number>(() => {});
  },
};

/** Every command, in the order `lir --help` lists them. */
export const COMMANDS: readonly Command[] = [serveCommand, tokenCommand, uploadCommand, infoCommand, deleteCommand, prerenderCommand, importCommand, importLegacyCommand, doctorCommand];

function overview(): string {
  const { name, version } = packageInfo();
  const lines = COMMANDS.map((command) => `  ${`${command.name} ${command.arguments}`.padEnd(26)} ${command.summary}`);
  return `${name} ${version}\n\nUsage: lir <command> [options]   (also: live-image-resize <command>)\n\nCommands:\n${lines.join('\n')}\n\nlir <command> --help shows a command's options. docs/cli.md has more.\n`;
}

/** Runs one command line (without `node` and the script) and resolves with the exit code. */
export async function runCli(argv: readonly string[], commands: readonly Command[] = COMMANDS): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${packageInfo().version}\n`);
    return EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`lir: no command ${JSON.stringify(name)}. Commands: ${commands.map((c) => c.name).join(', ')} (lir --help)\n`);
    return EXIT.usage;
  }
  try {
    const args = parseCommandLine(command, rest);
    if (args.values.help === true) {
      process.stdout.write(helpOf(command));
      return EXIT.ok;
    }
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`lir ${command.name}: ${error.message}\n\n${helpOf(command)}`);
      return EXIT.usage;
    }
    // A refusal the command did not report itself: one line, no stack trace.
    if (error instanceof DomainError || error instanceof ApplicationError) {
      process.stderr.write(`lir ${command.name}: ${error.message} [${error.code}]\n`);
      return EXIT.failed;
    }
    throw error;
  }
}
