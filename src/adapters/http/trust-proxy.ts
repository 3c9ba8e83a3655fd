import { AddressList } from './address-list.js';

/**
 * Express's `trust proxy` setting: `X-Forwarded-For` is believed only from these proxies, so `req.ip`
 * is the peer's own address unless the peer is one of them.
 */
export function trustProxy(trustedProxies: readonly string[]): false | ((address: string) => boolean) {
  if (trustedProxies.length === 0) return false;
  const trusted = AddressList.parse(trustedProxies);
  return (address) => trusted.includes(address);
}
