import type { Hex } from 'viem'
import { CliProcess } from '../helpers/cliProcess.js'
import { rpcCall } from '../helpers/jsonRpc.js'
import { sleep } from '../helpers/node.js'
import { StartError } from './networkProcess.js'

/**
 * `plexus replica` as its own process: every chain rebuilt from L1 alone, served on
 * `port + i` for the i-th chain id. It follows the L1 through every fault the network
 * suffers (anvil killed, restarted shorter), which is itself part of what is tested.
 */
export class ReplicaProcess {
  process: CliProcess | undefined
  readonly started: number[] = []

  constructor(
    private readonly opts: { l1Url: string; registry: Hex; datadir: string; port: number; chainIds: number[]; logFile: string; logLevel: string },
  ) {}

  url(chainId: number): string {
    const i = [...this.opts.chainIds].sort((a, b) => a - b).indexOf(chainId)
    return `http://127.0.0.1:${this.opts.port + i}`
  }

  async start(timeoutMs: number): Promise<void> {
    const o = this.opts
    const proc = (this.process = new CliProcess(
      ['replica', '--l1', o.l1Url, '--registry', o.registry, '--datadir', o.datadir, '--host', '127.0.0.1', '--port', String(o.port), '--log-level', o.logLevel],
      o.logFile,
    ))
    this.started.push(proc.pid)
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (!proc.running) throw new StartError(`plexus replica exited with code ${(await proc.exited).code}`, proc.tail(40))
      try {
        for (const chainId of o.chainIds) await rpcCall(this.url(chainId), 'eth_chainId', [], 2000)
        return
      } catch {
        // not serving yet
      }
      if (Date.now() > deadline) {
        proc.killGroup('SIGKILL')
        await proc.exited
        throw new StartError(`plexus replica did not serve within ${timeoutMs} ms`, proc.tail(40))
      }
      await sleep(250)
    }
  }

  get running(): boolean {
    return this.process?.running ?? false
  }

  async stop(termMs: number, forceMs = termMs): Promise<{ ms: number; by: string }> {
    return this.process ? this.process.stop(termMs, forceMs) : { ms: 0, by: 'not-started' }
  }
}
