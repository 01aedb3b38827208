#!/usr/bin/env node
import { audit } from './commands/audit.js'
import { Command, InvalidArgumentError, Option } from 'commander'
import { BaseError as ViemBaseError } from 'viem'
import { BaseError, ConfigError } from '../primitives/errors.js'
import { LOG_FORMATS, LOG_LEVELS } from '../primitives/logger.js'
import { exportChain } from './commands/export.js'
import { importChain } from './commands/import.js'
import { up } from './commands/up.js'
import { runNode } from './commands/node.js'
import { addresses } from './commands/addresses.js'
import { replica } from './commands/replica.js'
import { deposit, withdraw } from './commands/bridge.js'
import { relay } from './commands/relay.js'
import { init } from './commands/init.js'
import { configCheck } from './commands/configCheck.js'
import { chainAdd, chains } from './commands/chains.js'
import { status } from './commands/status.js'
import { snapshotSave } from './commands/snapshot.js'
import { RPC_METHOD_GROUPS } from '../rpc/options.js'
import { originPatternError } from '../rpc/origins.js'

/** A comma-separated list flag, each item checked by `problem` (returns why it is wrong). */
function list(name: string, problem: (item: string) => string | undefined) {
  return (value: string): string[] => {
    const items = value.split(',').map((x) => x.trim()).filter((x) => x !== '')
    if (items.length === 0) throw new InvalidArgumentError(`${name} needs at least one item`)
    for (const item of items) {
      const why = problem(item)
      if (why) throw new InvalidArgumentError(`${name}: ${why}`)
    }
    return items
  }
}

function int(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a non-negative integer`)
    return Number(value)
  }
}

const logLevel = new Option('--log-level <level>', 'log level').choices(LOG_LEVELS as string[]).default('info')
// No default: readable lines in a terminal, JSON otherwise (or the config file's logFormat).
const logFormat = () => new Option('--log-format <format>', 'log lines as JSON or readable text (default: pretty in a terminal, json otherwise)').choices(LOG_FORMATS as string[])
// Commands that read a config file: no default, so an explicit --log-level overrides the file's logLevel.
const logLevelOverConfig = () => new Option('--log-level <level>', 'log level (default: the config file\'s, else info)').choices(LOG_LEVELS as string[])

const program = new Command()
  .name('plexus')
  .description('Launch EVM rollups and join them into one network settled on Ethereum')
  .showHelpAfterError()

program
  .command('up')
  .description('start the network a config file describes, or the default one: an L1 (embedded anvil on 8545, chain 900) and rollups 901, 902 on 9545, 9546 settled on it')
  .option('--config <file>', 'network config file (YAML or JSON, see `plexus init`); flags override it')
  .option('--datadir <dir>', 'data directory (default ./.plexus)')
  .option('--ephemeral', 'use a temporary data directory, removed on exit')
  .option('--l1-rpc <url>', 'use this Ethereum JSON-RPC as L1 instead of starting anvil')
  .option('--l1-key <hex>', 'deployer key on the L1 (required with --l1-rpc)')
  .option('--l1-port <port>', 'port of the embedded L1 (default 8545)', int('--l1-port'))
  .option('--l1-block-time <s>', 'block time of the embedded L1 in seconds (default 2)', int('--l1-block-time'))
  .option('--chains <n>', 'number of rollups (default 2)', int('--chains'))
  .option('--block-time <ms>', 'L2 slot time in milliseconds, 50 … 12000 (default 250)', int('--block-time'))
  .option('--challenge-window <s>', 'withdrawal challenge window in seconds (default 12)', int('--challenge-window'))
  .option('--accept-short-challenge-window', 'with --l1-rpc: allow a challenge window under the 1-day minimum (test networks only)')
  .addOption(new Option('--da <mode>', 'how the network batches (every chain\'s blocks, together) are posted to L1 (default calldata)').choices(['calldata', 'blobs']))
  .option('--l1-beacon <url>', 'beacon API of the L1, to read blobs back (with --l1-rpc and --da blobs)')
  .addOption(new Option('--executors <where>', "where each chain's execution, storage, pool and RPC run: inline (this thread, the default) or thread (a worker thread per chain)").choices(['inline', 'thread']))
  .option('--host <host>', 'listen address (default 127.0.0.1)')
  .option('--dashboard-port <port>', 'port of the web dashboard (default 8420; 0 = any free port)', int('--dashboard-port'))
  .option('--no-dashboard', 'do not serve the web dashboard')
  .option('--no-dev-methods', "do not serve anvil's dev methods (anvil_*, evm_*, the unlocked dev accounts) on the dev network")
  .option('--abi-dir <dir>', 'a Foundry out/ or Hardhat artifacts/ directory: the dashboard decodes the calls and events of its contracts (repeatable; re-read after each build)', (v: string, prev: string[] = []) => [...prev, v])
  .option(
    '--rpc-expose <groups>',
    `restricted RPC methods to serve on every chain, comma-separated: ${RPC_METHOD_GROUPS.join(', ')} (e.g. --rpc-expose debug for debug_trace*)`,
    list('--rpc-expose', (g) => ((RPC_METHOD_GROUPS as readonly string[]).includes(g) ? undefined : `unknown group "${g}"; the groups are ${RPC_METHOD_GROUPS.join(', ')}`)),
  )
  .option('--rpc-cors <origins>', 'more browser origins allowed to call the RPC, comma-separated (pages on this machine and the dashboard always are; * = any)', list('--rpc-cors', originPatternError))
  .option('--from-snapshot <file>', 'restore a network saved with `plexus snapshot save` into --datadir (which must be new) and start it')
  .addOption(logLevelOverConfig())
  .addOption(logFormat())
  // For the fault suite (npm run chaos) only: lets the admin endpoint arm faults.
  .addOption(new Option('--fault-injection').hideHelp())
  .action(async (opts) => up(opts))

/** How every command that acts on a running network finds it: its datadir, or the config file it was started with. */
const networkOptions = (cmd: Command) =>
  cmd
    .option('--datadir <dir>', 'data directory of the running network (default ./.plexus)')
    .option('--config <file>', "the running network's config file: its datadir names the network (instead of --datadir)")
/** The flags of every command that acts on a running network. */
const onRunningNetwork = (cmd: Command) => networkOptions(cmd).option('--json', 'machine-readable output')

const chainAddCommand = program
  .command('chain')
  .description('act on the chains of a running network')
  .command('add')
  .description('add a chain to the running network: registered on L1, sequenced from the next slots on, in the interop set of every chain')
  .option('--name <name>', 'name shown to wallets and apps (default plexus-<chain id>)')
  .option('--chain-id <id>', 'chain id (default: the highest one + 1)', int('--chain-id'))
  .option('--port <port>', 'RPC port (default: the highest one + 1)', int('--port'))
  .option('--config-overrides <json>', 'other chain options as JSON: gasLimit, challengeWindowSeconds, outputIntervalBlocks, rpcHost')
onRunningNetwork(chainAddCommand).action(async (opts) => chainAdd(opts))

onRunningNetwork(program.command('chains').description('list the chains of the running network: chain id, name, RPC URL, head')).action(async (opts) =>
  chains(opts),
)

onRunningNetwork(
  program.command('audit').description("every asset's supply on the chains against the L1 escrow that backs it, per chain and for the network; exit 1 if anything is not backed"),
).action(async (opts) => audit(opts))

onRunningNetwork(
  program.command('status').description("the L1 head and every chain's unsafe / safe / finalized heads, pending batches and proposals"),
).action(async (opts) => status(opts))

const snapshotCommand = program
  .command('snapshot')
  .description('save the whole running network (L1 included); restore with `plexus up --from-snapshot FILE`')
  .command('save')
  .argument('<file>', 'the snapshot file to write (a .tar.gz)')
networkOptions(snapshotCommand).action(async (file, opts) => snapshotSave(file, opts))

program
  .command('init')
  .description('write a commented starter config (plexus.yaml) for a network of N chains')
  .option('--chains <n>', 'number of rollups (default 2)', int('--chains'))
  .option('--out <file>', 'where to write it (default ./plexus.yaml)')
  .option('--force', 'overwrite an existing file')
  .option('--production', 'write the production template instead (real L1 from environment variables, blobs, 7-day challenge window)')
  .action((opts) => {
    const file = init(opts)
    process.stderr.write(`wrote ${file}\ncheck it with \`plexus config check ${file}\`, start it with \`plexus up --config ${file}\`\n`)
  })

program
  .command('config')
  .description('config file tools')
  .command('check')
  .description('validate a config file (default ./plexus.yaml): prints "ok: …" or every error, exit 1 on errors')
  .argument('[file]', 'the config file')
  .action((file?: string) => {
    process.stdout.write(`${configCheck(file)}\n`)
  })

program
  .command('node')
  .description('start one standalone chain without L1 (chain 901 on 127.0.0.1:9545 by default)')
  .option('--config <file>', 'config file (YAML or JSON)')
  .option('--datadir <dir>', 'data directory (default ./.plexus)')
  .option('--ephemeral', 'use a temporary data directory, removed on exit')
  .option('--genesis <file>', 'geth-format genesis.json for the chain')
  .option('--chain-id <id>', 'chain id of the dev chain (default 901)', int('--chain-id'))
  .option('--block-time <ms>', 'slot time in milliseconds, 50 … 12000 (default 250)', int('--block-time'))
  .option('--gas-limit <gas>', 'block gas limit (default 60000000)', int('--gas-limit'))
  .option('--host <host>', 'RPC listen address (default 127.0.0.1)')
  .option('--port <port>', 'RPC port, HTTP and WebSocket (default 9545)', int('--port'))
  .addOption(logLevelOverConfig())
  .addOption(logFormat())
  .action(async (opts) => runNode(opts))

program
  .command('replica')
  .description('rebuild every chain of the network from L1 data alone (no sequencer), serve their JSON-RPC and check every posted output root')
  .option('--config <file>', 'config file with a `replica` section (YAML or JSON)')
  .option('--l1 <url>', 'L1 JSON-RPC URL (e.g. http://127.0.0.1:8545)')
  .option('--registry <address>', "the network's ChainRegistry on L1 (default: the dev network's)")
  .option('--l1-beacon <url>', 'beacon API of the L1, for networks that post blobs (default: the L1 RPC, as anvil serves blobs)')
  .option('--datadir <dir>', 'data directory (default ./.plexus-replica)')
  .option('--host <host>', 'RPC listen address (default 127.0.0.1)')
  .option('--port <port>', 'RPC port of the lowest chain id; the next chains take the next ports (default 9645: 901 on 9645, 902 on 9646, …)', int('--port'))
  .addOption(logLevel)
  .addOption(logFormat())
  .action(async (opts) => replica(opts))

onRunningNetwork(program.command('addresses').description("print the network's L1 contract addresses")).action((opts) => addresses(opts))

const bridgeOptions = (cmd: Command) =>
  networkOptions(cmd)
    .requiredOption('--chain <id>', 'the rollup (e.g. 901)', int('--chain'))
    .requiredOption('--amount <n>', 'amount in whole units of the asset, at most its decimals (e.g. 1.5)')
    .option('--token <address>', 'an L1 ERC-20 instead of the native asset (ETH or the chain\'s gas token)')
    .option('--to <address>', 'recipient (default: the sender)')
    .option('--key <hex>', 'private key (default: dev account 0)')
    .option('--l2-rpc <url>', 'the rollup RPC (default: as the network running on --datadir lists --chain)')
    .option('--l1-rpc <url>', 'the L1 RPC (default: as the rollup reports it)')
    .option('--json', 'print each stage as a JSON line')

bridgeOptions(program.command('deposit').description('deposit the native asset (ETH or the chain\'s gas token) or an ERC-20 from L1; waits until the L2 balance shows it')).action(
  async (opts) => deposit(opts),
)
bridgeOptions(program.command('withdraw').description('withdraw to L1; --wait proves and finalizes after the challenge window'))
  .option('--wait', 'wait for the output root, prove, wait out the window, finalize')
  .action(async (opts) => withdraw(opts))

const relayCommand = program
  .command('relay')
  .description('relay a cross-chain message by hand on its destination (unpaid messages are not relayed by the network); the key pays the gas')
  .argument('<msgHash>', 'the message hash (plexus_getMessagesByTx on the source chain)')
  .requiredOption('--chain <id>', 'the destination chain (e.g. 902)', int('--chain'))
  .option('--key <hex>', 'private key that signs and pays (default: dev account 0)')
  .option('--l2-rpc <url>', 'the destination RPC (default: as the network running on --datadir lists it)')
  .option('--json', 'print the result as one JSON line')
networkOptions(relayCommand).action(async (msgHash, opts) => relay(msgHash, opts))

program
  .command('import')
  .description('import a chain exported as concatenated RLP blocks (geth export format)')
  .argument('<file>', 'the RLP file')
  .requiredOption('--genesis <file>', 'the chain’s geth-format genesis.json')
  .option('--datadir <dir>', 'data directory (default ./.plexus)')
  .addOption(logLevel)
  .addOption(logFormat())
  .action(async (file, opts) => {
    await importChain(file, opts)
  })

program
  .command('export')
  .description('export blocks 1 … head as concatenated RLP (geth export format)')
  .argument('<file>', 'output file')
  .option('--datadir <dir>', 'data directory (default ./.plexus)')
  .option('--chain-id <id>', 'which chain, when the datadir holds several', int('--chain-id'))
  .action(async (file, opts) => {
    const n = await exportChain(file, opts)
    process.stderr.write(`exported ${n} blocks to ${file}\n`)
  })

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    for (const issue of err.issues) process.stderr.write(`config error: ${issue.path}: ${issue.message}\n`)
  } else if (err instanceof BaseError) {
    // One line: what failed, then what to do.
    process.stderr.write(`error: ${err.shortMessage}${err.details ? `; ${err.details}` : ''}\n`)
  } else if (err instanceof ViemBaseError) {
    // An RPC the command talks to failed in a way the command did not foresee: viem's summary, not its stack.
    process.stderr.write(`error: ${err.shortMessage}${err.details ? ` (${err.details})` : ''}\n`)
  } else {
    process.stderr.write(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  }
  process.exit(1)
})
