import type { RenditionCache, RenditionLocation, StoredObject } from '../../application/ports/rendition-cache.js';
import { contentTypeOf, formatFromExtension } from '../../domain/image-format.js';
import { ObjectFolder } from './object-folder.js';

/** The configuration slice `FilesystemRenditionCache` needs. */
export interface FilesystemRenditionCacheConfig {
  /** Folder holding the renditions at `{root}/{key}`; created by `check()` when missing. */
  readonly root: string;
  /**
   * Where a web server or CDN publishes `root` (e.g. `https://cdn.example.com/renditions/`); `locate` answers
   * `publicBaseUrl + key`. Without it, `locate` answers `undefined` and renditions are streamed by the service.
   */
  readonly publicBaseUrl?: string;
}

/**
 * Renditions in a local folder, written atomically. The folder holds the bare image bytes, so that a static
 * web server can publish it; the content type is therefore derived from the key's extension (rendition keys
 * always end in their format's extension), as that web server would do, rather than stored.
 */
export class FilesystemRenditionCache implements RenditionCache {
  private readonly folder: ObjectFolder;
  private readonly publicBaseUrl: string | undefined;

  constructor(config: FilesystemRenditionCacheConfig) {
    this.folder = new ObjectFolder(config.root);
    const base = config.publicBaseUrl;
    if (base === undefined || base === '') this.publicBaseUrl = undefined;
    else this.publicBaseUrl = base.endsWith('/') ? base : `${base}/`;
  }

  async put(key: string, bytes: Uint8Array, _contentType: string): Promise<void> {
    await this.folder.write(key, bytes);
  }

  async open(key: string): Promise<StoredObject | undefined> {
    const opened = await this.folder.openStream(key);
    if (opened === undefined) return undefined;
    return { body: opened.stream, size: opened.size, contentType: contentTypeOfKey(key) };
  }

  async locate(key: string): Promise<RenditionLocation | undefined> {
    // Validated although no file is touched: a client would resolve `..` in the URL to somewhere else.
    this.folder.pathOf(key);
    if (this.publicBaseUrl === undefined) return undefined;
    return { url: this.publicBaseUrl + key.split('/').map(encodeURIComponent).join('/'), expiresAt: undefined };
  }

  async purge(prefix: string): Promise<void> {
    await this.folder.removePrefix(prefix);
  }

  async check(): Promise<void> {
    await this.folder.check();
  }
}

function contentTypeOfKey(key: string): string {
  const dot = key.lastIndexOf('.');
  const format = dot > key.lastIndexOf('/') ? formatFromExtension(key.slice(dot + 1).toLowerCase()) : undefined;
  return format === undefined ? 'application/octet-stream' : contentTypeOf(format);
}
