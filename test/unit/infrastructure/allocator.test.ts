import { expect } from 'chai';
import { allocatorFit, RECOMMENDED_MALLOC_ENV } from '../../../src/infrastructure/allocator.js';

describe('allocatorFit: how the process allocates, for lir doctor (ADR 0038)', () => {
  it('is content with glibc started with both settings', () => {
    const fit = allocatorFit({ ...RECOMMENDED_MALLOC_ENV }, '2.36');
    expect(fit.verdict).to.equal('ok');
    expect(fit.message).to.contain('glibc 2.36 with MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072');
  });

  it('notes glibc without them, naming what is missing and what to start the service with', () => {
    const none = allocatorFit({}, '2.36');
    expect(none.verdict).to.equal('note');
    expect(none.message).to.contain('without MALLOC_ARENA_MAX and MALLOC_MMAP_THRESHOLD_').and.to.contain('npm start and the image set MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072, lir serve needs them');
    const half = allocatorFit({ MALLOC_ARENA_MAX: '2' }, '2.36');
    expect(half.verdict).to.equal('note');
    expect(half.message).to.contain('without MALLOC_MMAP_THRESHOLD_:');
  });

  it('only notes a preloaded allocator, and has nothing to say off glibc', () => {
    expect(allocatorFit({ LD_PRELOAD: '/usr/local/lib/libjemalloc.so.2' }, '2.36').verdict).to.equal('note');
    expect(allocatorFit({}, undefined)).to.deep.equal({ verdict: 'ok', message: "not glibc: its malloc settings do not apply" });
  });
});
