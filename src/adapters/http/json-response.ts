import type { IncomingMessage, ServerResponse } from 'node:http';
import { IMAGE_ID_RULE, isImageId, type ImageId } from '../../domain/image-id.js';
import { HttpInputError } from './http-error.js';
import { sendBody } from './plain-response.js';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Every JSON body the adapter sends (dates already ISO-8601 strings). */
export function json(res: ServerResponse & { req: IncomingMessage }, status: number, body: unknown): void {
  sendBody(res.req, res, status, JSON_CONTENT_TYPE, JSON.stringify(body));
}

/** The id part of `/{id}` or `/{id}.{ext}` for uploads and deletes. */
export function idFromPath(path: string): ImageId {
  const name = path.slice(1);
  const dot = name.indexOf('.');
  const id = dot < 0 ? name : name.slice(0, dot);
  if (!isImageId(id) || (dot >= 0 && !/^[a-z0-9]{1,5}$/i.test(name.slice(dot + 1)))) {
    throw new HttpInputError('BAD_UPLOAD', `the path must be /{id} or /{id}.{ext}; ${IMAGE_ID_RULE}`);
  }
  return id;
}
