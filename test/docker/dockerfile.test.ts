import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { DockerfileParser, ModifiableInstruction, type Instruction } from 'dockerfile-ast';
import { validate, ValidationSeverity, type ValidatorSettings } from 'dockerfile-utils';
import { RECOMMENDED_MALLOC_ENV } from '../../src/infrastructure/allocator.js';
import { REPO_ROOT, startTestService, type TestService } from '../support/service-harness.js';

const run = promisify(execFile);
// CommonJS `module.exports = factory` whose typings declare `export default`: required, so both agree.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as typeof import('@balena/dockerignore').default;

const text = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(text);
const instructions = dockerfile.getInstructions();
const packageJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  allowScripts?: Record<string, boolean>;
  scripts: { start: string };
};

/** The instructions of each stage, in order, keyed by the stage name (`AS name`). */
function stages(): Array<{ name: string; from: string; body: Instruction[] }> {
  const out: Array<{ name: string; from: string; body: Instruction[] }> = [];
  for (const instruction of instructions) {
    if (instruction.getKeyword() === 'FROM') {
      const args = instruction.getArguments().map((a) => a.getValue());
      out.push({ name: args[2] ?? `#${out.length}`, from: args[0] ?? '', body: [] });
    } else {
      out.at(-1)?.body.push(instruction);
    }
  }
  return out;
}

const runtime = (): Instruction[] => stages().at(-1)?.body ?? [];
/** The arguments after the flags (`COPY --from=x a b` → `a b`). */
const content = (instruction: Instruction): string => instruction.getArgumentsContent() ?? '';
/** The flags (`--from=x`, `--interval=30s`) of COPY, HEALTHCHECK and other instructions that take them. */
const flags = (instruction: Instruction): string[] =>
  instruction instanceof ModifiableInstruction ? instruction.getFlags().map((flag) => flag.toString()) : [];
const ofKind = (body: Instruction[], keyword: string): Instruction[] => body.filter((i) => i.getKeyword() === keyword);

/** `ARG NAME=value` defaults declared before the first FROM, as Docker substitutes them into FROM. */
function globalArgs(): Map<string, string> {
  const args = new Map<string, string>();
  for (const instruction of instructions) {
    if (instruction.getKeyword() === 'FROM') break;
    const match = /^(\w+)=(\S+)$/.exec(content(instruction));
    if (instruction.getKeyword() === 'ARG' && match) args.set(match[1]!, match[2]!);
  }
  return args;
}

/** `KEY=value` pairs of every ENV instruction in a stage (the runtime stage by default). */
function runtimeEnv(body: Instruction[] = runtime()): Map<string, string> {
  const env = new Map<string, string>();
  for (const instruction of ofKind(body, 'ENV')) {
    for (const match of content(instruction).matchAll(/(\w+)=(\S+)/g)) env.set(match[1]!, match[2]!);
  }
  return env;
}

/** The JSON-array form of CMD/HEALTHCHECK CMD, parsed. */
function execForm(raw: string): string[] {
  const parsed: unknown = JSON.parse(raw);
  expect(parsed, `exec form expected: ${raw}`).to.be.an('array');
  return parsed as string[];
}

describe('Dockerfile', () => {
  describe('lint', () => {
    it('has no finding from dockerfile-utils, every check raised to an error', () => {
      const everyCheck: Required<ValidatorSettings> = {
        deprecatedMaintainer: ValidationSeverity.ERROR,
        directiveCasing: ValidationSeverity.ERROR,
        emptyContinuationLine: ValidationSeverity.ERROR,
        instructionCasing: ValidationSeverity.ERROR,
        instructionCmdMultiple: ValidationSeverity.ERROR,
        instructionEntrypointMultiple: ValidationSeverity.ERROR,
        instructionHealthcheckMultiple: ValidationSeverity.ERROR,
        instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
        instructionWorkdirRelative: ValidationSeverity.ERROR,
      };
      const findings = validate(text, everyCheck).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
      expect(findings).to.deep.equal([]);
    });

    it('names no BuildKit frontend (# syntax=), which would be fetched from a registry on every build', () => {
      expect(dockerfile.getDirectives().map((directive) => directive.getName().toLowerCase())).to.not.include('syntax');
      expect(text).to.not.match(/^#\s*syntax\s*=/im);
    });

    it('sets no npm config that npm 11 does not know (it warns they stop working in the next major)', () => {
      const npmConfig = [...text.matchAll(/\bnpm_config_(\w+)/gi)].map((match) => match[1]!.toLowerCase());
      expect(npmConfig).to.deep.equal([]);
    });

    it('the linter does report a broken Dockerfile (so a clean result means something)', () => {
      const broken = 'FROM node:20-bookworm-slim\nEXPOSE port\nCMD node a.js\nCMD node b.js\nHEALTHCHECK --interval=abc CMD true\n';
      expect(validate(broken).length).to.be.greaterThanOrEqual(3);
    });

    it('follows the usual image hygiene rules (apt lists removed, no ADD, no sudo, no cd, pinned npm)', () => {
      const problems: string[] = [];
      for (const instruction of instructions) {
        const keyword = instruction.getKeyword();
        const body = content(instruction);
        const line = instruction.getRange().start.line + 1;
        if (keyword === 'ADD') problems.push(`line ${line}: use COPY, not ADD`);
        if (keyword === 'MAINTAINER') problems.push(`line ${line}: MAINTAINER is deprecated`);
        if (keyword !== 'RUN') continue;
        if (/\bsudo\b/.test(body)) problems.push(`line ${line}: sudo`);
        if (/(^|&&\s*)cd\s/.test(body)) problems.push(`line ${line}: use WORKDIR instead of cd`);
        if (/apt-get\s+install/.test(body)) {
          if (!/--no-install-recommends/.test(body)) problems.push(`line ${line}: apt-get install without --no-install-recommends`);
          if (!/\s-y\b/.test(body)) problems.push(`line ${line}: apt-get install without -y`);
          if (!/apt-get update/.test(body)) problems.push(`line ${line}: apt-get install without update in the same layer`);
          if (!/rm -rf \/var\/lib\/apt\/lists/.test(body)) problems.push(`line ${line}: apt lists left in the layer`);
        }
        if (/apt-get\s+upgrade|dist-upgrade/.test(body)) problems.push(`line ${line}: upgrade belongs in the base image`);
        const globalNpm = /npm install (?:--global|-g)\b[^&]*?\s(\S+)\s*(?:&&|$)/.exec(body);
        if (globalNpm && !/@\S+$/.test(globalNpm[1]!)) problems.push(`line ${line}: npm install -g without a pinned version`);
      }
      expect(problems).to.deep.equal([]);
    });
  });

  describe('stages', () => {
    it('is multi-stage, every stage descending from one official slim base of a supported Node LTS line (ADR 0030), pinned by tag', () => {
      const all = stages();
      expect(all.length).to.be.greaterThanOrEqual(2);
      const names = new Set(all.map((s) => s.name));
      const external = all.map((s) => s.from).filter((from) => !names.has(from));
      expect(external, 'stages not built from another stage').to.have.length(1);
      const base = external[0]!.replace(/^\$\{(\w+)\}$/, (_, name: string) => globalArgs().get(name) ?? '');
      expect(base).to.match(/^node:(22|24|26)(\.\d+){0,2}-(bookworm|trixie)-slim$/);
    });

    it('installs npm 11 (which honours allowScripts) before any npm ci', () => {
      const version = /^NPM_VERSION=(\d+)\.(\d+)\.(\d+)$/.exec(
        instructions.filter((i) => i.getKeyword() === 'ARG').map(content).find((c) => c.startsWith('NPM_VERSION=')) ?? '',
      );
      expect(version, 'ARG NPM_VERSION=x.y.z').to.not.equal(null);
      expect(Number(version![1])).to.be.greaterThanOrEqual(11);
      const all = stages();
      const byName = new Map(all.map((s) => [s.name, s]));
      const hasNpm11 = (stage: { from: string; body: Instruction[] } | undefined): boolean =>
        stage !== undefined &&
        (stage.body.some((i) => i.getKeyword() === 'RUN' && /npm install (--global|-g) .*npm@\$\{NPM_VERSION\}/.test(content(i))) ||
          hasNpm11(byName.get(stage.from)));
      const ciStages = all.filter((s) => s.body.some((i) => i.getKeyword() === 'RUN' && /\bnpm ci\b/.test(content(i))));
      expect(ciStages.map((s) => s.name)).to.include.members(['prod-deps', 'build']);
      for (const stage of ciStages) expect(hasNpm11(stage), `stage ${stage.name} runs npm ci with npm 11`).to.equal(true);
    });

    it('builds production dependencies with --omit=dev and their install scripts on, from source with a compiler', () => {
      const prod = stages().find((s) => s.name === 'prod-deps')!;
      const runs = ofKind(prod.body, 'RUN').map(content);
      const ci = runs.find((r) => /\bnpm ci\b/.test(r));
      expect(ci).to.match(/--omit=dev/);
      expect(ci).to.not.match(/--ignore-scripts/);
      // prebuild-install reads its rc file from the folder tree above the package; node-gyp its own variable.
      expect(runs.join('\n')).to.match(/printf 'buildFromSource=true\\n' > \.prebuild-installrc/);
      expect(runtimeEnv(prod.body).get('npm_package_config_node_gyp_nodedir')).to.equal('/usr/local');
      expect(runs.join('\n')).to.match(/apt-get install[^&]*\bpython3\b[^&]*\bmake\b[^&]*\bg\+\+/);
      expect(runs.join('\n'), 'the built addon is loaded once').to.match(/require\('better-sqlite3'\)/);
    });

    it("keeps of better-sqlite3's compile only the addon, and that loads (the stage's own commands, run on a copy of the local build)", async function () {
      this.timeout(60_000);
      const prod = stages().find((s) => s.name === 'prod-deps')!;
      const slim = ofKind(prod.body, 'RUN').map(content).find((r) => r.includes('better_sqlite3.node'));
      expect(slim, 'a RUN in prod-deps that trims the better-sqlite3 build').to.not.equal(undefined);
      const app = mkdtempSync(path.join(tmpdir(), 'lir-slim-'));
      try {
        // WORKDIR /app: the commands use paths relative to it. bindings (and its one dependency) finds the addon.
        for (const name of ['better-sqlite3', 'bindings', 'file-uri-to-path']) {
          cpSync(path.join(REPO_ROOT, 'node_modules', name), path.join(app, 'node_modules', name), { recursive: true });
        }
        const addon = path.join(app, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
        expect(existsSync(addon), 'the local build has the addon').to.equal(true);
        await run('sh', ['-c', slim!.replace(/\\\n/g, '\n')], { cwd: app, timeout: 30_000 });
        const left = readdirSync(path.join(app, 'node_modules/better-sqlite3'), { recursive: true, withFileTypes: true })
          .filter((entry) => !entry.isDirectory())
          .map((entry) => path.relative(path.join(app, 'node_modules/better-sqlite3'), path.join(entry.parentPath, entry.name)))
          .filter((file) => !file.startsWith('lib/'))
          .sort();
        expect(left).to.deep.equal(['LICENSE', 'README.md', 'binding.gyp', 'build/Release/better_sqlite3.node', 'package.json']);
      } finally {
        rmSync(app, { recursive: true, force: true });
      }
    });

    it('lists every production package with an install script in package.json allowScripts', () => {
      const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, { dev?: boolean; hasInstallScript?: boolean; optional?: boolean }>;
      };
      const withScripts = Object.entries(lock.packages)
        .filter(([location, entry]) => location !== '' && entry.hasInstallScript && !entry.dev)
        .map(([location]) => location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length));
      expect(withScripts).to.include('better-sqlite3');
      const allowed = Object.entries(packageJson.allowScripts ?? {}).filter(([, on]) => on).map(([name]) => name.replace(/@[^@/]+$/, ''));
      expect(withScripts.filter((name) => !allowed.includes(name))).to.deep.equal([]);
    });

    it('copies node_modules from prod-deps and dist from build into the runtime stage, which has no compiler', () => {
      const copies = ofKind(runtime(), 'COPY').map((i) => [...flags(i), content(i)].join(' '));
      expect(copies).to.include('--from=prod-deps /app/node_modules ./node_modules');
      expect(copies).to.include('--from=build /app/dist ./dist');
      expect(ofKind(runtime(), 'RUN').map(content).join('\n')).to.not.match(/\b(g\+\+|make|python3|npm (ci|install))\b/);
    });
  });

  describe('runtime stage', () => {
    it('runs as a numeric non-root user', () => {
      const users = ofKind(runtime(), 'USER').map(content);
      expect(users).to.have.length.greaterThan(0);
      const [uid] = users.at(-1)!.split(':');
      expect(uid).to.match(/^\d+$/);
      expect(Number(uid)).to.be.greaterThan(0);
    });

    it('sets NODE_ENV=production, DATA_DIR=/data, a libuv pool for several renders and the allocator settings of npm start (ADR 0038)', () => {
      const env = runtimeEnv();
      expect(env.get('NODE_ENV')).to.equal('production');
      expect(env.get('DATA_DIR')).to.equal('/data');
      for (const [name, value] of Object.entries(RECOMMENDED_MALLOC_ENV)) expect(env.get(name), name).to.equal(value);
      expect(env.has('LD_PRELOAD'), 'glibc measured lower than a preloaded jemalloc').to.equal(false);
      // main.ts warns below render.concurrency + 4; libuv reads the variable before any code runs.
      expect(Number(env.get('UV_THREADPOOL_SIZE'))).to.be.greaterThan(4);
      for (const [name, value] of Object.entries(RECOMMENDED_MALLOC_ENV)) expect(packageJson.scripts.start, 'npm start sets the same').to.contain(`${name}=\${${name}:-${value}}`);
    });

    it('exposes 1337 and declares only the data folder a volume, owned by the runtime user (config is mounted, not a stale anonymous volume)', () => {
      expect(ofKind(runtime(), 'EXPOSE').map(content)).to.deep.equal(['1337']);
      const volumes = ofKind(runtime(), 'VOLUME').flatMap((i) => execForm(content(i)));
      expect(volumes).to.deep.equal(['/data']);
      expect(ofKind(runtime(), 'RUN').map(content).join('\n')).to.match(/chown node:node \/data/);
      expect(ofKind(runtime(), 'WORKDIR').length + ofKind(stages()[0]!.body, 'WORKDIR').length).to.be.greaterThan(0);
    });

    it("starts the built entry point with npm start's node flags (source maps, a 4 MB young generation), stops on SIGTERM", () => {
      const cmd = execForm(content(ofKind(runtime(), 'CMD').at(-1)!));
      expect(cmd).to.deep.equal(['node', '--enable-source-maps', '--max-semi-space-size=4', 'dist/src/infrastructure/main.js']);
      const { scripts } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
      expect(scripts.start.endsWith(` ${cmd.join(' ')}`), scripts.start).to.equal(true);
      // tsconfig.build.json compiles with rootDir "." into dist/, so this is src/infrastructure/main.ts.
      expect(existsSync(path.join(REPO_ROOT, cmd.at(-1)!.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).to.equal(true);
      expect(ofKind(runtime(), 'STOPSIGNAL').map(content)).to.deep.equal(['SIGTERM']);
      expect(ofKind(runtime(), 'ENTRYPOINT')).to.have.length(0);
    });

    describe('HEALTHCHECK', () => {
      let service: TestService;
      before(async () => {
        service = await startTestService({ index: { driver: 'memory' }, originals: { driver: 'memory' }, renditions: { driver: 'memory' } });
      });
      after(async () => service?.close());

      const healthcheck = (): string[] => {
        const checks = ofKind(runtime(), 'HEALTHCHECK');
        expect(checks).to.have.length(1);
        const options = flags(checks[0]!).join(' ');
        expect(options).to.match(/--interval=\d+s/).and.to.match(/--timeout=\d+s/).and.to.match(/--start-period=\d+s/);
        const raw = content(checks[0]!);
        expect(raw, 'HEALTHCHECK ... CMD [...]').to.match(/^CMD \[/);
        return execForm(raw.slice('CMD '.length).trim());
      };

      it('asks /healthz with node (slim images have no curl)', () => {
        const command = healthcheck();
        expect(command[0]).to.equal('node');
        expect(command.join(' ')).to.include('/healthz');
      });

      it('the command exits 0 against a running service and 1 when nothing listens', async () => {
        const [, ...args] = healthcheck();
        const port = new URL(service.url).port;
        const ok = await run(process.execPath, args, { env: { PORT: port }, timeout: 10_000 });
        expect(ok.stderr).to.equal('');
        await service.close();
        const failed = await run(process.execPath, args, { env: { PORT: port }, timeout: 10_000 }).then(
          () => 0,
          (error: { code?: number }) => error.code,
        );
        expect(failed).to.equal(1);
      });
    });
  });
});

describe('.dockerignore', () => {
  const ignore = dockerignore({ ignorecase: false }).add(readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8'));

  it('keeps node_modules, data, .git, dist and local secrets out of the build context', () => {
    for (const file of ['node_modules/sharp/package.json', 'data/index.sqlite', 'data/originals/x', '.git/HEAD', 'dist/src/infrastructure/main.js', '.env', 'config/.env', 'src/node_modules/x.js', 'npm-debug.log']) {
      expect(ignore.ignores(file), file).to.equal(true);
    }
  });

  it('keeps every file the Dockerfile copies from the build context', () => {
    const sources = instructions
      .filter((i) => i.getKeyword() === 'COPY' && !flags(i).some((flag) => flag.startsWith('--from=')))
      .flatMap((i) => i.getArguments().map((a) => a.getValue()).slice(0, -1));
    expect(sources).to.include.members(['package.json', 'package-lock.json', 'src', 'config']);
    for (const source of sources) {
      const sample = source === 'src' ? 'src/infrastructure/main.ts' : source === 'config' ? 'config/default.json' : source;
      expect(existsSync(path.join(REPO_ROOT, sample)), sample).to.equal(true);
      expect(ignore.ignores(sample), `${sample} is needed by the build`).to.equal(false);
    }
  });
});
