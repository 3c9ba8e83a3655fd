import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { applyDotEnv, ConfigError, loadConfig, loadConfigWithSources } from '../../../src/infrastructure/config/load-config.js';
import { validateConfig } from '../../../src/infrastructure/config/validate-config.js';

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
      expect(config.originals).to.deep.equal({ driver: 'filesystem', minFreeBytes: 256 * 1024 * 1024 });
      expect(config.renditions).to.deep.equal({ driver: 'filesystem', minFreeBytes: 256 * 1024 * 1024 });
      expect(config.index).to.deep.equal({ driver: 'sqlite' });
      expect(config.delivery).to.include({ mode: 'redirect', redirectStatus: 303 });
      expect(config.delivery.publicBaseUrl).to.equal(undefined);
      expect(config.uploads).to.deep.equal({ maxBytes: 25 * 1024 * 1024, allowOverwrite: false });
      expect(config.tokens.allowFrom).to.deep.equal(['127.0.0.0/8', '::1/128']);
      expect(config.render.quality).to.deep.equal({ jpeg: 80, webp: 80, avif: 50 });
      expect(config.limits).to.deep.equal({ maxWidth: 4096, maxHeight: 4096, maxScale: 4, maxInputPixels: 50_000_000, maxFrames: 1000, allowedSizes: [] });
      expect(config.render.avifEffort).to.equal(0);
      expect(config.render.webpEffort).to.equal(4);
      expect(config.signing).to.deep.equal({ keys: [] });
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

    it('a bad value from a file names the key and the file', () => {
      writeJson('default.json', { delivery: { mode: 'teleport' } });
      const error = configError(() => loadConfig({ configDir: dir, env: {} }));
      expect(error.problems).to.have.length(1);
      expect(error.problems[0]?.startsWith(`delivery.mode (${path.join(dir, 'default.json')}): `), error.problems[0]).to.equal(true);
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

  describe('rules checked by the schema, not at wiring time', () => {
    it('a CIDR with too many bits names the list entry and its variable', () => {
      const error = configError(() => loadConfig({ configDir: dir, env: { TOKENS_ALLOW_FROM: '127.0.0.1,10.0.0.0/33' } }));
      expect(error.problems).to.have.length(1);
      expect(error.problems[0]).to.match(/^tokens\.allowFrom\.1 \(env TOKENS_ALLOW_FROM\): not an IP address or CIDR: "10\.0\.0\.0\/33"/);
    });

    it('allowed sizes and signing keys come from their variables; a malformed size, a short key and a size beyond the limits are refused', () => {
      const config = loadConfig({ configDir: dir, env: { ALLOWED_SIZES: '320x0,160x160', URL_SIGNING_KEYS: 'new-key-0123456789,old-key-0123456789' } });
      expect(config.limits.allowedSizes).to.deep.equal([{ width: 320, height: 0 }, { width: 160, height: 160 }]);
      expect(config.signing.keys).to.deep.equal(['new-key-0123456789', 'old-key-0123456789']);
      const error = configError(() => loadConfig({ configDir: dir, env: { MAX_WIDTH: '1000', ALLOWED_SIZES: '320,2000x0', URL_SIGNING_KEYS: 'short' } }));
      expect(error.problems).to.have.length(2);
      expect(error.problems.join('\n')).to.match(/limits\.allowedSizes\.0 \(env ALLOWED_SIZES\): each must be \{width\}x\{height\}/);
      expect(error.problems.join('\n')).to.match(/signing\.keys\.0 \(env URL_SIGNING_KEYS\): each key must be at least 16 characters/);
      const beyond = configError(() => loadConfig({ configDir: dir, env: { MAX_WIDTH: '1000', ALLOWED_SIZES: '320x0,2000x0' } }));
      expect(beyond.problems.join('\n')).to.match(/limits\.allowedSizes\.1 .*2000x0 is beyond maxWidth x maxHeight \(1000x4096\)/);
    });

    it('entries net.BlockList would misread are refused too (an empty prefix, a second slash, a name)', () => {
      writeJson('default.json', { server: { trustedProxies: ['10.0.0.0/', '10.0.0.0/8/9', 'proxy.internal', '::1/129'] } });
      const error = configError(() => loadConfig({ configDir: dir, env: {} }));
      const file = path.join(dir, 'default.json');
      expect(error.problems).to.deep.equal(
        [0, 1, 2, 3].map((i) => `server.trustedProxies.${i} (${file}): not an IP address or CIDR: ${JSON.stringify(['10.0.0.0/', '10.0.0.0/8/9', 'proxy.internal', '::1/129'][i])} (e.g. 10.0.0.0/8, ::1/128)`),
      );
    });

    it('an S3 access key without its secret names the missing key and the variable that sets it', () => {
      const error = configError(() =>
        loadConfig({ configDir: dir, env: { ORIGINALS_DRIVER: 's3', ORIGINALS_BUCKET: 'b', ORIGINALS_ACCESS_KEY_ID: 'AKIA' } }),
      );
      expect(error.problems).to.deep.equal([
        'originals.secretAccessKey (not set; env ORIGINALS_SECRET_ACCESS_KEY): set both accessKeyId and secretAccessKey, or neither',
      ]);
    });

    it('a signed-URL lifetime beyond the 7 days S3 and GCS sign for is refused', () => {
      expect(loadConfig({ configDir: dir, env: { SIGNED_URL_TTL_SECONDS: '604800' } }).delivery.signedUrlTtlSeconds).to.equal(604_800);
      const error = configError(() => loadConfig({ configDir: dir, env: { SIGNED_URL_TTL_SECONDS: '604801' } }));
      expect(error.problems).to.have.length(1);
      expect(error.problems[0]).to.match(/^delivery\.signedUrlTtlSeconds \(env SIGNED_URL_TTL_SECONDS\): .*604800/);
    });

    it('a required key nobody set names the variable that would set it', () => {
      const error = configError(() => loadConfig({ configDir: dir, env: { RENDITIONS_DRIVER: 'gcs' } }));
      expect(error.problems).to.deep.equal(['renditions.bucket (not set; env RENDITIONS_BUCKET): required']);
    });
  });

  describe('unknown keys', () => {
    it('in a file are refused with the nearest known key, at any depth and inside a driver block', () => {
      writeJson('default.json', {
        sever: {},
        server: { prot: 8080 },
        originals: { driver: 's3', bucket: 'b', endpont: 'http://127.0.0.1:9000' },
        render: { quality: { jpg: 70 } },
      });
      writeJson('production.json', { limits: { maxWidht: 100 } });
      const error = configError(() => loadConfig({ configDir: dir, env: { NODE_ENV: 'production' } }));
      const file = path.join(dir, 'default.json');
      expect(error.problems).to.have.members([
        `sever (${file}): unknown key; did you mean "server"?`,
        `server.prot (${file}): unknown key; did you mean "port"?`,
        `originals.endpont (${file}): unknown key; did you mean "endpoint"?`,
        `render.quality.jpg (${file}): unknown key; did you mean "jpeg"?`,
        `limits.maxWidht (${path.join(dir, 'production.json')}): unknown key; did you mean "maxWidth"?`,
      ]);
    });

    it('with no near miss list the keys the block accepts', () => {
      const error = configError(() => loadConfig({ configDir: dir, env: {}, overrides: { shutdown: { graceful: true } } }));
      expect(error.problems).to.deep.equal(['shutdown.graceful (overrides): unknown key; expected one of "timeoutMs"']);
    });

    it('a key of another driver is refused from a file but ignored from the environment', () => {
      writeJson('default.json', { originals: { driver: 'filesystem', bucket: 'b' } });
      const error = configError(() => loadConfig({ configDir: dir, env: {} }));
      expect(error.problems).to.deep.equal([`originals.bucket (${path.join(dir, 'default.json')}): unknown key; expected one of "driver", "root", "minFreeBytes"`]);
      writeJson('default.json', {});
      const config = loadConfig({ configDir: dir, env: { ORIGINALS_DRIVER: 'filesystem', ORIGINALS_BUCKET: 'b', ORIGINALS_REGION: 'eu-west-1' } });
      expect(config.originals).to.deep.equal({ driver: 'filesystem', minFreeBytes: 256 * 1024 * 1024 });
    });

    it('are refused by validateConfig (what embedders call) without a source', () => {
      expect(() => validateConfig({ tokens: { ttl: 60 } })).to.throw(ConfigError, 'tokens.ttl: unknown key; did you mean "ttlSeconds"?');
    });
  });

  describe('loadConfigWithSources', () => {
    it('names the .env file behind a bad variable it added', () => {
      const file = path.join(dir, '.env');
      const error = configError(() => loadConfigWithSources({ configDir: dir, env: { PORT: '70000' }, dotEnv: { file, variables: ['PORT'] } }));
      expect(error.problems).to.have.length(1);
      expect(error.problems[0]?.startsWith(`server.port (env PORT from ${file}): `), error.problems[0]).to.equal(true);
    });

    it('warns about a set variable one or two letters from one it reads, and about no other', () => {
      const env = { TOKEN_ALLOW_FROM: '10.0.0.0/8', DATA_DIRS: '/srv', HOSTNAME: 'web-1', KUBERNETES_PORT: 'tcp://10.0.0.1:443', HOME: '/root', PATH: '/bin', PORT: '8080' };
      const loaded = loadConfigWithSources({ configDir: dir, env });
      expect(loaded.warnings).to.deep.equal([
        'environment variable TOKEN_ALLOW_FROM is not read; did you mean TOKENS_ALLOW_FROM?',
        'environment variable DATA_DIRS is not read; did you mean DATA_DIR?',
      ]);
      expect(loaded.config.tokens.allowFrom).to.deep.equal(['127.0.0.0/8', '::1/128']);
    });

    it('lists the files that were read, in order, and only those', () => {
      expect(loadConfigWithSources({ configDir: dir, env: { NODE_ENV: 'production' } }).files).to.deep.equal([]);
      writeJson('default.json', {});
      expect(loadConfigWithSources({ configDir: dir, env: { NODE_ENV: 'production' } }).files).to.deep.equal([path.join(dir, 'default.json')]);
      writeJson('production.json', { server: { port: 8080 } });
      const loaded = loadConfigWithSources({ configDir: dir, env: { NODE_ENV: 'production' } });
      expect(loaded.files).to.deep.equal([path.join(dir, 'default.json'), path.join(dir, 'production.json')]);
      expect(loaded.config.server.port).to.equal(8080);
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

  describe('applyDotEnv', () => {
    it('adds the variables of the file that are not set, leaving the ones already set as they are', () => {
      const file = path.join(dir, '.env');
      writeFileSync(file, '# a comment\nPORT=8080\nLOG_LEVEL=debug\nTOKEN_SECRET="with spaces and #"\nHOST=\n');
      const env: Record<string, string | undefined> = { PORT: '9000', HOST: '127.0.0.1' };
      expect(applyDotEnv(file, env)).to.deep.equal(['LOG_LEVEL', 'TOKEN_SECRET']);
      expect(env).to.deep.equal({ PORT: '9000', HOST: '127.0.0.1', LOG_LEVEL: 'debug', TOKEN_SECRET: 'with spaces and #' });
      // What the file added is then read like any other variable.
      expect(loadConfig({ configDir: dir, env }).server.port).to.equal(9000);
      expect(loadConfig({ configDir: dir, env }).log.level).to.equal('debug');
    });

    it('changes nothing when there is no file', () => {
      const env: Record<string, string | undefined> = { PORT: '9000' };
      expect(applyDotEnv(path.join(dir, '.env'), env)).to.deep.equal([]);
      expect(env).to.deep.equal({ PORT: '9000' });
    });
  });
});
