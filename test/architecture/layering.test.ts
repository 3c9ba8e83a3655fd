import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import extractDepcruiseConfig from 'dependency-cruiser/config-utl/extract-depcruise-config';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/layering-violations/', import.meta.url));

/** Cruises `src` under `baseDir` with the project's own rules (.dependency-cruiser.cjs), as `npm run depcruise` does. */
async function cruiseWithProjectRules(baseDir: string): Promise<ICruiseResult> {
  const config: IConfiguration = await extractDepcruiseConfig(path.join(ROOT, '.dependency-cruiser.cjs'));
  const { tsConfig: _fileName, ...options } = config.options ?? {};
  const result = await cruise(
    ['src'],
    { ...options, baseDir, validate: true, ruleSet: { forbidden: config.forbidden ?? [] } },
    undefined,
    { tsConfig: extractTSConfig(path.join(ROOT, 'tsconfig.json')) },
  );
  return result.output as ICruiseResult;
}

function describeViolations(result: ICruiseResult): string[] {
  return result.summary.violations.map((v) => {
    const cycle = v.cycle === undefined ? '' : ` (cycle: ${v.cycle.map((step) => step.name).join(' → ')})`;
    const via = v.via === undefined || v.via.length < 2 ? '' : ` (via ${v.via.map((step) => step.name).join(' → ')})`;
    return `${v.rule.name}: ${v.from} → ${v.to}${cycle}${via}`;
  });
}

/** Local imports that could not be resolved would make every rule pass vacuously. */
function unresolvedLocalImports(result: ICruiseResult): string[] {
  return result.modules.flatMap((module) =>
    module.dependencies
      .filter((d) => d.couldNotResolve && d.module.startsWith('.'))
      .map((d) => `${module.source} → ${d.module}`),
  );
}

describe('architecture: the dependency rule (dependency-cruiser)', function () {
  this.timeout(60_000);

  it('src/ breaks no layering rule', async () => {
    const result = await cruiseWithProjectRules(ROOT);
    expect(unresolvedLocalImports(result), 'unresolved imports').to.deep.equal([]);
    const sources = result.modules.map((m) => m.source);
    expect(sources, 'cruised the use cases').to.include('src/application/use-cases/get-rendition.ts');
    expect(sources, 'cruised the composition root').to.include('src/infrastructure/di/build-container.ts');
    const violations = describeViolations(result);
    expect(violations, `layering violations:\n  ${violations.join('\n  ')}`).to.deep.equal([]);
  });

  it('the rules bite: a fixture breaking each rule is reported rule by rule, chains included', async () => {
    const result = await cruiseWithProjectRules(FIXTURE);
    expect(unresolvedLocalImports(result), 'unresolved imports').to.deep.equal([]);
    // A cycle is reported once, from whichever member the cruise met first.
    const reported = result.summary.violations.map((v) =>
      v.rule.name === 'no-circular' ? `no-circular ${[v.from, v.to].sort().join(' ')}` : `${v.rule.name} ${v.from}`,
    );

    expect([...new Set(reported)].sort()).to.deep.equal(
      [
        // One import line breaks the rule.
        'adapters-do-not-import-each-other src/adapters/beta/beta-store.ts',
        'adapters-do-not-import-infrastructure src/adapters/beta/beta-wiring.ts',
        'adapters-use-only-their-own-sdk src/adapters/memory/uses-knex.ts',
        'adapters-use-only-their-own-sdk src/adapters/object-storage/shared-bucket.ts',
        'adapters-use-only-their-own-sdk src/adapters/s3/imports-gcs-sdk.ts',
        'application-imports-only-domain src/application/imports-adapter.ts',
        'domain-is-pure src/domain/imports-sharp.ts',
        'no-barrel-files src/infrastructure/imports-barrel.ts',
        'no-circular src/domain/cycle-first.ts src/domain/cycle-second.ts',
        'object-storage-imports-only-domain-and-application src/adapters/object-storage/shared-bucket.ts',
        'only-four-layers src/adapters/beta/uses-shared.ts',
        'only-four-layers src/constants.ts',
        'only-four-layers src/shared/reaches-infrastructure.ts',
        'src-does-not-import-tests src/infrastructure/imports-test-helper.ts',
        // No import line of the file names the module the rule forbids: the rule follows the chain.
        'adapters-do-not-import-each-other src/adapters/beta/beta-wiring.ts',
        'adapters-do-not-import-each-other src/adapters/beta/uses-shared.ts',
        'adapters-do-not-import-infrastructure src/adapters/beta/uses-shared.ts',
        'application-imports-only-domain src/application/reaches-sharp-through-domain.ts',
      ].sort(),
    );
  });
});
