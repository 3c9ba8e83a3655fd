import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AddressList } from './address-list.js';
import { HttpInputError } from './http-error.js';

export interface CallerGuardSettings {
  /** CIDRs allowed to call back-end endpoints (`POST /token`, `DELETE /{id}`); empty = any address. */
  readonly allowFrom: readonly string[];
  /** When set, callers must also send `Authorization: Bearer <secret>`. */
  readonly secret: string | undefined;
  /** `server.trustedProxies`: without any, a forwarded request's real caller cannot be known. */
  readonly trustedProxies: readonly string[];
}

/** What the guard looks at in a request. */
export interface Caller {
  /** The caller's address as far as it can be known (the peer, or what a trusted proxy forwarded). */
  readonly address: string | undefined;
  readonly authorization: string | undefined;
  /** The request carries `Forwarded` or `X-Forwarded-For`: a proxy stands between the caller and us. */
  readonly forwarded: boolean;
}

/** The guard's view of a request; `ip` is express's `req.ip` (honours `X-Forwarded-For` only from trusted proxies). */
export function callerOf(req: { readonly ip?: string | undefined; readonly headers: IncomingHttpHeaders }): Caller {
  return {
    address: req.ip,
    authorization: req.headers.authorization,
    forwarded: req.headers.forwarded !== undefined || req.headers['x-forwarded-for'] !== undefined,
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Guards the endpoints meant for the customer's back end: an address allow-list and/or a shared
 * secret. The secret is compared as SHA-256 digests with `timingSafeEqual`, so neither its content
 * nor its length leaks through timing.
 */
export class CallerGuard {
  private readonly allowed: AddressList | undefined;
  private readonly secretDigest: Buffer | undefined;
  private readonly trustsProxies: boolean;

  constructor(settings: CallerGuardSettings) {
    this.allowed = settings.allowFrom.length > 0 ? AddressList.parse(settings.allowFrom) : undefined;
    this.secretDigest = settings.secret === undefined ? undefined : digest(settings.secret);
    this.trustsProxies = settings.trustedProxies.length > 0;
  }

  /**
   * Throws `FORBIDDEN` (forwarded by an untrusted proxy, or address not allowed) or `UNAUTHORIZED` (no or
   * wrong secret).
   */
  check(caller: Caller): void {
    this.refuseUnknownProxy(caller);
    this.checkSecret(caller.authorization);
    this.checkAddress(caller);
  }

  /**
   * `check` without the secret, for a caller whose secret is still to be read from its body (`compat.legacy`):
   * it must pass this before its body is read, and `check` once the body has given its secret.
   */
  checkAddress(caller: Caller): void {
    this.refuseUnknownProxy(caller);
    if (this.allowed !== undefined && !this.allowed.includes(caller.address)) {
      throw new HttpInputError('FORBIDDEN', 'this endpoint is not open to your address (tokens.allowFrom)');
    }
  }

  private refuseUnknownProxy({ forwarded }: Caller): void {
    // Behind a reverse proxy on the same host every caller's address is loopback: unless the proxy is
    // trusted (so the forwarded address counts), "loopback only" would quietly mean "anyone".
    if (forwarded && !this.trustsProxies) {
      throw new HttpInputError(
        'FORBIDDEN',
        'this request came through a proxy (Forwarded/X-Forwarded-For) but server.trustedProxies is empty, so its caller is unknown; list the proxy in server.trustedProxies',
      );
    }
  }

  private checkSecret(authorization: string | undefined): void {
    if (this.secretDigest === undefined) return;
    const presented = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (presented === undefined || !timingSafeEqual(digest(presented), this.secretDigest)) {
      throw new HttpInputError('UNAUTHORIZED', 'this endpoint needs Authorization: Bearer <tokens.secret>');
    }
  }
}

const LOOPBACK = AddressList.parse(['127.0.0.0/8', '::1/128']);

/** Whether a CIDR of `tokens.allowFrom` names loopback addresses only (its network is loopback, and no wider than it). */
function isLoopbackOnly(cidr: string): boolean {
  const [address, bits] = cidr.split('/');
  const narrowest = address?.includes('.') ? 8 : 128;
  return LOOPBACK.includes(address) && (bits === undefined || Number(bits) >= narrowest);
}

/**
 * What an operator should hear at start-up about how open `POST /token` and `DELETE` are, when neither a
 * secret nor a non-loopback address list protects them; `undefined` when one does.
 */
export function guardExposureWarning(settings: Pick<CallerGuardSettings, 'allowFrom' | 'secret'>): string | undefined {
  if (settings.secret !== undefined) return undefined;
  if (settings.allowFrom.length === 0) {
    return 'tokens.allowFrom is empty and tokens.secret is not set: anyone who can reach the service can issue upload tokens (POST /token) and delete images (DELETE). Set tokens.secret, or tokens.allowFrom to your back end\'s addresses.';
  }
  if (!settings.allowFrom.every(isLoopbackOnly)) return undefined;
  return 'tokens.allowFrom is loopback only and tokens.secret is not set: POST /token and DELETE answer only processes on this host, with no secret, so every process here can issue upload tokens and delete images, and a back end on another host cannot. Set tokens.secret, or tokens.allowFrom to your back end\'s addresses (and server.trustedProxies if a proxy forwards them).';
}
