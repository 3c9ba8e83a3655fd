import express, { type RequestHandler } from 'express';
import { focalPointOf } from '../../domain/focal-point.js';
import { imageInfoDocument } from '../../domain/image-info-document.js';
import { IMAGE_ID_RULE, isImageId, type ImageId } from '../../domain/image-id.js';
import type { SetFocalPoint } from '../../application/use-cases/set-focal-point.js';
import { callerOf, type CallerGuard } from './caller-guard.js';
import { continueBody } from './expect-continue.js';
import { HttpInputError } from './http-error.js';
import { json } from './json-response.js';

const FOCAL_PATH = /^\/([^/]{1,128})\/focal$/;

/**
 * `PUT /{id}/focal` with JSON `{"x", "y"}` (SPEC §9): guarded like `DELETE` (a back end decides where the subject
 * is), answers the image's info as `GET /{id}.json` would. Any other `PUT` is no route.
 */
export function focalRoute(deps: { readonly setFocalPoint: SetFocalPoint; readonly guard: CallerGuard }): RequestHandler[] {
  const guarded: RequestHandler = (req, res, next) => {
    const id = FOCAL_PATH.exec(req.path)?.[1];
    if (id === undefined) throw new HttpInputError('NO_ROUTE', 'no such route; a focal point is set with PUT /{id}/focal');
    deps.guard.check(callerOf(req));
    if (!isImageId(id)) throw new HttpInputError('BAD_UPLOAD', `the path must be /{id}/focal; ${IMAGE_ID_RULE}`);
    res.locals.imageId = id;
    continueBody(res);
    next();
  };
  const set: RequestHandler = async (req, res) => {
    const body = req.body as { x?: unknown; y?: unknown } | undefined;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpInputError('INVALID_JSON', 'send JSON {"x": 0…1, "y": 0…1}');
    const focalPoint = focalPointOf(body.x, body.y);
    const original = await deps.setFocalPoint.execute({ id: res.locals.imageId as ImageId, focalPoint });
    json(res, 200, imageInfoDocument(original));
  };
  return [guarded, express.json({ limit: '4kb', strict: true }), set];
}
