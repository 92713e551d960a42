/**
 * mulberry32: a tiny seeded generator for the JS-side draws that are not part of the diffusion
 * (binary rounding, baseline bootstraps); the native engine uses Philox. Uniforms in [0, 1), or
 * in the open interval (0, 1) with `open` (for logs and inverse CDFs).
 */
export function mulberry32(seed: number, open = false): () => number {
  let a = Math.floor(seed) >>> 0;
  const shift = open ? 0.5 : 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + shift) / 4294967296;
  };
}
