/** How to reach a running service: its base URL and, when the service has `tokens.secret`, that secret. */
export interface ServiceClientSettings {
  readonly baseUrl: string;
  readonly secret?: string;
  /** Each call gives up after this long. */
  readonly timeoutMs: number;
}

/** A call the service refused or could not be made; `message` says what to do about it. */
export class ServiceCallError extends Error {
  constructor(
    message: string,
    /** The HTTP status, or undefined when no answer came. */
    readonly status: number | undefined,
    /** The service's error code (`TOKEN_REJECTED`, `NOT_FOUND`…) or a local one (`UNREACHABLE`). */
    readonly code: string,
  ) {
    super(message);
    this.name = 'ServiceCallError';
  }
}

export interface IssuedToken {
  readonly token: string;
  readonly id: string;
  readonly expiresAt: string;
}

/**
 * The back end's side of the walk-through, over HTTP: the same routes and guards a customer's back end uses
 * (`POST /token` and `DELETE` from an allowed address or with the bearer secret), then an upload as a browser
 * sends it. Nothing here reads a store or the index (ADR 0032).
 */
export class ServiceClient {
  constructor(private readonly settings: ServiceClientSettings) {}

  issueToken(id: string): Promise<IssuedToken> {
    return this.call('POST', '/token', { guarded: true, json: { id } }) as Promise<IssuedToken>;
  }

  async upload(id: string, bytes: Uint8Array, fileName: string): Promise<Record<string, unknown>> {
    const { token } = await this.issueToken(id);
    const form = new FormData();
    form.append('image', new Blob([bytes]), fileName);
    return (await this.call('POST', `/${encodeURIComponent(id)}`, { body: form, headers: { 'X-Token': token } })) as Record<string, unknown>;
  }

  /** `GET /{id}.json`: the original's info and placeholders (SPEC §9). */
  async info(id: string): Promise<Record<string, unknown>> {
    return (await this.call('GET', `/${encodeURIComponent(id)}.json`, {})) as Record<string, unknown>;
  }

  async delete(id: string): Promise<void> {
    await this.call('DELETE', `/${encodeURIComponent(id)}`, { guarded: true });
  }

  private async call(
    method: string,
    path: string,
    options: { readonly guarded?: boolean; readonly json?: unknown; readonly body?: FormData; readonly headers?: Record<string, string> },
  ): Promise<unknown> {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (options.guarded === true && this.settings.secret !== undefined) headers.Authorization = `Bearer ${this.settings.secret}`;
    if (options.json !== undefined) headers['Content-Type'] = 'application/json';
    const url = new URL(path, this.settings.baseUrl);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      throw unreachable(this.settings.baseUrl, error);
    }
    const text = await response.text();
    const body = parseJson(text);
    if (response.ok) return body;
    const failure = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ServiceCallError(
      `${method} ${url.pathname} answered ${response.status}: ${failure?.message ?? (text.slice(0, 200) || response.statusText)}`,
      response.status,
      failure?.code ?? 'HTTP_ERROR',
    );
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // Not an answer of this service (a proxy's HTML page): the caller reports the text itself.
    return undefined;
  }
}

function unreachable(baseUrl: string, error: unknown): ServiceCallError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = (error as Error).name === 'TimeoutError' ? 'no answer in time' : (cause?.code ?? cause?.message ?? (error as Error).message);
  return new ServiceCallError(`no service answers at ${baseUrl} (${reason}); start one with \`lir serve\`, or pass --url`, undefined, 'UNREACHABLE');
}
