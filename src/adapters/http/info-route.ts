import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { IMAGE_INFO_CACHE_CONTROL } from '../../domain/image-info-document.js';
import { isImageId, type ImageId } from '../../domain/image-id.js';
import type { GetImageInfo, GetImageInfoOutput } from '../../application/use-cases/get-image-info.js';
import { entityTags } from './accept-header.js';
import { JSON_CONTENT_TYPE } from './json-response.js';
import { sendBody, writeHead, type HeaderTarget } from './plain-response.js';

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
    writeInfo(req, res, await deps.getImageInfo.execute({ id, ifNoneMatch: entityTags(req.headers['if-none-match']) }));
    deps.onInfoResponse?.(res.statusCode);
  };
}

/** The info answer: the document, or a 304 for a client whose copy is current. */
export function writeInfo(req: IncomingMessage, res: ServerResponse, result: GetImageInfoOutput, head: HeaderTarget = res): void {
  head.setHeader('ETag', result.etag);
  head.setHeader('Cache-Control', IMAGE_INFO_CACHE_CONTROL);
  if (result.kind === 'document') {
    sendBody(req, res, 200, JSON_CONTENT_TYPE, result.body, head);
    return;
  }
  writeHead(res, 304, head);
  res.end();
}
