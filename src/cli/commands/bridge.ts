import { erc20Abi, formatUnits, parseUnits, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../execution/genesis.js'
import { toNativeWei } from '../../execution/gasToken.js'
import { ConfigError } from '../../primitives/errors.js'
import { addressFlag, privateKeyFlag } from '../flags.js'
import {
  createBridgeContext,
  depositERC20,
  depositETH,
  depositGasToken,
  finalizableAt,
  finalizeWithdrawal,
  initiateWithdrawal,
  l2TokenFor,
  proveWithdrawal,
  waitForL1Time,
  waitForOutput,
  type BridgeContext,
} from '../../settlement/actions/bridge.js'
import { BaseError } from '../../primitives/errors.js'
import { chainRpcUrl, type NetworkTarget } from '../adminClient.js'

export interface BridgeCommandOptions extends NetworkTarget {
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
  // Parse the amount before any network call, so a typo fails at once and offline.
  parseAmountSyntax(opts.amount)
  // The running network says where its chain listens (never a guessed port: another network may sit on the dev ports).
  const l2Url = opts.l2Rpc ?? (await chainRpcUrl(opts, opts.chain))
  let ctx: BridgeContext
  try {
    ctx = await createBridgeContext({ l2Url, l1Url: opts.l1Rpc, account: privateKeyToAccount(key) })
  } catch (err) {
    throw new BaseError(`the RPC of chain ${opts.chain} (${l2Url}) does not answer as a Plexus chain`, {
      details: opts.l2Rpc ? 'check --l2-rpc, or drop it to use the network running on --datadir' : 'is the network still running? see `plexus status`',
      cause: err,
    })
  }
  if (ctx.l2ChainId !== BigInt(opts.chain)) throw new ConfigError('--l2-rpc', `${l2Url} is chain ${ctx.l2ChainId}, not ${opts.chain}`)
  return ctx
}

/**
 * Decimals `--amount` is given in: the token's for --token, else the native asset's L1
 * decimals (18 for ETH, e.g. 6 for a USDC gas token).
 */
async function decimalsOf(ctx: BridgeContext, token: Hex | undefined): Promise<number> {
  return token ? ctx.l1.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' }) : ctx.nativeAsset.decimals
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
  // The L2 native balance has 18 decimals whatever the gas token's.
  const [expected, l2Decimals] = l2Token ? [amount, decimals] : [toNativeWei(amount, decimals), 18]
  const before = await balance()
  const receipt = token
    ? await depositERC20(ctx, { token, amount, to })
    : ctx.nativeAsset.custom
      ? await depositGasToken(ctx, { amount, to })
      : await depositETH(ctx, { amount, to })
  stage(opts, 'l1-included', { l1Block: receipt.blockNumber, l1Tx: receipt.transactionHash })
  for (;;) {
    const now = await balance()
    if (now - before >= expected) {
      stage(opts, 'arrived', {
        chain: opts.chain,
        to,
        balance: formatUnits(now, l2Decimals),
        ...(l2Token ? { l2Token } : { asset: ctx.nativeAsset.symbol }),
      })
      return
    }
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** `plexus withdraw`: L2 → L1; with --wait, through proof and finalization. */
export async function withdraw(opts: BridgeCommandOptions): Promise<void> {
  const ctx = await context(opts)
  const token = opts.token as Hex | undefined
  const decimals = await decimalsOf(ctx, token)
  const amount = parseAmount(opts.amount, decimals)
  const l2Token = token ? await l2TokenFor(ctx, token) : undefined
  // The native asset leaves L2 as wei (18 decimals); L1 pays out token units.
  const l2Amount = l2Token ? amount : toNativeWei(amount, decimals)
  const w = await initiateWithdrawal(ctx, { amount: l2Amount, to: opts.to as Hex | undefined, l2Token })
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

function parseAmountSyntax(value: string): void {
  if (!/^\d{1,60}(\.\d{1,60})?$/.test(value)) throw new ConfigError('--amount', `"${value.slice(0, 80)}" is not a positive decimal number (e.g. 1.5)`)
}

function parseAmount(value: string, decimals: number): bigint {
  parseAmountSyntax(value)
  // parseUnits would round the extra digits away; say so instead.
  const places = value.split('.')[1]?.replace(/0+$/, '').length ?? 0
  if (places > decimals) throw new ConfigError('--amount', `"${value}" has ${places} decimal places; the asset has ${decimals}`)
  const amount = parseUnits(value, decimals)
  if (amount === 0n) throw new ConfigError('--amount', 'must be greater than 0')
  return amount
}
