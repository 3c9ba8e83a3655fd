import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { location, typeScriptFiles } from './source-program.js';

/** STYLE.md: no function much longer than this without a reason. */
export const MAX_FUNCTION_LINES = 60;

/** The comment a longer function needs: `// Longer than 60 lines: <why>` (or the same inside a JSDoc block). */
const REASON = /longer than 60 lines:\s*\S/i;

type FunctionLike = ts.FunctionLikeDeclaration & { readonly body: ts.Node };

function isFunctionWithBody(node: ts.Node): node is FunctionLike {
  return ts.isFunctionLike(node) && 'body' in node && node.body !== undefined;
}

/** `createHttpApp`, `SqlCacheIndex.findOriginal`, `const handler = () => …` → `handler`. */
function nameOf(node: FunctionLike): string {
  const own = node.name !== undefined && !ts.isComputedPropertyName(node.name) ? node.name.getText() : undefined;
  const holder = ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent) || ts.isPropertyDeclaration(node.parent) ? node.parent.name.getText() : undefined;
  const name = own ?? holder ?? (ts.isConstructorDeclaration(node) ? 'constructor' : '(anonymous)');
  const member = ts.isPropertyDeclaration(node.parent) ? node.parent : node;
  const owner = ts.isClassLike(member.parent) && member.parent.name !== undefined ? `${member.parent.name.text}.` : '';
  return `${owner}${name}`;
}

/** Comments in front of the function and of the statement or member that holds it. */
function leadingComments(node: ts.Node): string {
  const text = node.getSourceFile().getFullText();
  const texts: string[] = [];
  for (let at: ts.Node | undefined = node; at !== undefined && !ts.isSourceFile(at) && !ts.isBlock(at); at = at.parent) {
    for (const range of ts.getLeadingCommentRanges(text, at.getFullStart()) ?? []) texts.push(text.slice(range.pos, range.end));
    if (ts.isStatement(at) || ts.isClassElement(at)) break;
  }
  return texts.join('\n');
}

/**
 * Functions and methods under `dir` longer than `MAX_FUNCTION_LINES` (first to last line) without a
 * `Longer than 60 lines: <reason>` comment, as `file:line name (n lines)`.
 */
export function longFunctionsWithoutReason(baseDir: string, dir: string): string[] {
  const found: string[] = [];
  for (const file of typeScriptFiles(dir)) {
    // Parsing alone is enough to measure functions; no type checking, so it stays quick.
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (isFunctionWithBody(node)) {
        const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = last - first + 1;
        if (lines > MAX_FUNCTION_LINES && !REASON.test(leadingComments(node))) found.push(`${location(node, baseDir)} ${nameOf(node)} (${lines} lines)`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}
