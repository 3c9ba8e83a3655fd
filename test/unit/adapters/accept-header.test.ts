import { expect } from 'chai';
import { acceptedFormats } from '../../../src/adapters/http/accept-header.js';

describe('acceptedFormats', function () {
  it('names the negotiable formats an Accept header lists explicitly with q > 0', function () {
    expect([...acceptedFormats(undefined)]).to.deep.equal([]);
    expect([...acceptedFormats('')]).to.deep.equal([]);
    expect([...acceptedFormats('image/*,*/*;q=0.8')]).to.deep.equal([]);
    expect([...acceptedFormats('image/avif,image/webp,image/apng,image/*,*/*;q=0.8')]).to.have.members(['avif', 'webp']);
    expect([...acceptedFormats('IMAGE/WEBP')]).to.deep.equal(['webp']);
    expect([...acceptedFormats('image/avif;q=0, image/webp;q=0.5')]).to.deep.equal(['webp']);
    expect([...acceptedFormats('image/avif;q=0.0,image/webp;q=abc')]).to.deep.equal([]);
  });

  it('answers the same set for the same formats, whatever the header, so that kept URLs share it', function () {
    const chrome = acceptedFormats('image/avif,image/webp,image/apng,image/*,*/*;q=0.8');
    expect(acceptedFormats('image/webp, image/avif')).to.equal(chrome);
    expect(acceptedFormats('image/webp,image/webp,image/avif')).to.equal(chrome);
    expect(acceptedFormats('image/webp')).to.equal(acceptedFormats('text/html, image/webp;q=0.9'));
    expect(acceptedFormats(undefined)).to.equal(acceptedFormats('*/*'));
    expect(acceptedFormats('image/webp')).to.not.equal(chrome);
  });
});
