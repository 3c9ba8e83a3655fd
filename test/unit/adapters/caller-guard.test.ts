import { expect } from 'chai';
import { CallerGuard, guardExposureWarning } from '../../../src/adapters/http/caller-guard.js';
import { HttpInputError } from '../../../src/adapters/http/http-error.js';

const SECRET = 'a-shared-secret-of-some-length';

describe('CallerGuard', () => {
  function refusal(guard: CallerGuard, caller: Parameters<CallerGuard['check']>[0]): string | undefined {
    try {
      guard.check(caller);
      return undefined;
    } catch (error) {
      expect(error).to.be.instanceOf(HttpInputError);
      return (error as HttpInputError).code;
    }
  }

  it('refuses a forwarded request when no proxy is trusted, even with the secret and an allowed address', () => {
    const guard = new CallerGuard({ allowFrom: ['127.0.0.0/8'], secret: SECRET, trustedProxies: [] });
    expect(refusal(guard, { address: '127.0.0.1', authorization: `Bearer ${SECRET}`, forwarded: true })).to.equal('FORBIDDEN');
    expect(refusal(guard, { address: '127.0.0.1', authorization: `Bearer ${SECRET}`, forwarded: false })).to.equal(undefined);
  });

  it('judges a forwarded request by its forwarded address when a proxy is trusted', () => {
    const guard = new CallerGuard({ allowFrom: ['10.1.0.0/16'], secret: undefined, trustedProxies: ['127.0.0.1/32'] });
    expect(refusal(guard, { address: '10.1.2.3', authorization: undefined, forwarded: true })).to.equal(undefined);
    expect(refusal(guard, { address: '192.0.2.7', authorization: undefined, forwarded: true })).to.equal('FORBIDDEN');
  });
});

describe('guardExposureWarning (start-up advice in production)', () => {
  it('says nothing when a secret is set, whatever the addresses', () => {
    expect(guardExposureWarning({ allowFrom: ['127.0.0.0/8', '::1/128'], secret: SECRET })).to.equal(undefined);
    expect(guardExposureWarning({ allowFrom: [], secret: SECRET })).to.equal(undefined);
  });

  it('says nothing when the allow-list names a non-loopback address', () => {
    expect(guardExposureWarning({ allowFrom: ['127.0.0.0/8', '10.0.0.0/8'], secret: undefined })).to.equal(undefined);
    expect(guardExposureWarning({ allowFrom: ['0.0.0.0/0'], secret: undefined })).to.equal(undefined);
  });

  it('explains what a loopback-only guard without a secret means', () => {
    for (const allowFrom of [['127.0.0.0/8', '::1/128'], ['127.0.0.1'], ['::1'], ['::ffff:127.0.0.1/128']]) {
      const warning = guardExposureWarning({ allowFrom, secret: undefined });
      expect(warning, allowFrom.join(',')).to.match(/loopback only/);
      expect(warning).to.include('every process here can issue upload tokens');
      expect(warning).to.include('tokens.secret');
    }
  });

  it('warns louder when any address may call and there is no secret', () => {
    expect(guardExposureWarning({ allowFrom: [], secret: undefined })).to.match(/^tokens\.allowFrom is empty .*anyone/);
  });
});
