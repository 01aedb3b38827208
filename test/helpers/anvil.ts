import { spawn, type ChildProcess } from 'node:child_process'
import { anvilBinary } from '../../src/settlement/l1/embeddedAnvil.js'
import { freePort, rpc, sleep } from './node.js'

export { anvilBinary }

export interface Anvil {
  url: string
  proc: ChildProcess
  stop(): Promise<void>
}

/** anvil on a free 127.0.0.1 port with the dev mnemonic; extra args appended. */
export async function startAnvil(args: string[] = []): Promise<Anvil> {
  const port = await freePort()
  const proc = spawn(anvilBinary(), ['--host', '127.0.0.1', '--port', String(port), '--silent', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let err = ''
  proc.stderr!.on('data', (d) => (err += d))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 20_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`anvil exited (${proc.exitCode}): ${err}`)
    try {
      await rpc(url, 'eth_chainId', [])
      break
    } catch {
      if (Date.now() > deadline) throw new Error(`anvil did not start: ${err}`)
      await sleep(100)
    }
  }
  return {
    url,
    proc,
    async stop() {
      if (proc.exitCode !== null) return
      const exited = new Promise((r) => proc.once('exit', r))
      proc.kill('SIGTERM')
      await exited
    },
  }
}
