/*
 * ThumbHash decoding and the tiny PNG encoder, ported to TypeScript from the reference implementation by Evan
 * Wallace (https://github.com/evanw/thumbhash, thumbhash.js 0.1.1), so that the client helpers stay free of
 * dependencies and of platform globals (`btoa` is replaced by `toBase64`).
 *
 * Copyright (c) 2023 Evan Wallace
 *
 * Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
 * documentation files (the "Software"), to deal in the Software without restriction, including without limitation
 * the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and
 * to permit persons to whom the Software is furnished to do so, subject to the following conditions:
 *
 * The above copyright notice and this permission notice shall be included in all copies or substantial portions
 * of the Software.
 *
 * THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO
 * THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 * AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
 * CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
 * IN THE SOFTWARE.
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function toBase64(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = i + 1 < bytes.length ? bytes[i + 1]! : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2]! : 0;
    out += BASE64[a >> 2]! + BASE64[((a & 3) << 4) | (b >> 4)]!;
    out += i + 1 < bytes.length ? BASE64[((b & 15) << 2) | (c >> 6)]! : '=';
    out += i + 2 < bytes.length ? BASE64[c & 63]! : '=';
  }
  return out;
}

/** Standard base64 (padding optional); `undefined` for text that is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(clean) || clean.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let count = 0;
  let at = 0;
  for (const char of clean) {
    bits = (bits << 6) | BASE64.indexOf(char);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[at++] = (bits >> count) & 255;
    }
  }
  return out;
}

interface Header {
  readonly lDc: number;
  readonly pDc: number;
  readonly qDc: number;
  readonly aDc: number;
  readonly hasAlpha: boolean;
  readonly lx: number;
  readonly ly: number;
  readonly lAc: number[];
  readonly pAc: number[];
  readonly qAc: number[];
  readonly aAc: number[];
}

function readHeader(hash: ArrayLike<number>): Header {
  const header24 = hash[0]! | (hash[1]! << 8) | (hash[2]! << 16);
  const header16 = hash[3]! | (hash[4]! << 8);
  const lScale = ((header24 >> 18) & 31) / 31;
  const hasAlpha = header24 >> 23 !== 0;
  const isLandscape = header16 >> 15 !== 0;
  const lx = Math.max(3, isLandscape ? (hasAlpha ? 5 : 7) : header16 & 7);
  const ly = Math.max(3, isLandscape ? header16 & 7 : hasAlpha ? 5 : 7);
  // The varying factors (saturation boosted by 1.25 to make up for quantisation).
  let acIndex = 0;
  const acStart = hasAlpha ? 6 : 5;
  const channel = (nx: number, ny: number, scale: number): number[] => {
    const ac: number[] = [];
    for (let cy = 0; cy < ny; cy++) {
      for (let cx = cy ? 0 : 1; cx * ny < nx * (ny - cy); cx++) {
        ac.push((((hash[acStart + (acIndex >> 1)]! >> ((acIndex++ & 1) << 2)) & 15) / 7.5 - 1) * scale);
      }
    }
    return ac;
  };
  const lAc = channel(lx, ly, lScale);
  const pAc = channel(3, 3, (((header16 >> 3) & 63) / 63) * 1.25);
  const qAc = channel(3, 3, (((header16 >> 9) & 63) / 63) * 1.25);
  const aAc = hasAlpha ? channel(5, 5, (hash[5]! >> 4) / 15) : [];
  return {
    lDc: (header24 & 63) / 63,
    pDc: ((header24 >> 6) & 63) / 31.5 - 1,
    qDc: ((header24 >> 12) & 63) / 31.5 - 1,
    aDc: hasAlpha ? (hash[5]! & 15) / 15 : 1,
    hasAlpha,
    lx,
    ly,
    lAc,
    pAc,
    qAc,
    aAc,
  };
}

function approximateAspectRatio(hash: ArrayLike<number>): number {
  const header = hash[3]!;
  const hasAlpha = (hash[2]! & 0x80) !== 0;
  const isLandscape = (hash[4]! & 0x80) !== 0;
  const lx = isLandscape ? (hasAlpha ? 5 : 7) : header & 7;
  const ly = isLandscape ? header & 7 : hasAlpha ? 5 : 7;
  return lx / ly;
}

/** The sum of one channel's factors at a pixel: `fx`, `fy` are the cosines along each axis. */
function sumChannel(ac: readonly number[], nx: number, ny: number, fx: readonly number[], fy: readonly number[], triangle: boolean): number {
  let sum = 0;
  for (let cy = 0, j = 0; cy < ny; cy++) {
    for (let cx = cy ? 0 : 1, fy2 = fy[cy]! * 2; triangle ? cx < nx - cy : cx * ny < nx * (ny - cy); cx++, j++) sum += ac[j]! * fx[cx]! * fy2;
  }
  return sum;
}

/** Decodes a ThumbHash to a small RGBA image (at most 32 px a side), RGB not premultiplied by alpha. */
export function thumbHashToRgba(hash: ArrayLike<number>): { width: number; height: number; rgba: Uint8Array } {
  const h = readHeader(hash);
  const ratio = approximateAspectRatio(hash);
  const width = Math.round(ratio > 1 ? 32 : 32 * ratio);
  const height = Math.round(ratio > 1 ? 32 / ratio : 32);
  const rgba = new Uint8Array(width * height * 4);
  const fx: number[] = [];
  const fy: number[] = [];
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 4) {
      for (let cx = 0, n = Math.max(h.lx, h.hasAlpha ? 5 : 3); cx < n; cx++) fx[cx] = Math.cos((Math.PI / width) * (x + 0.5) * cx);
      for (let cy = 0, n = Math.max(h.ly, h.hasAlpha ? 5 : 3); cy < n; cy++) fy[cy] = Math.cos((Math.PI / height) * (y + 0.5) * cy);
      const l = h.lDc + sumChannel(h.lAc, h.lx, h.ly, fx, fy, false);
      const p = h.pDc + sumChannel(h.pAc, 3, 3, fx, fy, true);
      const q = h.qDc + sumChannel(h.qAc, 3, 3, fx, fy, true);
      const a = h.aDc + (h.hasAlpha ? sumChannel(h.aAc, 5, 5, fx, fy, true) : 0);
      const b = l - (2 / 3) * p;
      const r = (3 * l - b + q) / 2;
      const g = r - q;
      rgba[i] = Math.max(0, 255 * Math.min(1, r));
      rgba[i + 1] = Math.max(0, 255 * Math.min(1, g));
      rgba[i + 2] = Math.max(0, 255 * Math.min(1, b));
      rgba[i + 3] = Math.max(0, 255 * Math.min(1, a));
    }
  }
  return { width, height, rgba };
}

const CRC_TABLE = [
  0, 498536548, 997073096, 651767980, 1994146192, 1802195444, 1303535960, 1342533948, -306674912, -267414716, -690576408, -882789492, -1687895376,
  -2032938284, -1609899400, -1111625188,
];

/** Writes the CRC of `bytes[start…end)` at `end`. */
function writeCrc(bytes: number[], start: number, end: number): void {
  let c = ~0;
  for (let i = start; i < end; i++) {
    c ^= bytes[i]!;
    c = (c >>> 4) ^ CRC_TABLE[c & 15]!;
    c = (c >>> 4) ^ CRC_TABLE[c & 15]!;
  }
  c = ~c;
  bytes[end] = c >>> 24;
  bytes[end + 1] = (c >> 16) & 255;
  bytes[end + 2] = (c >> 8) & 255;
  bytes[end + 3] = c & 255;
}

/** An uncompressed PNG of a small RGBA image (at most 100 px a side) as a `data:` URL. */
export function rgbaToPngDataUrl(width: number, height: number, rgba: ArrayLike<number>): string {
  const row = width * 4 + 1;
  const idat = 6 + height * (5 + row);
  // prettier-ignore
  const bytes = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, width >> 8, width & 255, 0, 0, height >> 8, height & 255, 8, 6, 0, 0, 0, 0, 0, 0, 0,
    idat >>> 24, (idat >> 16) & 255, (idat >> 8) & 255, idat & 255, 73, 68, 65, 84, 120, 1,
  ];
  let a = 1;
  let b = 0;
  for (let y = 0, i = 0, end = row - 1; y < height; y++, end += row - 1) {
    bytes.push(y + 1 < height ? 0 : 1, row & 255, row >> 8, ~row & 255, (row >> 8) ^ 255, 0);
    for (b = (b + a) % 65521; i < end; i++) {
      const u = rgba[i]! & 255;
      bytes.push(u);
      a = (a + u) % 65521;
      b = (b + a) % 65521;
    }
  }
  bytes.push(b >> 8, b & 255, a >> 8, a & 255, 0, 0, 0, 0, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130);
  writeCrc(bytes, 12, 29);
  writeCrc(bytes, 37, 41 + idat);
  return `data:image/png;base64,${toBase64(bytes)}`;
}
