import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
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

export function parseCidrList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', bits] = cidr.split('/');
    const family = isIP(address);
    if (family === 0) throw new Error(`not an IP address or CIDR: ${cidr}`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/**
 * Guards the endpoints meant for the customer's back end: an address allow-list and/or a shared
 * secret. The secret is compared as SHA-256 digests with `timingSafeEqual`, so neither its content
 * nor its length leaks through timing.
 */
export class CallerGuard {
  private readonly allowed: BlockList | undefined;
  private readonly secretDigest: Buffer | undefined;

  constructor(settings: CallerGuardSettings) {
    this.allowed = settings.allowFrom.length > 0 ? parseCidrList(settings.allowFrom) : undefined;
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
    if (this.allowed !== undefined) {
      const ip = normaliseAddress(address);
      const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
      if (!ip || !this.allowed.check(ip, type)) {
        throw new HttpInputError('FORBIDDEN', 'this endpoint is not open to your address (tokens.allowFrom)');
      }
    }
  }
}

/** `::ffff:127.0.0.1` (IPv4 on a dual-stack socket) → `127.0.0.1`. */
function normaliseAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
