import { expect } from 'chai';
import { AddressList } from '../../../src/adapters/http/address-list.js';

describe('AddressList (tokens.allowFrom, server.trustedProxies)', () => {
  it('matches addresses and ranges of both families, IPv4 seen on a dual-stack socket included', () => {
    const list = AddressList.parse(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);
    expect(['10.255.0.1', '::ffff:10.1.2.3', '192.168.1.7', 'fd12::1'].filter((a) => !list.includes(a))).to.deep.equal([]);
    expect(['11.0.0.1', '192.168.1.8', '::ffff:11.0.0.1', 'fe80::1', '', undefined, 'not-an-ip'].filter((a) => list.includes(a))).to.deep.equal([]);
  });

  it('refuses what net.BlockList would misread or throw on, naming the entry', () => {
    for (const entry of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/8/9', '10.0.0.0/+8', ' 10.0.0.1', 'localhost', '']) {
      expect(() => AddressList.parse([entry]), entry).to.throw(RangeError, `not an IP address or CIDR: ${JSON.stringify(entry)}`);
    }
  });
});
