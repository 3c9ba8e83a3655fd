import express, { type Request, type RequestHandler } from 'express';
import { IMAGE_ID_RULE, isImageId } from '../../domain/image-id.js';
import type { IssueToken } from '../../application/use-cases/issue-token.js';
import { callerOf, type CallerGuard } from './caller-guard.js';
import { continueBody } from './expect-continue.js';
import { HttpInputError } from './http-error.js';
import { json } from './json-response.js';

export interface TokenRouteDependencies {
  readonly issueToken: IssueToken;
  readonly guard: CallerGuard;
  /** `compat.legacy`: a caller without `Authorization` may send the secret as `"secret"` in its JSON body. */
  readonly secretInBody?: { readonly onUse: () => void };
}

/** Under `compat.legacy`, a request without `Authorization` has its secret checked once its body is read. */
function secretComesInBody(req: Request, deps: TokenRouteDependencies): boolean {
  return deps.secretInBody !== undefined && req.headers.authorization === undefined;
}

/** `POST /token` (SPEC §5.1): the customer's back end asks for a one-time upload token for one id. */
export function tokenRoute(deps: TokenRouteDependencies): RequestHandler[] {
  // The guard comes first: a caller it refuses learns nothing from how its body was parsed. A client
  // waiting for `100 Continue` is asked for its (small JSON) body only once the guard has let it in.
  // A legacy caller's secret is in its body: its address is checked first, its secret once the body is read.
  const guarded: RequestHandler = (req, res, next) => {
    if (secretComesInBody(req, deps)) deps.guard.checkAddress(callerOf(req));
    else deps.guard.check(callerOf(req));
    continueBody(res);
    next();
  };
  const issue: RequestHandler = async (req, res) => {
    const body = req.body as { id?: unknown; secret?: unknown } | undefined;
    if (secretComesInBody(req, deps)) {
      const secret = typeof body?.secret === 'string' ? body.secret : undefined;
      deps.guard.check({ ...callerOf(req), authorization: secret === undefined ? undefined : `Bearer ${secret}` });
      if (secret !== undefined) deps.secretInBody?.onUse();
    }
    const id: unknown = body?.id;
    if (typeof id !== 'string' || !isImageId(id)) {
      throw new HttpInputError('INVALID_JSON', `send JSON {"id": "..."}; ${IMAGE_ID_RULE}`);
    }
    const issued = await deps.issueToken.execute({ id });
    json(res, 200, { token: issued.token, id: issued.id, expiresAt: issued.expiresAt.toISOString() });
  };
  return [guarded, express.json({ limit: '4kb', strict: true }), issue];
}
