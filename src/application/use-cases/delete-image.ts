import type { ImageId } from '../../domain/image-id.js';
import { imagePrefix } from '../../domain/object-key.js';
import { OriginalNotFoundError } from '../application-error.js';
import type { CacheIndex } from '../ports/cache-index.js';
import type { OriginalStore } from '../ports/original-store.js';
import type { RenditionCache } from '../ports/rendition-cache.js';

export interface DeleteImageInput {
  readonly id: ImageId;
}

/**
 * Removes an original, its renditions and its index rows (SPEC §5.4). Rows go first, objects after:
 * an interruption leaves unreferenced objects behind, never a row that points at nothing.
 */
export class DeleteImage {
  constructor(
    private readonly index: CacheIndex,
    private readonly originals: OriginalStore,
    private readonly renditions: RenditionCache,
  ) {}

  async execute(input: DeleteImageInput): Promise<void> {
    const original = await this.index.findOriginal(input.id);
    if (original === undefined) throw new OriginalNotFoundError(`no original with id ${input.id}`);
    await this.index.deleteOriginal(input.id);
    await this.renditions.purge(imagePrefix(input.id));
    await this.originals.delete(original);
  }
}
