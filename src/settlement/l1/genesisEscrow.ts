import { erc20Abi, toHex, type Hex } from 'viem'
import type { GasToken } from '../../execution/gasToken.js'
import type { GethGenesis } from '../../execution/genesis.js'
import { PREDEPLOYS } from '../../execution/predeploys.js'
import { loadArtifact } from '../../primitives/artifacts.js'
import type { Logger } from '../../primitives/logger.js'
import { abiOf } from './abis.js'
import { writeAndWait, type L1Signer } from './l1Transactions.js'
import { inSendQueue } from './sendQueue.js'

/**
 * The native asset a genesis creates on L2, in wei: every account's balance but
 * ETHLiquidity's, which is the interop bridge's reserve and never circulates (ETH leaves
 * it only as ETH that was burned into it on another chain).
 */
export function genesisNativeSupply(genesis: GethGenesis): bigint {
  const reserve = PREDEPLOYS.ETHLiquidity.toLowerCase()
  let total = 0n
  for (const [address, account] of Object.entries(genesis.alloc)) {
    if (address.toLowerCase() !== reserve && account.balance) total += BigInt(account.balance)
  }
  return total
}

/** L1 units that back `wei` of a chain's native asset: wei for ETH, whole token units (rounded up) for a gas token. */
export function l1UnitsFor(wei: bigint, gasToken: Pick<GasToken, 'decimals'> | undefined): bigint {
  if (!gasToken) return wei
  const unit = 10n ** BigInt(18 - gasToken.decimals)
  return (wei + unit - 1n) / unit
}

export interface BackGenesisParams {
  portal: Hex
  chainId: bigint
  /** The genesis' native supply (see `genesisNativeSupply`), in L2 wei. */
  supply: bigint
  gasToken?: GasToken
  /** The gas token was deployed by the network (a dev token the deployer may mint). */
  devGasToken?: boolean
  logger: Logger
}

/**
 * Backs a chain's genesis balances with L1 escrow on the embedded dev L1, so that every
 * wei on L2 can be withdrawn as it will be in production: the deployer is given the ETH
 * (`anvil_setBalance`; the dev L1 is anvil) or mints the dev gas token, then escrows it in
 * the Portal (`escrowEth` / `escrowGasToken`). Idempotent across restarts and crashes:
 * only what `Portal.escrowAdded` does not hold yet is added.
 */
export async function backGenesis(deployer: L1Signer, p: BackGenesisParams): Promise<void> {
  const { publicClient, account } = deployer
  const portalAbi = abiOf('Portal')
  const needed = l1UnitsFor(p.supply, p.gasToken)
  const added = (await publicClient.readContract({ address: p.portal, abi: portalAbi, functionName: 'escrowAdded', args: [p.chainId] })) as bigint
  if (added >= needed) return
  const missing = needed - added
  if (!p.gasToken) {
    // Read and raised in the deployer's send queue: chains registered at once each add
    // their own top-up to what the others left (outside it, one would overwrite another).
    await inSendQueue(deployer.sends, async () => {
      const balance = await publicClient.getBalance({ address: account.address })
      // Gas for the escrow call on top of what it moves.
      await publicClient.request({ method: 'anvil_setBalance' as never, params: [account.address, toHex(balance + missing + 10n ** 18n)] as never })
    })
    await writeAndWait(deployer, { address: p.portal, abi: portalAbi, functionName: 'escrowEth', args: [p.chainId], value: missing })
  } else {
    if (!p.devGasToken) {
      p.logger.warn({ chainId: p.chainId.toString(), token: p.gasToken.address, missing: missing.toString() }, "the chain's genesis balances are not backed on L1: the gas token is not the network's dev token, so they cannot be escrowed; withdrawals of them will fail")
      return
    }
    const token = p.gasToken.address
    await writeAndWait(deployer, { address: token, abi: loadArtifact('DevGasToken').abi, functionName: 'mint', args: [account.address, missing] })
    await writeAndWait(deployer, { address: token, abi: erc20Abi, functionName: 'approve', args: [p.portal, missing] })
    await writeAndWait(deployer, { address: p.portal, abi: portalAbi, functionName: 'escrowGasToken', args: [p.chainId, missing] })
  }
  p.logger.info({ chainId: p.chainId.toString(), escrowed: missing.toString(), asset: p.gasToken?.symbol ?? 'ETH' }, "the chain's genesis balances are backed by L1 escrow")
}
