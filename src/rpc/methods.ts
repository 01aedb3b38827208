import { BaseError } from '../primitives/errors.js'
import { audit } from './plexus/audit.js'
import type { RpcApi } from './api.js'
import { DevMethodRefusedError, withDevNetwork, type DevApi, type DevNetworkApi, type DevStateApi } from './dev/api.js'
import { getL1Addresses } from './plexus/getL1Addresses.js'
import { syncStatus } from './plexus/syncStatus.js'
import { getBundle } from './plexus/getBundle.js'
import { getContracts } from './plexus/getContracts.js'
import { getChainRegistry } from './plexus/getChainRegistry.js'
import { getMessage } from './plexus/getMessage.js'
import { getMessagesByTx } from './plexus/getMessagesByTx.js'
import { getWithdrawal } from './plexus/getWithdrawal.js'
import { listBundles } from './plexus/listBundles.js'
import { listDeposits } from './plexus/listDeposits.js'
import { listWithdrawals } from './plexus/listWithdrawals.js'
import { listMessages } from './plexus/listMessages.js'
import { relayMessageTx } from './plexus/relayMessageTx.js'
import { retryMessage } from './plexus/retryMessage.js'
import { sendBundle } from './plexus/sendBundle.js'
import { MethodRegistry, type ParamSpec, type RpcContext, type RpcMethod } from './types.js'
import type { RpcMethodGroup } from './options.js'
import { accounts } from './eth/accounts.js'
import { dropAllTransactions, dropTransaction } from './anvil/dropTransaction.js'
import { autoImpersonateAccount, impersonateAccount, stopImpersonatingAccount } from './anvil/impersonateAccount.js'
import { nodeInfo } from './anvil/nodeInfo.js'
import { setBalance } from './anvil/setBalance.js'
import { setCode } from './anvil/setCode.js'
import { setNextBlockBaseFeePerGas } from './anvil/setNextBlockBaseFeePerGas.js'
import { setNonce } from './anvil/setNonce.js'
import { setStorageAt } from './anvil/setStorageAt.js'
import { sendTransaction } from './eth/sendTransaction.js'
import { personalSign, sign, signTypedDataV4 } from './eth/sign.js'
import { blockNumber } from './eth/blockNumber.js'
import { call } from './eth/call.js'
import { chainId } from './eth/chainId.js'
import { createAccessList } from './eth/createAccessList.js'
import { estimateGas } from './eth/estimateGas.js'
import { feeHistory } from './eth/feeHistory.js'
import { gasPrice } from './eth/gasPrice.js'
import { getBalance } from './eth/getBalance.js'
import { getBlockByHash } from './eth/getBlockByHash.js'
import { getBlockByNumber } from './eth/getBlockByNumber.js'
import { getBlockReceipts } from './eth/getBlockReceipts.js'
import { getBlockTransactionCountByHash } from './eth/getBlockTransactionCountByHash.js'
import { getBlockTransactionCountByNumber } from './eth/getBlockTransactionCountByNumber.js'
import { getCode } from './eth/getCode.js'
import { getFilterChanges } from './eth/getFilterChanges.js'
import { getFilterLogs } from './eth/getFilterLogs.js'
import { getLogs } from './eth/getLogs.js'
import { getProof } from './eth/getProof.js'
import { getStorageAt } from './eth/getStorageAt.js'
import { getTransactionByBlockHashAndIndex } from './eth/getTransactionByBlockHashAndIndex.js'
import { getTransactionByBlockNumberAndIndex } from './eth/getTransactionByBlockNumberAndIndex.js'
import { getTransactionByHash } from './eth/getTransactionByHash.js'
import { getTransactionCount } from './eth/getTransactionCount.js'
import { getTransactionReceipt } from './eth/getTransactionReceipt.js'
import { maxPriorityFeePerGas } from './eth/maxPriorityFeePerGas.js'
import { newBlockFilter } from './eth/newBlockFilter.js'
import { newFilter } from './eth/newFilter.js'
import { newPendingTransactionFilter } from './eth/newPendingTransactionFilter.js'
import { sendRawTransaction } from './eth/sendRawTransaction.js'
import { subscribe } from './eth/subscribe.js'
import { syncing } from './eth/syncing.js'
import { uninstallFilter } from './eth/uninstallFilter.js'
import { listening } from './net/listening.js'
import { peerCount } from './net/peerCount.js'
import { version } from './net/version.js'
import { status } from './txpool/status.js'
import { content } from './txpool/content.js'
import { contentFrom } from './txpool/contentFrom.js'
import { clientVersion } from './web3/clientVersion.js'
import { sha3 } from './web3/sha3.js'
import { traceCall } from './debug/traceCall.js'
import { traceTransaction } from './debug/traceTransaction.js'
import { anvilMine } from './anvil/mine.js'
import { increaseTime } from './evm/increaseTime.js'
import { mine } from './evm/mine.js'
import { revert } from './evm/revert.js'
import { setNextBlockTimestamp } from './evm/setNextBlockTimestamp.js'
import { snapshot } from './evm/snapshot.js'

type Method = (api: RpcApi, params: unknown[], ctx: RpcContext) => unknown
type DevMethod = (dev: DevApi, params: unknown[], ctx: RpcContext, api: RpcApi) => unknown

/** name → [implementation, arity]: the whole public surface in one table. */
const METHODS: Record<string, [Method, ParamSpec]> = {
  eth_accounts: [accounts, { max: 0 }],
  eth_blockNumber: [blockNumber, { max: 0 }],
  eth_call: [call, { max: 4, required: 1 }],
  eth_chainId: [chainId, { max: 0 }],
  eth_createAccessList: [createAccessList, { max: 2, required: 1 }],
  eth_estimateGas: [estimateGas, { max: 3, required: 1 }],
  eth_feeHistory: [feeHistory, { max: 3, required: 2 }],
  eth_gasPrice: [gasPrice, { max: 0 }],
  eth_getBalance: [getBalance, { max: 2, required: 1 }],
  eth_getBlockByHash: [getBlockByHash, { max: 2, required: 1 }],
  eth_getBlockByNumber: [getBlockByNumber, { max: 2, required: 1 }],
  eth_getBlockReceipts: [getBlockReceipts, { max: 1, required: 1 }],
  eth_getBlockTransactionCountByHash: [getBlockTransactionCountByHash, { max: 1, required: 1 }],
  eth_getBlockTransactionCountByNumber: [getBlockTransactionCountByNumber, { max: 1, required: 1 }],
  eth_getCode: [getCode, { max: 2, required: 1 }],
  eth_getFilterChanges: [getFilterChanges, { max: 1, required: 1 }],
  eth_getFilterLogs: [getFilterLogs, { max: 1, required: 1 }],
  eth_getLogs: [getLogs, { max: 1, required: 1 }],
  eth_getProof: [getProof, { max: 3, required: 2 }],
  eth_getStorageAt: [getStorageAt, { max: 3, required: 2 }],
  eth_getTransactionByBlockHashAndIndex: [getTransactionByBlockHashAndIndex, { max: 2, required: 2 }],
  eth_getTransactionByBlockNumberAndIndex: [getTransactionByBlockNumberAndIndex, { max: 2, required: 2 }],
  eth_getTransactionByHash: [getTransactionByHash, { max: 1, required: 1 }],
  eth_getTransactionCount: [getTransactionCount, { max: 2, required: 1 }],
  eth_getTransactionReceipt: [getTransactionReceipt, { max: 1, required: 1 }],
  eth_maxPriorityFeePerGas: [maxPriorityFeePerGas, { max: 0 }],
  eth_newBlockFilter: [newBlockFilter, { max: 0 }],
  eth_newFilter: [newFilter, { max: 1, required: 1 }],
  eth_newPendingTransactionFilter: [newPendingTransactionFilter, { max: 1 }],
  eth_sendRawTransaction: [sendRawTransaction, { max: 1, required: 1 }],
  eth_subscribe: [subscribe, { max: 2, required: 1 }],
  eth_syncing: [syncing, { max: 0 }],
  eth_uninstallFilter: [uninstallFilter, { max: 1, required: 1 }],
  net_listening: [listening, { max: 0 }],
  net_peerCount: [peerCount, { max: 0 }],
  net_version: [version, { max: 0 }],
  txpool_content: [content, { max: 0 }],
  txpool_contentFrom: [contentFrom, { max: 1, required: 1 }],
  txpool_status: [status, { max: 0 }],
  web3_clientVersion: [clientVersion, { max: 0 }],
  web3_sha3: [sha3, { max: 1, required: 1 }],
  plexus_getL1Addresses: [getL1Addresses, { max: 0, required: 0 }],
  plexus_syncStatus: [syncStatus, { max: 0, required: 0 }],
  plexus_getContracts: [getContracts, { max: 0, required: 0 }],
  plexus_getChainRegistry: [getChainRegistry, { max: 0, required: 0 }],
  plexus_sendBundle: [sendBundle, { max: 1, required: 1 }],
  plexus_getBundle: [getBundle, { max: 1, required: 1 }],
  plexus_getMessage: [getMessage, { max: 1, required: 1 }],
  plexus_getMessagesByTx: [getMessagesByTx, { max: 2, required: 2 }],
  plexus_retryMessage: [retryMessage, { max: 2, required: 1 }],
  plexus_relayMessageTx: [relayMessageTx, { max: 1, required: 1 }],
  plexus_listMessages: [listMessages, { max: 1, required: 0 }],
  plexus_listBundles: [listBundles, { max: 1, required: 0 }],
  plexus_listDeposits: [listDeposits, { max: 1, required: 0 }],
  plexus_listWithdrawals: [listWithdrawals, { max: 1, required: 0 }],
  plexus_getWithdrawal: [getWithdrawal, { max: 1, required: 1 }],
  plexus_audit: [audit, { max: 0, required: 0 }],
  debug_traceCall: [traceCall, { max: 3, required: 1 }],
  debug_traceTransaction: [traceTransaction, { max: 2, required: 1 }],
}

/**
 * anvil's and Hardhat's dev methods, with their names and semantics: served when the node
 * has a `DevApi` (a chain of a dev network), refused with a clear error on any other.
 */
const DEV_METHODS: Record<string, [DevMethod, ParamSpec]> = {
  anvil_setBalance: [setBalance, { max: 2, required: 2 }],
  hardhat_setBalance: [setBalance, { max: 2, required: 2 }],
  anvil_setCode: [setCode, { max: 2, required: 2 }],
  hardhat_setCode: [setCode, { max: 2, required: 2 }],
  anvil_setStorageAt: [setStorageAt, { max: 3, required: 3 }],
  hardhat_setStorageAt: [setStorageAt, { max: 3, required: 3 }],
  anvil_setNonce: [setNonce, { max: 2, required: 2 }],
  hardhat_setNonce: [setNonce, { max: 2, required: 2 }],
  anvil_impersonateAccount: [impersonateAccount, { max: 1, required: 1 }],
  hardhat_impersonateAccount: [impersonateAccount, { max: 1, required: 1 }],
  anvil_stopImpersonatingAccount: [stopImpersonatingAccount, { max: 1, required: 1 }],
  hardhat_stopImpersonatingAccount: [stopImpersonatingAccount, { max: 1, required: 1 }],
  anvil_autoImpersonateAccount: [autoImpersonateAccount, { max: 1, required: 1 }],
  anvil_setNextBlockBaseFeePerGas: [setNextBlockBaseFeePerGas, { max: 1, required: 1 }],
  hardhat_setNextBlockBaseFeePerGas: [setNextBlockBaseFeePerGas, { max: 1, required: 1 }],
  anvil_dropTransaction: [(_dev, params, _ctx, api) => dropTransaction(api, params), { max: 1, required: 1 }],
  anvil_dropAllTransactions: [(_dev, _params, _ctx, api) => dropAllTransactions(api), { max: 0 }],
  anvil_nodeInfo: [(_dev, _params, _ctx, api) => nodeInfo(api), { max: 0 }],
  eth_sendTransaction: [sendTransaction, { max: 1, required: 1 }],
  eth_sign: [sign, { max: 2, required: 2 }],
  personal_sign: [personalSign, { max: 2, required: 2 }],
  eth_signTypedData_v4: [signTypedDataV4, { max: 2, required: 2 }],
  // Network-wide (every chain and the L1 at once: the chains share one slot clock); see docs/rpc.md.
  evm_increaseTime: [increaseTime, { max: 1, required: 1 }],
  evm_setNextBlockTimestamp: [setNextBlockTimestamp, { max: 1, required: 1 }],
  evm_mine: [mine, { max: 1 }],
  anvil_mine: [anvilMine, { max: 2 }],
  hardhat_mine: [anvilMine, { max: 2 }],
  evm_snapshot: [snapshot, { max: 0 }],
  evm_revert: [revert, { max: 1, required: 1 }],
  plexus_snapshot: [snapshot, { max: 0 }],
  plexus_revert: [revert, { max: 1, required: 1 }],
}

/** The dev methods' names: refused by every node that is not a dev network's sequencer. */
export const DEV_METHOD_NAMES: readonly string[] = Object.keys(DEV_METHODS)

/**
 * Methods closed on the public RPC unless their group is exposed (`rpc.expose`); the
 * admin endpoint reaches them with its token. Everything else is either a read bounded by
 * the RPC limits or the submission of a user's own signed transactions (eth_sendRawTransaction,
 * plexus_sendBundle), which pays for itself. The reasons, per method, are in docs/rpc.md.
 */
export const RESTRICTED_METHODS: Readonly<Record<string, RpcMethodGroup>> = {
  // re-execution with a tracer: many times the cost of the call, on the thread that builds blocks
  debug_traceCall: 'debug',
  debug_traceTransaction: 'debug',
  // relays a failed message again with gas the network's relayer pays for
  plexus_retryMessage: 'operator',
  // walks every account of every chain (the money audit): `plexus audit` reaches it through the admin endpoint
  plexus_audit: 'debug',
}

/**
 * The methods the network's coordinator answers, not the chain's executor: what reads or
 * changes the network (bundles, messages, the registry, the audit), the chain's L1 side
 * (deposits, withdrawals, sync status, which the coordinator follows on L1), and the dev
 * methods that move every chain at once (the shared slot clock, snapshots). A chain whose
 * RPC runs in an executor forwards exactly these (`plexus_networkCall`, see
 * src/executor/networkCall.ts); everything else it answers from its own state.
 */
export const COORDINATOR_METHODS: ReadonlySet<string> = new Set([
  ...Object.keys(METHODS).filter((name) => name.startsWith('plexus_')),
  'evm_increaseTime',
  'evm_setNextBlockTimestamp',
  'evm_mine',
  'anvil_mine',
  'hardhat_mine',
  'evm_snapshot',
  'evm_revert',
  'plexus_snapshot',
  'plexus_revert',
])

/** How a chain's RPC reaches the coordinator for `COORDINATOR_METHODS`. */
export type CoordinatorCall = (method: string, params: unknown[]) => Promise<unknown>

/**
 * Every standard method, bound to the node's API; the restricted ones only when their
 * group is in `expose` (absent, a closed method answers as an unknown one, as geth's
 * disabled namespaces do). With `forward`, the `COORDINATOR_METHODS` are answered by the
 * coordinator through it (after the same exposure rule and arity checks here).
 */
export function createMethodRegistry(api: RpcApi, expose: readonly RpcMethodGroup[] = [], forward?: CoordinatorCall): MethodRegistry {
  const registry = new MethodRegistry()
  const bind = (name: string, local: RpcMethod, spec: ParamSpec) =>
    registry.register(name, forward && COORDINATOR_METHODS.has(name) ? (params) => forward(name, params) : local, spec)
  for (const [name, [fn, spec]] of Object.entries(METHODS)) {
    const group = RESTRICTED_METHODS[name]
    if (group !== undefined && !expose.includes(group)) continue
    bind(name, (params, ctx) => fn(api, params, ctx), spec)
  }
  for (const [name, [fn, spec]] of Object.entries(DEV_METHODS)) {
    bind(
      name,
      (params, ctx) => {
        if (api.dev === undefined) throw new DevMethodRefusedError(name)
        return fn(api.dev, params, ctx, api)
      },
      spec,
    )
  }
  registry.register('eth_unsubscribe', api.subscriptions.unsubscribe, { max: 1, required: 1 })
  return registry
}

/**
 * What the coordinator holds of a chain whose executor runs elsewhere: no pool, filters,
 * subscriptions or dev state (those are the executor's); the network's dev methods.
 */
export type CoordinatorRpcApi = Omit<RpcApi, 'pool' | 'filters' | 'subscriptions' | 'submitRawTransaction' | 'dev'> & { devNetwork?: DevNetworkApi }

/**
 * The coordinator's side of a chain whose RPC runs in an executor: only the
 * `COORDINATOR_METHODS`, every group exposed (the executor applied its own exposure
 * before it forwarded), over the coordinator's reader of the chain, the network, the
 * chain's L1 side and the network's dev methods. None of these methods reads the pool,
 * the filters, the subscriptions or the chain's dev state (they are the executor's); one
 * that did would answer an error naming what it reached for, never a wrong answer.
 */
export function createCoordinatorRegistry(api: CoordinatorRpcApi): MethodRegistry {
  const notHere = (what: string) => ({
    get: (): never => {
      throw new BaseError(`${what} is the chain executor's: the coordinator does not hold it`)
    },
  })
  const full = Object.defineProperties({ ...api } as unknown as RpcApi, {
    pool: notHere('the transaction pool'),
    filters: notHere('the filters'),
    subscriptions: notHere('the subscriptions'),
    submitRawTransaction: notHere('the transaction intake'),
  })
  const devState = Object.defineProperties({} as DevStateApi, {
    applyDevTx: notHere('the dev transaction queue'),
    accounts: notHere('the dev accounts'),
    impersonation: notHere('impersonation'),
    queuedNonce: notHere('the dev transaction queue'),
    queuedBaseFee: notHere('the dev transaction queue'),
    serialize: notHere('the dev transaction queue'),
  })
  const dev = api.devNetwork && withDevNetwork(devState, api.devNetwork)
  const registry = new MethodRegistry()
  for (const [name, [fn, spec]] of Object.entries(METHODS)) {
    if (COORDINATOR_METHODS.has(name)) registry.register(name, (params, ctx) => fn(full, params, ctx), spec)
  }
  for (const [name, [fn, spec]] of Object.entries(DEV_METHODS)) {
    if (!COORDINATOR_METHODS.has(name)) continue
    registry.register(
      name,
      (params, ctx) => {
        if (dev === undefined) throw new DevMethodRefusedError(name)
        return fn(dev, params, ctx, full)
      },
      spec,
    )
  }
  return registry
}
