import express, { type RequestHandler } from 'express';
import { IMAGE_ID_RULE, isImageId } from '../../domain/image-id.js';
import type { IssueToken } from '../../application/use-cases/issue-token.js';
import { callerOf, type CallerGuard } from './caller-guard.js';
import { continueBody } from './expect-continue.js';
import { HttpInputError } from './http-error.js';
import { json } from './json-response.js';

/** `POST /token` (SPEC §5.1): the customer's back end asks for a one-time upload token for one id. */
export function tokenRoute(deps: { readonly issueToken: IssueToken; readonly guard: CallerGuard }): RequestHandler[] {
  // The guard comes first: a caller it refuses learns nothing from how its body was parsed. A client
  // waiting for `100 Continue` is asked for its (small JSON) body only once the guard has let it in.
  const guarded: RequestHandler = (req, res, next) => {
    deps.guard.check(callerOf(req));
    continueBody(res);
    next();
  };
  const issue: RequestHandler = async (req, res) => {
    const id: unknown = (req.body as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string' || !isImageId(id)) {
      throw new HttpInputError('INVALID_JSON', `send JSON {"id": "..."}; ${IMAGE_ID_RULE}`);
    }
    const issued = await deps.issueToken.execute({ id });
    json(res, 200, { token: issued.token, id: issued.id, expiresAt: issued.expiresAt.toISOString() });
  };
  return [guarded, express.json({ limit: '4kb', strict: true }), issue];
}
