import { DEV_NETWORK } from '../../node/networkOptions.js'
import { DEFAULT_FEE_VAULT } from '../../node/options.js'

export interface StarterConfigOptions {
  /** How many rollups the network starts with (1 … 64). */
  chains: number
  /** The JSON Schema as the file should reference it (a path relative to the file, or a URL). */
  schemaRef: string
}

/**
 * The commented `plexus.yaml` that `plexus init` writes: the dev network (embedded L1,
 * chains 901… on ports 9545…) with every field shown, explained, and set to its default,
 * and the optional ones (gas token, extra accounts, a real L1) as commented examples.
 */
export function starterConfig(opts: StarterConfigOptions): string {
  const chains = Array.from({ length: opts.chains }, (_, i) => chainBlock(i)).join('\n')
  return `# yaml-language-server: $schema=${opts.schemaRef}
# Plexus network configuration. Check it with \`plexus config check\`, start it with
# \`plexus up --config plexus.yaml\` (flags given on the command line override this file).
# Every field is explained in docs/config.md. \${NAME} in any value is replaced by the
# environment variable NAME (\${NAME:-default} gives a fallback), so keys stay out of files.

# Where the L1 state and every chain's database live (relative to this file).
datadir: ./.plexus
# fatal | error | warn | info | debug | trace | silent
logLevel: info
# json | pretty (default: pretty in a terminal, json when the output is a file or a pipe)
# logFormat: pretty

# The L1 the network settles on. "embedded" runs a local anvil (development).
l1:
  embedded:
${commented('    port: ' + DEV_NETWORK.l1Port, 'JSON-RPC port of the L1')}
${commented('    chainId: ' + DEV_NETWORK.l1ChainId, 'chain id of the L1')}
${commented('    blockTime: ' + DEV_NETWORK.l1BlockTimeSeconds + 's', 'one L1 block every 2 seconds')}
  # For a real Ethereum L1, remove "embedded" and set:
  # rpcUrl: \${PLEXUS_L1_RPC}              # your node's JSON-RPC URL
  # deployerKey: \${PLEXUS_DEPLOYER_KEY}   # deploys the L1 contracts, funds batcher and proposers
  # beaconUrl: \${PLEXUS_L1_BEACON}        # beacon API, needed with da: blobs
  # confirmations: 2                      # L1 blocks a deposit must be buried under

# How batches of every chain's blocks are posted to L1: calldata, or blobs (EIP-4844).
da: calldata
# Largest network batch per L1 transaction, in compressed bytes.
maxBatchBytes: 120000

# The rollups. They share one slot clock (the same slotTime) and one L1.
chains:
${chains}`
}

function chainBlock(i: number): string {
  const chainId = DEV_NETWORK.firstChainId + i
  const port = DEV_NETWORK.firstPort + i
  const first = i === 0
  return `${[
    commented(`  - name: plexus-${chainId}`, 'shown in logs and to wallets'),
    commented(`    chainId: ${chainId}`, 'EIP-155 chain id, unique in the network'),
    commented('    slotTime: 250ms', 'one block per slot (50ms … 12s), the same on every chain'),
    commented('    gasLimit: 60000000', 'block gas limit'),
    commented('    baseFee:', 'EIP-1559, fixed in the genesis'),
    commented('      initial: 1 gwei', 'base fee of the genesis block'),
    commented('      elasticity: 2', 'gas target = gasLimit / elasticity (OP Mainnet: 6)'),
    commented('      denominator: 8', 'base fee moves at most 1/8 per block (OP Mainnet: 250)'),
    commented(`    feeRecipient: "${DEFAULT_FEE_VAULT}"`, 'receives priority fees'),
    '    prefund:',
    commented('      devAccounts: true', "10,000 ETH for each of the test mnemonic's first ten accounts"),
  ].join('\n')}
${
  first
    ? `      # accounts:               # more accounts: address → amount ("1000 ether", "5 gwei", or wei)
      #   "0x1111111111111111111111111111111111111111": 1000 ether
    # alloc:                    # extra genesis accounts (predeploys), geth format; not 0x4200…
    #   "0x2222222222222222222222222222222222222222":
    #     balance: 0
    #     code: "0x6080…"        # runtime bytecode
    #     storage: { "0x0": "0x1" }
    # gasToken:                 # an ERC-20 as the gas token instead of ETH
    #   name: USD Coin
    #   symbol: USDC
    #   decimals: 6
    #   # l1Address: "0x…"      # the token on L1; omitted on the embedded L1: a test token is deployed
`
    : ''
}${[
    commented('    challengeWindow: 12s', 'before withdrawals may use an output root ("7d" in production)'),
    commented('    outputIntervalBlocks: 8', 'an output root every this many blocks'),
    '    rpc:',
    commented('      host: 127.0.0.1', '0.0.0.0 to serve other machines'),
    commented(`      port: ${port}`, 'HTTP and WebSocket JSON-RPC'),
  ].join('\n')}
`
}

/** A YAML line with its comment in the template's comment column. */
function commented(line: string, comment: string): string {
  return `${line.padEnd(31)} # ${comment}`
}
