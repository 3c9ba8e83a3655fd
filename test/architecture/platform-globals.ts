import path from 'node:path';
import ts from 'typescript';
import { createProgram, location, typeScriptFiles } from './source-program.js';

/**
 * Globals of the platform (everything `@types/node` declares: `process`, `Buffer`, `console`, `fetch`,
 * `crypto`, `performance`, `setImmediate`, the `NodeJS` namespace…) that the inner layers may still use,
 * because they do no I/O, read no clock or entropy, and exist in every JavaScript runtime (ADR 0017).
 */
const PORTABLE = ['URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder'];

/** Deadlines and schedules are use-case policy; the application may set timers (but reads time from `Clock`). */
const ALLOWED: Readonly<Record<'domain' | 'application', ReadonlySet<string>>> = {
  domain: new Set(PORTABLE),
  application: new Set([...PORTABLE, 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'AbortController', 'AbortSignal']),
};

/** Language built-ins that read the clock or entropy: those go through the `Clock` and `RandomSource` ports. */
const NON_DETERMINISTIC: ReadonlyArray<{ readonly test: (node: ts.Node, isGlobal: (id: ts.Expression) => boolean) => boolean; readonly what: string }> = [
  { what: 'Date.now() (read time from the Clock port)', test: (node, isGlobal) => isMemberCall(node, 'Date', 'now', isGlobal) },
  {
    what: 'new Date() without an argument (read time from the Clock port)',
    test: (node, isGlobal) => ts.isNewExpression(node) && isGlobal(node.expression) && node.expression.getText() === 'Date' && (node.arguments?.length ?? 0) === 0,
  },
  { what: 'Math.random() (use the RandomSource port)', test: (node, isGlobal) => isMemberCall(node, 'Math', 'random', isGlobal) },
];

function isMemberCall(node: ts.Node, object: string, member: string, isGlobal: (id: ts.Expression) => boolean): boolean {
  return (
    ts.isCallExpression(node) &&
    ts.isPropertyAccessExpression(node.expression) &&
    node.expression.name.text === member &&
    node.expression.expression.getText() === object &&
    isGlobal(node.expression.expression)
  );
}

/** An identifier naming something (not a property after a dot, a declared name or an import specifier). */
function isReference(id: ts.Identifier): boolean {
  const parent = id.parent;
  if ((ts.isPropertyAccessExpression(parent) || ts.isQualifiedName(parent)) && id !== (ts.isQualifiedName(parent) ? parent.left : parent.expression)) return false;
  if (ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent) || ts.isImportClause(parent) || ts.isNamespaceImport(parent)) return false;
  const declared = parent as ts.Node & { name?: ts.Node };
  return declared.name !== id || ts.isShorthandPropertyAssignment(parent);
}

/**
 * Every use of a platform global or a non-deterministic built-in in `src/domain` and `src/application`
 * under `baseDir`, as `file:line name`. Resolved by the type checker, so a local variable that happens
 * to be called `process` is not reported, and `globalThis.process` is (through `globalThis`).
 */
export function platformGlobalUses(baseDir: string): string[] {
  const layers = ['domain', 'application'] as const;
  const files = layers.flatMap((layer) => typeScriptFiles(path.join(baseDir, 'src', layer)));
  const program = createProgram(files);
  const checker = program.getTypeChecker();
  const fromLibrary = (symbol: ts.Symbol | undefined): boolean =>
    (symbol?.declarations ?? []).some((d) => program.isSourceFileDefaultLibrary(d.getSourceFile()));
  // @types/node also adds members to language types (Uint8Array, Error): those stay the language's.
  const fromPlatform = (symbol: ts.Symbol | undefined): boolean =>
    !fromLibrary(symbol) && (symbol?.declarations ?? []).some((d) => d.getSourceFile().fileName.includes('/node_modules/@types/node/'));
  const isGlobal = (expression: ts.Expression): boolean => ts.isIdentifier(expression) && fromLibrary(checker.getSymbolAtLocation(expression));

  const found: string[] = [];
  for (const file of files) {
    const layer = path.relative(path.join(baseDir, 'src'), file).split(path.sep)[0] as (typeof layers)[number];
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && isReference(node) && !ALLOWED[layer].has(node.text)) {
        const symbol = checker.getSymbolAtLocation(node);
        if (fromPlatform(symbol) || node.text === 'globalThis') found.push(`${location(node, baseDir)} ${node.text}`);
      }
      for (const rule of NON_DETERMINISTIC) if (rule.test(node, isGlobal)) found.push(`${location(node, baseDir)} ${rule.what}`);
      ts.forEachChild(node, visit);
    };
    const source = program.getSourceFile(file);
    if (source !== undefined) visit(source);
  }
  return found.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}
