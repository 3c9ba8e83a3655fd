import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { HotCounter, HotHistogram } from './hot-metrics.js';
import type { CacheOutcome } from '../../application/cache-outcome.js';

/** The render queue as the metrics see it (a `RenderGate`). */
export interface RenderQueueGauge {
  readonly active: number;
  readonly waiting: number;
}

/** The rendition budget as the metrics see it (a `RenditionBudget`). */
export interface RenditionBudgetGauge {
  /** The stored total its last eviction round saw, `undefined` before the first. */
  readonly storedBytes: number | undefined;
  /** Renditions this process has evicted so far. */
  readonly evictions: number;
}

/** A transformer that counts its renders from shared decodes (ADR 0037; `SharpTransformer`). */
export interface DecodeSharingGauge {
  readonly sharedRenders: number;
}

/** Whether a `Transformer` counts shared-decode renders (an embedder's own transformer need not). */
export const countsSharedRenders = (transformer: object): transformer is DecodeSharingGauge =>
  typeof (transformer as Partial<DecodeSharingGauge>).sharedRenders === 'number';

export type RenderOutcome = 'ok' | 'failed';

/**
 * Render seconds buckets: thumbnails take milliseconds, large AVIF encodes seconds, and the default
 * time limit is 15 s, so the buckets span 5 ms … 30 s.
 */
const RENDER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

function infoRequestCounter(prefix: string, registers: Registry[]): HotCounter<'outcome'> {
  return new HotCounter({
    name: `${prefix}info_requests_total`,
    help: 'Image info (/{id}.json) answers by outcome: ok (the document) or not_modified (304); errors count in http_requests_total',
    labelNames: ['outcome'],
    registers,
  });
}

function knownReadFailureCounter(prefix: string, registers: Registry[]): Counter {
  return new Counter({
    name: `${prefix}known_read_failures_total`,
    help: 'Reads whose answer from memory failed (a bug) and were answered by the routes instead; any increase is worth a look',
    registers,
  });
}

/**
 * The service's Prometheus metrics (SPEC §6 `GET /metrics`) on a registry of its own, not prom-client's
 * global one: several services (tests, embedding) can live in one process without "metric already
 * registered" errors or shared counts. Every label takes values from a closed set, so a hostile client
 * cannot blow up the series count with random paths.
 */
export class PrometheusMetrics {
  readonly registry = new Registry();
  // Counted on every request: hot metrics (hot-metrics.ts), which prom-client reads when scraped.
  private readonly requests: HotCounter<'route' | 'method' | 'status'>;
  private readonly requestSeconds: HotHistogram<'route'>;
  private readonly cache: HotCounter<'outcome'>;
  private readonly renders: Counter<'format' | 'outcome'>;
  private readonly renderSeconds: Histogram<'format'>;
  private readonly uploadBytes: Counter;
  private readonly backendErrors: Counter<'component' | 'code'>;
  private readonly signatureFailures: Counter<'reason'>;
  private readonly legacyRequests: Counter<'alias'>;
  private readonly infoRequests: HotCounter<'outcome'>;
  private readonly knownReadFailures: Counter;
  private budget: RenditionBudgetGauge | undefined;
  private decodeSharing: DecodeSharingGauge | undefined;

  constructor(options: { readonly prefix?: string; readonly renderQueue?: RenderQueueGauge; readonly defaultMetrics?: boolean } = {}) {
    const prefix = options.prefix ?? 'lir_';
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix });
    this.requests = new HotCounter({
      name: `${prefix}http_requests_total`,
      help: 'HTTP requests answered, by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.requestSeconds = new HotHistogram({
      name: `${prefix}http_request_duration_seconds`,
      help: 'Time to answer an HTTP request, by route',
      labelNames: ['route'],
      registers,
    });
    this.cache = new HotCounter({
      name: `${prefix}cache_requests_total`,
      help: 'Image requests by how they were answered: hit, miss (rendered), coalesced (shared a render), redirect, not-modified',
      labelNames: ['outcome'],
      registers,
    });
    this.renders = new Counter({
      name: `${prefix}renders_total`,
      help: 'Renders finished, by output format and outcome',
      labelNames: ['format', 'outcome'],
      registers,
    });
    this.renderSeconds = new Histogram({
      name: `${prefix}render_duration_seconds`,
      help: 'Time spent rendering, by output format',
      labelNames: ['format'],
      buckets: RENDER_BUCKETS,
      registers,
    });
    this.uploadBytes = new Counter({ name: `${prefix}upload_bytes_total`, help: 'Bytes of originals stored by uploads', registers });
    this.backendErrors = new Counter({
      name: `${prefix}backend_errors_total`,
      help: 'Failures of the cache index and the object stores, by component and error code',
      labelNames: ['component', 'code'],
      registers,
    });
    this.signatureFailures = new Counter({
      name: `${prefix}signature_failures_total`,
      help: 'Image requests refused for their URL signature, by reason: missing or mismatch',
      labelNames: ['reason'],
      registers,
    });
    this.legacyRequests = new Counter({
      name: `${prefix}legacy_requests_total`,
      help: 'Requests in a form only compat.legacy accepts, by alias (.JPG, .jfif, quality=-1, allow_webp, /_health, /healthcheck, the /token secret in the body); compat.legacy can go once it stays flat',
      labelNames: ['alias'],
      registers,
    });
    this.infoRequests = infoRequestCounter(prefix, registers);
    this.knownReadFailures = knownReadFailureCounter(prefix, registers);
    registerQueueGauges(prefix, registers, options.renderQueue);
    registerBudgetMetrics(prefix, registers, () => this.budget);
    registerSharedRenderCounter(prefix, registers, () => this.decodeSharing);
  }

  /** Exposes the transformer's count of renders from shared decodes, read at scrape time. */
  watchDecodeSharing(transformer: DecodeSharingGauge): void {
    this.decodeSharing = transformer;
  }

  /** Exposes the rendition budget, read at scrape time: the budget counts on its own, so the application knows nothing of metrics. */
  watchRenditionBudget(budget: RenditionBudgetGauge): void {
    this.budget = budget;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  observeInfoResponse(status: number): void {
    this.infoRequests.inc(status === 304 ? 'not_modified' : 'ok');
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc(route, method, String(status));
    this.requestSeconds.observe(route, seconds);
  }

  observeImageResponse(outcome: CacheOutcome): void {
    this.cache.inc(outcome);
  }

  observeRender(format: string, outcome: RenderOutcome, seconds: number): void {
    this.renders.inc({ format, outcome });
    this.renderSeconds.observe({ format }, seconds);
  }

  addUploadBytes(bytes: number): void {
    this.uploadBytes.inc(bytes);
  }

  countBackendError(component: string, code: string): void {
    this.backendErrors.inc({ component, code });
  }

  countSignatureFailure(reason: 'missing' | 'mismatch'): void {
    this.signatureFailures.inc({ reason });
  }

  countKnownReadFailure(): void {
    this.knownReadFailures.inc();
  }

  /** `alias` from the HTTP adapter's closed `LEGACY_ALIASES`. */
  countLegacyRequest(alias: string): void {
    this.legacyRequests.inc({ alias });
  }
}

/** Read when scraped: the render queue is the source of truth, the gauges only look at it. */
function registerQueueGauges(prefix: string, registers: Registry[], queue: RenderQueueGauge | undefined): void {
  new Gauge({
    name: `${prefix}render_queue_depth`,
    help: 'Renders waiting for a free render slot',
    registers,
    collect() {
      this.set(queue?.waiting ?? 0);
    },
  });
  new Gauge({
    name: `${prefix}renders_in_flight`,
    help: 'Renders and upload decodes holding a render slot now (a timed-out render until its work has really ended)',
    registers,
    collect() {
      this.set(queue?.active ?? 0);
    },
  });
}

/** Registered whether or not a budget is configured (both stay 0 without one), so dashboards need no special case. */
function registerBudgetMetrics(prefix: string, registers: Registry[], budget: () => RenditionBudgetGauge | undefined): void {
  new Gauge({
    name: `${prefix}renditions_stored_bytes`,
    help: 'Bytes of stored renditions as the index summed them after the last store (0 without a rendition budget)',
    registers,
    collect() {
      this.set(budget()?.storedBytes ?? 0);
    },
  });
  countedElsewhere(`${prefix}rendition_evictions_total`, 'Renditions this process evicted to stay within the rendition budget', registers, () => budget()?.evictions ?? 0);
}

/** A counter whose total something else keeps (`total()`, never decreasing), read when scraped. */
function countedElsewhere(name: string, help: string, registers: Registry[], total: () => number): void {
  let counted = 0;
  new Counter({
    name,
    help,
    registers,
    collect() {
      const now = total();
      this.inc(now - counted);
      counted = now;
    },
  });
}

function registerSharedRenderCounter(prefix: string, registers: Registry[], gauge: () => DecodeSharingGauge | undefined): void {
  countedElsewhere(
    `${prefix}renders_shared_decode_total`,
    'Renders (of those in renders_total) that used a decode of their original shared with other renders of it (ADR 0037); the rest decoded the original themselves',
    registers,
    () => gauge()?.sharedRenders ?? 0,
  );
}
