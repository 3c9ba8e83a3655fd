import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { placeholderDataUrl, srcSet } from '../../src/domain/image-url.js';
import { findChromium } from '../support/chromium.js';
import { freePort } from '../support/free-port.js';
import { REPO_ROOT, startTestService, type TestService } from '../support/service-harness.js';
import { runExample, type RunningExample } from './run-example.js';

/** Small, so an oversized file is quick to make and to send. */
const MAX_BYTES = 1024 * 1024;
const SCREENSHOT = 'docs/images/browser-upload.png';
/** Generous: two loaded cores run Chromium, the service and the example's back end at once. */
const WAIT_MS = 30_000;

/** A 1200×800 drawing of hills under a sun: flat colours, so the screenshot stays a small PNG. */
function landscapeJpeg(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="800">
    <rect width="1200" height="800" fill="#8ec5e8"/>
    <circle cx="900" cy="220" r="110" fill="#ffd34e"/>
    <path d="M0 560 Q300 380 620 560 T1200 520 V800 H0 Z" fill="#5a9e4b"/>
    <path d="M0 660 Q400 540 800 680 T1200 640 V800 H0 Z" fill="#3d7a35"/>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

interface Stack {
  readonly service: TestService;
  readonly backend: RunningExample;
  /** Where the example's back end serves the page; the only origin the service allows. */
  readonly pageUrl: string;
  close(): Promise<void>;
}

/** The example's back end and the service it asks for tokens, on two origins, the page's allowed by CORS. */
async function startStack(tokens: Record<string, unknown> = {}): Promise<Stack> {
  // The back end must know the service's address and the service its page's origin: fix the first.
  const port = await freePort();
  const backend = runExample('examples/browser-upload/server.ts', [`http://127.0.0.1:${port}`, '0']);
  try {
    const pageUrl = String((await backend.waitFor((line) => 'listening' in line)).listening);
    const service = await startTestService({
      server: { host: '127.0.0.1', port },
      cors: { allowedOrigins: [pageUrl] },
      uploads: { maxBytes: MAX_BYTES },
      tokens,
    });
    return {
      service,
      backend,
      pageUrl,
      async close() {
        backend.child.kill('SIGTERM');
        await Promise.all([backend.exited, service.close()]);
      },
    };
  } catch (error) {
    backend.child.kill('SIGTERM');
    throw error;
  }
}

interface PickedFile {
  readonly name: string;
  readonly mimeType: string;
  readonly buffer: Buffer;
}

interface Slot {
  readonly id: string;
  readonly expiresAt: string;
  readonly imagesUrl: string;
}

/** Picks a file as a person would; resolves with the upload slot the page got from its back end. */
async function pick(page: Page, file: PickedFile): Promise<Slot> {
  const [response] = await Promise.all([page.waitForResponse('**/api/upload-slot', { timeout: WAIT_MS }), page.setInputFiles('#file', file)]);
  expect(response.status(), await response.text()).to.equal(200);
  await page.waitForSelector('#send:enabled', { timeout: WAIT_MS });
  return (await response.json()) as Slot;
}

/** Clicks Upload and waits until the page shows the image or a refusal; resolves with the status line. */
async function submit(page: Page): Promise<{ refused: boolean; text: string }> {
  await page.click('#send');
  await page.locator('#result:not([hidden]), #status.refused').first().waitFor({ timeout: WAIT_MS });
  return page.$eval('#status', (status) => ({ refused: status.classList.contains('refused'), text: status.textContent ?? '' }));
}

/** Waits until the `<img>` has loaded a candidate; resolves with what the browser chose. */
async function shownImage(page: Page): Promise<{ currentSrc: string; naturalWidth: number; srcset: string }> {
  // A string: this file is compiled without the DOM's types.
  await page.waitForFunction('document.querySelector("#photo").complete && document.querySelector("#photo").naturalWidth > 0', null, { timeout: WAIT_MS });
  return page.$eval('#photo', (img: { currentSrc: string; naturalWidth: number; srcset: string }) => ({
    currentSrc: img.currentSrc,
    naturalWidth: img.naturalWidth,
    srcset: img.srcset,
  }));
}

/** The access-log lines the service wrote for requests to `/{id}` with `method`. */
function requestsTo(service: TestService, method: string, id: string): number {
  return service.logs.filter((line) => typeof line.message === 'string' && line.message.startsWith(`${method} /${id} `)).length;
}

describe('examples/browser-upload, in headless Chromium against the real service', function () {
  this.timeout(60_000);
  let browser: Browser;
  let stack: Stack;
  /** Tokens last one second here, so one can expire between picking a file and uploading it. */
  let shortLived: Stack;
  let photo: PickedFile;

  before(async function () {
    this.timeout(120_000);
    const executablePath = findChromium();
    if (executablePath === undefined) {
      // CI installs it (.ci/run), so there a missing browser is a failure, not a reason to skip.
      if (process.env.CI === 'true') throw new Error('no Chromium on PATH, although .ci/run installs the Debian package "chromium"');
      console.warn('      skipping the browser tests: no Chromium found (install the Debian package "chromium", or set CHROMIUM_PATH)');
      this.skip();
    }
    photo = { name: 'holiday.jpg', mimeType: 'image/jpeg', buffer: await landscapeJpeg() };
    const [launched, main, short] = await Promise.allSettled([chromium.launch({ executablePath }), startStack(), startStack({ ttlSeconds: 1 })]);
    // Keep whatever did start, so that `after` stops it even when something else failed to.
    if (launched.status === 'fulfilled') browser = launched.value;
    if (main.status === 'fulfilled') stack = main.value;
    if (short.status === 'fulfilled') shortLived = short.value;
    for (const outcome of [launched, main, short]) if (outcome.status === 'rejected') throw outcome.reason;
  });
  after(async () => {
    await Promise.all([browser?.close(), stack?.close(), shortLived?.close()]);
  });

  async function open(url: string, deviceScaleFactor = 1): Promise<Page> {
    const context = await browser.newContext({ deviceScaleFactor, viewport: { width: 560, height: 560 } });
    const page = await context.newPage();
    await page.goto(url, { timeout: WAIT_MS });
    return page;
  }

  for (const deviceScaleFactor of [1, 2]) {
    it(`uploads a photo (201) and shows it with the ${deviceScaleFactor}x candidate of its srcset at deviceScaleFactor ${deviceScaleFactor}`, async () => {
      const page = await open(stack.pageUrl, deviceScaleFactor);
      try {
        const slot = await pick(page, photo);
        const outcome = await submit(page);
        expect(outcome, outcome.text).to.deep.equal({ refused: false, text: `Uploaded: 1200×800 jpeg, ${photo.buffer.length} bytes.` });
        expect(await page.$eval('#progress', (bar: { value: number }) => bar.value)).to.equal(1);

        const shown = await shownImage(page);
        const candidates = srcSet(slot.id, { width: 480, format: 'webp', densities: [1, 2] }, { baseUrl: stack.service.url });
        expect(shown.srcset).to.equal(candidates);
        expect(`${shown.currentSrc} ${deviceScaleFactor}x`).to.equal(candidates.split(', ')[deviceScaleFactor - 1]);
        expect(shown.naturalWidth, 'density-corrected width').to.equal(480);
        // The upload listener behind the progress bar makes the browser ask first (XHR standard).
        expect(requestsTo(stack.service, 'OPTIONS', slot.id)).to.equal(1);
        if (deviceScaleFactor === 1) await checkScreenshot(page);
      } finally {
        await page.context().close();
      }
    });
  }

  it('shows the placeholder from /{id}.json first, then the image over it', async () => {
    const page = await open(stack.pageUrl);
    // Hold the rendition back until the placeholder has been seen: the order is then not left to timing.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/_480_0(_2x)?\.webp$/, async (route) => {
      await held;
      await route.continue();
    });
    try {
      const slot = await pick(page, photo);
      await submit(page);
      await page.waitForFunction('document.querySelector("#photo").dataset.placeholder !== undefined', null, { timeout: WAIT_MS });
      const before = await page.$eval('#photo', (img: { dataset: Record<string, string>; complete: boolean; style: { backgroundImage: string } }) => ({
        placeholder: img.dataset.placeholder,
        loaded: img.dataset.loaded ?? 'false',
        background: img.style.backgroundImage,
      }));
      const info = (await (await fetch(`${stack.service.url}/${slot.id}.json`)).json()) as Parameters<typeof placeholderDataUrl>[0];
      expect(before.placeholder).to.equal(placeholderDataUrl(info)).and.to.match(/^data:image\/png;base64,/);
      expect(before.background).to.include(before.placeholder);
      expect(before.loaded, 'the image loaded before its placeholder was seen').to.equal('false');
      release();
      const shown = await shownImage(page);
      expect(shown.naturalWidth).to.equal(480);
      expect(await page.$eval('#photo', (img: { dataset: Record<string, string> }) => img.dataset.loaded)).to.equal('true');
    } finally {
      release();
      await page.context().close();
    }
  });

  it('uploads with the token as a form field and no upload listener: no preflight, straight to 201', async () => {
    const page = await open(`${stack.pageUrl}/?progress=off`);
    try {
      const slot = await pick(page, photo);
      const outcome = await submit(page);
      expect(outcome.refused, outcome.text).to.equal(false);
      await shownImage(page);
      expect(requestsTo(stack.service, 'POST', slot.id)).to.equal(1);
      expect(requestsTo(stack.service, 'OPTIONS', slot.id), 'a preflight was sent').to.equal(0);
    } finally {
      await page.context().close();
    }
  });

  it('a token that expired between picking and uploading: the page shows the service\'s 403 message', async () => {
    const page = await open(shortLived.pageUrl);
    try {
      const slot = await pick(page, photo);
      // Waiting for a condition (the token's expiry, on this machine's clock, which the service shares).
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(slot.expiresAt) - Date.now()) + 50));
      const outcome = await submit(page);
      expect(outcome.refused).to.equal(true);
      expect(outcome.text).to.equal(
        'The upload token was refused: it has expired or was already used. Upload again to get a new one. ' +
          'It said: “the upload token is missing, unknown, expired, already used or issued for another id”.',
      );
    } finally {
      await page.context().close();
    }
  });

  it('a file over uploads.maxBytes: the page shows the service\'s 413 message, not a network error', async () => {
    const page = await open(stack.pageUrl);
    try {
      const noise = await sharp(randomBytes(1000 * 1000 * 3), { raw: { width: 1000, height: 1000, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
      expect(noise.length).to.be.greaterThan(2 * MAX_BYTES);
      await pick(page, { name: 'huge.png', mimeType: 'image/png', buffer: noise });
      const outcome = await submit(page);
      expect(outcome.refused).to.equal(true);
      expect(outcome.text).to.match(new RegExp(`^The file is too large for the image service\\. It said: “the upload is larger than ${MAX_BYTES} bytes[^”]*”\\.$`));
    } finally {
      await page.context().close();
    }
  });

  it('a file that is no image: the page shows the service\'s 415 message', async () => {
    const page = await open(stack.pageUrl);
    try {
      await pick(page, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture\n'.repeat(100)) });
      const outcome = await submit(page);
      expect(outcome.refused).to.equal(true);
      expect(outcome.text).to.match(/^This file is not an image the service can read\. It said: “.+”\.$/);
    } finally {
      await page.context().close();
    }
  });

  it('a page on an origin the service does not allow: the browser refuses, the upload never leaves, the page says why', async () => {
    // Same back end, other origin: localhost is not 127.0.0.1 to a browser.
    const other = stack.pageUrl.replace('127.0.0.1', 'localhost');
    const page = await open(other);
    try {
      const slot = await pick(page, photo);
      const outcome = await submit(page);
      expect(outcome.refused).to.equal(true);
      expect(outcome.text).to.equal(
        `The browser did not let this page read the image service's answer: this page's origin, ${other}, ` +
          `is not among the service's allowed origins (CORS_ALLOWED_ORIGINS).`,
      );
      expect(requestsTo(stack.service, 'OPTIONS', slot.id), 'the preflight').to.equal(1);
      expect(requestsTo(stack.service, 'POST', slot.id), 'the upload itself').to.equal(0);
    } finally {
      await page.context().close();
    }
  });
});

/**
 * docs/getting-started.md shows this page; the picture must be of the page as it is. With
 * UPDATE_SCREENSHOTS=1 the test writes it; otherwise it compares it with the fresh one.
 */
async function checkScreenshot(page: Page): Promise<void> {
  const fresh = await sharp(await page.screenshot()).png({ palette: true, colours: 64, compressionLevel: 9 }).toBuffer();
  const file = path.join(REPO_ROOT, SCREENSHOT);
  if (process.env.UPDATE_SCREENSHOTS === '1') writeFileSync(file, fresh);
  expect(existsSync(file), `${SCREENSHOT} is missing: run this test with UPDATE_SCREENSHOTS=1`).to.equal(true);
  const changed = await changedShare(readFileSync(file), fresh);
  // 2 %: a changed layout or block of text shows, while a newer Chromium or font package that moves glyph
  // edges does not fail CI on a fresh machine (one word of the heading is 0.6 %, and is let through).
  expect(changed, `${SCREENSHOT} no longer shows the page: run this test with UPDATE_SCREENSHOTS=1`).to.be.lessThan(0.02);
}

/**
 * The share of pixels that differ clearly (beyond palette rounding) between two pictures of one size.
 * The upload's random id changes about 0.1 % of them; one word of the heading, 0.6 %.
 */
async function changedShare(a: Uint8Array, b: Uint8Array): Promise<number> {
  const [left, right] = await Promise.all([a, b].map((bytes) => sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true })));
  expect([left!.info.width, left!.info.height], 'screenshot size').to.deep.equal([right!.info.width, right!.info.height]);
  let changed = 0;
  for (let index = 0; index < left!.data.length; index += 3) {
    const distance = Math.max(...[0, 1, 2].map((channel) => Math.abs(left!.data[index + channel]! - right!.data[index + channel]!)));
    if (distance > 48) changed += 1;
  }
  return changed / (left!.info.width * left!.info.height);
}

describe('docs/getting-started.md on the browser example', () => {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/getting-started.md'), 'utf8');
  const section = doc.slice(doc.indexOf('\n## A web page that uploads directly'));
  const blocks = (language: string): string[] => [...section.matchAll(new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1]!);

  it('shows the screenshot this test takes, and code that is in the example as it is', () => {
    expect(section.length).to.be.greaterThan(100);
    expect(section).to.include(`](${path.relative('docs', SCREENSHOT)})`);
    const page = readFileSync(path.join(REPO_ROOT, 'examples/browser-upload/upload.js'), 'utf8');
    expect(blocks('js')).to.have.length(1);
    for (const block of blocks('js')) expect(page, 'a ```js block that is not in upload.js').to.include(block);
  });

  it('starts the example as this test does, with the page\'s origin allowed', () => {
    const [service, backend, ...rest] = blocks('sh')[0]!.trim().split('\n');
    expect(rest).to.deep.equal([]);
    const origin = /^CORS_ALLOWED_ORIGINS=(\S+) npm start$/.exec(service!)?.[1];
    // runExample adds exactly these flags; the test passes its own service URL and port 0.
    expect(backend).to.equal(`node --conditions=lir-source --import tsx examples/browser-upload/server.ts http://127.0.0.1:1337 ${new URL(origin!).port}`);
  });
});
