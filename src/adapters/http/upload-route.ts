import type { Request, Response } from 'express';
import { parseFocalPoint } from '../../domain/focal-point.js';
import type { ImageId } from '../../domain/image-id.js';
import { imageInfoDocument } from '../../domain/image-info-document.js';
import type { UploadOriginal } from '../../application/use-cases/upload-original.js';
import { continueBody } from './expect-continue.js';
import { HttpInputError } from './http-error.js';
import { idFromPath, json } from './json-response.js';
import { discardRefusedBody } from './refused-body.js';
import { checkUploadHead, readUploadBody, uploadBodyLimit, type UploadBody } from './upload-body.js';

/** The multipart field that may carry the token instead of `X-Token` (SPEC §5.2). */
const TOKEN_FIELD = 'token';
/** The multipart field `focal=x,y` (SPEC §9), before or after `image`. */
const FOCAL_FIELD = 'focal';

/**
 * A refused body is read and thrown away up to twice what an accepted one may hold: enough for the
 * refusal of an oversized upload to reach its client, while refusing never costs more bandwidth than
 * two uploads that succeed.
 */
const DISCARD_FACTOR = 2;

function headerToken(req: Request): string | undefined {
  const header = req.headers['x-token'];
  return typeof header === 'string' ? header : undefined;
}

interface UploadRouteDependencies {
  readonly uploadOriginal: UploadOriginal;
  readonly maxBytes: number;
  /** 201 (SPEC §5.2); 200 under `compat.legacy`, as the original service answered. */
  readonly successStatus?: 200 | 201;
}

/**
 * `POST /{id}` and `POST /{id}.{ext}` (SPEC §5.2): a one-time token in `X-Token`, or in the multipart
 * field `token` before `image` (a browser's plain `FormData` POST then needs no CORS preflight).
 */
export function uploadRoute(deps: UploadRouteDependencies) {
  return async (req: Request, res: Response): Promise<void> => {
    const id = idFromPath(req.path);
    const fromHeader = headerToken(req);
    let body: UploadBody;
    try {
      body = await readAuthorizedBody(req, res, id, fromHeader, deps);
    } catch (error) {
      discardRefusedBody(req, res, DISCARD_FACTOR * uploadBodyLimit(deps.maxBytes));
      throw error;
    }
    const token = fromHeader ?? body.fields.get(TOKEN_FIELD);
    const focal = body.fields.get(FOCAL_FIELD);
    const focalPoint = focal === undefined ? undefined : parseFocalPoint(focal);
    const { original } = await deps.uploadOriginal.execute({ id, token, bytes: body.image, focalPoint });
    const info = imageInfoDocument(original);
    json(res, deps.successStatus ?? 201, {
      status: 'OK',
      id: original.id,
      original_width: original.width,
      original_height: original.height,
      format: original.format,
      bytes: original.bytes,
      placeholder: info.placeholder,
      focalPoint: info.focalPoint,
    });
  };
}

/**
 * With `X-Token`, the token and the head are checked before the body is asked for (`100 Continue`) or
 * read; without it, the token field is checked when the image part starts, before the image is read.
 */
async function readAuthorizedBody(
  req: Request,
  res: Response,
  id: ImageId,
  fromHeader: string | undefined,
  deps: UploadRouteDependencies,
): Promise<UploadBody> {
  if (fromHeader !== undefined) await deps.uploadOriginal.authorize({ id, token: fromHeader });
  checkUploadHead(req, deps.maxBytes);
  continueBody(res);
  const beforeImage =
    fromHeader !== undefined
      ? undefined
      : async (fields: ReadonlyMap<string, string>): Promise<void> => {
          const token = fields.get(TOKEN_FIELD);
          if (token === undefined) {
            throw new HttpInputError('TOKEN_REJECTED', `no upload token: send it in the X-Token header, or in the multipart field "${TOKEN_FIELD}" before "image"`);
          }
          await deps.uploadOriginal.authorize({ id, token });
        };
  return readUploadBody(req, { maxBytes: deps.maxBytes, beforeImage });
}
