/**
 * The dependency rule of the hexagonal layout (docs/adr/0002-hexagonal-layout-and-dependency-rule.md).
 * Runs in the test suite (test/architecture/layering.test.ts) and as `npm run depcruise`.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Cycles make module initialisation order matter and hide layering mistakes.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'Domain imports only domain, plus node:crypto for hashing (documented in ADR 0002).',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '^crypto$', '^node:crypto$'] },
    },
    {
      name: 'application-imports-only-domain',
      severity: 'error',
      comment: 'Use cases and ports depend on the domain alone: anything with I/O is a port.',
      from: { path: '^src/application/' },
      to: { pathNot: ['^src/domain/', '^src/application/'] },
    },
    {
      name: 'adapters-do-not-import-infrastructure',
      severity: 'error',
      comment: 'Adapters implement ports; wiring lives in infrastructure.',
      from: { path: '^src/adapters/' },
      to: { path: '^src/infrastructure/' },
    },
    {
      name: 'adapters-do-not-import-each-other',
      severity: 'error',
      comment: 'Each driver folder stands alone, so a deployment loads only the drivers it chose.',
      from: { path: '^src/adapters/([^/]+)/' },
      to: { path: '^src/adapters/', pathNot: ['^src/adapters/$1/', '^src/adapters/object-storage/'] },
    },
    {
      name: 'object-storage-imports-only-domain-and-application',
      severity: 'error',
      comment:
        'The code every storage driver shares (ADR 0015) may be imported by any adapter, so it imports no SDK, ' +
        'no built-in and no other adapter: only domain, application and itself.',
      from: { path: '^src/adapters/object-storage/' },
      to: { pathNot: ['^src/domain/', '^src/application/', '^src/adapters/object-storage/'] },
    },
    {
      name: 'no-barrel-files',
      severity: 'error',
      comment: 'Import modules directly (STYLE.md rule 6).',
      from: {},
      to: { path: '(^|/)index\\.ts$' },
    },
    {
      name: 'src-does-not-import-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
