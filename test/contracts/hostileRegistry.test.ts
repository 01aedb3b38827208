// Hostile input on the ChainRegistry and the BatchInbox: every owner function called by others,
// chain id 0 and re-registration, zero addresses, gas tokens that are not usable ERC-20s (no
// code, the ETH placeholder, decimals that revert, burn all gas, exceed 18 or are not one word),
// batches from anyone but the network batcher, empty batches, blob batches without blobs, value
// sent. Each refusal is its named error and changes no chain record, role or batch count.
import { after, before, describe, test } from 'node:test'
import { encodeFunctionData, keccak256, maxUint256, toHex, zeroAddress, type Address, type Hex } from 'viem'
import { loadArtifact } from '../helpers/artifacts.js'
import { mustSend, refuse, type Attempt } from './hostile.js'
import { abis, deploySettlement, registerChain, startL1, type L1 } from './setup.js'

const A = 901n
const WINDOW = 600n
const ETHER: Address = '0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE'

describe('ChainRegistry and BatchInbox under hostile input', () => {
  let l1: L1
  let s: Awaited<ReturnType<typeof deploySettlement>>
  let metadata: Address
  const owner = () => l1.accounts[0]!.address
  const guardian = () => l1.accounts[1]!.address
  const batcher = () => l1.accounts[2]!.address
  const stranger = () => l1.accounts[4]!.address

  const reg = (functionName: string, args: readonly unknown[], from = owner(), value?: bigint): Attempt =>
    ({ to: s.registry, abi: abis.registry, functionName, args, from, value })
  const inbox = (functionName: string, args: readonly unknown[], from = batcher(), value?: bigint): Attempt =>
    ({ to: s.inbox, abi: abis.inbox, functionName, args, from, value })
  const register = (chainId: bigint, b: Address, p: Address, from = owner()) =>
    reg('registerChain', [chainId, keccak256(toHex(chainId)), b, p, WINDOW, '0x'], from)
  const withToken = (chainId: bigint, token: Address) =>
    reg('registerChainWithGasToken', [chainId, keccak256(toHex(chainId)), batcher(), batcher(), WINDOW, '0x', token])

  /** Every role, every chain record, the batch count, and the owner's ETH. */
  async function state() {
    const read = (fn: string, args: readonly unknown[] = []) => l1.read(s.registry, abis.registry, fn, args)
    const ids = await l1.read<bigint[]>(s.registry, abis.registry, 'chainIds')
    return {
      roles: [await read('owner'), await read('guardian'), await read('networkBatcher')],
      ids,
      chains: await Promise.all([...ids, 0n, 777n].map((id) => read('getChain', [id]))),
      batches: await l1.read(s.inbox, abis.inbox, 'batchCount'),
      eth: [await l1.pub.getBalance({ address: owner() }), await l1.pub.getBalance({ address: batcher() }), await l1.pub.getBalance({ address: stranger() })],
    }
  }

  before(async () => {
    l1 = await startL1()
    s = await deploySettlement(l1)
    await registerChain(l1, s.registry, A, WINDOW)
    await mustSend(l1, reg('setNetworkBatcher', [batcher()]))
    metadata = await l1.deploy('MetadataToken')
  })
  after(async () => l1?.stop())

  test('owner functions refuse everyone else', async () => {
    for (const a of [
      register(777n, batcher(), batcher(), stranger()),
      reg('registerChainWithGasToken', [777n, keccak256('0x'), batcher(), batcher(), WINDOW, '0x', metadata], stranger()),
      reg('setBatcher', [A, stranger()], stranger()),
      reg('setProposer', [A, stranger()], stranger()),
      reg('setNetworkBatcher', [stranger()], stranger()),
      reg('setGuardian', [stranger()], stranger()),
      reg('transferOwnership', [stranger()], stranger()),
      reg('transferOwnership', [stranger()], guardian()),
    ]) await refuse(l1, a, 'NotOwner', [a.from], state)
  })

  test('chain ids, zero addresses and unknown chains', async () => {
    await refuse(l1, register(0n, batcher(), batcher()), 'InvalidChainId', [], state)
    await refuse(l1, register(A, batcher(), batcher()), 'ChainAlreadyRegistered', [A], state)
    await refuse(l1, register(777n, zeroAddress, batcher()), 'ZeroAddress', [], state)
    await refuse(l1, register(777n, batcher(), zeroAddress), 'ZeroAddress', [], state)
    await refuse(l1, reg('setBatcher', [A, zeroAddress]), 'ZeroAddress', [], state)
    await refuse(l1, reg('setProposer', [A, zeroAddress]), 'ZeroAddress', [], state)
    await refuse(l1, reg('setNetworkBatcher', [zeroAddress]), 'ZeroAddress', [], state)
    await refuse(l1, reg('transferOwnership', [zeroAddress]), 'ZeroAddress', [], state)
    for (const id of [777n, maxUint256]) {
      await refuse(l1, reg('setBatcher', [id, stranger()]), 'ChainNotRegistered', [id], state)
      await refuse(l1, reg('setProposer', [id, stranger()]), 'ChainNotRegistered', [id], state)
    }
    await refuse(l1, { ...register(777n, batcher(), batcher()), value: 1n }, 'EmptyRevert', [], state)
    // A challenge window wider than uint64 does not decode: Solidity's own check, no data.
    const data = encodeFunctionData({ abi: abis.registry, functionName: 'registerChain', args: [777n, keccak256('0x'), batcher(), batcher(), WINDOW, '0x'] })
    const wide = `${data.slice(0, 10 + 64 * 4)}${'00'.repeat(23)}01${data.slice(10 + 64 * 4 + 48)}` as Hex
    await refuse(l1, { to: s.registry, functionName: 'registerChain (window 2^64+600)', data: wide, from: owner() }, 'EmptyRevert', [], state)
  })

  test('gas tokens that cannot be a native asset', async () => {
    for (const token of [zeroAddress, ETHER, stranger()]) await refuse(l1, withToken(777n, token), 'InvalidGasToken', [token], state)
    for (const [mode, size] of [[2n, 0n], [4n, 0n], [3n, 19n], [3n, 256n], [3n, maxUint256]] as const) {
      await mustSend(l1, { to: metadata, abi: loadArtifact('MetadataToken').abi, functionName: 'setMode', args: [mode, size], from: owner() })
      await refuse(l1, { ...withToken(777n, metadata), gas: 1_000_000n }, 'InvalidGasToken', [metadata], state)
    }
    // A contract without decimals() at all.
    await refuse(l1, withToken(777n, s.inbox), 'InvalidGasToken', [s.inbox], state)
  })

  test('BatchInbox: only the network batcher, never empty, blob batches need blobs, no value', async () => {
    await refuse(l1, inbox('submitNetworkBatch', ['0x01'], stranger()), 'NotBatcher', [stranger()], state)
    await refuse(l1, inbox('submitNetworkBatch', ['0x01'], owner()), 'NotBatcher', [owner()], state)
    await refuse(l1, inbox('submitNetworkBlobBatch', [], stranger()), 'NotBatcher', [stranger()], state)
    await refuse(l1, inbox('submitNetworkBatch', ['0x']), 'EmptyBatch', [], state)
    await refuse(l1, inbox('submitNetworkBlobBatch', []), 'NoBlobs', [], state)
    await refuse(l1, inbox('submitNetworkBatch', ['0x01'], batcher(), 1n), 'EmptyRevert', [], state)
    // The chain's batcher of record is not the network batcher: it cannot post.
    await mustSend(l1, reg('setNetworkBatcher', [l1.accounts[3]!.address]))
    await refuse(l1, inbox('submitNetworkBatch', ['0x01']), 'NotBatcher', [batcher()], state)
  })
})
