import type { IncomingMessage } from 'node:http';
import type { Request, Response } from 'express';
import type { OutputFormat } from '../../domain/image-format.js';
import { isImageId } from '../../domain/image-id.js';
import { ImageRequest, type LegacyUrlForm } from '../../domain/image-request.js';
import type { Limits } from '../../domain/limits.js';
import { signUrl } from '../../domain/url-signature.js';
import type { CacheOutcome } from '../../application/cache-outcome.js';
import type { GetRendition, GetRenditionInput } from '../../application/use-cases/get-rendition.js';
import { acceptedFormats, entityTags } from './accept-header.js';
import { HttpInputError } from './http-error.js';
import { redirect } from './plain-response.js';
import { writeRenditionResponse } from './rendition-response.js';
import { responseState } from './response-state.js';
import type { SignatureCheck, UrlSigningKeys } from './url-signing-keys.js';

export interface ImageRouteDependencies {
  readonly getRendition: GetRendition;
  readonly limits: Limits;
  readonly delivery: {
    readonly mode: 'redirect' | 'proxy';
    readonly redirectStatus: number;
    readonly redirectMaxAge: number;
  };
  /** `signing.keys` (SPEC §8); absent: image URLs need no signature. */
  readonly signing?: UrlSigningKeys;
  /** Called once per answered image request with its cache outcome (for metrics). */
  readonly onImageResponse?: (outcome: CacheOutcome, status: number) => void;
  /** Called once per image request refused for its signature (for metrics). */
  readonly onSignatureFailure?: (reason: Exclude<SignatureCheck, 'valid'>) => void;
  /** `compat.legacy` (SPEC §10): read URLs in the legacy dialect, reporting each legacy form used. */
  readonly legacy?: { readonly onForm: (form: LegacyUrlForm) => void };
}

const SIGNATURE_ERRORS = {
  missing: () => new HttpInputError('SIGNATURE_MISSING', 'this URL needs a signature: sig=… as its last query parameter'),
  mismatch: () => new HttpInputError('SIGNATURE_MISMATCH', 'the signature (sig) does not match this URL'),
} as const;

/** Before anything else is read from the URL: an unsigned request learns nothing and costs one HMAC per key. */
function checkSignature(req: Request, deps: ImageRouteDependencies): void {
  if (deps.signing === undefined) return;
  // `req.url` is the raw path and query below the mount point: what the service parses is what is signed.
  const check = deps.signing.check(req.url);
  if (check === 'valid') return;
  deps.onSignatureFailure?.(check);
  throw SIGNATURE_ERRORS[check]();
}

function rawQuery(req: Request): string {
  const at = req.originalUrl.indexOf('?');
  return at < 0 ? '' : req.originalUrl.slice(at + 1);
}

/** What a parsed image request asks `GetRendition`, from the request's headers (`Accept` already read, when given). */
export function renditionInput(
  req: IncomingMessage,
  request: ImageRequest,
  mode: 'redirect' | 'proxy',
  accepts: ReadonlySet<OutputFormat> = acceptedFormats(req.headers.accept),
): GetRenditionInput {
  return {
    request,
    accepts,
    delivery: request.proxy ? 'proxy' : mode,
    ifNoneMatch: entityTags(req.headers['if-none-match']),
  };
}

/** `GET|HEAD /{id}_{w}_{h}[_{s}x].{fmt}[?options]` (SPEC §2): check the signature, parse, redirect an oversized or disallowed box, or answer the rendition. */
export function imageRoute(deps: ImageRouteDependencies) {
  return async (req: Request, res: Response): Promise<void> => {
    const path = req.path;
    if (path === '/') throw new HttpInputError('NO_ROUTE', 'no such route; images are at /{id}_{w}_{h}.{fmt}');
    if (isImageId(path.slice(1))) {
      throw new HttpInputError('NO_ROUTE', `add a format extension to fetch an image, e.g. ${path}.jpg`);
    }
    checkSignature(req, deps);
    const parsed = ImageRequest.parse(path, rawQuery(req), deps.limits, { legacy: deps.legacy !== undefined });
    if (parsed.kind === 'invalid') throw parsed.error;
    for (const form of parsed.legacyForms) deps.legacy?.onForm(form);
    if (parsed.kind === 'redirect') {
      responseState(res).cacheOutcome = 'redirect';
      // Answered from the URL alone: nothing rendered, nothing looked up.
      res.setHeader('X-Cache', 'HIT');
      res.setHeader('X-Redirect-Info', parsed.reason);
      res.setHeader('Cache-Control', `public, max-age=${deps.delivery.redirectMaxAge}`);
      // `baseUrl` is the mount path when an embedding app serves this one under a prefix.
      const target = parsed.target.toUrl();
      redirect(req, res, deps.delivery.redirectStatus, `${req.baseUrl}${deps.signing ? signUrl(target, deps.signing.sign) : target}`);
      return;
    }
    const result = await deps.getRendition.execute(renditionInput(req, parsed.request, deps.delivery.mode));
    const outcome = await writeRenditionResponse(req, res, result, deps.delivery);
    if (outcome !== undefined) deps.onImageResponse?.(outcome, res.statusCode);
  };
}
