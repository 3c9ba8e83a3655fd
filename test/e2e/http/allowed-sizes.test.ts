import { expect } from 'chai';
import { startTestService, uploadOriginal, type TestService } from '../../support/service-harness.js';
import { photo } from './core-loop.suite.js';

describe('Allowed sizes (SPEC §8), on the real service', function () {
  this.timeout(60_000);
  let service: TestService;

  before(async () => {
    service = await startTestService({ limits: { allowedSizes: ['320x0', '640x0', '160x160'] } });
    await uploadOriginal(service.url, 'shot', await photo(800, 600));
  });
  after(async () => service?.close());

  const cases: ReadonlyArray<readonly [requested: string, target: string, why: RegExp]> = [
    ['/shot_300_200.jpg?fit=crop', '/shot_320_0.jpg', /requested 300x200 is not an allowed size; redirected to 320x0, the smallest allowed size that contains it/],
    ['/shot_100_100.webp?fit=crop&quality=60', '/shot_160_160.webp?fit=crop&quality=60', /redirected to 160x160, the smallest/],
    ['/shot_200_100_2x.jpg', '/shot_640_0.jpg', /requested 400x200 is not an allowed size; redirected to 640x0/],
    ['/shot_1000_0.jpg', '/shot_640_0.jpg', /requested 1000x0 .* 640x0, the largest allowed size/],
    ['/shot.png', '/shot_640_0.png', /requested 0x0 .* the largest allowed size/],
    ['/shot_9000_0.jpg', '/shot_640_0.jpg', /requested 9000x0 is not an allowed size/],
  ];

  for (const [requested, target, why] of cases) {
    it(`redirects ${requested} to ${target}, saying why`, async () => {
      const response = await fetch(`${service.url}${requested}`, { redirect: 'manual' });
      expect(response.status).to.equal(303);
      expect(response.headers.get('location')).to.equal(target);
      expect(response.headers.get('x-redirect-info')).to.match(why);
      expect((await fetch(`${service.url}${target}`, { redirect: 'manual' })).status).to.equal(200);
    });
  }

  it('renders the allowed boxes themselves, also when reached through a device pixel ratio', async () => {
    for (const url of ['/shot_320_0.jpg', '/shot_160_160.jpg?fit=crop', '/shot_160_0_2x.jpg']) {
      const response = await fetch(`${service.url}${url}`, { redirect: 'manual' });
      expect(response.status, url).to.equal(200);
    }
  });
});
