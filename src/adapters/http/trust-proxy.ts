import { parseCidrList } from './caller-guard.js';

/**
 * Express's `trust proxy` setting: `X-Forwarded-For` is believed only from these proxies, so `req.ip`
 * is the peer's own address unless the peer is one of them.
 */
export function trustProxy(trustedProxies: readonly string[]): false | ((address: string) => boolean) {
  if (trustedProxies.length === 0) return false;
  const trusted = parseCidrList(trustedProxies);
  return (address) => {
    const ip = address.startsWith('::ffff:') ? address.slice(7) : address;
    return trusted.check(ip, ip.includes(':') ? 'ipv6' : 'ipv4');
  };
}
