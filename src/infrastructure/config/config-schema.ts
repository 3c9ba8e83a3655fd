import os from 'node:os';
import { z } from 'zod';
import { DEFAULT_MAX_DIMENSION, DEFAULT_MAX_FRAMES, DEFAULT_MAX_INPUT_PIXELS, DEFAULT_MAX_SCALE } from '../../domain/limits.js';
import { DEFAULT_AVIF_EFFORT, DEFAULT_WEBP_EFFORT } from '../../domain/render-cost.js';
import { DEFAULT_TOKEN_TTL_SECONDS } from '../../domain/token.js';
import { AddressList } from '../../adapters/http/address-list.js';
import { MAX_SIGNED_URL_TTL_SECONDS } from '../../adapters/object-storage/bucket-rendition-cache.js';

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();
const url = z.string().url();

/** Every list of addresses is parsed here by the same class that will match callers against it. */
const addressList = z.array(z.string()).superRefine((entries, context) => {
  entries.forEach((entry, index) => {
    try {
      AddressList.parse([entry]);
    } catch (error) {
      context.addIssue({ code: 'custom', path: [index], message: (error as Error).message });
    }
  });
});

const filesystemStorage = z.strictObject({
  driver: z.literal('filesystem'),
  /** Folder for this store; defaults to `{dataDir}/originals` or `{dataDir}/renditions`. */
  root: z.string().min(1).optional(),
  /** `/readyz` answers 503 while the folder's disk has less free space than this; 0 turns the check off. */
  minFreeBytes: z.number().int().min(0).default(256 * 1024 * 1024),
});

const s3Storage = z.strictObject({
  driver: z.literal('s3'),
  bucket: z.string().min(1),
  prefix: z.string().default(''),
  region: z.string().min(1).default('us-east-1'),
  endpoint: url.optional(),
  forcePathStyle: z.boolean().default(false),
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: z.string().min(1).optional(),
}).superRefine((store, context) => {
  // One key without the other would fall back to the SDK's credential chain for half the pair.
  if ((store.accessKeyId === undefined) !== (store.secretAccessKey === undefined)) {
    const missing = store.accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey';
    context.addIssue({ code: 'custom', path: [missing], message: 'set both accessKeyId and secretAccessKey, or neither' });
  }
});

const gcsStorage = z.strictObject({
  driver: z.literal('gcs'),
  bucket: z.string().min(1),
  prefix: z.string().default(''),
  projectId: z.string().min(1).optional(),
  apiEndpoint: url.optional(),
  keyFilename: z.string().min(1).optional(),
});

/** In-process only, lost on restart: for tests and for embedding with throwaway data. */
const memoryStorage = z.strictObject({ driver: z.literal('memory') });

const storage = z.discriminatedUnion('driver', [filesystemStorage, s3Storage, gcsStorage, memoryStorage]);

/** What every rendition driver accepts besides its own keys: the rendition budget (SPEC §8, off when absent). */
const renditionBudget = { maxBytes: positiveInt.optional() };

const renditionStorage = z.discriminatedUnion('driver', [
  filesystemStorage.safeExtend(renditionBudget),
  s3Storage.safeExtend(renditionBudget),
  gcsStorage.safeExtend(renditionBudget),
  memoryStorage.safeExtend(renditionBudget),
]);

const index = z.discriminatedUnion('driver', [
  z.strictObject({ driver: z.literal('memory') }),
  z.strictObject({
    driver: z.literal('sqlite'),
    /** Defaults to `{dataDir}/index.sqlite`. */
    filename: z.string().min(1).optional(),
  }),
  z.strictObject({
    driver: z.literal('postgres'),
    url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
    poolMax: positiveInt.default(10),
  }),
]);

const quality = z.number().int().min(1).max(100);

/** The whole configuration; every key is documented in docs/configuration.md (checked by a test). */
export const configSchema = z.strictObject({
  server: z.strictObject({
    host: z.string().min(1).default('0.0.0.0'),
    port: port.default(1337),
    /** CIDRs of reverse proxies whose `X-Forwarded-For` is believed. */
    trustedProxies: addressList.default([]),
    /** A client must have sent its whole request head within this time (slow-header clients hold sockets). */
    headersTimeoutMs: positiveInt.default(10_000),
    /** ...and its whole request, body included (an upload of uploads.maxBytes must fit in it). */
    requestTimeoutMs: positiveInt.default(60_000),
  }).refine((server) => server.headersTimeoutMs <= server.requestTimeoutMs, {
    message: 'headersTimeoutMs must not be longer than requestTimeoutMs',
    path: ['headersTimeoutMs'],
  }).prefault({}),
  dataDir: z.string().min(1).default('./data'),
  allowIndexing: z.boolean().default(false),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  }).prefault({}),
  limits: z.strictObject({
    maxWidth: positiveInt.default(DEFAULT_MAX_DIMENSION),
    maxHeight: positiveInt.default(DEFAULT_MAX_DIMENSION),
    maxScale: z.number().min(1).max(10).default(DEFAULT_MAX_SCALE),
    maxInputPixels: positiveInt.default(DEFAULT_MAX_INPUT_PIXELS),
    maxFrames: positiveInt.default(DEFAULT_MAX_FRAMES),
    /** Boxes after DPR scaling, `{w}x{h}` (`0` = unconstrained); any other box is redirected to one of them. */
    allowedSizes: z
      .array(z.string().regex(/^\d{1,9}x\d{1,9}$/, 'each must be {width}x{height} in pixels, e.g. 320x0 or 160x160'))
      .default([])
      .transform((sizes) => sizes.map((size) => {
        const [width, height] = size.split('x').map(Number) as [number, number];
        return { width, height };
      })),
  }).superRefine((limits, context) => {
    limits.allowedSizes.forEach((box, index) => {
      if (box.width > limits.maxWidth || box.height > limits.maxHeight) {
        context.addIssue({ code: 'custom', path: ['allowedSizes', index], message: `${box.width}x${box.height} is beyond maxWidth x maxHeight (${limits.maxWidth}x${limits.maxHeight})` });
      }
    });
  }).prefault({}),
  render: z.strictObject({
    concurrency: positiveInt.default(Math.max(1, os.availableParallelism())),
    queueLimit: z.number().int().min(0).default(64),
    timeoutMs: positiveInt.default(15_000),
    /** How long a miss waits for another replica rendering the same rendition before rendering it too. */
    lockWaitMs: z.number().int().min(0).default(5_000),
    allowUpscale: z.boolean().default(true),
    blurSigma: z.number().min(0.3).max(100).default(5),
    quality: z.strictObject({ jpeg: quality.default(80), webp: quality.default(80), avif: quality.default(50) }).prefault({}),
    avifEffort: z.number().int().min(0).max(9).default(DEFAULT_AVIF_EFFORT),
    webpEffort: z.number().int().min(0).max(6).default(DEFAULT_WEBP_EFFORT),
  }).prefault({}),
  formats: z.strictObject({
    negotiate: z.boolean().default(false),
    avifMaxPixels: positiveInt.default(2_000_000),
  }).prefault({}),
  delivery: z.strictObject({
    mode: z.enum(['redirect', 'proxy']).default('redirect'),
    redirectStatus: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]).default(303),
    redirectMaxAge: z.number().int().min(0).default(86_400),
    publicBaseUrl: url.optional(),
    signedUrlTtlSeconds: positiveInt.max(MAX_SIGNED_URL_TTL_SECONDS).default(3600),
  }).prefault({}),
  tokens: z.strictObject({
    allowFrom: addressList.default(['127.0.0.0/8', '::1/128']),
    secret: z.string().min(16, 'must be at least 16 characters').optional(),
    ttlSeconds: positiveInt.default(DEFAULT_TOKEN_TTL_SECONDS),
  }).prefault({}),
  signing: z.strictObject({
    /** HMAC keys for signed image URLs (SPEC §8): the first signs, every one verifies; empty = URLs need no signature. */
    keys: z.array(z.string().min(16, 'each key must be at least 16 characters')).default([]),
  }).prefault({}),
  cors: z.strictObject({
    /** Origins whose pages may upload and read images (`*`: any page may read images, none upload). */
    allowedOrigins: z
      .array(z.string().regex(/^(\*|https?:\/\/[^/?#\s]+)$/i, 'each must be * or an origin such as https://www.example.com (scheme://host[:port], no path)'))
      .default([]),
  }).prefault({}),
  uploads: z.strictObject({
    maxBytes: positiveInt.default(25 * 1024 * 1024),
    allowOverwrite: z.boolean().default(false),
  }).prefault({}),
  originals: storage.prefault({ driver: 'filesystem' }),
  renditions: renditionStorage.prefault({ driver: 'filesystem' }),
  index: index.prefault({ driver: 'sqlite' }),
  compat: z.strictObject({
    /** Accept what clients of the original service send (SPEC §10, docs/migrating.md); off by default. */
    legacy: z.boolean().default(false),
  }).prefault({}),
  memory: z.strictObject({
    /**
     * Rendition rows answered from memory (a hit then needs no index query), and as many parsed image URLs and public
     * rendition URLs kept beside them (ADR 0034); 0 asks the index on every request.
     */
    renditionRows: z.number().int().min(0).default(20_000),
    /** The backstop for a row whose removal was never announced here (PostgreSQL announces them: LISTEN/NOTIFY). */
    rowTtlSeconds: positiveInt.default(300),
    /** Bytes of streamed renditions kept in memory for proxied hits; 0 reads every one from the store. */
    renditionBytes: z.number().int().min(0).default(16 * 1024 * 1024),
    /** Larger renditions are always streamed from the store. */
    largestRenditionBytes: positiveInt.default(256 * 1024),
    /**
     * Bytes of decoded originals kept so that further renders of the same original file share one decode (ADR
     * 0037); 0 decodes the original for every render.
     */
    sharedDecodeBytes: z.number().int().min(0).default(4 * 1024 * 1024),
  }).prefault({}),
  shutdown: z.strictObject({
    timeoutMs: positiveInt.default(25_000),
  }).prefault({}),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type StorageConfig = z.output<typeof storage>;
export type RenditionStorageConfig = z.output<typeof renditionStorage>;
