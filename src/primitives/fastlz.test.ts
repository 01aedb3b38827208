import { CONTRACT_CALL_TX, EMPTY_LEGACY_TX } from '../../test/fixtures/opTransactions.js'
import { pseudoRandom } from '../../test/helpers/random.js'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { fastLzCompress, fastLzCompressedLength } from './fastlz.js'

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'hex'))
}

/** A FastLZ level-1 decoder written from the format description, to check the bytes. */
function decompress(src: Uint8Array): Uint8Array {
  const out: number[] = []
  let i = 0
  while (i < src.length) {
    const ctrl = src[i++]!
    const kind = ctrl >> 5
    if (kind === 0) {
      const n = ctrl + 1
      assert.ok(i + n <= src.length, 'literal run past the end')
      for (let k = 0; k < n; k++) out.push(src[i++]!)
      continue
    }
    let len: number
    if (kind < 7) {
      len = kind + 2
    } else {
      assert.ok(i < src.length, 'truncated long match')
      len = src[i++]! + 9
    }
    assert.ok(i < src.length, 'truncated match')
    const dist = (((ctrl & 31) << 8) | src[i++]!) + 1
    assert.ok(dist <= out.length, 'match reaches before the start')
    let from = out.length - dist
    for (let k = 0; k < len; k++) out.push(out[from++]!)
  }
  return Uint8Array.from(out)
}

function roundTrip(data: Uint8Array): void {
  const packed = fastLzCompress(data)
  assert.equal(packed.length, fastLzCompressedLength(data))
  assert.deepEqual(decompress(packed), data)
}



// alloy-rs op-alloy crates/flz (op-alloy-flz) test_flz_compress_len: a Base transaction,
// 0x5dadeb52979f29fc7a7494c43fdabc5be1d8ff404f3aafe93d729fa8e5d00769 (RLP-wrapped envelope).
const BASE_TX =
  'b9047c02f904788221050883036ee48409c6c87383037f6f941195cf65f83b3a5768f3c496d3a05ad6412c64b78644364c5bb000b90404d123b4d800' +
  '000000000000000000000000000000000000000000000000000000000000400000000000000000000000000000000000000000000000000000000000' +
  '00038000000000000000000000000000000000f6476f90447748c19248ccaa31e6b8bfda4eb9d830f5f47df7f0998f7c2123d9e6137761b75d3184ef' +
  'b0f788e3b14516000000000000000000000000000000000000000000000000000044364c5bb000000000000000000000000000f38e53bd45c8225a7c' +
  '94b513beadaa7afe5d222d00000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000' +
  '00000000000000000000000000024000000000000000000000000000000000000000000000000000000000000002a000000000000000000000000000' +
  '000000000000000000000000000000000002c000000000000000000000000000000000000000000000000000000000000002e0000000000000000000' +
  '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
  '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
  '000000000000000000000000000000000000000000000000000000000030000000000000000000000000000000000000000000000000000000000000' +
  '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
  '000000000000084d6574614d61736b000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
  '0000000000000000000035697066733a2f2f516d656852577a743347745961776343347564745657557233454c587261436746434259416b66507331' +
  '696f48610000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
  '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001000000000000000000' +
  '000000cd0d83d9e840f8e27d5c2e365fd365ff1c05b2480000000000000000000000000000000000000000000000000000000000000ce40000000000' +
  '000000000000000000000000000000000000000000000000000041e4480d358dbae20880960a0a464d63b06565a0c9f9b1b37aa94b522247b23ce149' +
  'c81359bf4239d1a879eeb41047ec710c15f5c0f67453da59a383e6abd742971c00000000000000000000000000000000000000000000000000000000' +
  '000000c001a0b57f0ff8516ea29cb26a44ac5055a5420847d1e16a8e7b03b70f0c02291ff2d5a00ad3771e5f39ccacfff0faa8c5d25ef7a1c179f79e' +
  '66e828ffddcb994c8b512e'

// optimism packages/contracts-bedrock/test/L2/GasPriceOracle.t.sol, GasPriceOracleFjordActive_Test:
// the oracle prices `flzCompress(data).length + 68`, and the test states fastlzSize 235 for this
// 161-byte payload (and 74 for 0x0000010203), so the compressed lengths are 167 and 6.
const GPO_REGRESSION_DATA =
  '1d2c3ec4f5a9b3f3cd2c024e455c1143a74bbd637c324adcbd4f74e346786ac44e23e78f47d932abedd8d1' +
  '06daadcea350be16478461046273101034601364012364701331dfad43729dc486abd134bcad61b34d6ca1' +
  'f2eb31655b7d61ca33ba6d172cdf7d8b5b0ef389a314ca7a9a831c09fc2ca9090d059b4dd25194f3de297b' +
  'dba6d6d796e4f80be94f8a9151d685607826e7ba25177b40cb127ea9f1438470'

describe('fastLzCompressedLength', () => {
  it('matches op-geth TestFlzCompressLen', () => {
    assert.equal(fastLzCompressedLength(new Uint8Array(0)), 0)
    assert.equal(fastLzCompressedLength(new Uint8Array(1000).fill(1)), 21)
    assert.equal(fastLzCompressedLength(new Uint8Array(1000)), 21)
    assert.equal(fastLzCompressedLength(hex(EMPTY_LEGACY_TX)), 31)
    assert.equal(fastLzCompressedLength(hex(CONTRACT_CALL_TX)), 202)
  })

  it('matches op-alloy-flz test_flz_compress_len', () => {
    assert.equal(fastLzCompressedLength(new Uint8Array(1000).fill(42)), 21)
    assert.equal(fastLzCompressedLength(hex('facade')), 4)
    assert.equal(fastLzCompressedLength(hex(BASE_TX)), 471)
  })

  it('matches the GasPriceOracle Fjord tests (their fastlzSize minus the 68 signature bytes)', () => {
    assert.equal(fastLzCompressedLength(hex('0000010203')) + 68, 74)
    const data = hex(GPO_REGRESSION_DATA)
    assert.equal(data.length, 161)
    assert.equal(fastLzCompressedLength(data) + 68, 235)
  })

  it('treats empty hash slots as pointing at position 0, as op-geth does', () => {
    // [1,2,3] + 20 distinct bytes + [1,2,3] + 20 distinct bytes. Position 0 is never
    // hashed, but op-geth's zeroed table still offers it as the candidate for the second
    // [1,2,3]: 23 literals (24 bytes) + a 3-byte match (2) + 20 literals (21) = 47.
    // A table whose empty slots never match (Solady's JS) would give 48.
    const data = new Uint8Array(46)
    data.set([1, 2, 3], 0)
    for (let i = 0; i < 20; i++) data[3 + i] = 10 + i
    data.set([1, 2, 3], 23)
    for (let i = 0; i < 20; i++) data[26 + i] = 40 + i
    assert.equal(fastLzCompressedLength(data), 47)
    roundTrip(data)
  })

  it('grows strictly for a non-repeating input (op-alloy-flz test_flz_compress_len_no_repeats)', () => {
    let prev = 0
    const data = new Uint8Array(256)
    for (let i = 0; i < 256; i++) {
      data[i] = i
      const len = fastLzCompressedLength(data.subarray(0, i + 1))
      assert.ok(len > prev, `length at ${i + 1} bytes`)
      prev = len
    }
  })

  it('emits 1 to 12 byte inputs as one literal run', () => {
    for (let n = 1; n <= 12; n++) {
      const data = new Uint8Array(n).fill(7)
      assert.equal(fastLzCompressedLength(data), n + 1)
      roundTrip(data)
    }
    assert.equal(fastLzCompressedLength(Uint8Array.of(0)), 2)
    assert.equal(fastLzCompressedLength(Uint8Array.of(0, 1)), 3)
    assert.equal(fastLzCompressedLength(Uint8Array.of(0, 1, 2)), 4)
  })

  it('does not depend on what earlier calls left in the shared table', () => {
    const a = hex(CONTRACT_CALL_TX)
    const b = pseudoRandom(5000, 3)
    const first = fastLzCompressedLength(a)
    fastLzCompressedLength(b)
    assert.equal(fastLzCompressedLength(a), first)
  })
})

describe('fastLzCompress', () => {
  it('round-trips the vectors', () => {
    for (const v of [CONTRACT_CALL_TX, EMPTY_LEGACY_TX, BASE_TX, GPO_REGRESSION_DATA, 'facade', '0000010203']) {
      roundTrip(hex(v))
    }
    assert.equal(fastLzCompress(new Uint8Array(0)).length, 0)
  })

  it('round-trips highly repetitive input, including matches longer than 264 bytes', () => {
    for (const n of [13, 14, 20, 100, 263, 264, 265, 266, 270, 300, 524, 526, 527, 1000, 20_000]) {
      roundTrip(new Uint8Array(n))
      roundTrip(new Uint8Array(n).fill(0xab))
    }
    const pattern = new Uint8Array(5000)
    for (let i = 0; i < pattern.length; i++) pattern[i] = i % 7 === 0 ? 0 : (i * 31) % 5
    roundTrip(pattern)
    // 1000 equal bytes: literals, then 3-byte matches of 262 bytes each, then literals
    assert.equal(fastLzCompressedLength(new Uint8Array(1000).fill(9)), 21)
  })

  it('round-trips random and mixed input, with distances near the 8192 limit', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const n = (seed * 977) % 3000
      roundTrip(pseudoRandom(n, seed))
    }
    roundTrip(Uint8Array.from(randomBytes(70_000)))
    // the same random block twice, 8000..8300 bytes apart: some matches in range, some not
    for (const gap of [8185, 8189, 8190, 8191, 8192, 8193, 8200]) {
      const block = pseudoRandom(gap, gap)
      const data = new Uint8Array(gap + 600)
      data.set(block)
      data.set(block.subarray(0, 600), gap)
      roundTrip(data)
    }
    // random bytes over a tiny alphabet: many short matches
    const small = pseudoRandom(30_000, 99).map((b) => b & 3)
    roundTrip(small)
  })

  it('never produces more than one extra byte per 32 input bytes', () => {
    const data = pseudoRandom(10_000, 5)
    assert.ok(fastLzCompressedLength(data) <= data.length + Math.ceil(data.length / 32))
  })
})
