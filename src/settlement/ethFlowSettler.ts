import { encodeAbiParameters, keccak256, type Hex } from 'viem'
import type { ChainReader } from '../execution/chainReader.js'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { hexToBytes } from '../primitives/hex.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import { SingleFlight } from '../primitives/singleFlight.js'
import { abiOf } from './l1/abis.js'
import type { L1Tracker } from './l1/l1Tracker.js'
import { abortable, L1AbortedError, reasonOf, writeAndWait, type L1Signer } from './l1/l1Transactions.js'
import { outputAt } from './outputRoot.js'

/** Storage slot of the message passer's `ethSentTo` mapping (see L2ToL1MessagePasser.sol). */
export const ETH_SENT_TO_SLOT = 2n

/** The storage key of `ethSentTo[destination]` in the message passer. */
export function ethSentToKey(destination: bigint): Hex {
  return keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }], [destination, ETH_SENT_TO_SLOT]))
}

/** ETH `chain` had sent to each of `destinations` (in total) in the state at `stateRoot`. */
export async function ethSentAt(chain: ChainReader, stateRoot: Uint8Array, destinations: readonly bigint[]): Promise<bigint[]> {
  const passer = hexToBytes(PREDEPLOYS.L2ToL1MessagePasser)
  return Promise.all(
    destinations.map(async (d) => {
      const raw = await chain.storageAt(stateRoot, passer, hexToBytes(ethSentToKey(d)))
      return raw.length === 0 ? 0n : BigInt(`0x${Buffer.from(raw).toString('hex')}`)
    }),
  )
}

export interface FlowChain {
  chainId: bigint
  chain: ChainReader
  /** Whether the chain's native asset is ETH (a gas-token chain sends no ETH). */
  eth: boolean
}

export interface EthFlowSettlerOptions {
  portal: Hex
  oracle: Hex
  chains: () => readonly FlowChain[]
}

/**
 * Keeps L1 escrow following ETH across chains: whenever a chain's newest output root is
 * final, moves the escrow behind the ETH it sent to other chains (as that output commits
 * to, in its message passer's `ethSentTo`) from its `ethLocked` to theirs with
 * `Portal.settleEthFlows`. Without it, ETH that reached a chain over interop could be
 * withdrawn only out of the escrow of that chain's own depositors. Anyone can do the same
 * (the call is permissionless); the network does it for its users.
 */
export class EthFlowSettler implements Lifecycle {
  /** Per chain, the output index last looked at: an output is settled once. */
  private readonly done = new Map<bigint, bigint>()
  private readonly abort = new AbortController()
  private unsubscribe: (() => void) | undefined
  private readonly rounds = new SingleFlight(
    () => this.settleAll(),
    (err) => {
      if (!(err instanceof L1AbortedError)) this.logger.warn({ err: reasonOf(err) }, 'settling inter-chain ETH flows failed; retrying on the next L1 block')
    },
  )

  constructor(
    private readonly tracker: L1Tracker,
    private readonly signer: L1Signer,
    private readonly options: EthFlowSettlerOptions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = this.tracker.onHead(() => void this.kick())
  }

  async stop(): Promise<void> {
    this.unsubscribe?.()
    this.abort.abort()
    await this.rounds.stop()
  }

  kick(): Promise<void> {
    return this.rounds.run()
  }

  private signal(): AbortSignal {
    return this.signer.signal ? AbortSignal.any([this.abort.signal, this.signer.signal]) : this.abort.signal
  }

  private read<T>(address: Hex, contract: 'Portal' | 'OutputOracle', functionName: string, args: unknown[]): Promise<T> {
    return abortable(this.signer.publicClient.readContract({ address, abi: abiOf(contract), functionName, args }) as Promise<T>, this.signal(), functionName)
  }

  private async settleAll(): Promise<void> {
    const chains = this.options.chains()
    const ids = chains.map((c) => c.chainId)
    for (const c of chains) {
      if (!c.eth) continue
      const destinations = ids.filter((id) => id !== c.chainId)
      if (destinations.length > 0) await this.settleChain(c, destinations)
    }
  }

  /** Settles `c`'s flows against its newest final output, if it has a new one. */
  private async settleChain(c: FlowChain, destinations: bigint[]): Promise<void> {
    const { oracle, portal } = this.options
    const count = await this.read<bigint>(oracle, 'OutputOracle', 'outputCount', [c.chainId])
    let index = count - 1n
    // The newest outputs are still in their challenge window; the final one is a few back.
    while (index >= 0n && !(await this.read<boolean>(oracle, 'OutputOracle', 'isFinalized', [c.chainId, index]))) index--
    if (index < 0n || this.done.get(c.chainId) === index) return
    const output = await this.read<{ l2BlockNumber: bigint }>(oracle, 'OutputOracle', 'getOutput', [c.chainId, index])
    const block = c.chain.getBlockByNumber(output.l2BlockNumber)
    if (!block) return // not built here (a replica behind): nothing to prove from
    const totals = await ethSentAt(c.chain, block.header.stateRoot, destinations)
    const settled = await Promise.all(destinations.map((d) => this.read<bigint>(portal, 'Portal', 'ethFlowSettled', [c.chainId, d])))
    const moving = destinations.filter((_, i) => totals[i]! > settled[i]!)
    if (moving.length > 0) {
      const { proof } = await outputAt(c.chain, output.l2BlockNumber)
      const storage = await c.chain.proofAt(
        block.header.stateRoot,
        hexToBytes(PREDEPLOYS.L2ToL1MessagePasser),
        moving.map((d) => hexToBytes(ethSentToKey(d))),
      )
      await writeAndWait(
        this.signer,
        {
          address: portal,
          abi: abiOf('Portal'),
          functionName: 'settleEthFlows',
          args: [c.chainId, index, proof, moving, storage.storageProof.map((p) => p.proof)],
        },
        this.signal(),
      )
      this.logger.info({ chainId: c.chainId.toString(), outputIndex: index.toString(), destinations: moving.map(String) }, 'inter-chain ETH flows settled on L1')
    }
    this.done.set(c.chainId, index)
  }
}
