// Hostile input on the OutputOracle and the SuperRootOracle: unauthorized callers, wrong and
// unknown chain ids, overflow-sized block numbers and timestamps, reorged L1 block hashes,
// malformed super-root preimages, deletions out of range or after finality, value sent. Each
// refusal is its named error and leaves every output and super root exactly as it was.
import { after, before, describe, test } from 'node:test'
import { concat, encodeFunctionData, encodePacked, keccak256, maxUint256, toHex, type Hex } from 'viem'
import { encodeSuperRoot } from '../../src/settlement/superRoot.js'
import { loadArtifact } from '../helpers/artifacts.js'
import { mustSend, refuse, type Attempt } from './hostile.js'
import { abis, deploySettlement, registerChain, startL1, type L1 } from './setup.js'

const A = 901n
const B = 902n
const UNKNOWN = 999n
const WINDOW = 600n
const ZERO: Hex = `0x${'00'.repeat(32)}`
const superAbi = loadArtifact('SuperRootOracle').abi
const root = (label: string): Hex => keccak256(toHex(label))

describe('OutputOracle and SuperRootOracle under hostile input', () => {
  let l1: L1
  let s: Awaited<ReturnType<typeof deploySettlement>>
  let superOracle: `0x${string}`
  const owner = () => l1.accounts[0]!.address
  const guardian = () => l1.accounts[1]!.address
  const proposer = () => l1.accounts[3]!.address
  const stranger = () => l1.accounts[4]!.address

  const oracleCall = (functionName: string, args: readonly unknown[], from = proposer(), value?: bigint): Attempt =>
    ({ to: s.oracle, abi: abis.oracle, functionName, args, from, value })
  const superCall = (functionName: string, args: readonly unknown[], from = proposer(), value?: bigint): Attempt =>
    ({ to: superOracle, abi: superAbi, functionName, args, from, value })

  /** Every output and super root, and the proposer's ETH. */
  async function state() {
    const out: unknown[] = [await l1.pub.getBalance({ address: proposer() }), await l1.pub.getBalance({ address: s.oracle })]
    for (const c of [A, B, UNKNOWN]) {
      const count = await l1.read<bigint>(s.oracle, abis.oracle, 'outputCount', [c])
      out.push(count)
      for (let i = 0n; i < count; i++) out.push(await l1.read(s.oracle, abis.oracle, 'getOutput', [c, i]))
    }
    const count = await l1.read<bigint>(superOracle, superAbi, 'superRootCount')
    for (let i = 0n; i < count; i++) out.push(await l1.read(superOracle, superAbi, 'superRootAt', [i]))
    out.push(await l1.read(superOracle, superAbi, 'proposer'), await l1.read(superOracle, superAbi, 'challengeWindow'))
    return out
  }

  before(async () => {
    l1 = await startL1()
    s = await deploySettlement(l1)
    superOracle = await l1.deploy('SuperRootOracle', [s.registry])
    await registerChain(l1, s.registry, A, WINDOW)
    await registerChain(l1, s.registry, B, WINDOW)
    await mustSend(l1, superCall('setProposer', [proposer()], owner()))
    await mustSend(l1, superCall('setChallengeWindow', [WINDOW], owner()))
    await mustSend(l1, oracleCall('proposeOutput', [A, root('a1'), 100n, ZERO, 0n]))
  })
  after(async () => l1?.stop())

  test('OutputOracle: callers, chain ids, roots, block numbers, L1 hashes, value', async () => {
    await refuse(l1, oracleCall('proposeOutput', [A, root('x'), 200n, ZERO, 0n], stranger()), 'NotProposer', [A, stranger()], state)
    await refuse(l1, oracleCall('proposeOutput', [UNKNOWN, root('x'), 200n, ZERO, 0n]), 'ChainNotRegistered', [UNKNOWN], state)
    await refuse(l1, oracleCall('proposeOutput', [0n, root('x'), 200n, ZERO, 0n]), 'ChainNotRegistered', [0n], state)
    await refuse(l1, oracleCall('proposeOutput', [A, ZERO, 200n, ZERO, 0n]), 'EmptyOutputRoot', [], state)
    await refuse(l1, oracleCall('proposeOutput', [A, root('x'), 100n, ZERO, 0n]), 'BlockNumberNotIncreasing', [100n, 100n], state)
    await refuse(l1, oracleCall('proposeOutput', [A, root('x'), 0n, ZERO, 0n]), 'BlockNumberNotIncreasing', [100n, 0n], state)
    await refuse(l1, oracleCall('proposeOutput', [A, root('x'), 2n ** 128n, ZERO, 0n]), 'BlockNumberTooLarge', [2n ** 128n], state)
    await refuse(l1, oracleCall('proposeOutput', [A, root('x'), maxUint256, ZERO, 0n]), 'BlockNumberTooLarge', [maxUint256], state)
    const head = await l1.pub.getBlockNumber()
    // A hash the L1 block does not have (a reorged-away proposal), a future block, a block number beyond 2^64.
    // (The third argument, the hash L1 has for `head`, depends on whether a block was mined since.)
    await refuse(l1, oracleCall('proposeOutput', [A, root('x'), 200n, root('reorged'), head]), 'L1BlockHashMismatch', undefined, state)
    await refuse(l1, oracleCall('proposeOutput', [A, root('x'), 200n, root('future'), head + 100n]), 'L1BlockHashMismatch', undefined, state)
    await refuse(l1, oracleCall('proposeOutput', [A, root('x'), 200n, root('huge'), maxUint256]), 'L1BlockHashMismatch', undefined, state)
    await refuse(l1, oracleCall('proposeOutput', [A, root('x'), 200n, ZERO, 0n], proposer(), 1n), 'EmptyRevert', [], state)
  })

  test('OutputOracle: deletions by strangers, out of range, and after the window', async () => {
    await refuse(l1, oracleCall('deleteOutputs', [A, 0n], stranger()), 'NotGuardian', [stranger()], state)
    await refuse(l1, oracleCall('deleteOutputs', [A, 0n], proposer()), 'NotGuardian', [proposer()], state)
    await refuse(l1, oracleCall('deleteOutputs', [A, 1n], guardian()), 'OutputNotFound', [A, 1n], state)
    await refuse(l1, oracleCall('deleteOutputs', [A, maxUint256], guardian()), 'OutputNotFound', [A, maxUint256], state)
    await refuse(l1, oracleCall('deleteOutputs', [UNKNOWN, 0n], guardian()), 'OutputNotFound', [UNKNOWN, 0n], state)
    await l1.advance(Number(WINDOW) + 1)
    await refuse(l1, oracleCall('deleteOutputs', [A, 0n], guardian()), 'OutputFinalized', [A, 0n], state)
  })

  test('SuperRootOracle: callers, owner functions, value', async () => {
    const good = encodeSuperRoot(10n, [{ chainId: A, outputRoot: root('A') }, { chainId: B, outputRoot: root('B') }])
    await refuse(l1, superCall('proposeSuperRoot', [10n, good.root, good.preimage, ZERO, 0n], stranger()), 'NotProposer', [stranger()], state)
    await refuse(l1, superCall('setProposer', [stranger()], stranger()), 'NotOwner', [stranger()], state)
    await refuse(l1, superCall('setProposer', [stranger()], proposer()), 'NotOwner', [proposer()], state)
    await refuse(l1, superCall('setChallengeWindow', [0n], stranger()), 'NotOwner', [stranger()], state)
    await refuse(l1, superCall('deleteSuperRoots', [0n], stranger()), 'NotGuardian', [stranger()], state)
    await refuse(l1, superCall('proposeSuperRoot', [10n, good.root, good.preimage, ZERO, 0n], proposer(), 1n), 'EmptyRevert', [], state)
    // A timestamp wider than uint64 does not even decode: Solidity's own check, no data.
    const wide = encodeFunctionData({ abi: superAbi, functionName: 'proposeSuperRoot', args: [10n, good.root, good.preimage, ZERO, 0n] })
    const widened = `${wide.slice(0, 10)}${'00'.repeat(23)}01${wide.slice(10 + 48)}` as Hex
    await refuse(l1, { to: superOracle, functionName: 'proposeSuperRoot (2^64+10)', data: widened, from: proposer() }, 'EmptyRevert', [], state)
  })

  test('SuperRootOracle: malformed, mismatched, unsorted, duplicate and unknown-chain preimages', async () => {
    const t = 20n
    const entry = (chainId: bigint, label: string) => encodePacked(['uint256', 'bytes32'], [chainId, root(label)])
    const header = (version: number, ts: bigint) => encodePacked(['uint8', 'uint64'], [version, ts])
    const propose = (preimage: Hex, ts = t, superRoot = keccak256(preimage)) => superCall('proposeSuperRoot', [ts, superRoot, preimage, ZERO, 0n])
    await refuse(l1, propose('0x'), 'InvalidPreimageLength', [0n], state)
    await refuse(l1, propose(header(1, t)), 'InvalidPreimageLength', [9n], state)
    await refuse(l1, propose(concat([header(1, t), entry(A, 'a'), '0x00'])), 'InvalidPreimageLength', [74n], state)
    await refuse(l1, propose(concat([header(1, t), entry(A, 'a')]).slice(0, -2) as Hex), 'InvalidPreimageLength', [72n], state)
    await refuse(l1, propose(concat([header(2, t), entry(A, 'a')])), 'UnsupportedVersion', undefined, state)
    await refuse(l1, propose(concat([header(1, t + 1n), entry(A, 'a')])), 'PreimageTimestampMismatch', [t, t + 1n], state)
    await refuse(l1, propose(concat([header(1, t), entry(A, 'a')]), t, root('not the hash')), 'PreimageMismatch', undefined, state)
    await refuse(l1, propose(concat([header(1, t), entry(B, 'b'), entry(A, 'a')])), 'ChainsNotSorted', [1n], state)
    await refuse(l1, propose(concat([header(1, t), entry(A, 'a'), entry(A, 'a2')])), 'ChainsNotSorted', [1n], state)
    await refuse(l1, propose(concat([header(1, t), entry(A, 'a'), entry(UNKNOWN, 'u')])), 'ChainNotRegistered', [UNKNOWN], state)
    await refuse(l1, propose(concat([header(1, t), entry(0n, 'zero')])), 'ChainNotRegistered', [0n], state)
    await refuse(l1, propose(concat([header(1, t), entry(A, 'a'), entry(maxUint256, 'max')])), 'ChainNotRegistered', [maxUint256], state)
    // 2,000 entries of one chain: refused at the second entry, whatever the size.
    const many = concat([header(1, t), ...Array.from({ length: 2_000 }, () => entry(A, 'a'))])
    await refuse(l1, { ...propose(many), gas: 20_000_000n }, 'ChainsNotSorted', [1n], state)
    // A good one lands; then the same timestamp and an older one are refused.
    const good = concat([header(1, t), entry(A, 'a'), entry(B, 'b')])
    await mustSend(l1, propose(good))
    await refuse(l1, propose(good), 'TimestampNotIncreasing', [t, t], state)
    const older = concat([header(1, t - 1n), entry(A, 'a')])
    await refuse(l1, propose(older, t - 1n), 'TimestampNotIncreasing', [t, t - 1n], state)
    const later = concat([header(1, t + 5n), entry(A, 'a')])
    await refuse(l1, { ...superCall('proposeSuperRoot', [t + 5n, keccak256(later), later, root('reorged'), await l1.pub.getBlockNumber()]) }, 'L1BlockHashMismatch', undefined, state)
    await refuse(l1, superCall('deleteSuperRoots', [1n], guardian()), 'SuperRootNotFound', [1n], state)
    await refuse(l1, superCall('deleteSuperRoots', [maxUint256], guardian()), 'SuperRootNotFound', [maxUint256], state)
    await l1.advance(Number(WINDOW) + 1)
    await refuse(l1, superCall('deleteSuperRoots', [0n], guardian()), 'SuperRootFinalized', [0n], state)
  })
})
