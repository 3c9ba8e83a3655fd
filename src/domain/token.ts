import { createHash } from 'node:crypto';
import { DomainError } from './domain-error.js';
import type { ImageId } from './image-id.js';

/** 128 bits: guessing one among millions of live tokens stays out of reach (OWASP session-id guidance). */
export const TOKEN_BYTES = 16;
/** 15 minutes: long enough for a slow mobile upload, short enough that a leaked token soon dies. */
export const DEFAULT_TOKEN_TTL_SECONDS = 900;

export type TokenHash = string & { readonly __brand: 'TokenHash' };

export class InvalidTokenSecretError extends DomainError {
  readonly code = 'INVALID_TOKEN_SECRET';
}

/** Why a token cannot be used; every reason becomes the same 403 so a caller learns nothing about other tokens. */
export type TokenRejection = 'unknown' | 'expired' | 'used' | 'wrong-id';

export type TokenCheck = { readonly ok: true } | { readonly ok: false; readonly reason: TokenRejection };

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** RFC 4648 §5 without padding, written out: `Buffer` would tie the domain to Node (ADR 0017). */
function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let at = 0; at < bytes.length; at += 3) {
    const group = ((bytes[at] ?? 0) << 16) | ((bytes[at + 1] ?? 0) << 8) | (bytes[at + 2] ?? 0);
    // 1, 2 or 3 bytes left make 2, 3 or 4 characters.
    const characters = Math.min(4, Math.ceil(((bytes.length - at) * 4) / 3));
    for (let c = 0; c < characters; c += 1) out += BASE64URL_ALPHABET[(group >> (18 - 6 * c)) & 63];
  }
  return out;
}

export interface TokenPrimitives {
  readonly hash: string;
  readonly imageId: ImageId;
  readonly expiresAt: Date;
  readonly usedAt: Date | undefined;
}

/**
 * A one-time upload token bound to one image id. Only the SHA-256 of its secret value is ever kept,
 * so a leaked index cannot be replayed. The value is plain random bytes from a caller-supplied
 * source, which keeps this type deterministic under test.
 */
export class Token {
  private constructor(
    readonly hash: TokenHash,
    readonly imageId: ImageId,
    readonly expiresAt: Date,
    readonly usedAt: Date | undefined,
  ) {
    Object.freeze(this);
  }

  /** Issues a token; `value` is the only time the secret exists in clear, for the caller to hand out. */
  static issue(input: { imageId: ImageId; secret: Uint8Array; now: Date; ttlSeconds: number }): { value: string; token: Token } {
    if (input.secret.length < TOKEN_BYTES) {
      throw new InvalidTokenSecretError(`a token needs at least ${TOKEN_BYTES} random bytes, got ${input.secret.length}`);
    }
    const value = toBase64Url(input.secret);
    const expiresAt = new Date(input.now.getTime() + input.ttlSeconds * 1000);
    return { value, token: new Token(Token.hashOf(value), input.imageId, expiresAt, undefined) };
  }

  /**
   * A token another service issued and kept in clear (the original service's `tokens.id`), stored as ours are:
   * by the hash of the very value its client will present, so the client uploads with it unchanged and a leaked
   * index still gives nothing to replay. Unused: only unused tokens are worth bringing over.
   */
  static adopt(input: { value: string; imageId: ImageId; expiresAt: Date }): Token {
    if (input.value === '') throw new InvalidTokenSecretError('an adopted token needs its value');
    return new Token(Token.hashOf(input.value), input.imageId, new Date(input.expiresAt), undefined);
  }

  /** The stored form of a presented value. */
  static hashOf(value: string): TokenHash {
    return createHash('sha256').update(value, 'utf8').digest('hex') as TokenHash;
  }

  static fromPrimitives(p: TokenPrimitives): Token {
    return new Token(p.hash as TokenHash, p.imageId, new Date(p.expiresAt), p.usedAt === undefined ? undefined : new Date(p.usedAt));
  }

  toPrimitives(): TokenPrimitives {
    return { hash: this.hash, imageId: this.imageId, expiresAt: this.expiresAt, usedAt: this.usedAt };
  }

  /** Whether this token may upload `imageId` at `now`. Consuming it is the store's atomic job. */
  check(imageId: ImageId, now: Date): TokenCheck {
    if (this.usedAt !== undefined) return { ok: false, reason: 'used' };
    if (now.getTime() >= this.expiresAt.getTime()) return { ok: false, reason: 'expired' };
    if (this.imageId !== imageId) return { ok: false, reason: 'wrong-id' };
    return { ok: true };
  }

  isExpired(now: Date): boolean {
    return now.getTime() >= this.expiresAt.getTime();
  }
}
