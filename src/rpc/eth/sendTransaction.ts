import { privateKeyToAccount } from 'viem/accounts'
import { estimateGas as estimate, type CallRequest } from '../../execution/simulate.js'
import { BaseError, InvalidParamsError, RpcErrorCode } from '../../primitives/errors.js'
import { hexToBytes, toData, type Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import type { DevApi } from '../dev/api.js'
import { parseCallRequest } from '../params.js'
import { simulationOptions } from '../simulation.js'
import type { RpcContext } from '../types.js'
import { suggestedTip } from './maxPriorityFeePerGas.js'

/** eth_sendTransaction from an address the node cannot send from (geth: "unknown account"). */
export class UnknownAccountError extends BaseError {
  override name = 'UnknownAccountError'
  constructor(address: Hex) {
    super(`unknown account ${address}: eth_sendTransaction sends from the dev accounts (eth_accounts) or an impersonated one (anvil_impersonateAccount)`, { rpcCode: RpcErrorCode.Server })
  }
}

/**
 * eth_sendTransaction on a dev network, as anvil: the missing nonce, gas and fees are
 * filled (pending nonce, an estimate, twice the next base fee — or a higher one set and
 * still waiting for its block — plus the suggested tip).
 * From a dev account it is signed with the account's key and pooled like any transaction
 * (answers the hash at once); from an impersonated account it becomes a dev transaction
 * (an unsigned call with `from` given) in the next block, answered once that block is
 * committed.
 */
export async function sendTransaction(dev: DevApi, [tx]: unknown[], ctx: RpcContext, api: RpcApi): Promise<Hex> {
  const req = parseCallRequest(tx)
  if (!req.from) throw new InvalidParamsError('invalid argument 0: eth_sendTransaction needs "from"')
  const from = toData(req.from)
  const key = dev.accounts.find((a) => a.address.toLowerCase() === from)?.privateKey
  if (key === undefined && !dev.impersonation.auto && !dev.impersonation.accounts.has(from)) throw new UnknownAccountError(from)
  const gasLimit = req.gas ?? (await estimate(api.chain, api.chain.headHeader(), req, undefined, simulationOptions(api, ctx)))
  // An impersonated call over the block gas limit would wait forever for a block it fits in (the pool refuses signed ones the same way).
  const blockGasLimit = api.chain.headHeader().gasLimit
  if (gasLimit > blockGasLimit) throw new BaseError(`exceeds block gas limit: gas ${gasLimit}, block gas limit ${blockGasLimit}`, { rpcCode: RpcErrorCode.Server })
  const tip = req.maxPriorityFeePerGas ?? req.gasPrice ?? suggestedTip(api)
  // A base fee set but not yet in a block is the one this transaction meets (anvil prices for it too).
  const queuedBaseFee = dev.queuedBaseFee()
  const nextBaseFee = api.chain.nextBaseFee()
  const baseFee = queuedBaseFee !== undefined && queuedBaseFee > nextBaseFee ? queuedBaseFee : nextBaseFee
  const maxFeePerGas = req.maxFeePerGas ?? req.gasPrice ?? 2n * baseFee + tip
  const fields = { gasLimit, maxFeePerGas, maxPriorityFeePerGas: tip > maxFeePerGas ? maxFeePerGas : tip }
  // Nonce and hand-over under the sender's turn: concurrent sends take consecutive nonces.
  const sent = await dev.serialize(from, async () => {
    const pooled = await api.pool.pendingNonce(from)
    const queued = dev.queuedNonce(from)
    const nonce = req.nonce ?? (queued !== undefined && queued > pooled ? queued : pooled)
    if (key !== undefined) return { hash: await api.submitRawTransaction(await signWith(key, api.chain.chainId, req, nonce, fields)) }
    // Queued (not awaited) inside the turn; its block is awaited after the turn.
    const inclusion = dev.applyDevTx({ kind: 'call', from: req.from!, to: req.to, nonce, value: req.value ?? 0n, data: req.data ?? new Uint8Array(0), ...fields })
    return { inclusion }
  })
  return sent.hash ?? (await sent.inclusion!).hash
}

async function signWith(
  key: Hex,
  chainId: bigint,
  req: CallRequest,
  nonce: bigint,
  fields: { gasLimit: bigint; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
): Promise<Uint8Array> {
  const raw = await privateKeyToAccount(key).signTransaction({
    type: 'eip1559',
    chainId: Number(chainId),
    nonce: Number(nonce),
    gas: fields.gasLimit,
    maxFeePerGas: fields.maxFeePerGas,
    maxPriorityFeePerGas: fields.maxPriorityFeePerGas,
    ...(req.to ? { to: toData(req.to) } : {}),
    value: req.value ?? 0n,
    data: toData(req.data ?? new Uint8Array(0)),
    ...(req.accessList ? { accessList: req.accessList.map((e) => ({ address: toData(e.address), storageKeys: e.storageKeys.map(toData) })) } : {}),
  })
  return hexToBytes(raw)
}
