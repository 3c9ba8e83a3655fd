import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { parse } from 'yaml';
import { REPO_ROOT } from './service-harness.js';

export const OPENAPI_FILE = path.join(REPO_ROOT, 'docs/openapi.yaml');

const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'] as const;
/** The document is added to ajv under this id, so response schemas are compiled by JSON pointer into it. */
const DOCUMENT_ID = 'https://live-image-resize.invalid/openapi.json';

type Json = Record<string, unknown>;

/** A response as the client saw it. */
export interface ObservedResponse {
  readonly method: string;
  /** The raw path, without the query string. */
  readonly path: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = ((formatsPlugin as unknown as { default?: typeof formatsPlugin }).default ?? formatsPlugin) as unknown as (ajv: Ajv2020) => void;

/**
 * Checks real HTTP responses against docs/openapi.yaml: the path and method are documented, the status is
 * documented for them, required headers are present and every documented header present matches its schema,
 * the content type is one the document lists, and the body validates against its schema (JSON Schema 2020-12,
 * as OpenAPI 3.1 uses). Remembers which method/path/status triples were seen, for a coverage check.
 */
export class OpenApiValidator {
  readonly document: Json;
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly seen = new Set<string>();

  constructor(file = OPENAPI_FILE) {
    this.document = parse(readFileSync(file, 'utf8')) as Json;
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(this.document, DOCUMENT_ID);
  }

  /** Every `METHOD /path STATUS` the document promises. */
  documented(): string[] {
    const out: string[] = [];
    for (const [template, item] of Object.entries(this.paths())) {
      for (const method of METHODS) {
        const operation = item[method];
        if (!isJson(operation)) continue;
        for (const status of Object.keys(operation.responses as Json)) out.push(`${method.toUpperCase()} ${template} ${status}`);
      }
    }
    return out.sort();
  }

  /** Every `METHOD /path STATUS` validated so far. */
  exercised(): string[] {
    return [...this.seen].sort();
  }

  /** Throws an Error listing every way `observed` departs from the document. */
  validate(observed: ObservedResponse): void {
    const problems: string[] = [];
    const label = `${observed.method} ${observed.path} → ${observed.status}`;
    const template = this.templateOf(observed.path);
    if (template === undefined) throw new Error(`${label}: no documented path matches`);
    const method = observed.method.toLowerCase();
    const operation = this.paths()[template]?.[method];
    if (!isJson(operation)) throw new Error(`${label}: ${method.toUpperCase()} is not documented for ${template}`);
    const responses = operation.responses as Json;
    const pointerBase = `/paths/${escapePointer(template)}/${method}/responses`;
    if (!(String(observed.status) in responses)) {
      throw new Error(`${label}: status ${observed.status} is not documented for ${method.toUpperCase()} ${template} (documented: ${Object.keys(responses).join(', ')})`);
    }
    const { value: response, pointer } = this.resolve(responses[String(observed.status)], `${pointerBase}/${observed.status}`);

    for (const [name, raw] of Object.entries((response.headers as Json | undefined) ?? {})) {
      const { value: header, pointer: headerPointer } = this.resolve(raw, `${pointer}/headers/${escapePointer(name)}`);
      const actual = observed.headers.get(name);
      if (actual === null) {
        if (header.required === true) problems.push(`required header ${name} is missing`);
        continue;
      }
      const check = this.validator(`${headerPointer}/schema`);
      if (!check(actual)) problems.push(`header ${name}: ${JSON.stringify(actual)} ${this.ajv.errorsText(check.errors)}`);
    }

    const content = response.content as Json | undefined;
    const contentType = observed.headers.get('content-type');
    if (content === undefined) {
      if (observed.body.length > 0) problems.push(`a body of ${observed.body.length} bytes where none is documented`);
    } else if (method === 'head') {
      if (observed.body.length > 0) problems.push('HEAD answered with a body');
    } else if (contentType === null) {
      problems.push('no Content-Type');
    } else {
      const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
      if (!(mediaType in content)) {
        problems.push(`Content-Type ${contentType} is not one of ${Object.keys(content).join(', ')}`);
      } else {
        const schemaPointer = `${pointer}/content/${escapePointer(mediaType)}/schema`;
        const check = this.validator(schemaPointer);
        let body: unknown;
        if (mediaType === 'application/json') {
          try {
            body = JSON.parse(observed.body.toString('utf8'));
          } catch {
            problems.push(`the body is not JSON: ${observed.body.toString('utf8').slice(0, 200)}`);
          }
        } else if (mediaType.startsWith('text/')) {
          body = observed.body.toString('utf8');
        } else {
          // Binary: the schema says "a string of bytes"; what matters is that there are some.
          body = observed.body.length > 0 ? 'bytes' : undefined;
          if (body === undefined) problems.push('an empty binary body');
        }
        if (body !== undefined && !check(body)) problems.push(`body ${JSON.stringify(body).slice(0, 300)}: ${this.ajv.errorsText(check.errors)}`);
      }
    }
    if (problems.length > 0) throw new Error(`${label} departs from docs/openapi.yaml:\n  - ${problems.join('\n  - ')}`);
    this.seen.add(`${method.toUpperCase()} ${template} ${observed.status}`);
  }

  /** `fetch` (redirects not followed) whose response is validated before it is returned, body read. */
  async fetch(base: string, pathAndQuery: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: Buffer; json: () => unknown }> {
    const response = await fetch(`${base}${pathAndQuery}`, { redirect: 'manual', ...init });
    const body = Buffer.from(await response.arrayBuffer());
    const observed = { method: init.method ?? 'GET', path: pathAndQuery.split('?')[0]!, status: response.status, headers: response.headers, body };
    this.validate(observed);
    return { status: response.status, headers: response.headers, body, json: () => JSON.parse(body.toString('utf8')) as unknown };
  }

  private paths(): Record<string, Json> {
    return this.document.paths as Record<string, Json>;
  }

  /** The documented path template for a concrete path: a literal path wins over a template, as OpenAPI says. */
  private templateOf(concrete: string): string | undefined {
    const templates = Object.keys(this.paths());
    if (templates.includes(concrete)) return concrete;
    return templates.find((template) => {
      const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
      return new RegExp(`^${pattern}$`).test(concrete);
    });
  }

  /** Follows a local `$ref`, returning the object and its JSON pointer in the document. */
  private resolve(node: unknown, pointer: string): { value: Json; pointer: string } {
    let value = node;
    let at = pointer;
    while (isJson(value) && typeof value.$ref === 'string') {
      const ref = value.$ref;
      if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
      at = ref.slice(1);
      value = at
        .slice(1)
        .split('/')
        .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
        .reduce<unknown>((parent, key) => (isJson(parent) ? parent[key] : undefined), this.document);
    }
    if (!isJson(value)) throw new Error(`${pointer} does not resolve to an object`);
    return { value, pointer: at };
  }

  private validator(pointer: string): ValidateFunction {
    let check = this.compiled.get(pointer);
    if (check === undefined) {
      check = this.ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
      this.compiled.set(pointer, check);
    }
    return check;
  }
}
