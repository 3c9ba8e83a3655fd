import { DomainError } from '../../domain/domain-error.js';
import { ImageRequest } from '../../domain/image-request.js';
import type { Limits } from '../../domain/limits.js';
import { ApplicationError, IndexUnavailableError, StoreUnavailableError } from '../application-error.js';
import type { LegacyBox, LegacyDeployment } from '../ports/legacy-deployment.js';
import type { GetRendition } from './get-rendition.js';

/** The old `file_type`s and the extension a URL gives them; the old service rendered nothing else. */
const EXTENSION_OF_MIME: Readonly<Record<string, string>> = { 'image/jpeg': 'jpg', 'image/jpg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

/**
 * The request for `id` at an old box, spelled as a URL so that it meets the very grammar image URLs meet: the old
 * box is in device pixels already, and the old fits (`clip`, `crop`, `canvas`) are ours too.
 */
export function requestAtLegacyBox(id: string, box: LegacyBox, limits: Limits): ImageRequest | string {
  const extension = EXTENSION_OF_MIME[box.mimeType.toLowerCase()];
  if (extension === undefined) return `the old type ${box.mimeType} has no format here`;
  const parsed = ImageRequest.parse(`/${id}_${box.width}_${box.height}.${extension}`, box.fit === 'clip' ? '' : `fit=${encodeURIComponent(box.fit)}`, limits);
  if (parsed.kind === 'invalid') return parsed.error.message;
  return parsed.kind === 'redirect' ? parsed.target : parsed.request;
}

export interface PrerenderSummary {
  readonly boxes: readonly LegacyBox[];
  /** Renditions rendered now, and already in the cache. */
  readonly rendered: number;
  readonly cached: number;
  /** Ids the old cache had at a box that this one cannot render (no original here, an old id or type it refuses). */
  readonly failed: readonly { readonly id: string; readonly box: string; readonly reason: string }[];
}

/**
 * `import-legacy --prerender N` (SPEC §10): renders, for the N boxes the old rendition cache held for the most ids,
 * each id it held them for, so that the first visitors after the switch get hits where the old service gave them.
 * Old renditions themselves are not imported: their identity (no content version) is not ours.
 */
export class PrerenderLegacyBoxes {
  constructor(private readonly deps: { readonly getRendition: GetRendition; readonly limits: Limits }) {}

  async execute(input: { readonly deployment: LegacyDeployment; readonly top: number; readonly onRendition?: () => void }): Promise<PrerenderSummary> {
    const boxes = input.top > 0 ? await input.deployment.mostRequestedBoxes(input.top) : [];
    let rendered = 0;
    let cached = 0;
    const failed: Array<{ id: string; box: string; reason: string }> = [];
    for (const box of boxes) {
      const label = `${box.width}x${box.height} ${box.fit} ${box.mimeType}`;
      for (const id of await input.deployment.idsRenderedAt(box)) {
        const outcome = await this.renderOne(id, box);
        if (outcome === 'rendered') rendered += 1;
        else if (outcome === 'cached') cached += 1;
        else failed.push({ id, box: label, reason: outcome.reason });
        input.onRendition?.();
      }
    }
    return { boxes, rendered, cached, failed };
  }

  private async renderOne(id: string, box: LegacyBox): Promise<'rendered' | 'cached' | { reason: string }> {
    const request = requestAtLegacyBox(id, box, this.deps.limits);
    if (typeof request === 'string') return { reason: request };
    try {
      const result = await this.deps.getRendition.execute({ request, accepts: new Set(), delivery: 'proxy' });
      if (result.kind === 'stream') result.object.body.destroy?.();
      return result.kind === 'rendered' ? 'rendered' : 'cached';
    } catch (error) {
      // One rendition's problem (no original, a limit): reported. A store or the index down concerns every one.
      if (error instanceof IndexUnavailableError || error instanceof StoreUnavailableError) throw error;
      if (error instanceof DomainError || error instanceof ApplicationError) return { reason: `${error.message} [${error.code}]` };
      throw error;
    }
  }
}
