/** The cache-index configuration slice: which database holds the index and tokens. */
export type SqlConfig =
  | { readonly driver: 'sqlite'; readonly filename: string }
  | { readonly driver: 'postgres'; readonly url: string; readonly poolMax?: number };
