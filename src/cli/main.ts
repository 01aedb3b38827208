#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander'
import { BaseError, ConfigError } from '../primitives/errors.js'
import { LOG_LEVELS } from '../primitives/logger.js'
import { exportChain } from './commands/export.js'
import { importChain } from './commands/import.js'
import { up } from './commands/up.js'

function int(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a non-negative integer`)
    return Number(value)
  }
}

const logLevel = new Option('--log-level <level>', 'log level').choices(LOG_LEVELS as string[]).default('info')

const program = new Command()
  .name('plexus')
  .description('Launch EVM rollups and join them into one network settled on Ethereum')
  .showHelpAfterError()

program
  .command('up')
  .description('start the network (one chain with defaults: chain 901 on 127.0.0.1:9545)')
  .option('--config <file>', 'config file (YAML or JSON)')
  .option('--datadir <dir>', 'data directory (default ./.plexus)')
  .option('--ephemeral', 'use a temporary data directory, removed on exit')
  .option('--genesis <file>', 'geth-format genesis.json for the chain')
  .option('--chain-id <id>', 'chain id of the dev chain (default 901)', int('--chain-id'))
  .option('--block-time <ms>', 'slot time in milliseconds, 50 … 12000 (default 250)', int('--block-time'))
  .option('--gas-limit <gas>', 'block gas limit (default 60000000)', int('--gas-limit'))
  .option('--host <host>', 'RPC listen address (default 127.0.0.1)')
  .option('--port <port>', 'RPC port, HTTP and WebSocket (default 9545)', int('--port'))
  .addOption(logLevel)
  .action(async (opts) => up(opts))

program
  .command('import')
  .description('import a chain exported as concatenated RLP blocks (geth export format)')
  .argument('<file>', 'the RLP file')
  .requiredOption('--genesis <file>', 'the chain’s geth-format genesis.json')
  .option('--datadir <dir>', 'data directory (default ./.plexus)')
  .addOption(logLevel)
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
    process.stderr.write(`config error: ${err.message}\n`)
  } else if (err instanceof BaseError) {
    process.stderr.write(`error: ${err.message}\n`)
  } else {
    process.stderr.write(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  }
  process.exit(1)
})
