import { erc20Abi, formatUnits, parseUnits, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../execution/genesis.js'
import { ConfigError } from '../../primitives/errors.js'
import { addressFlag, privateKeyFlag } from '../flags.js'
import {
  createBridgeContext,
  depositERC20,
  depositETH,
  finalizableAt,
  finalizeWithdrawal,
  initiateWithdrawal,
  l2TokenFor,
  proveWithdrawal,
  waitForL1Time,
  waitForOutput,
  BridgeError,
  type BridgeContext,
} from '../../settlement/actions/bridge.js'
import { abiOf } from '../../settlement/l1/abis.js'
import { DEV_NETWORK } from '../../node/network.js'

export interface BridgeCommandOptions {
  chain: number
  amount: string
  token?: string
  to?: string
  key?: string
  l2Rpc?: string
  l1Rpc?: string
  json?: boolean
  wait?: boolean
}

/** Prints a stage: one JSON line with --json, a readable line otherwise. */
function stage(opts: BridgeCommandOptions, name: string, fields: Record<string, unknown>): void {
  if (opts.json) process.stdout.write(JSON.stringify({ stage: name, ...fields }, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n')
  else process.stdout.write(`${name.padEnd(12)} ${Object.entries(fields).map(([k, v]) => `${k}=${String(v)}`).join(' ')}\n`)
}

async function context(opts: BridgeCommandOptions): Promise<BridgeContext> {
  const key = opts.key ? privateKeyFlag('--key', opts.key) : devAccounts()[0]!.privateKey
  if (opts.to !== undefined) addressFlag('--to', opts.to)
  if (opts.token !== undefined) addressFlag('--token', opts.token)
  // The dev network's convention: chain 901 on 9545, 902 on 9546, …
  const l2Url = opts.l2Rpc ?? `http://127.0.0.1:${DEV_NETWORK.firstPort + opts.chain - DEV_NETWORK.firstChainId}`
  return createBridgeContext({ l2Url, l1Url: opts.l1Rpc, account: privateKeyToAccount(key) })
}

async function decimalsOf(ctx: BridgeContext, token: Hex | undefined): Promise<number> {
  return token ? ctx.l1.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' }) : 18
}

/** `plexus deposit`: L1 → L2, waits until the L2 balance shows it. */
export async function deposit(opts: BridgeCommandOptions): Promise<void> {
  const ctx = await context(opts)
  const token = opts.token as Hex | undefined
  const to = (opts.to ?? ctx.account.address) as Hex
  const decimals = await decimalsOf(ctx, token)
  const amount = parseAmount(opts.amount, decimals)
  const l2Token = token ? await l2TokenFor(ctx, token) : undefined
  const balance = async () =>
    l2Token
      ? (await ctx.l2.getCode({ address: l2Token })) ? ctx.l2.readContract({ address: l2Token, abi: erc20Abi, functionName: 'balanceOf', args: [to] }) : 0n
      : ctx.l2.getBalance({ address: to })
  const before = await balance()
  const receipt = token ? await depositERC20(ctx, { token, amount, to }) : await depositETH(ctx, { amount, to })
  stage(opts, 'l1-included', { l1Block: receipt.blockNumber, l1Tx: receipt.transactionHash })
  for (;;) {
    const now = await balance()
    if (now - before >= amount) {
      stage(opts, 'arrived', { chain: opts.chain, to, balance: formatUnits(now, decimals), ...(l2Token ? { l2Token } : {}) })
      return
    }
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** `plexus withdraw`: L2 → L1; with --wait, through proof and finalization. */
export async function withdraw(opts: BridgeCommandOptions): Promise<void> {
  const ctx = await context(opts)
  const token = opts.token as Hex | undefined
  const amount = parseAmount(opts.amount, await decimalsOf(ctx, token))
  const l2Token = token ? await l2TokenFor(ctx, token) : undefined
  // Each chain can only take back what was deposited to it on L1 (ETH minted at genesis
  // is not backed there): refuse before burning anything on L2.
  const locked = (await ctx.l1.readContract({
    address: ctx.addresses.Portal,
    abi: abiOf('Portal'),
    functionName: token ? 'erc20Locked' : 'ethLocked',
    args: token ? [ctx.l2ChainId, token] : [ctx.l2ChainId],
  })) as bigint
  if (locked < amount) {
    throw new BridgeError(`the portal holds ${locked} (base units) deposited to chain ${opts.chain}, less than the ${amount} to withdraw`, {
      details: 'only funds deposited from L1 can be withdrawn to L1 (genesis balances are not backed there); deposit first with `plexus deposit`',
    })
  }
  const w = await initiateWithdrawal(ctx, { amount, to: opts.to as Hex | undefined, l2Token })
  stage(opts, 'initiated', { l2Block: w.l2BlockNumber, l2Tx: w.l2TxHash, withdrawalHash: w.withdrawalHash })
  if (!opts.wait) return
  const output = await waitForOutput(ctx, w.l2BlockNumber)
  stage(opts, 'output', { outputIndex: output.outputIndex, l2Block: output.l2BlockNumber, root: output.outputRoot })
  const proven = await proveWithdrawal(ctx, w, output)
  const provenAt = (await ctx.l1.getBlock({ blockNumber: proven.blockNumber })).timestamp
  const readyAt = await finalizableAt(ctx, provenAt)
  stage(opts, 'proven', { l1Tx: proven.transactionHash, finalizableAt: new Date(Number(readyAt) * 1000).toISOString() })
  await waitForL1Time(ctx, readyAt)
  const finalized = await finalizeWithdrawal(ctx, w)
  stage(opts, 'finalized', { l1Tx: finalized.transactionHash })
}

function parseAmount(value: string, decimals: number): bigint {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new ConfigError('--amount', `"${value}" is not a positive decimal number (e.g. 1.5)`)
  const amount = parseUnits(value, decimals)
  if (amount === 0n) throw new ConfigError('--amount', 'must be greater than 0')
  return amount
}
