import { LEGACY_URL_FORMS } from '../../domain/image-request.js';

/**
 * Every form of request that only `compat.legacy` accepts (SPEC §10), as the metric labels them: the URL forms
 * the domain's legacy dialect translates, the original service's health-check paths, and the `/token` secret sent
 * in the JSON body. Uploads answered 200 are not among them: nothing in an upload tells an old client from a new one.
 */
export const LEGACY_ALIASES = [...LEGACY_URL_FORMS, '_health', 'healthcheck', 'token_secret_in_body'] as const;
export type LegacyAlias = (typeof LEGACY_ALIASES)[number];

/** Called once per legacy form a request used (a URL may use several). */
export type LegacyRequestObserver = (alias: LegacyAlias) => void;

/** The original service's health-check paths, answered as `GET /readyz` under `compat.legacy`. */
export const LEGACY_HEALTH_PATHS = { '/_health': '_health', '/healthcheck': 'healthcheck' } as const satisfies Record<string, LegacyAlias>;
