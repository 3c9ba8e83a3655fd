import type { Request, Response } from 'express';
import type { DeleteImage } from '../../application/use-cases/delete-image.js';
import { callerOf, type CallerGuard } from './caller-guard.js';
import { idFromPath } from './json-response.js';

/** `DELETE /{id}` (SPEC §5.4): same guard as `/token`; removes the original, its renditions and rows. */
export function deleteRoute(deps: { readonly deleteImage: DeleteImage; readonly guard: CallerGuard }) {
  return async (req: Request, res: Response): Promise<void> => {
    deps.guard.check(callerOf(req));
    const id = idFromPath(req.path);
    await deps.deleteImage.execute({ id });
    res.status(204).end();
  };
}
