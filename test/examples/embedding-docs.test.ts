import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../support/service-harness.js';
import { runExample } from './run-example.js';

const DOC = readFileSync(path.join(REPO_ROOT, 'docs/embedding.md'), 'utf8');
/** The examples docs/embedding.md is about (examples/kubernetes and others belong to other pages). */
const FOLDERS = ['examples/embed', 'examples/worker', 'examples/client'];

function blocks(language: string): string[] {
  return [...DOC.matchAll(new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1]!);
}

describe('docs/embedding.md', () => {
  const files = FOLDERS.flatMap((folder) => readdirSync(path.join(REPO_ROOT, folder)).map((name) => `${folder}/${name}`)).sort();

  it('shows every example file in full, exactly as it is (and nothing that is not one)', () => {
    const shown = blocks('ts');
    const contents = new Map(files.map((file) => [file, readFileSync(path.join(REPO_ROOT, file), 'utf8')]));
    for (const block of shown) {
      const match = [...contents].find(([, content]) => content === block);
      expect(match, `a \`\`\`ts block of docs/embedding.md that is no example file:\n${block.slice(0, 300)}`).to.not.equal(undefined);
    }
    for (const [file, content] of contents) {
      expect(shown, `${file} is not shown in docs/embedding.md`).to.include(content);
      expect(DOC, `${file} is not linked`).to.include(`](../${file})`);
    }
    expect(files.length).to.be.greaterThan(3);
  });

  it('prints what the client example really prints', async function () {
    this.timeout(30_000);
    const example = runExample('examples/client/responsive-image.ts');
    const { code, stderr } = await example.exited;
    expect(code, stderr).to.equal(0);
    expect(blocks('text')).to.deep.equal([example.stdout()]);
  });
});
