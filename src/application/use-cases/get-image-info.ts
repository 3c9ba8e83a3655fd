import type { ImageId } from '../../domain/image-id.js';
import { imageInfoDocument, imageInfoEtag } from '../../domain/image-info-document.js';
import type { OriginalMetadata } from '../../domain/original.js';
import { estimateDecodeMs } from '../../domain/render-cost.js';
import { OriginalNotFoundError } from '../application-error.js';
import { placeholderOf } from '../placeholders.js';
import type { KnownRows } from '../known.js';
import type { CacheIndex } from '../ports/cache-index.js';
import type { Logger } from '../ports/logger.js';
import type { OriginalStore } from '../ports/original-store.js';
import type { PlaceholderEncoder } from '../ports/placeholder-encoder.js';
import type { Transformer } from '../ports/transformer.js';
import type { RenderGate } from '../render-gate.js';
import { SingleFlight } from '../single-flight.js';

export interface GetImageInfoDependencies {
  readonly index: CacheIndex;
  readonly originals: OriginalStore;
  readonly transformer: Transformer;
  readonly placeholders: PlaceholderEncoder;
  readonly logger: Logger;
  /** The lazy placeholder decode counts against the render slots like any decode; without a gate it is not limited. */
  readonly gate?: RenderGate;
  /** What {@link GetImageInfo.known} answers from; without it, it answers nothing. */
  readonly known?: KnownRows;
}

export interface GetImageInfoInput {
  readonly id: ImageId;
  /** The entity tags of `If-None-Match`; empty when absent. */
  readonly ifNoneMatch?: readonly string[];
}

export type GetImageInfoOutput =
  | { readonly kind: 'document'; readonly body: string; readonly etag: string }
  | { readonly kind: 'not-modified'; readonly etag: string };

type InfoDocument = Extract<GetImageInfoOutput, { readonly kind: 'document' }>;

function documentOf(original: OriginalMetadata): InfoDocument {
  const body = JSON.stringify(imageInfoDocument(original));
  return { kind: 'document', body, etag: imageInfoEtag(original.version, body) };
}

function answer(document: InfoDocument, ifNoneMatch: readonly string[] | undefined): GetImageInfoOutput {
  return ifNoneMatch?.includes(document.etag) === true ? { kind: 'not-modified', etag: document.etag } : document;
}

/**
 * `GET /{id}.json` (SPEC §9): an original's size, format, placeholder and focal point, from its index row alone.
 * An original stored before placeholders existed gets one on its first request: one small decode (in a render
 * slot, shared by concurrent requests for it) written back to the index, so every later request is a row read.
 */
export class GetImageInfo {
  private readonly fills = new SingleFlight<OriginalMetadata>();
  /** The document of each row memory holds: a changed row is a new object, so an entry never outlives its row. */
  private readonly documents = new WeakMap<OriginalMetadata, InfoDocument>();

  constructor(private readonly deps: GetImageInfoDependencies) {}

  /**
   * The answer when the original's row (with its placeholder) is already in this process's memory: synchronous,
   * with no I/O and no promise, for the hot path (ADR 0034); `undefined` otherwise, and then `execute` answers.
   */
  known(input: GetImageInfoInput): GetImageInfoOutput | undefined {
    const original = this.deps.known?.knownOriginal(input.id);
    if (original?.placeholder === undefined) return undefined;
    let document = this.documents.get(original);
    if (document === undefined) this.documents.set(original, (document = documentOf(original)));
    return answer(document, input.ifNoneMatch);
  }

  async execute(input: GetImageInfoInput): Promise<GetImageInfoOutput> {
    const found = await this.deps.index.findOriginal(input.id);
    if (found === undefined) throw new OriginalNotFoundError(`no original with id ${input.id}`);
    const original = found.placeholder === undefined ? await this.fills.join(`${found.id}@${found.version}`, () => this.fill(found)).result : found;
    return answer(documentOf(original), input.ifNoneMatch);
  }

  /** Computes and records the placeholder of an original stored without one. */
  private async fill(original: OriginalMetadata): Promise<OriginalMetadata> {
    const { originals, transformer, gate } = this.deps;
    const bytes = await originals.get(original);
    if (bytes === undefined) throw new OriginalNotFoundError(`the original ${original.id} is missing from the store`);
    const verify = () => transformer.verify(bytes, original);
    const preview = await (gate === undefined ? verify() : gate.run(verify, estimateDecodeMs(original)));
    const placeholder = placeholderOf(this.deps.placeholders, preview);
    // A re-upload meanwhile keeps its own placeholder: the update applies to this version only.
    await this.deps.index.updateOriginal(original, { placeholder });
    this.deps.logger.info('placeholder computed for an original stored without one', { id: original.id });
    return { ...original, placeholder };
  }
}
