// Issue 15: docs/getting-started.md cannot rot. Its blocks are run in order, as a newcomer
// would, against a network started by its own `npm start` block on free ports:
//   ```sh start      the network (run in the background, here with a config of free ports)
//   ```sh run        commands, run with bash in the directory the previous block left
//   ```<lang> file=P a file saved at P (relative to that directory)
// The guide's URLs of the dev ports are rewritten to the free ports; nothing else is changed.
// The guide's TypeScript runs with `node file.ts`, which needs Node ≥ 22.18: under an older
// Node the blocks run with the official Node 24 from the npm registry.
import assert from 'node:assert/strict'
import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { rpc } from '../helpers/node.js'
import { freeNetworkPorts, killNetwork, spawnUp, type NetworkPorts, type UpProcess } from '../helpers/upProcess.js'
import { tempDir } from '../helpers/tmp.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const GUIDE = path.join(root, 'docs/getting-started.md')

interface Block {
  lang: string
  kind: 'start' | 'run' | 'file'
  file?: string
  body: string
  /** The heading the block is under, to name its step. */
  step: string
}

/** The guide's marked blocks, in order. */
export function guideBlocks(markdown: string): Block[] {
  const blocks: Block[] = []
  let step = ''
  const re = /^(#{2,3} .+)$|^```(\w+) ([^\n]+)\n([\s\S]*?)^```$/gm
  for (const m of markdown.matchAll(re)) {
    if (m[1]) {
      step = m[1].replace(/^#+ /, '')
      continue
    }
    const [lang, marker, body] = [m[2]!, m[3]!.trim(), m[4]!]
    if (marker === 'start' || marker === 'run') blocks.push({ lang, kind: marker, body, step })
    else if (marker.startsWith('file=')) blocks.push({ lang, kind: 'file', file: marker.slice(5), body, step })
  }
  return blocks
}

/** The guide's dev-port URLs, pointed at the test network's ports. */
function onPorts(text: string, ports: NetworkPorts): string {
  return text
    .replaceAll('127.0.0.1:9545', `127.0.0.1:${ports.chains[0]}`)
    .replaceAll('127.0.0.1:9546', `127.0.0.1:${ports.chains[1]}`)
    .replaceAll('127.0.0.1:8545', `127.0.0.1:${ports.l1}`)
}

/** A Node that runs `file.ts` directly: this one if it strips types, else Node 24 from npm. */
function typeScriptNode(): string {
  if ((process.features as { typescript?: unknown }).typescript) return process.execPath
  return execFileSync('npm', ['exec', '--yes', '--package=node@24', '--', 'node', '-p', 'process.execPath'], { encoding: 'utf8', timeout: 300_000 }).trim()
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-euo', 'pipefail', '-c', script], { cwd, env, encoding: 'utf8', timeout: 240_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr })
    })
  })
}

describe('docs/getting-started.md, run as written', { timeout: 900_000 }, () => {
  const blocks = guideBlocks(readFileSync(GUIDE, 'utf8'))
  const tmp = tempDir('plexus-guide-')
  // The guide runs at the root of a checkout: the test's is a directory with the checkout's
  // build, scripts, contracts and node_modules linked in, so my-dapp/ and .plexus/ stay in it.
  const checkout = path.join(tmp.dir, 'checkout')
  let ports: NetworkPorts
  let up: UpProcess | undefined
  let env: NodeJS.ProcessEnv
  let cwd = checkout

  before(async () => {
    mkdirSync(checkout)
    for (const name of ['node_modules', 'scripts', 'contracts', 'dist']) symlinkSync(path.join(root, name), path.join(checkout, name))
    ports = await freeNetworkPorts(2)
    const node = typeScriptNode()
    env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}`, FOUNDRY_DISABLE_NIGHTLY_WARNING: '1' }
    // The runner marks its children with NODE_TEST_CONTEXT; the guide's own `node --test` would then run nothing.
    delete env.NODE_TEST_CONTEXT
  })
  after(async () => {
    if (up) {
      up.proc.kill('SIGTERM')
      const stopped = await Promise.race([up.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000).unref())])
      if (!stopped) await killNetwork(up, path.join(checkout, '.plexus'))
    }
    tmp.cleanup()
  })

  it('has the blocks the test expects: one start, then files and commands', () => {
    assert.equal(blocks.filter((b) => b.kind === 'start').length, 1)
    assert.equal(blocks[0]!.kind, 'start')
    assert.ok(blocks.filter((b) => b.kind === 'run').length >= 6, 'every step has its commands')
  })

  for (const [i, block] of blocks.entries()) {
    const title = `${block.step} (block ${i + 1}): ${block.kind === 'file' ? `save ${block.file}` : block.body.trim().split('\n').at(-1)!.slice(0, 70)}`
    it(title, async () => {
      if (block.kind === 'start') {
        // `npm start`, with a config that puts the network on free ports and its datadir in the test's checkout.
        assert.equal(block.body.trim(), 'npm start')
        const config = path.join(tmp.dir, 'plexus.yaml')
        writeFileSync(config, `datadir: ${path.join(checkout, '.plexus')}\nl1:\n  embedded: { port: ${ports.l1} }\nchains:\n${ports.chains.map((p) => `  - rpc: { port: ${p} }`).join('\n')}\n`)
        up = await spawnUp(['start', '--', '--config', config, '--dashboard-port', '0'], ports.chains.map((p) => `http://127.0.0.1:${p}`), {
          command: 'npm',
          cwd: root,
          timeoutMs: 240_000,
        })
        return
      }
      assert.ok(up, 'the network runs (the start block passed)')
      if (block.kind === 'file') {
        const file = path.join(cwd, block.file!)
        mkdirSync(path.dirname(file), { recursive: true })
        writeFileSync(file, onPorts(block.body, ports))
        return
      }
      const cwdFile = path.join(tmp.dir, 'cwd')
      const r = await bash(`${onPorts(block.body, ports)}\npwd > ${JSON.stringify(cwdFile)}`, cwd, env)
      assert.equal(r.code, 0, `the block failed:\n${block.body}\n--- output ---\n${r.out.slice(-6000)}`)
      // A test run that ran nothing exits 0 too: it must report its tests, all passed.
      if (block.body.includes('node --test')) assert.match(r.out, /ℹ pass [1-9]\d*\n[\s\S]*ℹ fail 0\n/, r.out.slice(-3000))
      cwd = readFileSync(cwdFile, 'utf8').trim()
    })
  }

  it("the guide's steps left their marks on the chains: the greeting on 902 came from 901", async () => {
    const greeter902 = (JSON.parse(readFileSync(path.join(checkout, 'my-dapp/greeter-902.json'), 'utf8')) as { deployedTo: string }).deployedTo
    // greeting() selector 0xef690cc0, an ABI-encoded string.
    const raw = await rpc<string>(`http://127.0.0.1:${ports.chains[1]}`, 'eth_call', [{ to: greeter902, data: '0xef690cc0' }, 'latest'])
    const text = Buffer.from(raw.slice(2 + 128), 'hex').toString('utf8').replace(/\0+$/, '')
    assert.match(text, /^hello from 901 at /)
  })
})
