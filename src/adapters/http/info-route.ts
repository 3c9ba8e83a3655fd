import type { NextFunction, Request, Response } from 'express';
import { IMAGE_INFO_CACHE_CONTROL } from '../../domain/image-info-document.js';
import { isImageId, type ImageId } from '../../domain/image-id.js';
import type { GetImageInfo } from '../../application/use-cases/get-image-info.js';
import { entityTags } from './accept-header.js';

/** `/{id}.json`: `json` is no image format, so the path cannot be an image's. */
const INFO_PATH = /^\/([^/.]{1,128})\.json$/;

/** The id of an info path, or `undefined` when `path` is not one. */
export function infoPathId(path: string): ImageId | undefined {
  const id = INFO_PATH.exec(path)?.[1];
  return id !== undefined && isImageId(id) ? id : undefined;
}

/**
 * `GET|HEAD /{id}.json` (SPEC §9): the original's size, format, placeholder and focal point from its index row,
 * with an ETag (304 on `If-None-Match`) and a day of caching. Any other path goes on to the image route.
 */
export function infoRoute(deps: { readonly getImageInfo: GetImageInfo; readonly onInfoResponse?: (status: number) => void }) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const id = infoPathId(req.path);
    if (id === undefined) {
      next();
      return;
    }
    const result = await deps.getImageInfo.execute({ id, ifNoneMatch: entityTags(req.headers['if-none-match']) });
    res.setHeader('ETag', result.etag);
    res.setHeader('Cache-Control', IMAGE_INFO_CACHE_CONTROL);
    if (result.kind === 'not-modified') res.status(304).end();
    else res.status(200).type('application/json').send(result.body);
    deps.onInfoResponse?.(res.statusCode);
  };
}
