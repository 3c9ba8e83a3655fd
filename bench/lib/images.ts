import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

export interface BenchImage {
  /** Id in the service and file name in the reference servers' folder. */
  readonly id: string;
  readonly file: string;
  readonly description: string;
  /**
   * How many times the service holds this original (`id`, `id-1`, … `id-{copies-1}`): boxes that give the
   * same output size share a rendition (docs/adr/0018-rendition-identity-without-no-op-options.md), so a
   * cold scenario needs a new original as often as it needs a new miss once the widths are used up.
   */
  readonly copies: number;
  /** Widths a cold scenario asks of each copy in a row (16 when absent): more distinct renditions per upload. */
  readonly widths?: number;
}

export interface BenchImages {
  readonly photo: BenchImage;
  readonly exif: BenchImage;
  readonly big: BenchImage;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A well-formed PNG that declares `side`×`side` RGBA pixels and carries one tiny compressed row. */
export function bombPng(side: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(6, 9); // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(1 + 4 * 64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Puts the bench images into `dir` (the reference servers' folder): links to the corpus files and a
 * generated 7360×4912 JPEG (the corpus photo enlarged, so it has photographic detail to decode).
 */
export async function prepareImages(dir: string, corpus: string): Promise<BenchImages> {
  // Copies: distinct renditions (× the widths a cold scenario asks of each: 16, or 64 of the big image, whose copies
  // are 10 MB each) for most of a full run; a run that uses them all goes on with wider boxes (bench/lib/cold.ts).
  const photo = { id: 'photo', file: 'photo.jpg', description: 'sharp benchmark photo 2725×2225 JPEG', copies: 400 };
  const exif = { id: 'exif', file: 'exif.jpg', description: '1800×1200 JPEG with EXIF orientation 6 (stored 1200×1800)', copies: 400 };
  const big = { id: 'big', file: 'big.jpg', description: 'generated 7360×4912 JPEG q90', copies: 48, widths: 64 };
  symlinkSync(path.join(corpus, 'valid/sharp--2569067123_aca715a2ee_o.jpg'), path.join(dir, photo.file));
  symlinkSync(path.join(corpus, 'exif-orientation/Landscape_6.jpg'), path.join(dir, exif.file));
  const bigBytes = await sharp(path.join(corpus, 'valid/sharp--2569067123_aca715a2ee_o.jpg'))
    .resize(7360, 4912, { fit: 'fill' })
    .jpeg({ quality: 90 })
    .toBuffer();
  writeFileSync(path.join(dir, big.file), bigBytes);
  return { photo, exif, big };
}
