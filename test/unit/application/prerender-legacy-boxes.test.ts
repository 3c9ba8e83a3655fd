import { expect } from 'chai';
import { requestAtLegacyBox } from '../../../src/application/use-cases/prerender-legacy-boxes.js';
import { DEFAULT_LIMITS } from '../../../src/domain/limits.js';

const box = (width: number, height: number, fit: string, mimeType: string) => ({ width, height, fit, mimeType, ids: 1 });

describe('requestAtLegacyBox', () => {
  it('spells an old box as the request our grammar reads for it (device pixels, fit, format from the MIME type)', () => {
    const url = (b: ReturnType<typeof box>) => {
      const request = requestAtLegacyBox('cat', b, DEFAULT_LIMITS);
      return typeof request === 'string' ? request : request.toUrl();
    };
    expect(url(box(200, 200, 'clip', 'image/jpeg'))).to.equal('/cat_200_200.jpg');
    expect(url(box(100, 100, 'crop', 'image/png'))).to.equal('/cat_100_100.png?fit=crop');
    expect(url(box(640, 480, 'canvas', 'IMAGE/JPEG'))).to.equal('/cat_640_480.jpg?fit=canvas');
    // Oversized: the box its requests are redirected to.
    expect(url(box(9000, 9000, 'clip', 'image/jpeg'))).to.equal('/cat_4096_4096.jpg');
  });

  it('says why an old row has no request here', () => {
    expect(requestAtLegacyBox('cat', box(100, 100, 'clip', 'image/bmp'), DEFAULT_LIMITS)).to.equal('the old type image/bmp has no format here');
    expect(requestAtLegacyBox('cat', box(100, 100, 'stretch', 'image/jpeg'), DEFAULT_LIMITS)).to.match(/^fit must be one of/);
    expect(requestAtLegacyBox('a.b', box(100, 100, 'clip', 'image/jpeg'), DEFAULT_LIMITS)).to.be.a('string');
  });
});
