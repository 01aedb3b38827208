import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { devChainOptions, devL1Options } from '../../node/networkOptions.js'
import { ConfigError } from '../../primitives/errors.js'
import { tempDir } from '../../../test/helpers/tmp.js'
import { didYouMean } from './didYouMean.js'
import { withFlags } from './flags.js'
import { JSON_SCHEMA_FILE, PACKAGE_ROOT, plexusJsonSchemaText } from './jsonSchema.js'
import { loadConfig, parseConfig } from './load.js'
import { starterConfig } from './template.js'
import { toNetworkOptions } from './toNetworkOptions.js'
import { parseAmountWei, parseDurationMs } from './units.js'

const DEV_KEY = `0x${'ab'.repeat(32)}`
const ADDR = '0x1111111111111111111111111111111111111111'

/** Every issue a config yields, as `path: message` lines. */
function errorsOf(doc: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(doc, env)
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err))
    return err.issues.map((i) => `${i.path}: ${i.message}`)
  }
  return []
}

// One row per class of config error: the document, and the exact line it must yield
// (path, what is wrong, how to fix it).
const BROKEN: [string, unknown, string][] = [
  ['integer out of range', { chains: [{}, {}, { chainId: 903, gasToken: { name: 'USD Coin', symbol: 'USDC', decimals: 24 } }] },
    "chains[2].gasToken.decimals: must be an integer from 0 to 18 (got 24); set it to the token's ERC-20 decimals()"],
  ['wrong type', { chains: [{ gasLimit: '60M' }] }, 'chains[0].gasLimit: must be an integer from 5000000 to 9007199254740991 (got "60M"); use e.g. 60000000'],
  ['missing required field', { chains: [{ gasToken: { name: 'USD Coin', symbol: 'USDC' } }] },
    "chains[0].gasToken.decimals: missing: must be an integer from 0 to 18; set it to the token's ERC-20 decimals()"],
  ['unknown key with a close match', { chains: [{ gasLimt: 30_000_000 }] }, 'chains[0].gasLimt: unknown key; did you mean "gasLimit"?'],
  ['unknown key, swapped letters', { chains: [{ rpc: { prot: 1 } }] }, 'chains[0].rpc.prot: unknown key; did you mean "port"?'],
  ['unknown key, nothing close', { l1: { embedded: { colour: 'red' } } }, 'l1.embedded.colour: unknown key; remove it (allowed here: host, port, chainId, blockTime)'],
  ['unknown top-level key', { chainz: [] }, 'chainz: unknown key; did you mean "chains"?'],
  ['enum typo', { da: 'blob' }, 'da: must be one of calldata, blobs (got "blob"); did you mean "blobs"?'],
  ['executors typo', { executors: 'threads' }, 'executors: must be one of inline, thread (got "threads"); did you mean "thread"?'],
  ['block data limit below the largest transaction', { maxBlockDataBytes: 65_536 },
    'maxBlockDataBytes: must be an integer from 131072 to 8388608 (got 65536); at least 131072 (the largest transaction the pool accepts); the default is 524288'],
  ['bad duration', { chains: [{ challengeWindow: '7 weeks' }] },
    'chains[0].challengeWindow: must be a duration from 1s to 30d such as "7d" (a bare number is in seconds) (got "7 weeks"); use seconds on a dev network and "7d" in production'],
  ['duration out of range', { chains: [{ slotTime: '10ms' }] },
    'chains[0].slotTime: must be a duration from 50ms to 12s such as "250ms" (a bare number is in milliseconds) (got "10ms"); pick the block interval, e.g. "250ms" for a dev network or "2s" as OP chains use'],
  ['bad amount', { chains: [{ prefund: { accounts: { [ADDR]: '5 eht' } } }] },
    `chains[0].prefund.accounts.${ADDR}: must be an amount such as "1000 ether", "1 gwei" or an integer number of wei (got "5 eht"); give each balance, e.g. "1000 ether"`],
  ['bad address key', { chains: [{ alloc: { '0x12': {} } }] },
    'chains[0].alloc.0x12: bad key: must be a 0x-prefixed 20-byte hex address (got "0x12"); write each account as its 0x-prefixed 20-byte address'],
  ['secret not echoed', { l1: { rpcUrl: 'http://127.0.0.1:8545', deployerKey: '0xnot-a-key-but-secret' } },
    'l1.deployerKey: must be a 0x-prefixed 32-byte hex private key (got a 22-character value); write it as ${SOME_ENV_VAR} and export the key there, so it stays out of the file'],
  ['unset environment variable', { l1: { rpcUrl: '${PLEXUS_TEST_UNSET_RPC}', deployerKey: DEV_KEY } },
    'l1.rpcUrl: environment variable PLEXUS_TEST_UNSET_RPC is not set; export PLEXUS_TEST_UNSET_RPC=… before starting, or write the value here'],
  ['not a list', { chains: { chainId: 901 } }, 'chains: must be a list of chains (got a mapping); write each chain as a "- chainId: …" item'],
  ['duplicate chain id', { chains: [{ chainId: 901 }, { chainId: 901 }] }, 'chains[1].chainId: 901 is already the id of chains[0]; give every chain its own id'],
  ['defaulted duplicate chain id', { chains: [{ chainId: 902 }, {}] },
    'chains[1].chainId: 902 is already the id of chains[0] (the default for chains[1]; set it); give every chain its own id'],
  ["the L1's chain id", { chains: [{ chainId: 900 }] }, "chains[0].chainId: 900 is the L1's chain id; give the rollup another id"],
  ['duplicate name', { chains: [{ name: 'alpha' }, { name: 'Alpha' }] }, 'chains[1].name: "Alpha" is already the name of chains[0]; give every chain its own name'],
  ['duplicate port', { chains: [{ rpc: { port: 9600 } }, { rpc: { port: 9600 } }] },
    'chains[1].rpc.port: port 9600 is already the RPC port of chains[0]; give every chain its own port (or 0 for any free one)'],
  ["the L1's port", { l1: { embedded: { port: 9546 } } }, "chains[1].rpc: port 9546 is the embedded L1's port; pick another one, or move the L1 with l1.embedded.port"],
  ['different slot times', { chains: [{}, { slotTime: '1s' }] },
    "chains[1].slotTime: 1s differs from chains[0]'s 250ms; every chain of a network shares one slot clock, so give them all the same slot time"],
  ['embedded and rpcUrl', { l1: { embedded: {}, rpcUrl: 'http://127.0.0.1:8545', deployerKey: DEV_KEY }, chains: [{ challengeWindow: '7d' }, { challengeWindow: '7d' }] },
    'l1.embedded: cannot be combined with l1.rpcUrl; keep embedded (Plexus runs anvil) or rpcUrl (your Ethereum node), not both'],
  ['rpcUrl without key', { l1: { rpcUrl: 'http://127.0.0.1:8545' }, chains: [{ challengeWindow: '7d' }, { challengeWindow: '7d' }] },
    'l1.deployerKey: missing: required with l1.rpcUrl (it deploys the L1 contracts and funds the batcher and proposers); write deployerKey: ${PLEXUS_DEPLOYER_KEY} and export the key'],
  ['blobs on a real L1 without beacon', { da: 'blobs', l1: { rpcUrl: 'http://127.0.0.1:8545', deployerKey: DEV_KEY }, chains: [{ challengeWindow: '7d' }, { challengeWindow: '7d' }] },
    "l1.beaconUrl: missing: required with l1.rpcUrl and da: blobs, to read the network's blobs back; give the beacon API URL of the L1"],
  ['dev methods on a real L1', { devMethods: true, l1: { rpcUrl: 'http://127.0.0.1:8545', deployerKey: DEV_KEY }, chains: [{ challengeWindow: '7d' }, { challengeWindow: '7d' }] },
    "devMethods: only a dev network (the embedded L1, whose accounts are the public test mnemonic's) serves dev methods; on l1.rpcUrl they are always closed, so remove devMethods"],
  ['beacon with the embedded L1', { l1: { beaconUrl: 'http://127.0.0.1:5052' } }, 'l1.beaconUrl: only used with l1.rpcUrl (the embedded anvil serves blobs itself); remove it'],
  ['gas token without L1 address on a real L1', { l1: { rpcUrl: 'http://127.0.0.1:8545', deployerKey: DEV_KEY }, chains: [{ challengeWindow: '7d', gasToken: { name: 'USD Coin', symbol: 'USDC', decimals: 6 } }] },
    "chains[0].gasToken.l1Address: missing: required with l1.rpcUrl (a test token is deployed only on the embedded L1); give the token's address on the L1"],
  ['dev accounts on a real L1', { l1: { rpcUrl: 'http://127.0.0.1:8545', deployerKey: DEV_KEY }, chains: [{ challengeWindow: '7d', prefund: { devAccounts: true } }] },
    "chains[0].prefund.devAccounts: funds the public test mnemonic's accounts with ETH no one deposited (and anyone holds their keys); on a real L1 (l1.rpcUrl) every wei on L2 must be deposited on L1, or it could be withdrawn against others' deposits: remove it and fund accounts with `plexus deposit` once the network is up"],
  ['a prefund on a real L1', { l1: { rpcUrl: 'http://127.0.0.1:8545', deployerKey: DEV_KEY }, chains: [{ challengeWindow: '7d', prefund: { accounts: { [ADDR]: '5 ether' } } }] },
    `chains[0].prefund.accounts.${ADDR}: is a genesis balance no one deposited; on a real L1 (l1.rpcUrl) every wei on L2 must be deposited on L1, or it could be withdrawn against others' deposits: remove it and deposit with \`plexus deposit\` once the network is up`],
  ['an alloc balance on a real L1', { l1: { rpcUrl: 'http://127.0.0.1:8545', deployerKey: DEV_KEY }, chains: [{ challengeWindow: '7d', alloc: { [ADDR]: { balance: '1 wei', code: '0x00' } } }] },
    `chains[0].alloc.${ADDR}.balance: is a genesis balance no one deposited; on a real L1 (l1.rpcUrl) every wei on L2 must be deposited on L1, or it could be withdrawn against others' deposits: set it to 0 and deposit with \`plexus deposit\` once the network is up`],
  ['a short challenge window on a real L1', { l1: { rpcUrl: 'http://127.0.0.1:8545', deployerKey: DEV_KEY }, chains: [{ challengeWindow: '7d' }, { challengeWindow: '1h' }] },
    'chains[1].challengeWindow: 1h is under the 1d minimum on a real L1: a wrong output root would become final before anyone could delete it; set "7d" (--challenge-window 604800), or set chains[1].acceptShortChallengeWindow: true (--accept-short-challenge-window) on a test network'],
  ['alloc on a predeploy', { chains: [{ alloc: { '0x4200000000000000000000000000000000000022': { balance: '1 ether' } } }] },
    'chains[0].alloc.0x4200000000000000000000000000000000000022: is the CrossL2Inbox system address; give the account another address'],
  ['alloc in the predeploy namespace', { chains: [{ alloc: { '0x42000000000000000000000000000000000007ff': {} } }] },
    'chains[0].alloc.0x42000000000000000000000000000000000007ff: is in the predeploy namespace 0x4200…0000 – 0x4200…07ff reserved for Plexus system contracts; give the account another address'],
  ['alloc on a dev account', { chains: [{ alloc: { '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266': { balance: 1 } } }] },
    'chains[0].alloc.0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266: is a dev account, already funded by prefund.devAccounts; set prefund.devAccounts: false to fund it here, or use another address'],
  ['account given twice', { chains: [{ prefund: { accounts: { [ADDR]: '1 ether' } }, alloc: { [ADDR.toUpperCase().replace('0X', '0x')]: { code: '0x00' } } }] },
    `chains[0].alloc.${ADDR.toUpperCase().replace('0X', '0x')}: is also given at chains[0].prefund.accounts.${ADDR}; give each account in one place (alloc entries have a balance too)`],
]

describe('config errors', () => {
  for (const [name, doc, expected] of BROKEN) {
    test(`${name} → names the path and the fix`, () => {
      assert.deepEqual(errorsOf(doc, { PLEXUS_TEST_SET: 'x' }), [expected])
    })
  }

  test('every error of a file is reported, not only the first', () => {
    const errors = errorsOf({ da: 'blob', chains: [{ gasLimt: 1, gasToken: { name: 'X', symbol: 'X', decimals: 19 } }, { slotTime: 'fast' }] })
    assert.deepEqual(
      errors.map((e) => e.slice(0, e.indexOf(':'))),
      ['chains[0].gasToken.decimals', 'chains[0].gasLimt', 'chains[1].slotTime', 'da'],
    )
  })

  test('the CLI message of a ConfigError has one line per issue', () => {
    assert.throws(
      () => parseConfig({ chains: [{ chainId: 0 }, { chainId: -1 }] }, {}),
      (err: unknown) => err instanceof ConfigError && err.issues.length === 2 && err.message.split('\n').length === 2 && err.path === 'chains[0].chainId',
    )
  })

  test('syntax errors name the file, line and column', () => {
    const { dir, cleanup } = tempDir()
    try {
      const file = path.join(dir, 'plexus.yaml')
      writeFileSync(file, 'chains: [1, 2\n')
      assert.throws(() => loadConfig(file, {}), (err: unknown) => err instanceof ConfigError && /plexus\.yaml is not valid YAML: .*line 2/.test(err.message))
      writeFileSync(path.join(dir, 'c.json'), '{"chains": [}')
      assert.throws(() => loadConfig(path.join(dir, 'c.json'), {}), /c\.json is not valid JSON/)
      assert.throws(() => loadConfig(path.join(dir, 'missing.yaml'), {}), /missing\.yaml does not exist; create one with `plexus init`/)
    } finally {
      cleanup()
    }
  })
})

describe('config → network options', () => {
  test('an empty config is today\'s dev network: L1 900 on 8545, chains 901/902 on 9545/9546, 250 ms', () => {
    const options = toNetworkOptions(parseConfig({}, {}))
    assert.deepEqual(options, {
      datadir: './.plexus',
      l1: devL1Options(),
      chains: [devChainOptions(0, { name: 'plexus-901' }), devChainOptions(1, { name: 'plexus-902' })],
    })
  })

  test('every field of a chain reaches NetworkChainOptions, in the units the network uses', () => {
    const config = parseConfig(
      {
        datadir: '/data/plexus',
        da: 'blobs',
        maxBatchBytes: 200_000,
        maxBlockDataBytes: 262_144,
        l1: { rpcUrl: '${L1}', deployerKey: '${KEY}', beaconUrl: 'http://127.0.0.1:5052', guardian: ADDR, maxSequencerDrift: '30m' },
        chains: [
          {
            name: 'usdc-chain',
            chainId: 4242,
            slotTime: '2s',
            gasLimit: 30_000_000,
            baseFee: { initial: '0.5 gwei', elasticity: 6, denominator: 250 },
            feeRecipient: ADDR,
            // A real L1 takes no genesis balance (see the embedded test below for prefunds).
            prefund: { devAccounts: false },
            alloc: { '0x3333333333333333333333333333333333333333': { balance: '0x0', nonce: 1, code: '0x6001', storage: { '0x0': '0x2a' } } },
            gasToken: { l1Address: ADDR, name: 'USD Coin', symbol: 'USDC', decimals: 6 },
            challengeWindow: '7d',
            outputIntervalBlocks: 1800,
            rpc: { host: '0.0.0.0', port: 8600 },
          },
        ],
      },
      { L1: 'https://l1.example', KEY: DEV_KEY },
    )
    const options = toNetworkOptions(config)
    assert.equal(options.datadir, '/data/plexus')
    assert.equal(options.da, 'blobs')
    assert.equal(options.maxBatchBytes, 200_000)
    assert.equal(options.l1.rpcUrl, 'https://l1.example')
    assert.equal(options.l1.deployerKey, DEV_KEY)
    assert.equal(options.l1.beaconUrl, 'http://127.0.0.1:5052')
    assert.equal(options.l1.guardian, ADDR)
    assert.equal(options.l1.confirmations, 2) // a real L1's default
    assert.equal(options.l1.maxSequencerDriftSeconds, 1800)
    assert.equal(options.maxBlockDataBytes, 262_144)
    assert.deepEqual(options.chains, [
      {
        chainId: 4242,
        name: 'usdc-chain',
        rpcHost: '0.0.0.0',
        rpcPort: 8600,
        slotTimeMs: 2000,
        gasLimit: 30_000_000n,
        challengeWindowSeconds: 604_800,
        outputIntervalBlocks: 1800,
        feeRecipient: ADDR,
        baseFee: { initial: 500_000_000n, elasticity: 6, denominator: 250 },
        devAccounts: false,
        alloc: {
          '0x3333333333333333333333333333333333333333': { balance: '0x0', nonce: '0x1', code: '0x6001', storage: { '0x0': '0x2a' } },
        },
        gasToken: { l1Address: ADDR, name: 'USD Coin', symbol: 'USDC', decimals: 6 },
      },
    ])
  })

  test('on the embedded L1, prefunded accounts and alloc balances reach the genesis alloc', () => {
    const options = toNetworkOptions(
      parseConfig({ chains: [{ prefund: { accounts: { '0x2222222222222222222222222222222222222222': '1000 ether' } }, alloc: { '0x3333333333333333333333333333333333333333': { balance: '0x10' } } }] }, {}),
    )
    assert.deepEqual(options.chains[0]!.alloc, {
      '0x2222222222222222222222222222222222222222': { balance: '0x3635c9adc5dea00000' },
      '0x3333333333333333333333333333333333333333': { balance: '0x10' },
    })
  })

  test('the embedded L1 takes its fields; a bare number is ms for slots and seconds for windows', () => {
    const options = toNetworkOptions(
      parseConfig({ l1: { embedded: { host: '0.0.0.0', port: 18545, chainId: 1900, blockTime: 1 } }, chains: [{ slotTime: 500, challengeWindow: 30 }] }, {}),
    )
    assert.deepEqual(options.l1.embedded, { host: '0.0.0.0', port: 18545, chainId: 1900, blockTimeSeconds: 1 })
    assert.equal(options.l1.confirmations, 0)
    assert.equal(options.chains[0]!.slotTimeMs, 500)
    assert.equal(options.chains[0]!.challengeWindowSeconds, 30)
  })

  test('relative paths are relative to the config file', () => {
    const { dir, cleanup } = tempDir()
    try {
      const file = path.join(dir, 'plexus.yaml')
      writeFileSync(file, 'datadir: ./data\nchain:\n  genesis: g.json\n')
      const config = loadConfig(file, {})
      assert.equal(config.datadir, path.join(dir, 'data'))
      assert.equal(config.chain?.genesis, path.join(dir, 'g.json'))
    } finally {
      cleanup()
    }
  })
})

describe('flags over a config file', () => {
  const file = parseConfig({ logLevel: 'warn', chains: [{ chainId: 7001, slotTime: '1s' }, { chainId: 7002, slotTime: '1s' }] }, {})

  test('explicit flags win over the file, for every chain', () => {
    const merged = toNetworkOptions(withFlags(file, { blockTime: 500, challengeWindow: 60, host: '0.0.0.0', datadir: '/d', logLevel: 'debug', da: 'blobs', l1Port: 18545 }))
    assert.deepEqual(merged.chains.map((c) => [c.chainId, c.slotTimeMs, c.challengeWindowSeconds, c.rpcHost]), [
      [7001, 500, 60, '0.0.0.0'],
      [7002, 500, 60, '0.0.0.0'],
    ])
    assert.equal(merged.datadir, '/d')
    assert.equal(merged.da, 'blobs')
    assert.equal(merged.l1.embedded.port, 18545)
    assert.equal(merged.l1.embedded.host, '0.0.0.0')
    assert.equal(withFlags(file, { logLevel: 'debug' }).logLevel, 'debug')
    assert.equal(withFlags(file, {}).logLevel, 'warn')
    // --no-dev-methods closes them; commander's default (true) leaves the file's choice
    assert.equal(toNetworkOptions(withFlags(file, { devMethods: false })).devMethods, false)
    assert.equal(toNetworkOptions(withFlags(file, { devMethods: true })).devMethods, undefined)
    // --executors wins over the file's executors; absent, the file's (default inline: unset).
    assert.equal(toNetworkOptions(withFlags({ ...file, executors: 'inline' }, { executors: 'thread' })).executors, 'thread')
    assert.equal(toNetworkOptions(withFlags({ ...file, executors: 'thread' }, {})).executors, 'thread')
    assert.equal(toNetworkOptions(withFlags(file, {})).executors, undefined)
    assert.equal(toNetworkOptions(parseConfig({ devMethods: false }, {})).devMethods, false)
  })

  test('--l1-rpc replaces the embedded L1; --chains sizes a file without chains', () => {
    const rpc = withFlags(parseConfig({ l1: { embedded: { port: 18545 } } }, {}), { l1Rpc: 'http://10.0.0.1:8545', l1Key: DEV_KEY as `0x${string}` })
    assert.deepEqual(rpc.l1, { rpcUrl: 'http://10.0.0.1:8545', deployerKey: DEV_KEY })
    assert.deepEqual(toNetworkOptions(withFlags(parseConfig({}, {}), { chains: 4 })).chains.map((c) => c.chainId), [901, 902, 903, 904])
  })

  test('flags that contradict the file are errors naming the flag', () => {
    assert.throws(() => withFlags(file, { chains: 3 }), (err: unknown) => err instanceof ConfigError && err.path === '--chains')
    const rpcFile = parseConfig({ l1: { rpcUrl: 'http://127.0.0.1:8545', deployerKey: DEV_KEY }, chains: [{ acceptShortChallengeWindow: true }] }, {})
    assert.throws(() => withFlags(rpcFile, { l1Port: 1 }), (err: unknown) => err instanceof ConfigError && err.path === '--l1-port')
  })
})

describe('units, suggestions, env', () => {
  test('durations and amounts', () => {
    assert.equal(parseDurationMs('250ms', 'ms'), 250)
    assert.equal(parseDurationMs('7d', 's'), 604_800_000)
    assert.equal(parseDurationMs('1.5s', 'ms'), 1500)
    assert.equal(parseDurationMs(12, 's'), 12_000)
    assert.equal(parseDurationMs('soon', 's'), undefined)
    assert.equal(parseAmountWei('1000 ether'), 1000n * 10n ** 18n)
    assert.equal(parseAmountWei('1.5 gwei'), 1_500_000_000n)
    assert.equal(parseAmountWei('0x3b9aca00'), 1_000_000_000n)
    assert.equal(parseAmountWei('21000'), 21000n)
    assert.equal(parseAmountWei('0.5 wei'), undefined)
    assert.equal(parseAmountWei(1e21), undefined) // not a safe integer: write it as text
  })

  test('did you mean', () => {
    assert.equal(didYouMean('chainID', ['chainId', 'name']), 'chainId')
    assert.equal(didYouMean('challengeWindw', ['challengeWindow', 'chainId']), 'challengeWindow')
    assert.equal(didYouMean('zzz', ['chainId', 'name']), undefined)
  })

  test('${VAR} and ${VAR:-default} are read from the environment; $${ is literal', () => {
    const config = parseConfig({ datadir: '${DIR}/x', chains: [{ name: '${NAME:-fallback}' }], replica: { l1RpcUrl: '${L1}' } }, { DIR: '/srv', L1: 'http://l1:8545' })
    assert.equal(config.datadir, '/srv/x')
    assert.equal(config.chains?.[0]?.name, 'fallback')
    assert.equal(config.replica?.l1RpcUrl, 'http://l1:8545')
    assert.equal(parseConfig({ datadir: './$${HOME}' }, { HOME: '/root' }).datadir, './${HOME}')
  })
})

describe('shipped files', () => {
  test('schema/plexus.schema.json is the JSON Schema of the zod schema', () => {
    assert.equal(readFileSync(JSON_SCHEMA_FILE, 'utf8'), plexusJsonSchemaText(), 'run `npm run build` to regenerate schema/plexus.schema.json')
    const schema = JSON.parse(plexusJsonSchemaText())
    assert.equal(schema.additionalProperties, false)
    const chain = schema.properties.chains.items
    assert.deepEqual(chain.properties.gasToken.properties.decimals, { description: 'ERC-20 decimals(), 0 … 18', type: 'integer', minimum: 0, maximum: 18 })
    assert.equal(chain.additionalProperties, false)
  })

  test('the starter config validates for 1 … 5 chains and describes the dev network', () => {
    for (let n = 1; n <= 5; n++) {
      const text = starterConfig({ chains: n, schemaRef: 'schema.json' })
      assert.match(text, /^# yaml-language-server: \$schema=schema\.json$/m)
      const options = toNetworkOptions(parseConfig(parseYaml(text), {}))
      assert.deepEqual(options.chains.map((c) => [c.chainId, c.rpcPort, c.slotTimeMs]), Array.from({ length: n }, (_, i) => [901 + i, 9545 + i, 250]))
      assert.deepEqual(options.l1, devL1Options())
    }
  })

  test('the production template validates with its environment set: real L1, blobs, 7-day window', () => {
    const template = path.join(PACKAGE_ROOT, 'templates', 'production.yaml')
    assert.throws(() => loadConfig(template, {}), (err: unknown) => err instanceof ConfigError && err.issues.some((i) => /PLEXUS_DEPLOYER_KEY is not set/.test(i.message)))
    const config = loadConfig(template, {
      PLEXUS_L1_RPC: 'https://l1.example/rpc',
      PLEXUS_L1_BEACON: 'https://l1.example/beacon',
      PLEXUS_DEPLOYER_KEY: DEV_KEY,
      PLEXUS_FEE_RECIPIENT: ADDR,
    })
    const options = toNetworkOptions(config)
    assert.equal(options.l1.rpcUrl, 'https://l1.example/rpc')
    assert.equal(options.da, 'blobs')
    assert.ok(options.chains.length >= 1)
    for (const c of options.chains) {
      assert.equal(c.challengeWindowSeconds, 7 * 86_400)
      assert.equal(c.devAccounts, false)
    }
  })
})

describe('the rpc block', () => {
  test('names the field of a bad origin, group or timeout, and says how to fix it', () => {
    const errors = errorsOf({ rpc: { corsOrigins: ['https://ok.example', 'evil.example/path'], expose: ['debug', 'admin'], evmTimeout: '20m' } })
    assert.equal(errors.length, 3, errors.join('\n'))
    assert.match(errors.find((e) => e.startsWith('rpc.corsOrigins[1]: ')) ?? '', /is not an origin: write scheme:\/\/host\[:port\]/)
    assert.match(errors.find((e) => e.startsWith('rpc.expose[1]: ')) ?? '', /debug opens/)
    assert.match(errors.find((e) => e.startsWith('rpc.evmTimeout: ')) ?? '', /0 = no limit/)
    assert.match(errorsOf({ chains: [{ rpc: { wsMaxConnections: 0 } }] })[0] ?? '', /^chains\[0\]\.rpc\.wsMaxConnections: /)
  })

  test('the top-level block applies to every chain, a chain\'s own overrides it field by field; origins add to the local ones', () => {
    const options = toNetworkOptions(
      parseConfig({ rpc: { expose: ['debug'], evmTimeout: '2s', corsOrigins: ['https://app.example'] }, chains: [{}, { rpc: { expose: [], maxFilters: 5 } }] }),
    )
    const [a, b] = options.chains
    assert.deepEqual(a!.rpc?.expose, ['debug'])
    assert.deepEqual(b!.rpc?.expose, [])
    assert.equal(a!.rpcLimits?.evmTimeoutMs, 2000)
    assert.equal(b!.rpcLimits?.evmTimeoutMs, 2000)
    assert.equal(b!.rpcLimits?.maxFilters, 5)
    assert.ok(a!.rpc?.corsOrigins?.includes('https://app.example'))
    assert.ok(a!.rpc?.corsOrigins?.includes('http://localhost:*'))
    // nothing said: the server's defaults (no key at all)
    assert.equal(toNetworkOptions(parseConfig({})).chains[0]!.rpc, undefined)
  })

  test('--rpc-expose and --rpc-cors set every chain, over the file', () => {
    const config = withFlags(parseConfig({ chains: [{ rpc: { expose: ['operator'] } }, {}] }), { rpcExpose: ['debug'], rpcCors: ['*'] })
    for (const c of toNetworkOptions(config).chains) {
      assert.deepEqual(c.rpc?.expose, ['debug'])
      assert.ok(c.rpc?.corsOrigins?.includes('*'))
    }
  })
})
