import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { parse, parseAllDocuments } from 'yaml';
import { ENVIRONMENT_VARIABLES, loadConfig } from '../../src/infrastructure/config/load-config.js';
import type { Config } from '../../src/infrastructure/config/config-schema.js';
import { startChildService, type ChildService } from '../support/child-service.js';
import { solidJpeg } from '../support/image-fixtures.js';
import { REPO_ROOT, startTestService, type TestService } from '../support/service-harness.js';
import { usePostgresDatabase } from '../support/sql-databases.js';
import { deleteEverythingUnder, s3TestServer, skipWithoutS3 } from '../integration/adapters/s3-test-server.js';

type Tree = Record<string, unknown>;
type Env = Record<string, string>;

const COMPOSE_DIR = path.join(REPO_ROOT, 'examples/compose');
const KUBERNETES_DIR = path.join(REPO_ROOT, 'examples/kubernetes');
const CONFIG_DIR = path.join(REPO_ROOT, 'config');

/**
 * Every variable the service reads: the config table, the two that choose config files, and libuv's
 * pool size, which main.ts compares with render.concurrency.
 */
const KNOWN_VARIABLES = new Set([...ENVIRONMENT_VARIABLES.map(([name]) => name), 'NODE_ENV', 'CONFIG_DIR', 'UV_THREADPOOL_SIZE']);

/** `KEY=value` lines of a dotenv file. */
function readDotenv(file: string): Env {
  const env: Env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]!] = match[2]!;
  }
  return env;
}

/** Compose's interpolation: `${NAME}`, `${NAME:-default}`, `${NAME:?error}`, and `$$` for a literal `$`. */
function interpolate(value: string, variables: Env): string {
  return value.replace(/\$\$|\$\{([A-Z_][A-Z0-9_]*)(?:(:-|:\?)([^}]*))?\}/g, (whole, name: string | undefined, operator?: string, rest?: string) => {
    if (whole === '$$') return '$';
    const set = variables[name!];
    if (set !== undefined && set !== '') return set;
    if (operator === ':-') return rest ?? '';
    throw new Error(`compose variable ${name} is not set${operator === ':?' ? `: ${rest}` : ''}`);
  });
}

/** `${NAME...}` references in a text. */
function referencedVariables(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!))].sort();
}

function asTree(value: unknown, what: string): Tree {
  expect(value, what).to.be.an('object');
  return value as Tree;
}

/** A probe answers 200 on the real service (in-memory drivers, so it needs no server). */
async function statusOf(service: TestService, route: string): Promise<number> {
  const response = await fetch(`${service.url}${route}`);
  await response.arrayBuffer();
  return response.status;
}

describe('examples/compose/docker-compose.yml', () => {
  const text = readFileSync(path.join(COMPOSE_DIR, 'docker-compose.yml'), 'utf8');
  const compose = asTree(parse(text), 'compose file');
  const services = asTree(compose.services, 'services');
  const service = asTree(services['live-image-resize'], 'the live-image-resize service');
  const dotenv = readDotenv(path.join(COMPOSE_DIR, '.env.example'));
  const serviceEnv = (): Env =>
    Object.fromEntries(Object.entries(asTree(service.environment, 'environment')).map(([name, value]) => [name, interpolate(String(value), dotenv)]));
  const config = (): Config => loadConfig({ configDir: CONFIG_DIR, env: { NODE_ENV: 'production', ...serviceEnv() } });

  it('has the service, PostgreSQL, an S3-compatible store and the bucket creation', () => {
    expect(Object.keys(services)).to.include.members(['live-image-resize', 'postgres', 's3', 's3-init']);
  });

  it('sets only environment variables the service knows', () => {
    expect(Object.keys(asTree(service.environment, 'environment')).filter((name) => !KNOWN_VARIABLES.has(name))).to.deep.equal([]);
  });

  it('takes every secret from .env.example, which names nothing else', () => {
    expect(referencedVariables(text)).to.deep.equal(Object.keys(dotenv).sort());
  });

  it("the service's environment is a valid configuration: PostgreSQL index, S3 originals and renditions", () => {
    const loaded = config();
    expect(loaded.index.driver).to.equal('postgres');
    expect(loaded.originals.driver).to.equal('s3');
    expect(loaded.renditions.driver).to.equal('s3');
    expect(loaded.tokens.secret, 'TOKEN_SECRET from .env.example').to.have.length.greaterThanOrEqual(16);
  });

  it('points the service at the compose services with their own credentials and bucket', () => {
    const loaded = config();
    if (loaded.index.driver !== 'postgres' || loaded.originals.driver !== 's3' || loaded.renditions.driver !== 's3') throw new Error('drivers');
    const postgres = asTree(services.postgres, 'postgres');
    const pgEnv = Object.fromEntries(Object.entries(asTree(postgres.environment, 'postgres env')).map(([k, v]) => [k, interpolate(String(v), dotenv)]));
    const url = new URL(loaded.index.url);
    expect(url.hostname).to.equal('postgres');
    expect(decodeURIComponent(url.username)).to.equal(pgEnv.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).to.equal(pgEnv.POSTGRES_PASSWORD);
    expect(url.pathname).to.equal(`/${pgEnv.POSTGRES_DB}`);

    const s3Env = Object.fromEntries(Object.entries(asTree(asTree(services.s3, 's3').environment, 's3 env')).map(([k, v]) => [k, interpolate(String(v), dotenv)]));
    const init = JSON.stringify(asTree(services['s3-init'], 's3-init').command);
    for (const store of [loaded.originals, loaded.renditions]) {
      expect(new URL(store.endpoint!).hostname).to.equal('s3');
      expect(store.forcePathStyle).to.equal(true);
      expect(store.accessKeyId).to.equal(s3Env.ROOT_ACCESS_KEY);
      expect(store.secretAccessKey).to.equal(s3Env.ROOT_SECRET_KEY);
      expect(init, 's3-init creates the bucket').to.include(`--bucket ${store.bucket}`);
      expect(init).to.include(`--endpoint-url ${store.endpoint}`);
    }
    expect(loaded.originals.prefix).to.not.equal(loaded.renditions.prefix);
  });

  it('builds the repository Dockerfile, publishes the configured port and waits longer than the drain', () => {
    const build = asTree(service.build, 'build');
    expect(existsSync(path.join(COMPOSE_DIR, String(build.context), String(build.dockerfile)))).to.equal(true);
    expect(path.resolve(COMPOSE_DIR, String(build.context))).to.equal(REPO_ROOT);
    expect((service.ports as string[]).map((p) => p.split(':').at(-1))).to.include(String(config().server.port));
    const grace = /^(\d+)s$/.exec(String(service.stop_grace_period));
    expect(grace, 'stop_grace_period in seconds').to.not.equal(null);
    expect(Number(grace![1]) * 1000).to.be.greaterThan(config().shutdown.timeoutMs);
  });

  describe('runs: the same environment against real PostgreSQL and S3 servers', function () {
    this.timeout(60_000);
    const database = usePostgresDatabase();
    const prefix = `compose-example-${randomBytes(4).toString('hex')}/`;
    let child: ChildService | undefined;
    let dataDir: string | undefined;

    before(async function () {
      skipWithoutS3(this, 'running the compose environment');
      const server = s3TestServer()!;
      if (database.config.driver !== 'postgres') throw new Error('postgres expected');
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'lir-compose-'));
      // Only addresses, credentials, bucket and key prefixes change: everything else is the file's.
      const env: Env = {
        ...serviceEnv(),
        NODE_ENV: 'production',
        DATA_DIR: dataDir,
        DATABASE_URL: database.config.url,
        ORIGINALS_ENDPOINT: server.endpoint,
        RENDITIONS_ENDPOINT: server.endpoint,
        ORIGINALS_ACCESS_KEY_ID: server.accessKeyId,
        ORIGINALS_SECRET_ACCESS_KEY: server.secretAccessKey,
        RENDITIONS_ACCESS_KEY_ID: server.accessKeyId,
        RENDITIONS_SECRET_ACCESS_KEY: server.secretAccessKey,
        ORIGINALS_BUCKET: server.bucket,
        RENDITIONS_BUCKET: server.bucket,
        ORIGINALS_PREFIX: `${prefix}${serviceEnv().ORIGINALS_PREFIX}`,
        RENDITIONS_PREFIX: `${prefix}${serviceEnv().RENDITIONS_PREFIX}`,
      };
      child = await startChildService({ env, startTimeoutMs: 45_000 });
    });

    after(async () => {
      await child?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      const server = s3TestServer();
      if (server) await deleteEverythingUnder(server, prefix);
    });

    it('is ready, takes an upload with the shared secret, renders a miss and streams the hit', async () => {
      const base = child!.url;
      expect((await fetch(`${base}/readyz`)).status).to.equal(200);
      const secret = dotenv.TOKEN_SECRET!;
      const refused = await fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"compose-1"}' });
      expect(refused.status, 'POST /token without the secret').to.equal(401);
      const tokenResponse = await fetch(`${base}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ id: 'compose-1' }),
      });
      expect(tokenResponse.status).to.equal(200);
      const { token } = (await tokenResponse.json()) as { token: string };
      const form = new FormData();
      form.append('image', new Blob([await solidJpeg(320, 240)], { type: 'image/jpeg' }), 'photo.jpg');
      const uploaded = await fetch(`${base}/compose-1.jpg`, { method: 'POST', headers: { 'x-token': token }, body: form });
      expect(uploaded.status).to.equal(201);

      const miss = await fetch(`${base}/compose-1_100_0.webp`);
      expect(miss.status).to.equal(200);
      expect(miss.headers.get('x-cache')).to.equal('MISS');
      const missBytes = Buffer.from(await miss.arrayBuffer());
      let hit: Response | undefined;
      for (let attempt = 0; attempt < 50; attempt++) {
        hit = await fetch(`${base}/compose-1_100_0.webp`, { redirect: 'manual' });
        if (hit.headers.get('x-cache') === 'HIT') break;
        await hit.arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(hit!.headers.get('x-cache'), 'a hit once the background store has finished').to.equal('HIT');
      expect(hit!.status, 'DELIVERY_MODE=proxy streams the hit').to.equal(200);
      expect(Buffer.from(await hit!.arrayBuffer()).equals(missBytes)).to.equal(true);
    });
  });
});

describe('examples/kubernetes', () => {
  const load = (file: string): Tree[] =>
    parseAllDocuments(readFileSync(path.join(KUBERNETES_DIR, file), 'utf8')).map((doc) => asTree(doc.toJS(), file));
  const kustomization = load('kustomization.yaml')[0]!;
  const resources = (kustomization.resources as string[]).flatMap(load);
  const byKind = (kind: string): Tree => {
    const found = resources.find((r) => r.kind === kind);
    expect(found, `${kind} in kustomization.yaml's resources`).to.not.equal(undefined);
    return found!;
  };
  const secret = load('secret.example.yaml')[0]!;
  const configMap = (): Tree => byKind('ConfigMap');
  const deployment = (): Tree => byKind('Deployment');
  const podSpec = (): Tree => asTree(asTree(asTree(deployment().spec, 'spec').template, 'template').spec, 'pod spec');
  const container = (): Tree => (podSpec().containers as Tree[])[0]!;
  const env = (): Env => ({
    ...(asTree(configMap().data, 'ConfigMap data') as Env),
    ...(asTree(secret.stringData, 'Secret stringData') as Env),
  });
  const config = (): Config => loadConfig({ configDir: CONFIG_DIR, env: { NODE_ENV: 'production', ...env() } });
  const nameOf = (resource: Tree): string => String(asTree(resource.metadata, 'metadata').name);

  it('lists a ConfigMap, a Deployment and a Service; the Secret is an example to create separately', () => {
    expect(resources.map((r) => r.kind).sort()).to.deep.equal(['ConfigMap', 'Deployment', 'Service']);
    expect(secret.kind).to.equal('Secret');
  });

  it('sets only environment variables the service knows', () => {
    expect(Object.keys(env()).filter((name) => !KNOWN_VARIABLES.has(name))).to.deep.equal([]);
  });

  it('is a valid configuration for several replicas: PostgreSQL index, shared buckets, a CDN URL', () => {
    const replicas = Number(asTree(deployment().spec, 'spec').replicas);
    expect(replicas).to.be.greaterThan(1);
    const loaded = config();
    expect(loaded.index.driver, 'replicas share the index').to.equal('postgres');
    expect(loaded.originals.driver).to.be.oneOf(['s3', 'gcs']);
    expect(loaded.renditions.driver).to.be.oneOf(['s3', 'gcs']);
    expect(loaded.delivery.publicBaseUrl).to.match(/^https:\/\//);
    expect(loaded.tokens.secret).to.be.a('string');
  });

  it('feeds the container from the ConfigMap and the Secret by name', () => {
    const sources = (container().envFrom as Tree[]).map((source) => source.configMapRef ?? source.secretRef) as Tree[];
    expect(sources.map((s) => s.name)).to.deep.equal([nameOf(configMap()), nameOf(secret)]);
  });

  describe('probes', () => {
    let service: TestService;
    before(async () => {
      service = await startTestService({ index: { driver: 'memory' }, originals: { driver: 'memory' }, renditions: { driver: 'memory' } });
    });
    after(async () => service?.close());

    it('readiness asks /readyz, liveness and start-up /healthz, on the container port', async () => {
      const ports = container().ports as Tree[];
      const http = ports.find((p) => p.name === 'http')!;
      expect(http.containerPort).to.equal(config().server.port);
      const probe = (name: string): Tree => asTree(asTree(container()[name], name).httpGet, `${name}.httpGet`);
      expect(probe('readinessProbe').path).to.equal('/readyz');
      expect(probe('livenessProbe').path).to.equal('/healthz');
      expect(probe('startupProbe').path).to.equal('/healthz');
      for (const name of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        expect(probe(name).port).to.equal('http');
        expect(await statusOf(service, String(probe(name).path)), `${name} on the real service`).to.equal(200);
      }
    });
  });

  it('gives the drain time to finish: grace period > preStop pause + shutdown.timeoutMs', () => {
    const grace = Number(podSpec().terminationGracePeriodSeconds);
    const preStop = (asTree(asTree(container().lifecycle, 'lifecycle').preStop, 'preStop').exec as Tree).command as string[];
    expect(preStop[0]).to.equal('sleep');
    expect(grace * 1000).to.be.greaterThan(Number(preStop[1]) * 1000 + config().shutdown.timeoutMs);
  });

  it('runs as the image user, non-root, read-only root filesystem with an emptyDir for /tmp', () => {
    const pod = asTree(podSpec().securityContext, 'pod securityContext');
    const dockerUser = /^USER (\d+):(\d+)$/m.exec(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
    expect(pod.runAsNonRoot).to.equal(true);
    expect(pod.runAsUser).to.equal(Number(dockerUser![1]));
    const own = asTree(container().securityContext, 'container securityContext');
    expect(own.readOnlyRootFilesystem).to.equal(true);
    expect(own.allowPrivilegeEscalation).to.equal(false);
    expect(asTree(own.capabilities, 'capabilities').drop).to.deep.equal(['ALL']);
    const tmp = (container().volumeMounts as Tree[]).find((m) => m.mountPath === '/tmp');
    const volume = (podSpec().volumes as Tree[]).find((v) => v.name === tmp?.name);
    expect(volume?.emptyDir, 'an emptyDir mounted at /tmp').to.not.equal(undefined);
  });

  it('requests memory and CPU, limits memory, and renders no more at once than the CPUs requested', () => {
    const resources = asTree(container().resources, 'resources');
    expect(asTree(resources.requests, 'requests')).to.include.keys('cpu', 'memory');
    expect(asTree(resources.limits, 'limits')).to.include.keys('memory');
    expect(config().render.concurrency).to.be.at.most(Number(asTree(resources.requests, 'requests').cpu));
    expect(Number(env().UV_THREADPOOL_SIZE), 'a libuv thread per render plus four').to.be.at.least(config().render.concurrency + 4);
  });

  it('the Service selects the pods and targets the named container port', () => {
    const service = asTree(byKind('Service').spec, 'Service spec');
    const labels = asTree(asTree(asTree(asTree(deployment().spec, 'spec').template, 'template').metadata, 'metadata').labels, 'labels');
    for (const [key, value] of Object.entries(asTree(service.selector, 'selector'))) expect(labels[key]).to.equal(value);
    expect((service.ports as Tree[]).map((p) => p.targetPort)).to.deep.equal(['http']);
  });
});
