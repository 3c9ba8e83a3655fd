import { createHash, timingSafeEqual } from 'node:crypto';
import { AddressList } from './address-list.js';
import { HttpInputError } from './http-error.js';

export interface CallerGuardSettings {
  /** CIDRs allowed to call back-end endpoints (`POST /token`, `DELETE /{id}`); empty = any address. */
  readonly allowFrom: readonly string[];
  /** When set, callers must also send `Authorization: Bearer <secret>`. */
  readonly secret: string | undefined;
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

  constructor(settings: CallerGuardSettings) {
    this.allowed = settings.allowFrom.length > 0 ? AddressList.parse(settings.allowFrom) : undefined;
    this.secretDigest = settings.secret === undefined ? undefined : digest(settings.secret);
  }

  /** Throws `UNAUTHORIZED` (no or wrong secret) or `FORBIDDEN` (address not allowed). */
  check(address: string | undefined, authorization: string | undefined): void {
    if (this.secretDigest !== undefined) {
      const presented = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
      if (presented === undefined || !timingSafeEqual(digest(presented), this.secretDigest)) {
        throw new HttpInputError('UNAUTHORIZED', 'this endpoint needs Authorization: Bearer <tokens.secret>');
      }
    }
    if (this.allowed !== undefined && !this.allowed.includes(address)) {
      throw new HttpInputError('FORBIDDEN', 'this endpoint is not open to your address (tokens.allowFrom)');
    }
  }
}
