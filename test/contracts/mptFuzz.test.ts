// Fuzzes the Merkle-Patricia proof verifier the portal proves withdrawals with. Valid storage
// proofs (as the L2 message passer's storage trie gives them) are mutated with a seeded RNG —
// bytes, bits, lengths, RLP headers, nodes dropped/duplicated/swapped/reordered/borrowed from
// another proof, key, value and root changed — and random garbage proofs are thrown at it.
//
// Invariant: a proof that is not (up to embedded-node copies, which carry no authority) the
// original valid proof for the original key, value and root is never accepted: the verifier
// returns false or reverts with one of its named errors; never a panic, an empty revert or an
// unknown error. A sample of the mutations also goes through Portal.proveWithdrawal, which must
// refuse each with a named error and record nothing.
//
// PLEXUS_FUZZ_CASES (default 600) sets the number of mutated proofs; a failure prints the seed
// and the case so it reproduces.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { verifyMerkleProof } from '@ethereumjs/mpt'
import { bytesToHex, equalsBytes, hexToBytes } from '@ethereumjs/util'
import { RLP } from '@ethereumjs/rlp'
import { keccak256, toHex, type Address, type Hex } from 'viem'
import { mulberry32 } from '../helpers/random.js'
import { outcome, type Attempt } from './hostile.js'
import { abis, deploySettlement, outputRoot, registerChain, sentMessageSlot, startL1, withdrawalHash, type L1, type Withdrawal } from './setup.js'
import { passerSlots, storageTrie, type StorageTrie } from './trie.js'

const CASES = Number(process.env.PLEXUS_FUZZ_CASES ?? 600)
const SEED = Number(process.env.PLEXUS_FUZZ_SEED ?? 20_240_614)
const CHAIN = 901n
const ZERO: Hex = `0x${'00'.repeat(32)}`

/** Every error the verifier (MerkleTrie + RLPReader) may refuse a proof with. */
const VERIFIER_ERRORS = new Set(
  abis.trie.filter((i) => i.type === 'error').map((i) => (i as { name: string }).name),
)
/** What the portal may refuse a forged proof with: the verifier's errors, or its own. */
const PORTAL_ERRORS = new Set([...VERIFIER_ERRORS, 'InvalidWithdrawalProof'])

type Rand = { int(n: number): number; bytes(n: number): Uint8Array; pick<T>(xs: readonly T[]): T }

function makeRand(seed: number): Rand {
  const next = mulberry32(seed)
  const int = (n: number) => Math.floor(next() * n)
  return {
    int,
    bytes: (n) => Uint8Array.from({ length: n }, () => int(256)),
    pick: (xs) => xs[int(xs.length)]!,
  }
}

type Case = { label: string; key: Hex; value: Hex; proof: Hex[]; root: Hex }

const size = (h: Hex) => (h.length - 2) / 2
/** Nodes shorter than 32 bytes are embedded in their parent; a copy of one in the list proves nothing. */
const authoritative = (proof: Hex[]) => proof.filter((n, i) => i === 0 || size(n) >= 32)

function setByte(node: Hex, at: number, value: number): Hex {
  const b = hexToBytes(node)
  b[at] = value
  return bytesToHex(b) as Hex
}

/** One random mutation of a valid case (sometimes several stacked). */
function mutate(r: Rand, base: Case, other: Hex[], otherRoot: Hex, keys: Hex[]): Case {
  let c: Case = { ...base, proof: [...base.proof] }
  const labels: string[] = []
  const rounds = r.int(4) === 0 ? 2 + r.int(3) : 1
  for (let round = 0; round < rounds; round++) {
    const p = c.proof
    const i = r.int(p.length)
    const node = p[i]!
    const n = size(node)
    switch (r.int(15)) {
      case 0: {
        const at = r.int(n)
        const b = hexToBytes(node)
        p[i] = setByte(node, at, b[at]! ^ (1 << r.int(8)))
        labels.push(`flip bit node ${i} byte ${at}`)
        break
      }
      case 1: {
        const at = r.int(n)
        p[i] = setByte(node, at, r.int(256))
        labels.push(`set byte node ${i} byte ${at}`)
        break
      }
      case 2: {
        p[i] = node.slice(0, 2 + 2 * r.int(n)) as Hex
        labels.push(`truncate node ${i}`)
        break
      }
      case 3: {
        p[i] = `${node}${bytesToHex(r.bytes(1 + r.int(40))).slice(2)}` as Hex
        labels.push(`extend node ${i}`)
        break
      }
      case 4: {
        // RLP header bytes: the list prefix and the lengths right after it
        const at = r.int(Math.min(n, 4))
        const b = hexToBytes(node)
        p[i] = setByte(node, at, (b[at]! + r.pick([1, -1, 2, -2, 0x40, 0x80])) & 0xff)
        labels.push(`length byte ${at} of node ${i}`)
        break
      }
      case 5:
        p.splice(i, 1)
        labels.push(`drop node ${i}`)
        break
      case 6:
        p.splice(r.int(p.length + 1), 0, node)
        labels.push(`duplicate node ${i}`)
        break
      case 7: {
        const j = r.int(p.length)
        ;[p[i], p[j]] = [p[j]!, p[i]!]
        labels.push(`swap ${i} ${j}`)
        break
      }
      case 8:
        p.reverse()
        labels.push('reverse')
        break
      case 9:
        p[i] = r.pick(other)
        labels.push(`node ${i} from another proof`)
        break
      case 10:
        p[i] = bytesToHex(r.bytes(r.int(3) === 0 ? r.int(8) : 1 + r.int(600))) as Hex
        labels.push(`garbage node ${i}`)
        break
      case 11:
        c = { ...c, key: r.int(2) === 0 ? r.pick(keys) : (bytesToHex(r.bytes(32)) as Hex) }
        labels.push('other key')
        break
      case 12:
        c = { ...c, value: r.pick(['0x02', '0x', '0x0101', '0x00', '0x81', bytesToHex(r.bytes(33))] as Hex[]) }
        labels.push(`value ${c.value}`)
        break
      case 13:
        c = { ...c, root: r.int(2) === 0 ? otherRoot : (bytesToHex(r.bytes(32)) as Hex) }
        labels.push('other root')
        break
      case 14: {
        // Re-encode the node with one item replaced: structurally valid RLP, wrong content.
        try {
          const items = RLP.decode(hexToBytes(node)) as Uint8Array[]
          if (Array.isArray(items) && items.length > 0) {
            const k = r.int(items.length)
            items[k] = r.pick([new Uint8Array(), r.bytes(32), r.bytes(1 + r.int(31)), Uint8Array.of(0x20)])
            p[i] = bytesToHex(RLP.encode(items)) as Hex
          }
        } catch {
          // a node an earlier round already broke: leave it
        }
        labels.push(`re-encoded item of node ${i}`)
        break
      }
    }
    if (c.proof.length === 0) break
  }
  return { ...c, label: labels.join(' + ') }
}

/** Random proofs: garbage bytes, and random RLP lists whose first node is made the root. */
function garbage(r: Rand, keys: Hex[]): Case {
  const nodes: Hex[] = []
  const count = r.int(6)
  for (let i = 0; i < count; i++) {
    if (r.int(2) === 0) nodes.push(bytesToHex(r.bytes(r.int(120))) as Hex)
    else {
      const items = Array.from({ length: r.pick([2, 17, r.int(20)]) }, () =>
        r.pick([new Uint8Array(), r.bytes(32), r.bytes(r.int(40)), Uint8Array.of(0x20 + r.int(0x20))]),
      )
      nodes.push(bytesToHex(RLP.encode(items)) as Hex)
    }
  }
  const root = nodes.length > 0 && r.int(4) !== 0 ? keccak256(nodes[0]!) : (bytesToHex(r.bytes(32)) as Hex)
  return { label: `garbage (${count} nodes)`, key: r.pick(keys), value: '0x01', proof: nodes, root }
}

/**
 * A forger who controls the whole trie: mutates a node below the root (one byte, a truncation,
 * an extension or one re-encoded item), then rewrites the hash references of its ancestors and
 * takes the new root. Every node is authenticated, so these cases reach the parser's structural
 * checks instead of stopping at a hash mismatch; whether such a proof may be accepted is decided
 * by an independent verifier (ethereumjs).
 */
function rehashed(r: Rand, base: Case): Case {
  const p = [...base.proof]
  if (p.length < 2) return { ...base, label: 'rehashed (too short)' }
  const i = 1 + r.int(p.length - 1)
  const before = p[i]!
  const b = hexToBytes(before)
  let how: string
  switch (r.int(4)) {
    case 0: {
      const at = r.int(b.length)
      b[at] = r.int(4) === 0 ? b[at]! ^ 1 : r.int(256)
      p[i] = bytesToHex(b) as Hex
      how = `byte ${at}`
      break
    }
    case 1:
      p[i] = before.slice(0, 2 + 2 * r.int(b.length)) as Hex
      how = 'truncated'
      break
    case 2:
      p[i] = `${before}${bytesToHex(r.bytes(1 + r.int(8))).slice(2)}` as Hex
      how = 'extended'
      break
    default: {
      const items = RLP.decode(b) as Uint8Array[]
      const k = r.int(items.length)
      items[k] = r.pick([new Uint8Array(), r.bytes(32), r.bytes(1 + r.int(31)), Uint8Array.of(0x20 + r.int(0x20)), Uint8Array.of(0x3a, 0xbc)])
      p[i] = bytesToHex(RLP.encode(items)) as Hex
      how = `item ${k} re-encoded`
    }
  }
  for (let j = i; j >= 1; j--) {
    const oldRef = keccak256(base.proof[j]!).slice(2)
    const newRef = keccak256(p[j]!).slice(2)
    if (!p[j - 1]!.includes(oldRef)) break // an embedded node: nothing to rewrite
    p[j - 1] = p[j - 1]!.replace(oldRef, newRef) as Hex
  }
  return { ...base, proof: p, root: keccak256(p[0]!), label: `rehashed node ${i}: ${how}` }
}

/** The value an independent verifier (ethereumjs) reads for the case, undefined if it rejects the proof. */
async function reference(c: Case): Promise<Uint8Array | null | undefined> {
  try {
    return await verifyMerkleProof(hexToBytes(c.key), c.proof.map((n) => hexToBytes(n)), { useKeyHashing: true, root: hexToBytes(c.root) })
  } catch {
    return undefined
  }
}

describe('MPT verifier fuzz: forged storage proofs are refused', () => {
  let l1: L1
  let harness: Address
  let trie: StorageTrie
  let otherTrie: StorageTrie
  const hashes: Hex[] = []
  const valid: Case[] = []
  const who = () => l1.accounts[4]!.address

  const verify = (c: Case): Attempt => ({
    to: harness,
    abi: abis.trie,
    functionName: 'verifySecure',
    args: [c.key, c.value, c.proof, c.root],
    from: who(),
  })

  before(async () => {
    l1 = await startL1()
    harness = await l1.deploy('TestMerkleTrie')
    for (let i = 0; i < 24; i++) {
      hashes.push(withdrawalHash({ nonce: BigInt(i), sender: who(), target: who(), value: BigInt(i), gasLimit: 100_000n, data: '0x' }))
    }
    // 24 withdrawals among 200 unrelated slots: proofs of 3-5 nodes, like a busy message passer.
    trie = await storageTrie(passerSlots(hashes, 200))
    otherTrie = await storageTrie(passerSlots(hashes.slice(0, 12), 60, 7))
    for (const h of hashes.slice(0, 8)) {
      const slot = sentMessageSlot(h)
      valid.push({ label: 'valid', key: slot, value: '0x01', proof: await trie.proof(slot), root: trie.root })
    }
  })
  after(async () => l1?.stop())

  test('the unmutated proofs verify (the fuzz starts from accepted inputs)', async () => {
    for (const c of valid) {
      const o = await outcome(l1, verify(c))
      assert.ok(o.ok && BigInt(o.data) === 1n, `valid proof refused: ${o.ok ? o.data : o.name}`)
    }
  })

  test(`${CASES} mutated, ${Math.ceil(CASES / 2)} re-hashed and ${Math.ceil(CASES / 4)} garbage proofs: none accepted, every refusal named`, { timeout: 600_000 }, async (t) => {
    const r = makeRand(SEED)
    const keys = hashes.map(sentMessageSlot)
    const otherProof = await otherTrie.proof(keys[0]!)
    const cases: Case[] = []
    for (let i = 0; i < CASES; i++) cases.push(mutate(r, r.pick(valid), otherProof, otherTrie.root, keys))
    for (let i = 0; i < Math.ceil(CASES / 4); i++) cases.push(garbage(r, keys))
    for (let i = 0; i < Math.ceil(CASES / 2); i++) cases.push(rehashed(r, r.pick(valid)))

    const tally = new Map<string, number>()
    const failures: string[] = []
    let acceptedEquivalent = 0
    const run = async (c: Case, index: number) => {
      const o = await outcome(l1, verify(c))
      const base = valid.find((v) => v.key === c.key)
      const equivalent =
        base !== undefined && c.value === base.value && c.root === base.root &&
        JSON.stringify(authoritative(c.proof)) === JSON.stringify(authoritative(base.proof))
      let result: string
      if (o.ok) {
        const accepted = BigInt(o.data) === 1n
        result = accepted ? 'accepted' : 'false'
        if (accepted && equivalent) acceptedEquivalent++
        else if (accepted && c.label.startsWith('rehashed')) {
          // The forger built a new trie; accepting is right only if it really maps key to value.
          const ref = await reference(c)
          if (!ref || !equalsBytes(ref, hexToBytes(c.value))) failures.push(`case ${index} ACCEPTED, ethereumjs reads ${ref ? bytesToHex(ref) : ref}: ${c.label}\n  proof ${JSON.stringify(c.proof)}`)
        } else if (accepted) failures.push(`case ${index} ACCEPTED: ${c.label}\n  proof ${JSON.stringify(c.proof)}`)
      } else {
        result = o.name
        if (!VERIFIER_ERRORS.has(o.name)) failures.push(`case ${index} refused with ${o.name} (${o.data.slice(0, 74)}): ${c.label}`)
      }
      tally.set(result, (tally.get(result) ?? 0) + 1)
    }
    // A few calls in flight at once: anvil answers them in parallel.
    for (let i = 0; i < cases.length; i += 16) {
      await Promise.all(cases.slice(i, i + 16).map((c, j) => run(c, i + j)))
    }
    t.diagnostic(`seed ${SEED}: ${[...tally].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`)
    t.diagnostic(`mutations that left an equivalent valid proof (accepted, correctly): ${acceptedEquivalent}`)
    assert.deepEqual(failures, [], `seed ${SEED}`)
    // The fuzz must reach deep into the verifier, not stop at the root check every time.
    assert.ok(tally.size >= 6, `only ${[...tally.keys()].join(', ')}`)
  })

  test('forged proofs through Portal.proveWithdrawal: named refusal, nothing recorded', { timeout: 300_000 }, async () => {
    const s = await deploySettlement(l1)
    await registerChain(l1, s.registry, CHAIN, 600n)
    const stateRoot = keccak256(toHex('state'))
    const blockHash = keccak256(toHex('block'))
    const root = outputRoot(stateRoot, trie.root, blockHash)
    await l1.send({ address: s.oracle, abi: abis.oracle, functionName: 'proposeOutput', args: [CHAIN, root, 10n, ZERO, 0n], from: l1.accounts[3]! })
    const rootProof = { version: ZERO, stateRoot, messagePasserStorageRoot: trie.root, latestBlockhash: blockHash }
    const wtx: Withdrawal = { nonce: 0n, sender: who(), target: who(), value: 0n, gasLimit: 100_000n, data: '0x' }
    const slot = sentMessageSlot(withdrawalHash(wtx))
    assert.equal(slot, valid[0]!.key)
    const r = makeRand(SEED + 1)
    const keys = hashes.map(sentMessageSlot)
    const otherProof = await otherTrie.proof(keys[0]!)
    let tried = 0
    for (let i = 0; tried < Math.min(60, CASES); i++) {
      const c = mutate(r, valid[0]!, otherProof, otherTrie.root, keys)
      // The portal fixes key, value and root itself: only proof mutations apply.
      if (c.key !== valid[0]!.key || c.value !== '0x01' || c.root !== valid[0]!.root) continue
      if (JSON.stringify(authoritative(c.proof)) === JSON.stringify(authoritative(valid[0]!.proof))) continue
      tried++
      const o = await outcome(l1, {
        to: s.portal,
        abi: abis.portal,
        functionName: 'proveWithdrawal',
        args: [CHAIN, wtx, 0n, rootProof, c.proof],
        from: who(),
      })
      assert.ok(!o.ok, `forged proof accepted by the portal: ${c.label}`)
      assert.ok(PORTAL_ERRORS.has(o.name), `portal refused with ${o.name}: ${c.label}`)
    }
    // Sent for real, a forged proof (its root node dropped) is mined as reverted and records nothing.
    const hash = await l1.wallet.writeContract({
      address: s.portal, abi: abis.portal, functionName: 'proveWithdrawal', account: l1.accounts[4]!, chain: l1.chain, gas: 3_000_000n,
      args: [CHAIN, wtx, 0n, rootProof, valid[0]!.proof.slice(1)],
    })
    assert.equal((await l1.pub.waitForTransactionReceipt({ hash })).status, 'reverted')
    assert.deepEqual(await l1.read(s.portal, abis.portal, 'provenWithdrawals', [CHAIN, withdrawalHash(wtx)]), [ZERO, 0n, 0n])
    // The untouched proof is still accepted: the refusals above were about the forgeries.
    await l1.send({ address: s.portal, abi: abis.portal, functionName: 'proveWithdrawal', args: [CHAIN, wtx, 0n, rootProof, valid[0]!.proof], from: l1.accounts[4]! })
  })
})
