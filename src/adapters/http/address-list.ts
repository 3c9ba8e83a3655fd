import { BlockList, isIP } from 'node:net';

/**
 * A set of IP addresses and CIDR ranges (`tokens.allowFrom`, `server.trustedProxies`). The config
 * schema builds one from each list at start-up, so a bad entry is a config error naming its key rather
 * than an exception out of the HTTP adapter's constructor.
 */
export class AddressList {
  private constructor(private readonly blocks: BlockList) {}

  /**
   * Accepts `address` or `address/bits` (bits 0–32 for IPv4, 0–128 for IPv6, digits only). Throws a
   * `RangeError` naming the first entry that is neither; `net.BlockList` would accept `10.0.0.0/` as
   * `/0` — everything — and ignore anything after a second slash.
   */
  static parse(entries: readonly string[]): AddressList {
    const blocks = new BlockList();
    for (const entry of entries) {
      const match = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(entry);
      const family = match === null ? 0 : isIP(match[1] ?? '');
      const bits = match?.[2] === undefined ? undefined : Number(match[2]);
      if (match === null || family === 0 || (bits !== undefined && bits > (family === 6 ? 128 : 32))) {
        throw new RangeError(`not an IP address or CIDR: ${JSON.stringify(entry)} (e.g. 10.0.0.0/8, ::1/128)`);
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) blocks.addAddress(match[1] as string, type);
      else blocks.addSubnet(match[1] as string, bits, type);
    }
    return new AddressList(blocks);
  }

  /** False for an empty or unparsable address. `::ffff:10.1.2.3` (IPv4 on a dual-stack socket) counts as `10.1.2.3`. */
  includes(address: string | undefined): boolean {
    const ip = normaliseAddress(address);
    const family = isIP(ip);
    return family !== 0 && this.blocks.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  }
}

function normaliseAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
