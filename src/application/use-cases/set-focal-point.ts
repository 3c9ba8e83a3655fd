import type { FocalPoint } from '../../domain/focal-point.js';
import type { ImageId } from '../../domain/image-id.js';
import type { OriginalMetadata } from '../../domain/original.js';
import { OriginalNotFoundError } from '../application-error.js';
import type { BackgroundTasks } from '../background-tasks.js';
import type { CacheIndex } from '../ports/cache-index.js';
import type { RenditionCache } from '../ports/rendition-cache.js';
import { purgeRenditionsOfVersion } from '../purge-renditions.js';

export interface SetFocalPointDependencies {
  readonly index: CacheIndex;
  readonly renditions: RenditionCache;
  readonly background: BackgroundTasks;
}

export interface SetFocalPointInput {
  readonly id: ImageId;
  readonly focalPoint: FocalPoint;
}

/** How often a focal point is retried when a re-upload replaced the row between reading and updating it. */
const ATTEMPTS = 3;

function samePoint(a: FocalPoint | undefined, b: FocalPoint): boolean {
  return a !== undefined && a.x === b.x && a.y === b.y;
}

/**
 * `PUT /{id}/focal` (SPEC §9): records where crops keep their subject. The focal point is part of the identity of
 * every crop that names no gravity, so those renditions change keys; the old ones are withdrawn as after a
 * re-upload (the whole version's renditions, in the background: the index cannot tell which ones depended on the
 * point, and setting it again to the same point changes nothing and purges nothing).
 */
export class SetFocalPoint {
  constructor(private readonly deps: SetFocalPointDependencies) {}

  async execute(input: SetFocalPointInput): Promise<OriginalMetadata> {
    for (let attempt = 1; ; attempt++) {
      const original = await this.deps.index.findOriginal(input.id);
      if (original === undefined) throw new OriginalNotFoundError(`no original with id ${input.id}`);
      if (samePoint(original.focalPoint, input.focalPoint)) return original;
      if (await this.deps.index.updateOriginal(original, { focalPoint: input.focalPoint })) {
        void this.deps.background.run(`purge ${original.id}@${original.version.slice(0, 16)} after a focal point change`, () =>
          purgeRenditionsOfVersion(this.deps, original),
        );
        return { ...original, focalPoint: input.focalPoint };
      }
      if (attempt >= ATTEMPTS) throw new OriginalNotFoundError(`the original ${input.id} kept changing while its focal point was set`);
    }
  }
}
