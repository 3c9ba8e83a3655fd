import type { InputFormat } from '../../domain/image-format.js';

export type SniffedFormat =
  | { readonly kind: 'accepted'; readonly format: InputFormat }
  | { readonly kind: 'refused'; readonly description: string };

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((byte, index) => bytes[offset + index] === byte);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

/** The ISO-BMFF `ftyp` box: major brand plus compatible brands, or undefined when there is none at offset 4. */
function ftypBrands(bytes: Uint8Array): { major: string; compatible: string[] } | undefined {
  if (bytes.length < 16 || ascii(bytes, 4, 4) !== 'ftyp') return undefined;
  const size = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  const end = Math.min(size, bytes.length);
  const compatible: string[] = [];
  for (let offset = 16; offset + 4 <= end; offset += 4) compatible.push(ascii(bytes, offset, 4));
  return { major: ascii(bytes, 8, 4), compatible };
}

function sniffIsoMedia(bytes: Uint8Array): SniffedFormat | undefined {
  const brands = ftypBrands(bytes);
  if (brands === undefined) return undefined;
  const all = [brands.major, ...brands.compatible];
  // An `avis` major brand declares an image sequence; we only render still AVIF.
  if (brands.major === 'avis') return { kind: 'refused', description: 'an AVIF image sequence' };
  if (all.includes('avif')) return { kind: 'accepted', format: 'avif' };
  if (all.some((brand) => ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis'].includes(brand))) {
    return { kind: 'refused', description: 'HEIC' };
  }
  if (all.some((brand) => brand === 'jxl ')) return { kind: 'refused', description: 'JPEG XL' };
  if (all.some((brand) => brand === 'jp2 ' || brand === 'jpx ')) return { kind: 'refused', description: 'JPEG 2000' };
  return { kind: 'refused', description: `ISO media (brand "${brands.major.trim()}")` };
}

/** Leading text after an optional UTF-8 BOM and whitespace, lower-cased, for XML/SVG/HTML detection. */
function leadingText(bytes: Uint8Array): string {
  let offset = startsWith(bytes, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  while (offset < bytes.length && offset < 512 && [0x09, 0x0a, 0x0d, 0x20].includes(bytes[offset]!)) offset += 1;
  return ascii(bytes, offset, 16).toLowerCase();
}

const REFUSED_SIGNATURES: ReadonlyArray<{ readonly signature: readonly number[]; readonly description: string }> = [
  { signature: [0x25, 0x50, 0x44, 0x46, 0x2d], description: 'PDF' }, // %PDF-
  { signature: [0x25, 0x21, 0x50, 0x53], description: 'PostScript' }, // %!PS
  { signature: [0x38, 0x42, 0x50, 0x53], description: 'Photoshop PSD' }, // 8BPS
  { signature: [0x42, 0x4d], description: 'BMP' }, // BM
  { signature: [0x00, 0x00, 0x01, 0x00], description: 'ICO' },
  { signature: [0xff, 0x4f, 0xff, 0x51], description: 'JPEG 2000 codestream' },
  { signature: [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20], description: 'JPEG 2000' },
  { signature: [0xff, 0x0a], description: 'JPEG XL codestream' },
  { signature: [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20], description: 'JPEG XL' },
  { signature: [0xb6, 0xa6, 0xf2, 0x08], description: 'a libvips .v file' },
  { signature: [0x08, 0xf2, 0xa6, 0xb6], description: 'a libvips .v file' },
  { signature: [0x23, 0x3f, 0x52, 0x41, 0x44, 0x49, 0x41, 0x4e, 0x43, 0x45], description: 'Radiance HDR' }, // #?RADIANCE
  { signature: [0x23, 0x3f, 0x52, 0x47, 0x42, 0x45], description: 'Radiance HDR' }, // #?RGBE
  { signature: [0x76, 0x2f, 0x31, 0x01], description: 'OpenEXR' },
  { signature: [0x53, 0x49, 0x4d, 0x50, 0x4c, 0x45, 0x20, 0x20, 0x3d], description: 'FITS' }, // SIMPLE  =
  { signature: [0x4d, 0x41, 0x54, 0x4c, 0x41, 0x42], description: 'MATLAB' },
];

/**
 * Decides the format from the file's magic bytes alone, never from its name or from what a decoder is
 * willing to open: libvips also loads SVG, PDF, its own `.v` files, netpbm and more, and a file that
 * merely contains "<svg" somewhere must still be judged by its signature.
 */
export function sniffImageFormat(bytes: Uint8Array): SniffedFormat {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { kind: 'accepted', format: 'jpeg' };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: 'accepted', format: 'png' };
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38]) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61) {
    return { kind: 'accepted', format: 'gif' };
  }
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) {
    return { kind: 'accepted', format: 'webp' };
  }
  // Classic TIFF (42) and BigTIFF (43), both byte orders.
  if (
    startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])
  ) {
    return { kind: 'accepted', format: 'tiff' };
  }
  const isoMedia = sniffIsoMedia(bytes);
  if (isoMedia !== undefined) return isoMedia;

  for (const { signature, description } of REFUSED_SIGNATURES) {
    if (startsWith(bytes, signature)) return { kind: 'refused', description };
  }
  if (bytes.length >= 2 && bytes[0] === 0x50 && bytes[1]! >= 0x31 && bytes[1]! <= 0x37) {
    return { kind: 'refused', description: 'netpbm' }; // P1…P7
  }
  const text = leadingText(bytes);
  if (text.startsWith('<?xml') || text.startsWith('<svg') || text.startsWith('<!doctype') || text.startsWith('<html')) {
    return { kind: 'refused', description: 'SVG/XML/HTML text' };
  }
  return { kind: 'refused', description: 'not a recognised image format' };
}
