import { z } from 'zod'
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../../primitives/logger.js'
import { SLOT_TIME_MAX_MS, SLOT_TIME_MIN_MS } from '../../node/options.js'
import { MAX_BLOB_BATCH_BYTES } from '../../settlement/da/index.js'
import { RPC_METHOD_GROUPS } from '../../rpc/options.js'
import { originPatternError } from '../../rpc/origins.js'
import { address, amount, bool, duration, expected, hexBytes, hexWord, host, int, oneOf, port, privateKey, text, url } from './fields.js'

/**
 * The schema of `plexus.yaml` (JSON is read the same way): the whole network for
 * `plexus up` (`l1`, `chains`, `da`, …), the single chain of `plexus node` (`chain`) and
 * the replica (`replica`). Unknown keys are errors at every level. Values come out
 * normalized: durations as numbers (slot time in ms, windows in s), amounts as wei.
 * Relations between fields (unique ids and ports, one slot time, …) are checked by
 * `checkNetwork` after this schema passes. Defaults are applied by `resolveNetwork`.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER
const DAY_S = 86_400

const origin = z
  .string({ error: expected('must be an origin such as "https://app.example" or "http://localhost:*"', 'write scheme://host[:port] (port may be *), or "*" for any origin') })
  .superRefine((value, ctx) => {
    const problem = originPatternError(value)
    if (problem) ctx.addIssue({ code: 'custom', input: value, message: `${problem}` })
  })

/** RPC settings every chain may take (at the top level: for every chain). */
const rpcSurface = {
  corsOrigins: z
    .array(origin, { error: expected('must be a list of origins', 'write e.g. ["https://app.example"], or ["*"] for any origin') })
    .optional()
    .describe('browser origins allowed to call, besides pages on this machine (http(s)://localhost, 127.0.0.1, [::1] on any port) and the dashboard; "*" allows any'),
  expose: z
    .array(oneOf(RPC_METHOD_GROUPS as unknown as readonly [string, ...string[]], 'debug opens debug_traceCall/debug_traceTransaction, operator opens plexus_retryMessage'), {
      error: expected('must be a list of method groups', 'write e.g. [debug]'),
    })
    .optional()
    .describe('restricted method groups served on the public RPC: debug (tracing), operator (plexus_retryMessage); default none (docs/rpc.md)'),
  evmTimeout: duration('ms', 0, 600_000, '5s', 'how long one eth_call, eth_estimateGas or trace may run; 0 = no limit').optional().describe('time limit of eth_call, eth_estimateGas, eth_createAccessList and debug_trace* (default 5s; 0 = none)'),
  wsMaxConnections: int(1, 1_000_000, 'the most WebSocket connections the chain serves at once').optional().describe('open WebSocket connections at most (default 1000)'),
  wsMaxConnectionsPerAddress: int(1, 1_000_000, 'the most WebSocket connections one remote address may hold').optional().describe('open WebSocket connections per remote address at most (default 200)'),
  wsMaxSubscriptions: int(1, 1_000_000, 'the most eth_subscribe subscriptions one connection may hold').optional().describe('live subscriptions per WebSocket connection at most (default 1000)'),
  maxFilters: int(1, 10_000_000, 'the most eth_newFilter-style filters installed at once').optional().describe('installed filters per chain at most (default 10000)'),
}

const rpc = z
  .strictObject({
    host: host('use e.g. 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)').optional().describe('listen address (default 127.0.0.1)'),
    port: port('pick a free TCP port; 0 lets the system choose').optional().describe('HTTP and WebSocket port'),
    ...rpcSurface,
  })
  .describe('where and how the chain serves JSON-RPC (HTTP and WebSocket on one port); the network\'s `rpc` applies to every chain, a chain\'s own overrides it')

const networkRpc = z.strictObject(rpcSurface).describe('RPC settings of every chain (a chain\'s own `rpc` overrides them field by field)')

const embeddedL1 = z
  .strictObject({
    host: host('use 127.0.0.1 unless other machines must reach the L1').optional().describe('listen address of anvil (default 127.0.0.1)'),
    port: port('pick a free TCP port for the embedded anvil').optional().describe('anvil port (default 8545)'),
    chainId: int(1, MAX_SAFE, 'use a chain id no rollup of the network uses').optional().describe('chain id of the embedded L1 (default 900)'),
    blockTime: duration('s', 1, 60, '2s', 'the embedded L1 mines a block every this many seconds').optional().describe('L1 block time, e.g. "2s" (default 2s)'),
  })
  .describe('run an anvil as the L1 (development)')

const l1 = z
  .strictObject({
    embedded: embeddedL1.optional(),
    rpcUrl: url('give the JSON-RPC URL of your Ethereum node, e.g. ${PLEXUS_L1_RPC}').optional().describe('use this Ethereum JSON-RPC as the L1 (no anvil)'),
    deployerKey: privateKey('write it as ${SOME_ENV_VAR} and export the key there, so it stays out of the file')
      .optional()
      .describe('deploys the L1 contracts and funds the batcher/proposer keys derived from it; required with rpcUrl'),
    beaconUrl: url('give the beacon API URL of the L1 consensus client').optional().describe('beacon API of the L1, to read blobs back (required with rpcUrl and da: blobs)'),
    confirmations: int(0, 64, 'use 0 on a dev L1, 2 or more on a real one').optional().describe('L1 blocks a deposit origin must be buried under (default 0 embedded, 2 with rpcUrl)'),
    guardian: address('give the address allowed to delete output roots inside the challenge window').optional().describe('guardian of the output oracle (default the deployer)'),
    maxSequencerDrift: duration('s', 12, 86_400, '1800s', 'OP Mainnet uses 1800s; longer lets the chains run on an old L1 origin longer while the L1 is unreachable')
      .optional()
      .describe('how much older than an L2 block its L1 origin may be before block production pauses for the L1 (default 120s + 12s per confirmation)'),
  })
  .describe('the L1 the network settles on: `embedded` (anvil, the default) or `rpcUrl` + `deployerKey`')

const baseFee = z
  .strictObject({
    initial: amount('give the genesis base fee, e.g. "1 gwei"').optional().describe('base fee of the genesis block (default "1 gwei")'),
    elasticity: int(1, 1000, 'the gas target is gasLimit / elasticity; Ethereum uses 2, OP Mainnet 6').optional().describe('EIP-1559 elasticity multiplier (default 2)'),
    denominator: int(1, 10_000, 'the base fee changes by at most 1/denominator per block; Ethereum uses 8, OP Mainnet 250').optional().describe('EIP-1559 base-fee max change denominator (default 8)'),
  })
  .describe('EIP-1559 parameters, fixed in the genesis')

const prefund = z
  .strictObject({
    devAccounts: bool('true funds the test mnemonic\'s first ten accounts with 10,000 ETH each').optional().describe('fund the 10 dev accounts (default true)'),
    accounts: z
      .record(address('write each account as its 0x-prefixed 20-byte address'), amount('give each balance, e.g. "1000 ether"'))
      .optional()
      .describe('address → balance, e.g. { "0xabc…": "1000 ether" }'),
  })
  .describe('accounts funded at genesis')

const allocAccount = z
  .strictObject({
    balance: amount('give the balance, e.g. "0x0", "1 ether"').optional(),
    nonce: int(0, MAX_SAFE, 'give the account nonce (contracts usually 1)').optional(),
    code: hexBytes('give the runtime bytecode (deployedBytecode), 0x-prefixed').optional(),
    storage: z.record(hexWord('write each storage key as 0x-prefixed hex'), hexWord('write each storage value as 0x-prefixed hex')).optional(),
  })
  .describe('a genesis account in geth format')

const gasToken = z
  .strictObject({
    l1Address: address('give the token\'s address on the L1').optional().describe('the token on L1 (required with l1.rpcUrl; omitted on the embedded L1: a test ERC-20 is deployed)'),
    name: text('must be a token name of 1 to 64 characters', 'set it to the token\'s ERC-20 name()', { max: 64 }).describe('ERC-20 name()'),
    symbol: text('must be a token symbol of 1 to 11 characters', 'set it to the token\'s ERC-20 symbol()', { max: 11 }).describe('ERC-20 symbol()'),
    decimals: int(0, 18, 'set it to the token\'s ERC-20 decimals()').describe('ERC-20 decimals(), 0 … 18'),
  })
  .describe('an ERC-20 as the chain\'s gas token instead of ETH')

export const chainSchema = z
  .strictObject({
    name: text('must be a name of 1 to 64 letters, digits, spaces, dots, dashes or underscores', 'pick a short name for logs and wallets', {
      pattern: /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/,
      max: 64,
    })
      .optional()
      .describe('shown in logs and to wallets (default plexus-<chainId>)'),
    chainId: int(1, MAX_SAFE, 'pick an id no other chain uses (see chainlist.org for public ones)').optional().describe('EIP-155 chain id (default 901 + index)'),
    slotTime: duration('ms', SLOT_TIME_MIN_MS, SLOT_TIME_MAX_MS, '250ms', 'pick the block interval, e.g. "250ms" for a dev network or "2s" as OP chains use').optional().describe('one block per slot, e.g. "250ms" or "2s" (default 250ms; the same on every chain)'),
    gasLimit: int(5_000_000, MAX_SAFE, 'use e.g. 60000000').optional().describe('block gas limit (default 60000000)'),
    baseFee: baseFee.optional(),
    feeRecipient: address('give the address that collects priority fees').optional().describe('coinbase of every block (default the SequencerFeeVault 0x4200…0011)'),
    prefund: prefund.optional(),
    alloc: z.record(address('write each account as its 0x-prefixed 20-byte address'), allocAccount).optional().describe('extra genesis accounts (predeploys) in geth alloc format'),
    gasToken: gasToken.optional(),
    challengeWindow: duration('s', 1, 30 * DAY_S, '7d', 'use seconds on a dev network and "7d" in production').optional().describe('time before withdrawals may use an output root, e.g. "12s", "7d" (default 12s)'),
    acceptShortChallengeWindow: bool('true runs a chain on a real L1 with a challenge window under the 1d minimum (test networks only)')
      .optional()
      .describe('allow a challengeWindow under the minimum (1d) on a real L1: a wrong output root would become final before anyone could delete it'),
    outputIntervalBlocks: int(1, 100_000, 'an output root is proposed every this many blocks').optional().describe('blocks between output roots (default 8)'),
    rpc: rpc.optional(),
  })
  .describe('one rollup of the network')

export const nodeChainSchema = z
  .strictObject({
    chainId: int(1, MAX_SAFE, 'pick an id no other chain uses').optional(),
    slotTimeMs: int(SLOT_TIME_MIN_MS, SLOT_TIME_MAX_MS, 'give the slot time in milliseconds').optional(),
    gasLimit: int(5_000_000, MAX_SAFE, 'use e.g. 60000000').optional(),
    genesis: text('must be a file path', 'point it at a geth-format genesis.json (relative to this file)').optional(),
    feeRecipient: address('give the address that collects priority fees').optional(),
    rpc: rpc.optional(),
  })
  .describe('`plexus node`: one standalone chain without an L1')

export const replicaSchema = z
  .strictObject({
    l1RpcUrl: url('give the L1 JSON-RPC URL, e.g. http://127.0.0.1:8545'),
    registry: address('give the network\'s ChainRegistry address (`plexus addresses`)').optional(),
    rpc: rpc.optional(),
  })
  .describe('`plexus replica`: rebuild every chain from the L1 alone')

export const configSchema = z
  .strictObject({
    datadir: text('must be a directory path', 'give a directory (relative to this file)').optional().describe('data directory (default ./.plexus)'),
    logLevel: oneOf(LOG_LEVELS as unknown as readonly [LogLevel, ...LogLevel[]], 'pick a log level').optional().describe('default info'),
    logFormat: oneOf(LOG_FORMATS as unknown as readonly [LogFormat, ...LogFormat[]], 'pick json (for machines) or pretty (for people)').optional().describe('json or pretty (default: pretty in a terminal, json otherwise)'),
    abiDirs: z
      .array(text('must be a directory path', 'give a Foundry out/ or Hardhat artifacts/ directory (relative to this file)'), { error: expected('must be a list of directories', 'write each as a "- ./out" item') })
      .max(32, { error: 'lists more than 32 directories' })
      .optional()
      .describe('Foundry out/ or Hardhat artifacts/ directories whose contracts the dashboard decodes (as --abi-dir)'),
    l1: l1.optional(),
    chains: z
      .array(chainSchema, { error: expected('must be a list of chains', 'write each chain as a "- chainId: …" item') })
      .min(1, { error: 'must list at least one chain; remove the key for the default two' })
      .max(64, { error: 'lists more than 64 chains; split them into several networks' })
      .optional()
      .describe('the rollups of the network (default two: 901 and 902)'),
    da: oneOf(['calldata', 'blobs'], 'calldata for dev networks, blobs (EIP-4844) on a real L1').optional().describe('how network batches are posted (default calldata)'),
    maxBatchBytes: int(1_000, MAX_BLOB_BATCH_BYTES, 'the default is 120000').optional().describe('largest network batch per L1 transaction, compressed (default 120000)'),
    rpc: networkRpc.optional(),
    devMethods: z
      .boolean({ error: expected('must be true or false', 'write devMethods: false to close them') })
      .optional()
      .describe("serve anvil's dev methods (anvil_*, evm_*, unlocked dev accounts) on a dev network (default true with the embedded L1)"),
    maxBlockDataBytes: int(131_072, 8 * 1024 * 1024, 'at least 131072 (the largest transaction the pool accepts); the default is 524288')
      .optional()
      .describe("most bytes of signed transactions in one chain's block, what data availability must carry (default 524288)"),
    executors: oneOf(['inline', 'thread'], 'inline runs every chain in the coordinator\'s thread, thread gives each chain a worker thread')
      .optional()
      .describe("where each chain's execution, storage, pool and RPC run: inline (the coordinator's thread, the default) or thread (a worker thread per chain; docs/design/executors.md)"),
    chain: nodeChainSchema.optional(),
    replica: replicaSchema.optional(),
  })
  .describe('Plexus configuration (docs/config.md)')

/** A config file as the schema reads it (input) and returns it (normalized). */
export type PlexusConfigInput = z.input<typeof configSchema>
export type PlexusConfig = z.output<typeof configSchema>
export type ChainConfig = z.output<typeof chainSchema>
export type L1Config = NonNullable<PlexusConfig['l1']>
export type RpcConfig = NonNullable<ChainConfig['rpc']>
export type NetworkRpcConfig = NonNullable<PlexusConfig['rpc']>
