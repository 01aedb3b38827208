/** The nibble and hex-prefix encodings shared by Plexus' trie code (Yellow Paper appendix C). */

/** A key as nibbles (half-bytes), high nibble first. */
export function toNibbles(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length * 2)
  for (let i = 0; i < key.length; i++) {
    out[2 * i] = key[i]! >> 4
    out[2 * i + 1] = key[i]! & 0x0f
  }
  return out
}

/** Hex-prefix encoding of a nibble path, flagged as leaf or extension. */
export function hexPrefix(path: Uint8Array, leaf: boolean): Uint8Array {
  const odd = path.length % 2
  const out = new Uint8Array(1 + (path.length - odd) / 2)
  const flag = (leaf ? 2 : 0) + odd
  let p = 0
  if (odd) {
    out[0] = (flag << 4) | path[0]!
    p = 1
  } else {
    out[0] = flag << 4
  }
  for (let i = 1; i < out.length; i++, p += 2) out[i] = (path[p]! << 4) | path[p + 1]!
  return out
}
