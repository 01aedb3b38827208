/**
 * FastLZ level 1, in the exact variant the OP Stack's Fjord upgrade prices L1 data with.
 *
 * Consensus-critical: `fastLzCompressedLength` must agree byte for byte with op-geth's
 * `types.FlzCompressLen` (core/types/rollup_cost.go), which the Fjord spec names as the
 * reference. That routine descends from Solady's `LibZip.flzCompress`; two details of
 * the Go/Solidity behaviour are easy to get wrong in JavaScript and are pinned here:
 *
 * - The hash multiplies in 32-bit unsigned arithmetic (`Math.imul`), i.e. it keeps the
 *   low 32 bits of `v * 2654435769` before shifting. A plain JS `v * 2654435769` is a
 *   double of up to 56 bits and loses low bits, which occasionally changes the hash.
 * - The hash table starts zeroed, so an empty slot names position 0 as a candidate
 *   match (Solady's JS port leaves empty slots `undefined`, which never match, and so
 *   differs from op-geth on some inputs; op-geth wins).
 *
 * Format produced by `fastLzCompress` (the op-geth length counts exactly these bytes):
 * - literal run of n bytes (1..32): one byte `n - 1`, then the n bytes;
 * - match copying `len` bytes (3..8) from `dist` (1..8192) back: `((len - 2) << 5) | (dist - 1) >> 8`,
 *   `(dist - 1) & 0xff`;
 * - longer match: `0xe0 | (dist - 1) >> 8`, `len - 9`, `(dist - 1) & 0xff`, with runs over
 *   264 bytes split into 262-byte pieces at the same distance.
 */

const HASH_LOG = 13
const HASH_SIZE = 1 << HASH_LOG
const HASH_MASK = HASH_SIZE - 1
/** 2654435769, the 32-bit golden-ratio multiplier. */
const HASH_MULTIPLIER = 0x9e3779b9
/** Largest back-reference distance minus one (13 bits). */
const MAX_DISTANCE = 8191
/** Inputs shorter than this are emitted as literals only. */
const MIN_INPUT_FOR_MATCHES = 13

/**
 * One table for every call: both entry points run synchronously to completion, so no
 * two uses overlap within a thread (each worker thread has its own module instance).
 * Instead of zeroing 32 KiB per call, a slot counts as zero unless `stamp` says this
 * call wrote it; the stamps are cleared only when the call counter wraps.
 */
const table = new Uint32Array(HASH_SIZE)
const stamp = new Uint32Array(HASH_SIZE)
let call = 0

/** Length of the FastLZ level-1 compression of `data` (the Fjord `fastlzSize`). */
export function fastLzCompressedLength(data: Uint8Array): number {
  return run(data, undefined)
}

/** The FastLZ level-1 compression of `data`, the bytes whose count the length function gives. */
export function fastLzCompress(data: Uint8Array): Uint8Array {
  // Literal runs cost one header byte per 32 bytes, and every match saves at least the
  // byte the header of the run before it costs, so the output is at most
  // n + ceil(n / 32) bytes; a little slack on top costs nothing.
  const out = new Uint8Array(data.length + Math.ceil(data.length / 32) + 16)
  const n = run(data, out)
  return out.slice(0, n)
}

function hash24(v: number): number {
  return (Math.imul(v, HASH_MULTIPLIER) >>> (32 - HASH_LOG)) & HASH_MASK
}

function remember(h: number, pos: number): void {
  table[h] = pos
  stamp[h] = call
}

function read24(src: Uint8Array, i: number): number {
  return src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16)
}

/** Counts (and, with `out`, writes) the compressed bytes. */
function run(src: Uint8Array, out: Uint8Array | undefined): number {
  const n = src.length
  // the last 13 bytes are never a match start; matches may not reach into the last 4
  const limit = n < MIN_INPUT_FOR_MATCHES ? 0 : n - MIN_INPUT_FOR_MATCHES
  let written = 0
  let anchor = 0 // first byte not yet emitted

  const emitLiterals = (from: number, count: number): void => {
    while (count > 0) {
      const run = count > 32 ? 32 : count
      if (out !== undefined) {
        out[written] = run - 1
        out.set(src.subarray(from, from + run), written + 1)
      }
      written += run + 1
      from += run
      count -= run
    }
  }

  if (limit > 0) {
    call = (call + 1) >>> 0
    if (call === 0) {
      stamp.fill(0)
      call = 1
    }
  }
  let ip = 2
  while (ip < limit) {
    // Find the next position whose 3 bytes equal those at the position its hash slot
    // remembers. A match found at limit - 1 is dropped (op-geth checks the limit after
    // stepping past the candidate), so candidates stop one short of the limit.
    let p = ip
    let ref = 0
    let found = false
    for (; p < limit - 1; p++) {
      const seq = read24(src, p)
      const h = hash24(seq)
      ref = stamp[h] === call ? table[h]! : 0
      table[h] = p
      stamp[h] = call
      if (p - ref <= MAX_DISTANCE && seq === read24(src, ref)) {
        found = true
        break
      }
    }
    if (!found) break

    if (p > anchor) emitLiterals(anchor, p - anchor)

    // Extend the match past its first 3 bytes, at most up to 4 bytes before the end.
    // As in op-geth, the count is one more than the number of extra equal bytes when a
    // mismatch ends it, and exactly the room left when none does; the match then
    // covers count + 2 bytes.
    const room = limit + 6 - p
    let extra = 0
    while (extra < room && src[ref + 3 + extra] === src[p + 3 + extra]) extra++
    const count = extra < room ? extra + 1 : room

    const dist = p - ref - 1
    let len = count
    while (len > 262) {
      if (out !== undefined) {
        out[written] = 0xe0 | (dist >>> 8)
        out[written + 1] = 253
        out[written + 2] = dist & 0xff
      }
      written += 3
      len -= 262
    }
    if (len < 7) {
      if (out !== undefined) {
        out[written] = (len << 5) | (dist >>> 8)
        out[written + 1] = dist & 0xff
      }
      written += 2
    } else {
      if (out !== undefined) {
        out[written] = 0xe0 | (dist >>> 8)
        out[written + 1] = len - 7
        out[written + 2] = dist & 0xff
      }
      written += 3
    }

    // remember the two positions after the match, and continue past them
    ip = p + count
    remember(hash24(read24(src, ip)), ip)
    remember(hash24(read24(src, ip + 1)), ip + 1)
    ip += 2
    anchor = ip
  }
  emitLiterals(anchor, n - anchor)
  return written
}
