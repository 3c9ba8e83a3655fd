import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every `.ts` file under `dir`, recursively, as absolute paths. */
export function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** A type-checked program over `files` with the project's own compiler options (tsconfig.json). */
export function createProgram(files: readonly string[]): ts.Program {
  const configFile = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), (file) => ts.sys.readFile(file));
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);
  const compilerOptions = { ...options, noEmit: true };
  // Parent pointers on every node, so a node finds its file and its enclosing statement.
  return ts.createProgram({ rootNames: files, options: compilerOptions, host: ts.createCompilerHost(compilerOptions, true) });
}

/** `src/domain/token.ts:22` for a node, relative to `baseDir`. */
export function location(node: ts.Node, baseDir: string): string {
  const file = node.getSourceFile();
  const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
  return `${path.relative(baseDir, file.fileName)}:${line + 1}`;
}
