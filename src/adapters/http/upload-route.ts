import type { Request, Response } from 'express';
import type { UploadOriginal } from '../../application/use-cases/upload-original.js';
import { idFromPath, json } from './json-response.js';
import { readImagePart } from './upload-body.js';

/** The upload token: today only the `X-Token` header. */
function presentedToken(req: Request): string | undefined {
  const header = req.headers['x-token'];
  return typeof header === 'string' ? header : undefined;
}

/** `POST /{id}` and `POST /{id}.{ext}` (SPEC §5.2): a one-time token, then a multipart body with `image`. */
export function uploadRoute(deps: { readonly uploadOriginal: UploadOriginal; readonly maxBytes: number }) {
  return async (req: Request, res: Response): Promise<void> => {
    const id = idFromPath(req.path);
    const token = presentedToken(req);
    let bytes: Uint8Array;
    try {
      // An upload without a valid token is refused before a byte of its body is read.
      await deps.uploadOriginal.authorize({ id, token });
      bytes = await readImagePart(req, deps.maxBytes);
    } catch (error) {
      // Stop reading an oversized or broken body: close the connection once the answer is out.
      res.setHeader('Connection', 'close');
      res.once('finish', () => req.socket.destroySoon());
      throw error;
    }
    const { original } = await deps.uploadOriginal.execute({ id, token, bytes });
    json(res, 201, {
      status: 'OK',
      id: original.id,
      original_width: original.width,
      original_height: original.height,
      format: original.format,
      bytes: original.bytes,
    });
  };
}
