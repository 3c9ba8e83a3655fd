/**
 * BlurHash (https://blurha.sh) encoding, giving exactly the hash of the reference encoder (the `blurhash` package's
 * `encode`), about fifty times faster. The reference recomputes the sRGB-to-linear conversion of every pixel and two
 * cosines for every pixel and every component (on a 100×75 preview with 4×3 components: 270 000 `Math.pow` calls,
 * some 17 ms); that was most of what storing an original cost once the decode proof shrinks on load. Here each
 * pixel is converted once through a 256-entry table and the cosines come from one table per axis. Every value is
 * computed by the same expression in the same order as the reference (basis = normalisation × cos x × cos y, summed
 * over x then y), so the floating-point results and the hash are identical; a test checks it against the reference.
 */

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~';

function encode83(value: number, length: number): string {
  let result = '';
  for (let i = 1; i <= length; i++) {
    const digit = (Math.floor(value) / Math.pow(83, length - i)) % 83;
    result += DIGITS[Math.floor(digit)];
  }
  return result;
}

function sRgbToLinear(value: number): number {
  const v = value / 255;
  return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
}

const LINEAR: Float64Array = Float64Array.from({ length: 256 }, (_, value) => sRgbToLinear(value));

function linearToSrgb(value: number): number {
  const v = Math.max(0, Math.min(1, value));
  return v <= 0.0031308 ? Math.trunc(v * 12.92 * 255 + 0.5) : Math.trunc((1.055 * Math.pow(v, 1 / 2.4) - 0.055) * 255 + 0.5);
}

function signPow(value: number, exponent: number): number {
  return (value < 0 ? -1 : 1) * Math.pow(Math.abs(value), exponent);
}

function quantisedAc(value: number, maximum: number): number {
  return Math.floor(Math.max(0, Math.min(18, Math.floor(signPow(value / maximum, 0.5) * 9 + 9.5))));
}

/** `cos(π · component · position / size)` for every component below `components` and every position, as the reference computes it. */
function cosines(components: number, size: number): Float64Array[] {
  return Array.from({ length: components }, (_, component) => Float64Array.from({ length: size }, (_, position) => Math.cos((Math.PI * component * position) / size)));
}

type Triplet = [number, number, number];

/**
 * The BlurHash of `width`×`height` RGBA pixels (alpha ignored) with `componentsX`×`componentsY` components (1…9
 * each). The caller checks the sizes.
 */
export function blurhashOf(rgba: ArrayLike<number>, width: number, height: number, componentsX: number, componentsY: number): string {
  const pixels = width * height;
  const red = new Float64Array(pixels);
  const green = new Float64Array(pixels);
  const blue = new Float64Array(pixels);
  for (let p = 0; p < pixels; p++) {
    red[p] = LINEAR[rgba[p * 4]!]!;
    green[p] = LINEAR[rgba[p * 4 + 1]!]!;
    blue[p] = LINEAR[rgba[p * 4 + 2]!]!;
  }
  const cosX = cosines(componentsX, width);
  const cosY = cosines(componentsY, height);
  const scale = 1 / (width * height);
  const factors: Triplet[] = [];
  for (let cy = 0; cy < componentsY; cy++) {
    for (let cx = 0; cx < componentsX; cx++) {
      const normalisation = cx === 0 && cy === 0 ? 1 : 2;
      const alongX = cosX[cx]!;
      const alongY = cosY[cy]!;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let x = 0; x < width; x++) {
        const weightX = normalisation * alongX[x]!;
        for (let y = 0; y < height; y++) {
          const basis = weightX * alongY[y]!;
          const p = y * width + x;
          r += basis * red[p]!;
          g += basis * green[p]!;
          b += basis * blue[p]!;
        }
      }
      factors.push([r * scale, g * scale, b * scale]);
    }
  }
  const [dc, ...ac] = factors as [Triplet, ...Triplet[]];
  let hash = encode83(componentsX - 1 + (componentsY - 1) * 9, 1);
  let maximum = 1;
  if (ac.length > 0) {
    // The largest signed value, not the largest magnitude: what the reference does, so the hashes agree.
    const actualMaximum = Math.max(...ac.map((factor) => Math.max(...factor)));
    const quantisedMaximum = Math.floor(Math.max(0, Math.min(82, Math.floor(actualMaximum * 166 - 0.5))));
    maximum = (quantisedMaximum + 1) / 166;
    hash += encode83(quantisedMaximum, 1);
  } else {
    hash += encode83(0, 1);
  }
  hash += encode83((linearToSrgb(dc[0]) << 16) + (linearToSrgb(dc[1]) << 8) + linearToSrgb(dc[2]), 4);
  for (const factor of ac) hash += encode83(quantisedAc(factor[0], maximum) * 19 * 19 + quantisedAc(factor[1], maximum) * 19 + quantisedAc(factor[2], maximum), 2);
  return hash;
}
