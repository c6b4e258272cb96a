/**
 * A deterministic PRNG (mulberry32): the same seed gives the same sequence, so generated data
 * (the demo history, the benchmarks' bulk cases) is reproducible. Not for anything secret.
 */
export function rng(seed: number): () => number {
  return () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
