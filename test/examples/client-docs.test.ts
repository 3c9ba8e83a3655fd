import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { photo } from '../e2e/http/core-loop.suite.js';
import { REPO_ROOT, startTestService, uploadOriginal } from '../support/service-harness.js';
import { runExample } from './run-example.js';

const DOC = readFileSync(path.join(REPO_ROOT, 'docs/client.md'), 'utf8');
const FOLDER = 'examples/client-package';

function blocks(language: string): string[] {
  return [...DOC.matchAll(new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1]!);
}

describe('docs/client.md and examples/client-package', function () {
  this.timeout(60_000);

  it('shows every example file in full, exactly as it is, and links it', () => {
    const files = readdirSync(path.join(REPO_ROOT, FOLDER)).map((name) => `${FOLDER}/${name}`);
    expect(files.length).to.be.greaterThan(1);
    for (const file of files) {
      expect(blocks('ts'), `${file} is not shown in docs/client.md`).to.include(readFileSync(path.join(REPO_ROOT, file), 'utf8'));
      expect(DOC, `${file} is not linked`).to.include(`](../${file})`);
    }
  });

  it('framework-loaders.ts prints what the page says it prints', async () => {
    const example = runExample(`${FOLDER}/framework-loaders.ts`);
    const { code, stderr } = await example.exited;
    expect(code, stderr).to.equal(0);
    expect(blocks('text')).to.deep.equal([example.stdout()]);
  });

  it('edge-signing.ts prints URLs that a service with the same key answers with 200', async () => {
    const example = runExample(`${FOLDER}/edge-signing.ts`);
    const { code, stderr } = await example.exited;
    expect(code, stderr).to.equal(0);
    const [single = '', ladder = ''] = example.stdout().trim().split('\n');
    expect(ladder).to.match(/ 320w, .* 640w$/);
    const urls = [single, ...ladder.split(', ').map((candidate) => candidate.split(' ')[0] ?? '')].map((url) => url.replace('https://img.example.com', ''));
    const service = await startTestService({ signing: { keys: ['a-signing-key-of-16+'] } });
    try {
      await uploadOriginal(service.url, 'holiday-01', await photo(800, 600));
      for (const url of urls) expect((await fetch(`${service.url}${url}`, { redirect: 'manual' })).status, url).to.equal(200);
      expect((await fetch(`${service.url}${urls[0]!.replace(/sig=./, 'sig=A')}`)).status, 'a wrong signature').to.equal(403);
    } finally {
      await service.close();
    }
  });
});
