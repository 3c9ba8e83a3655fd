import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/infrastructure/config/load-config.js';

function configError(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  return expect.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lir-config-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function writeJson(name: string, value: unknown): void {
    writeFileSync(path.join(dir, name), JSON.stringify(value));
  }

  describe('defaults', () => {
    it('without files or variables gives the documented defaults', () => {
      const config = loadConfig({ configDir: dir, env: {} });
      expect(config.server).to.deep.equal({ host: '0.0.0.0', port: 1337, trustedProxies: [], headersTimeoutMs: 10_000, requestTimeoutMs: 60_000 });
      expect(config.dataDir).to.equal('./data');
      expect(config.originals).to.deep.equal({ driver: 'filesystem' });
      expect(config.renditions).to.deep.equal({ driver: 'filesystem' });
      expect(config.index).to.deep.equal({ driver: 'sqlite' });
      expect(config.delivery).to.include({ mode: 'redirect', redirectStatus: 303 });
      expect(config.delivery.publicBaseUrl).to.equal(undefined);
      expect(config.uploads).to.deep.equal({ maxBytes: 25 * 1024 * 1024, allowOverwrite: false });
      expect(config.tokens.allowFrom).to.deep.equal(['127.0.0.0/8', '::1/128']);
      expect(config.render.quality).to.deep.equal({ jpeg: 80, webp: 80, avif: 50 });
      expect(config.limits).to.deep.equal({ maxWidth: 4096, maxHeight: 4096, maxScale: 4, maxInputPixels: 50_000_000 });
      expect(config.log.level).to.equal('info');
    });

    it("the repository's config/default.json is valid and agrees with the schema defaults", () => {
      const fromRepo = loadConfig({ configDir: path.resolve('config'), env: {} });
      const bare = loadConfig({ configDir: dir, env: {} });
      expect({ ...fromRepo, render: { ...fromRepo.render, concurrency: 0 } }).to.deep.equal({ ...bare, render: { ...bare.render, concurrency: 0 } });
    });
  });

  describe('files', () => {
    it('overlays {NODE_ENV}.json on default.json, merging nested objects key by key', () => {
      writeJson('default.json', { server: { port: 2000, host: '127.0.0.1' }, render: { quality: { jpeg: 70 } } });
      writeJson('staging.json', { server: { port: 3000 }, render: { quality: { webp: 60 } } });

      const staging = loadConfig({ configDir: dir, env: { NODE_ENV: 'staging' } });
      expect(staging.server).to.include({ port: 3000, host: '127.0.0.1' });
      expect(staging.render.quality).to.deep.equal({ jpeg: 70, webp: 60, avif: 50 });

      const plain = loadConfig({ configDir: dir, env: {} });
      expect(plain.server.port).to.equal(2000);
      expect(loadConfig({ configDir: dir, env: { NODE_ENV: 'no-such-env' } }).server.port).to.equal(2000);
    });

    it('a driver change in an overlay replaces the whole driver block', () => {
      writeJson('default.json', { originals: { driver: 's3', bucket: 'one', prefix: 'from-default/' } });
      writeJson('production.json', { originals: { driver: 'gcs', bucket: 'two' } });
      const config = loadConfig({ configDir: dir, env: { NODE_ENV: 'production' } });
      expect(config.originals).to.deep.equal({ driver: 'gcs', bucket: 'two', prefix: '' });
    });

    it('reads CONFIG_DIR when no folder is given', () => {
      writeJson('default.json', { dataDir: '/srv/from-config-dir' });
      expect(loadConfig({ env: { CONFIG_DIR: dir } }).dataDir).to.equal('/srv/from-config-dir');
    });

    it('a file that is not JSON is reported with its name', () => {
      writeFileSync(path.join(dir, 'default.json'), '{ "server": ');
      expect(configError(() => loadConfig({ configDir: dir, env: {} })).message).to.include(path.join(dir, 'default.json'));
    });
  });

  describe('environment variables', () => {
    it('override files: a number, a string, a boolean and a list', () => {
      writeJson('default.json', { server: { port: 2000 }, dataDir: '/from/file', uploads: { allowOverwrite: false } });
      const config = loadConfig({
        configDir: dir,
        env: { PORT: '8080', DATA_DIR: '/var/lib/images', UPLOAD_ALLOW_OVERWRITE: 'true', TOKENS_ALLOW_FROM: '10.0.0.0/8, 192.168.0.0/16,,' },
      });
      expect(config.server.port).to.equal(8080);
      expect(config.dataDir).to.equal('/var/lib/images');
      expect(config.uploads.allowOverwrite).to.equal(true);
      expect(config.tokens.allowFrom).to.deep.equal(['10.0.0.0/8', '192.168.0.0/16']);
    });

    it('accept 1 and 0 for booleans and ignore empty values', () => {
      const config = loadConfig({ configDir: dir, env: { ALLOW_INDEXING: '1', FORMATS_NEGOTIATE: '0', PORT: '' } });
      expect(config.allowIndexing).to.equal(true);
      expect(config.formats.negotiate).to.equal(false);
      expect(config.server.port).to.equal(1337);
    });

    it('DATABASE_URL alone selects the PostgreSQL index; INDEX_DRIVER still wins when set', () => {
      const url = 'postgres://app@db.internal:5432/images';
      expect(loadConfig({ configDir: dir, env: { DATABASE_URL: url } }).index).to.deep.equal({ driver: 'postgres', url, poolMax: 10 });
      expect(loadConfig({ configDir: dir, env: { DATABASE_URL: url, DATABASE_POOL_MAX: '3' } }).index).to.include({ poolMax: 3 });
      expect(loadConfig({ configDir: dir, env: { DATABASE_URL: url, INDEX_DRIVER: 'sqlite' } }).index.driver).to.equal('sqlite');
    });

    it('select and configure an S3 store', () => {
      const config = loadConfig({
        configDir: dir,
        env: { RENDITIONS_DRIVER: 's3', RENDITIONS_BUCKET: 'cache', RENDITIONS_ENDPOINT: 'http://127.0.0.1:9000', RENDITIONS_FORCE_PATH_STYLE: 'true' },
      });
      expect(config.renditions).to.deep.include({ driver: 's3', bucket: 'cache', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, region: 'us-east-1' });
      expect(config.originals.driver).to.equal('filesystem');
    });

    it('are overridden by explicit overrides', () => {
      expect(loadConfig({ configDir: dir, env: { PORT: '8080' }, overrides: { server: { port: 9090 } } }).server.port).to.equal(9090);
    });
  });

  describe('invalid configuration', () => {
    it('a value of the wrong type stops with a ConfigError naming the variable', () => {
      const error = configError(() => loadConfig({ configDir: dir, env: { PORT: 'eighty' } }));
      expect(error.problems.some((p) => p.startsWith('PORT:'))).to.equal(true);
      expect(error.message).to.include('PORT');
    });

    it('a value out of range names the key and its variable', () => {
      const error = configError(() => loadConfig({ configDir: dir, env: { PORT: '70000' } }));
      expect(error.problems).to.have.length(1);
      expect(error.problems[0]).to.match(/^server\.port \(env PORT\): /);
    });

    it('a head timeout longer than the whole-request timeout names the key (Node would refuse to start)', () => {
      const error = configError(() => loadConfig({ configDir: dir, env: { HEADERS_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '10000' } }));
      expect(error.problems).to.have.length(1);
      expect(error.problems[0]).to.match(/^server\.headersTimeoutMs.*: headersTimeoutMs must not be longer than requestTimeoutMs/);
    });

    it('a bad value from a file names the key', () => {
      writeJson('default.json', { delivery: { mode: 'teleport' } });
      const error = configError(() => loadConfig({ configDir: dir, env: {} }));
      expect(error.problems).to.have.length(1);
      expect(error.problems[0]).to.match(/^delivery\.mode \(env DELIVERY_MODE\): /);
    });

    it('an S3 store without a bucket is refused', () => {
      const error = configError(() => loadConfig({ configDir: dir, env: { ORIGINALS_DRIVER: 's3' } }));
      expect(error.problems.join('\n')).to.include('originals.bucket');
    });

    it('reports several problems at once', () => {
      const error = configError(() =>
        loadConfig({
          configDir: dir,
          env: { ALLOW_INDEXING: 'maybe', QUALITY_JPEG: '500', DELIVERY_MODE: 'pigeon', DATABASE_URL: 'mysql://nope' },
        }),
      );
      const text = error.problems.join('\n');
      for (const expected of ['ALLOW_INDEXING', 'render.quality.jpeg (env QUALITY_JPEG)', 'delivery.mode (env DELIVERY_MODE)', 'index.url (env DATABASE_URL)']) {
        expect(text).to.include(expected);
      }
      expect(error.problems.length).to.be.at.least(4);
      for (const problem of error.problems) expect(error.message).to.include(problem);
    });
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ configDir: dir, env: { TRUSTED_PROXIES: '10.0.0.1' } });
    expect(Object.isFrozen(config)).to.equal(true);
    expect(Object.isFrozen(config.server)).to.equal(true);
    expect(Object.isFrozen(config.server.trustedProxies)).to.equal(true);
    expect(Object.isFrozen(config.render.quality)).to.equal(true);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).to.throw(TypeError);
    expect(() => (config.server.trustedProxies as string[]).push('x')).to.throw(TypeError);
    expect(config.server.port).to.equal(1337);
  });
});
