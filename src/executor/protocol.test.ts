import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidParamsError } from '../primitives/errors.js'
import { decodeGetPayload, encodeGetPayload, type WireSealedDigest } from './protocol.js'

const ID = '0x0000000000000001'
const log = (n: number) => ({ origin: `0x${n.toString(16).padStart(40, '0')}` as const, payloadHash: `0x${n.toString(16).padStart(64, '0')}` as const })

/**
 * A sealed digest names only the logs the slot's same-slot relays execute, by their index
 * in the block: a list with holes. Invariant: it crosses the channel whole, as JSON (a
 * WebSocket) and by structured clone (a MessagePort), each log at its index and no other.
 */
describe('executor protocol: sealed digests', () => {
  const logs: WireSealedDigest['logs'] = []
  ;(logs as unknown[])[3] = log(3)
  ;(logs as unknown[])[7] = log(7)
  const digest: WireSealedDigest = { chainId: 901n, number: 5n, timestamp: 1_000n, logs }

  for (const [channel, carry] of [
    ['JSON (WebSocket)', (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown],
    ['structured clone (MessagePort)', (v: unknown) => structuredClone(v)],
  ] as const) {
    it(`keeps each log at its index over ${channel}`, () => {
      const { sealed } = decodeGetPayload(carry(encodeGetPayload(ID, [], [digest])))
      const back = sealed[0]!
      assert.equal(back.chainId, 901n)
      assert.equal(back.logs.length, 8)
      assert.deepEqual(back.logs[3], log(3))
      assert.deepEqual(back.logs[7], log(7))
      for (const i of [0, 1, 2, 4, 5, 6]) assert.equal(back.logs[i], undefined, `no log ${i}`)
    })
  }

  it('refuses a digest that names one log twice, or an index out of range, or a malformed entry', () => {
    const wire = (logsOnWire: unknown[]) => [ID, [], [{ chainId: '0x385', number: '0x5', timestamp: '0x3e8', logs: logsOnWire }]]
    assert.throws(() => decodeGetPayload(wire([{ logIndex: 1, ...log(1) }, { logIndex: 1, ...log(2) }])), InvalidParamsError)
    assert.throws(() => decodeGetPayload(wire([{ logIndex: 1 << 16, ...log(1) }])), InvalidParamsError)
    assert.throws(() => decodeGetPayload(wire([{ logIndex: -1, ...log(1) }])), InvalidParamsError)
    assert.throws(() => decodeGetPayload(wire([{ logIndex: 0.5, ...log(1) }])), InvalidParamsError)
    assert.throws(() => decodeGetPayload(wire([null])), InvalidParamsError)
    assert.throws(() => decodeGetPayload(wire([{ logIndex: 0, origin: '0x12', payloadHash: log(0).payloadHash }])), InvalidParamsError)
  })
})
