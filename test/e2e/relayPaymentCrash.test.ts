import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { encodeFunctionData, parseAbi, toEventSelector, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PREDEPLOYS } from '../../src/execution/predeploys.js'
import { readAdminRecord } from '../../src/node/adminEndpoint.js'
import { loadArtifact } from '../helpers/artifacts.js'
import { rpc, waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'
import { freeNetworkPorts, headOf, killNetwork, spawnUp, type UpProcess } from '../helpers/upProcess.js'

/**
 * kill -9 of a real `plexus up` between a relay payment's inclusion and its relay.
 *
 * A paid message from 901 to 902 is relayed in the slot that includes it (901's block is
 * built first); one from 902 to 901 in the slot after. The fault hook (`--fault-injection`,
 * `admin_injectFault kill-between-chain-commits`) kills the process after 901's block of a slot
 * is committed and before 902's is: the first message's relay and the second's payment are
 * then only in the slot record. Invariant after the restart: paid ⇒ relayed exactly once
 * (one `RelayedMessage` log, one call of the target, no second relay attempt by the network).
 */

const probeAbi = parseAbi([
  'function sendPaid(uint256 destination, address target, bytes message, uint256 gasLimit) payable returns (bytes32)',
  'function record()',
  'function calls() view returns (uint256)',
])
const RECORD = encodeFunctionData({ abi: probeAbi, functionName: 'record' })
const RELAYED_MESSAGE = toEventSelector('RelayedMessage(uint256,uint256,bytes32,bytes32)')
const GWEI = 1_000_000_000n

describe('kill -9 between a relay payment and its relay (real process)', { timeout: 300_000 }, () => {
  const { dir, cleanup } = tempDir()
  const datadir = path.join(dir, 'data')
  const user = privateKeyToAccount(devAccounts()[2]!.privateKey)
  let urls: Record<number, string>
  let args: string[]
  let up: UpProcess | undefined
  let probe: Hex

  async function send(chainId: number, req: { to?: Hex; data: Hex; value?: bigint; gas: bigint }): Promise<Hex> {
    const nonce = Number(BigInt(await rpc<Hex>(urls[chainId]!, 'eth_getTransactionCount', [user.address, 'pending'])))
    const raw = await user.signTransaction({ chainId, nonce, type: 'eip1559', to: req.to, data: req.data, value: req.value, gas: req.gas, maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: GWEI })
    return rpc<Hex>(urls[chainId]!, 'eth_sendRawTransaction', [raw])
  }
  const receiptOf = (chainId: number, hash: Hex) =>
    waitFor(() => rpc<{ status: Hex; blockNumber: Hex; contractAddress: Hex | null } | null>(urls[chainId]!, 'eth_getTransactionReceipt', [hash]), 60_000, `receipt ${hash} on ${chainId}`)
  const calls = async (chainId: number) => BigInt(await rpc<Hex>(urls[chainId]!, 'eth_call', [{ to: probe, data: encodeFunctionData({ abi: probeAbi, functionName: 'calls' }) }, 'latest']))
  const getMessage = (chainId: number, hash: Hex) => rpc<{ status: string; destinationTx: Hex | null; relayAttempts: Hex } | null>(urls[chainId]!, 'plexus_getMessage', [hash])

  async function admin(method: string, params: unknown[]): Promise<unknown> {
    const record = readAdminRecord(path.join(datadir, 'admin.json'))!
    const res = await fetch(record.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${record.token}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
    const body = (await res.json()) as { result?: unknown; error?: { message: string } }
    if (body.error) throw new Error(`${method}: ${body.error.message}`)
    return body.result
  }

  before(async () => {
    const ports = await freeNetworkPorts(2)
    urls = { 901: `http://127.0.0.1:${ports.chains[0]}`, 902: `http://127.0.0.1:${ports.chains[1]}` }
    // A 1 s slot: the payment sent just before the fault is armed lands in the slot the fault cuts.
    const config = path.join(dir, 'plexus.yaml')
    writeFileSync(config, `l1:\n  embedded: { port: ${ports.l1}, blockTime: 1s }\nchains:\n${ports.chains.map((p) => `  - rpc: { port: ${p} }\n    slotTime: 1s`).join('\n')}\n`)
    args = ['--config', config, '--datadir', datadir, '--no-dashboard', '--log-level', 'info', '--fault-injection']
    up = await spawnUp(args, Object.values(urls))
    // The probe at the same address on both chains (the same deployer and nonce): sender and target.
    const deployed = await Promise.all([901, 902].map(async (id) => (await receiptOf(id, await send(id, { data: loadArtifact('RelayGasProbe').bytecode as Hex, gas: 2_000_000n }))).contractAddress!))
    assert.equal(deployed[0], deployed[1])
    probe = deployed[0]!
  })
  after(async () => {
    await killNetwork(up, datadir)
    cleanup()
  })

  it('a payment committed on 901 with its relay on 902 cut off, and a payment on 902 cut off: after restart each is relayed exactly once', async () => {
    let before = { 901: 0n, 902: 0n }
    let cut: bigint | undefined
    let sent: { 901: Hex; 902: Hex } | undefined
    // The payments must land in the slot the kill cuts; if they landed in the next one (the
    // fault fired in a slot already building when they arrived), the network is killed again.
    for (let attempt = 1; attempt <= 3 && cut === undefined; attempt++) {
      before = { 901: await calls(901), 902: await calls(902) }
      const txs = await Promise.all(([[901, 902], [902, 901]] as const).map(([from, to]) =>
        send(from, { to: probe, gas: 1_000_000n, value: 10n ** 16n, data: encodeFunctionData({ abi: probeAbi, functionName: 'sendPaid', args: [BigInt(to), probe, RECORD, 100_000n] }) })))
      await admin('admin_injectFault', [{ point: 'kill-between-chain-commits' }])
      const { signal } = await up!.exited
      assert.equal(signal, 'SIGKILL')
      up = await spawnUp(args, Object.values(urls))
      const finished = up.logs('finished a slot that was cut short')
      assert.equal(finished.length, 1, 'the restart finished the slot the kill cut')
      const slot = BigInt(finished[0]!.slot as string)
      const blocks = await Promise.all([receiptOf(901, txs[0]!), receiptOf(902, txs[1]!)])
      console.log(`attempt ${attempt}: the kill cut slot ${slot}; the payments are in blocks ${blocks.map((b) => BigInt(b.blockNumber)).join(' and ')}`)
      if (blocks.every((b) => BigInt(b.blockNumber) === slot)) {
        cut = slot
        sent = { 901: txs[0]!, 902: txs[1]! }
      } else {
        // Missed: let this attempt's messages be relayed before counting the targets' calls again.
        const [[a], [b]] = await Promise.all([
          rpc<{ msgHash: Hex }[]>(urls[901]!, 'plexus_getMessagesByTx', ['0x385', txs[0]]),
          rpc<{ msgHash: Hex }[]>(urls[902]!, 'plexus_getMessagesByTx', ['0x386', txs[1]]),
        ])
        await waitFor(async () => (await getMessage(902, a!.msgHash))?.status === 'relayed' && (await getMessage(901, b!.msgHash))?.status === 'relayed', 60_000, 'the missed attempt relayed')
      }
    }
    assert.ok(cut !== undefined && sent, 'the kill never cut the slot with the payments in 3 attempts')
    const cutSlot: bigint = cut

    const [[to902], [to901]] = await Promise.all([
      rpc<{ msgHash: Hex }[]>(urls[901]!, 'plexus_getMessagesByTx', ['0x385', sent[901]]),
      rpc<{ msgHash: Hex }[]>(urls[902]!, 'plexus_getMessagesByTx', ['0x386', sent[902]]),
    ])
    const relayed = { 902: to902!.msgHash, 901: to901!.msgHash }
    for (const dest of [901, 902] as const) {
      await waitFor(async () => (await getMessage(dest, relayed[dest]))?.status === 'relayed', 60_000, `the message to ${dest} relayed after the restart`)
    }
    // Several more slots: nothing is relayed a second time.
    const heads = await Promise.all([901, 902].map((id) => headOf(urls[id]!)))
    await waitFor(async () => (await Promise.all([901, 902].map((id) => headOf(urls[id]!)))).every((h, i) => h >= heads[i]! + 5n), 60_000, 'five more slots')

    for (const dest of [901, 902] as const) {
      const logs = await rpc<{ blockNumber: Hex; transactionHash: Hex }[]>(urls[dest]!, 'eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest', address: PREDEPLOYS.L2ToL2CrossDomainMessenger, topics: [RELAYED_MESSAGE, null, null, relayed[dest]] }])
      assert.equal(logs.length, 1, `the message to ${dest} relayed exactly once`)
      // The relay the record recovered is the one the tracker knows (never a second one).
      assert.equal((await getMessage(dest, relayed[dest]))!.destinationTx, logs[0]!.transactionHash)
      assert.equal(await calls(dest), before[dest] + 1n, `the target on ${dest} ran exactly once`)
      // No relay attempt by the network failed since the cut (a second relay would revert: MessageAlreadyRelayed).
      const relayer = (await rpc<{ from: Hex }>(urls[dest]!, 'eth_getTransactionByHash', [logs[0]!.transactionHash])).from.toLowerCase()
      const head = await headOf(urls[dest]!)
      for (let n = cutSlot - 1n; n <= head; n++) {
        const block = await rpc<{ transactions: { hash: Hex; from: Hex }[] }>(urls[dest]!, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, true])
        for (const t of block.transactions.filter((x) => x.from.toLowerCase() === relayer)) {
          assert.equal((await receiptOf(dest, t.hash)).status, '0x1', `a network relay in block ${n} of ${dest} failed`)
        }
      }
    }
    // The one to 902 was relayed in the cut slot itself (from the record), the one to 901 in a later slot.
    const m902 = await rpc<{ destinationBlock: Hex }>(urls[902]!, 'plexus_getMessage', [relayed[902]])
    assert.equal(BigInt(m902.destinationBlock), cutSlot, 'the relay to 902 is the one the slot record carried')
  })
})
