import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { settle, startTestService, uploadOriginal, type TestService } from '../../support/service-harness.js';
import { photo, rawGet } from './core-loop.suite.js';

/** Every sample of the Prometheus text exposition, keyed by `name{labels}` exactly as written. */
async function scrape(base: string): Promise<{ contentType: string | null; text: string; sample(series: string): number }> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).to.equal(200);
  const text = await response.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { contentType: response.headers.get('content-type'), text, sample: (series) => samples.get(series) ?? 0 };
}

describe('GET /metrics (Prometheus, SPEC §6)', function () {
  this.timeout(60_000);
  let service: TestService;
  let uploaded: number;
  const id = 'metered';
  /** Text a client sends in a path and a query; a label built from request data would leak it. */
  const CLIENT_TEXT = 'client_sent_text_4271';

  before(async () => {
    service = await startTestService();
    const bytes = await photo(600, 400);
    uploaded = bytes.length;
    await uploadOriginal(service.url, id, bytes);
  });
  after(async () => service?.close());

  it('counts requests by route and status, renders and render seconds by format, cache outcomes and upload bytes', async () => {
    const before = await scrape(service.url);
    expect(before.contentType).to.match(/^text\/plain; version=0\.0\.4/);
    expect(before.sample('lir_upload_bytes_total')).to.equal(uploaded);

    const identical = await Promise.all([1, 2, 3].map(() => fetch(`${service.url}/${id}_120_0.webp`).then(async (r) => [r.status, r.headers.get('x-cache'), await r.arrayBuffer()] as const)));
    expect(identical.map(([status]) => status)).to.deep.equal([200, 200, 200]);
    await settle(service);
    expect((await fetch(`${service.url}/${id}_120_0.webp`)).headers.get('x-cache')).to.equal('HIT');
    expect((await fetch(`${service.url}/${id}_90_0.png`)).status).to.equal(200);
    expect((await rawGet(service.url, `/${id}_12_12.bmp?secret=${CLIENT_TEXT}`)).status).to.equal(400);
    expect((await rawGet(service.url, `/${CLIENT_TEXT}_10_10.jpg`)).status).to.equal(404);

    const after = await scrape(service.url);
    const outcomes = identical.map(([, cache]) => cache);
    const grew = (series: string): number => after.sample(series) - before.sample(series);
    expect(grew('lir_cache_requests_total{outcome="miss"}')).to.equal(outcomes.filter((c) => c === 'MISS').length + 1);
    expect(grew('lir_cache_requests_total{outcome="coalesced"}')).to.equal(outcomes.filter((c) => c === 'COALESCED').length);
    expect(grew('lir_cache_requests_total{outcome="hit"}')).to.equal(outcomes.filter((c) => c === 'HIT').length + 1);
    expect(grew('lir_renders_total{format="webp",outcome="ok"}')).to.equal(1);
    expect(grew('lir_renders_total{format="png",outcome="ok"}')).to.equal(1);
    expect(grew('lir_render_duration_seconds_count{format="webp"}')).to.equal(1);
    expect(after.sample('lir_render_duration_seconds_sum{format="webp"}')).to.be.greaterThan(0);
    expect(grew('lir_http_requests_total{route="image",method="GET",status="200"}')).to.equal(5);
    expect(grew('lir_http_requests_total{route="image",method="GET",status="400"}')).to.equal(1);
    expect(grew('lir_http_requests_total{route="image",method="GET",status="404"}')).to.equal(1);
    expect(after.sample('lir_http_requests_total{route="upload",method="POST",status="201"}')).to.equal(1);
    expect(after.sample('lir_http_requests_total{route="token",method="POST",status="200"}')).to.equal(1);
    expect(after.sample('lir_render_queue_depth')).to.equal(0);
    expect(after.sample('lir_renders_in_flight')).to.equal(0);
    expect(after.text).to.include('lir_process_resident_memory_bytes');
    // Labels come from closed sets: nothing a client sent appears in the exposition.
    expect(after.text).to.not.include(CLIENT_TEXT);
    expect(after.text).to.not.include('nobody');
  });

  it('counts rendition cache failures, including those of background stores no response reports', async () => {
    const renditions = path.join(service.dataDir, 'renditions');
    rmSync(renditions, { recursive: true, force: true });
    // A file where the folder should be: every write below it fails.
    writeFileSync(renditions, 'not a folder');
    try {
      const before = await scrape(service.url);
      const response = await fetch(`${service.url}/${id}_77_0.jpg`);
      expect(response.status, 'the client still gets its image').to.equal(200);
      await settle(service);
      const after = await scrape(service.url);
      const series = 'lir_backend_errors_total{component="rendition-cache",code="STORE_UNAVAILABLE"}';
      expect(after.sample(series) - before.sample(series)).to.be.at.least(1);
    } finally {
      rmSync(renditions, { force: true });
    }
  });

  it('keeps one registry per service: two services in one process count separately', async () => {
    const other = await startTestService();
    try {
      const mine = await scrape(service.url);
      const theirs = await scrape(other.url);
      expect(mine.sample('lir_upload_bytes_total')).to.equal(uploaded);
      expect(theirs.sample('lir_upload_bytes_total')).to.equal(0);
      expect(theirs.sample('lir_http_requests_total{route="image",method="GET",status="200"}')).to.equal(0);
    } finally {
      await other.close();
    }
  });
});
