import { runCli } from './cli.js';

// The `lir` / `live-image-resize` executable (bin/lir.cjs loads this module).
runCli(process.argv.slice(2)).then(
  (code) => {
    // Pipes and files are written synchronously on Linux, so nothing printed is lost; an idle SDK keep-alive socket must not hold the process.
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`lir: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
