/**
 * The dependency rule of the hexagonal layout (docs/adr/0002-hexagonal-layout-and-dependency-rule.md,
 * tightened by docs/adr/0017-layer-rules-that-cannot-be-bypassed.md). Runs in the test suite
 * (test/architecture/layering.test.ts) and as `npm run depcruise`.
 *
 * The layer rules are reachability rules (`reachable: true`): they hold for everything a module
 * depends on through any chain of imports, not only for its own import lines, so an allowed hop
 * cannot be used as a stepping stone to a forbidden one.
 * @type {import('dependency-cruiser').IConfiguration}
 */

const LAYERS = '^src/(domain|application|adapters|infrastructure)/';

/**
 * The npm packages each adapter folder may use: its own SDK. A folder missing here may use none.
 * `http` writes its access log straight to pino (the ECS request fields need the pino logger itself).
 */
const ADAPTER_SDKS = {
  gcs: ['@google-cloud/'],
  http: ['express', 'busboy', 'pino'],
  pino: ['pino', '@elastic/ecs-pino-format'],
  placeholder: ['blurhash', 'thumbhash'],
  prometheus: ['prom-client'],
  s3: ['@aws-sdk/'],
  sharp: ['sharp'],
  sql: ['knex', 'pg', 'better-sqlite3'],
};

/** `node_modules/express/…` and its types package `node_modules/@types/express/…`. */
const packagePaths = (names) => names.map((name) => `(^|/)node_modules/(@types/)?${name.endsWith('/') ? name : `${name}(/|$)`}`);

const sdkRules = [
  ...Object.entries(ADAPTER_SDKS).map(([folder, packages]) => ({
    name: 'adapters-use-only-their-own-sdk',
    severity: 'error',
    comment: `src/adapters/${folder} may use ${packages.join(', ')} and no other package, directly or through other modules.`,
    from: { path: `^src/adapters/${folder}/` },
    to: { reachable: true, path: '(^|/)node_modules/', pathNot: packagePaths(packages) },
  })),
  {
    name: 'adapters-use-only-their-own-sdk',
    severity: 'error',
    comment: 'An adapter folder without an SDK of its own (in-memory, system, filesystem…) uses no npm package.',
    from: { path: '^src/adapters/', pathNot: `^src/adapters/(${Object.keys(ADAPTER_SDKS).join('|')})/` },
    to: { reachable: true, path: '(^|/)node_modules/' },
  },
];

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
      name: 'only-four-layers',
      severity: 'error',
      comment: 'Code lives in one of the four layers; a fifth folder (src/shared, src/utils) would be under no rule.',
      from: { path: '^src/', pathNot: LAYERS },
      to: {},
    },
    {
      name: 'only-four-layers',
      severity: 'error',
      comment: 'Nothing imports a module outside the four layers.',
      from: {},
      to: { path: '^src/', pathNot: LAYERS },
    },
    {
      name: 'only-four-layers',
      severity: 'error',
      comment: 'A module outside the four layers that imports nothing and that nothing imports.',
      from: { orphan: true, path: '^src/', pathNot: LAYERS },
      to: {},
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'Domain reaches only domain, plus node:crypto for hashing (documented in ADR 0002).',
      from: { path: '^src/domain/' },
      to: { reachable: true, pathNot: ['^src/domain/', '^crypto$', '^node:crypto$'] },
    },
    {
      name: 'application-imports-only-domain',
      severity: 'error',
      comment: 'Use cases and ports depend on the domain alone: anything with I/O is a port.',
      from: { path: '^src/application/' },
      to: { reachable: true, pathNot: ['^src/domain/', '^src/application/', '^crypto$', '^node:crypto$'] },
    },
    {
      name: 'application-imports-only-domain',
      severity: 'error',
      comment: 'The domain’s node:crypto exception is not the application’s: randomness and time are ports.',
      from: { path: '^src/application/' },
      to: { path: ['^crypto$', '^node:crypto$'] },
    },
    {
      name: 'adapters-do-not-import-infrastructure',
      severity: 'error',
      comment: 'Adapters implement ports; wiring lives in infrastructure.',
      from: { path: '^src/adapters/' },
      to: { reachable: true, path: '^src/infrastructure/' },
    },
    {
      name: 'adapters-do-not-import-each-other',
      severity: 'error',
      comment: 'Each driver folder stands alone, so it can be read, tested, changed or removed without another.',
      from: { path: '^src/adapters/([^/]+)/' },
      to: { reachable: true, path: '^src/adapters/', pathNot: ['^src/adapters/$1/', '^src/adapters/object-storage/'] },
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
    ...sdkRules,
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
