import { expect } from 'chai';
import fc from 'fast-check';
import { signImageUrl, signSrcSet } from '../../packages/client/src/edge.js';
import { createUrlSigner } from '../../packages/client/src/server.js';
import { imageUrl, srcSet } from '../../packages/client/src/index.js';
import { UrlSigningKeys } from '../../src/adapters/http/url-signing-keys.js';
import { expectRejection } from '../support/rejection.js';
import { imageIdArb } from '../unit/domain/domain-arbitraries.js';

const keyArb = fc.string({ minLength: 16, maxLength: 40, unit: 'grapheme' });
const optionsArb = fc.record(
  { width: fc.integer({ min: 0, max: 4096 }), height: fc.integer({ min: 0, max: 4096 }), fit: fc.constantFrom('clip', 'crop', 'canvas', 'cover' as const), quality: fc.integer({ min: 1, max: 100 }) },
  { requiredKeys: [] },
);

describe('client package: signing with Web Crypto (./edge)', () => {
  it('signs exactly as the node:crypto signer does, and the service accepts it, with or without a base URL', async () => {
    await fc.assert(
      fc.asyncProperty(imageIdArb, optionsArb, keyArb, fc.constantFrom('', 'https://img.example.com', 'http://127.0.0.1:1337'), async (id, options, key, baseUrl) => {
        const signed = await signImageUrl(imageUrl(id, options, { baseUrl }), key);
        expect(signed).to.equal(imageUrl(id, options, { baseUrl, signer: createUrlSigner(key) }));
        expect(new UrlSigningKeys([key]).check(signed.slice(baseUrl.length))).to.equal('valid');
      }),
      { numRuns: 60 },
    );
  });

  it('signs every candidate of a srcset, keeping its descriptor', async () => {
    const key = 'a-signing-key-of-16+';
    const unsigned = srcSet('cat', { widths: [320, 640], fit: 'crop', aspectRatio: 1.5 }, { baseUrl: 'https://img.example.com' });
    const signed = await signSrcSet(unsigned, key);
    expect(signed).to.equal(srcSet('cat', { widths: [320, 640], fit: 'crop', aspectRatio: 1.5 }, { baseUrl: 'https://img.example.com', signer: createUrlSigner(key) }));
    expect(signed.split(', ').map((candidate) => candidate.split(' ')[1])).to.deep.equal(['320w', '640w']);
  });

  it('refuses to sign in a browser, with an empty key, or a URL without a path', async () => {
    const global = globalThis as { document?: unknown };
    global.document = {};
    try {
      expect((await expectRejection(signImageUrl('/cat_300_0.jpg', 'a-signing-key-of-16+'), Error)).message).to.match(/belong on the server/);
    } finally {
      delete global.document;
    }
    expect((await expectRejection(signImageUrl('/cat_300_0.jpg', ''), Error)).message).to.match(/must not be empty/);
    expect((await expectRejection(signImageUrl('https://img.example.com', 'a-signing-key-of-16+'), Error)).message).to.match(/no path/);
  });
});
