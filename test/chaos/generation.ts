import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Hex } from 'viem'
import { rpcCall } from '../helpers/jsonRpc.js'
import { freePorts } from '../helpers/processes.js'
import type { ChaosContext, FaultResult } from './context.js'
import { stopNetwork } from './faults/restart.js'
import { Ledger } from './ledger.js'
import { DEFAULT_RATES, LoadGenerator, type LoadEnv } from './load.js'
import { NetworkProcess, writeConfig, type NetworkLayout } from './networkProcess.js'
import type { SuiteOptions } from './options.js'
import { ReplicaProcess } from './replicaProcess.js'
import type { Rng } from './rng.js'
import { prepareNetwork } from './setup.js'

/**
 * One network the suite runs its faults against, with everything tied to it: its
 * processes, its replica, the load and the ledger of what it promised. A fault can leave
 * a datadir no operator could start again by hand (seen: anvil's state file cut short by
 * kill -9); that is reported, and the run goes on with a new generation (a new datadir,
 * new ports, an empty ledger) so every fault of the schedule still runs.
 */
export interface Generation {
  n: number
  net: NetworkProcess
  load?: LoadGenerator
  /** Set once the generation is up. */
  ctx: ChaosContext
  /** Every replica started (the one following the run, and a fresh one at the end). */
  replicas: ReplicaProcess[]
  /** Every port it uses (checked free at the end). */
  ports: number[]
  /** Every process it started. */
  started(): number[]
}

export async function bringUp(options: SuiteOptions, rng: Rng, workdir: string, n: number, measured: Record<string, number | string>, log: (line: string) => void): Promise<Generation> {
  const dir = path.join(workdir, `gen${n}`)
  mkdirSync(dir, { recursive: true })
  // the replica serves chain i on port + i: the first two ports are adjacent
  const [replicaPort, , l1Port, p901, p902] = (await freePorts(5, 2)) as [number, number, number, number, number]
  const layout: NetworkLayout = {
    workdir: dir,
    datadir: path.join(dir, 'network'),
    configFile: path.join(dir, 'plexus.json'),
    logFile: path.join(dir, 'network.log'),
    l1Port,
    rpcPorts: new Map([
      [901, p901],
      [902, p902],
    ]),
  }
  writeConfig(layout, options.executors)
  const net = new NetworkProcess(layout, options.logLevel)
  const ledger = new Ledger()
  const replicas: ReplicaProcess[] = []
  const g: Generation = {
    n,
    net,
    ctx: undefined as unknown as ChaosContext,
    replicas,
    ports: [l1Port, p901, p902, replicaPort, replicaPort + 1],
    started: () => [...net.started, ...replicas.flatMap((r) => r.started)],
  }
  log(`network${n > 0 ? ` (generation ${n})` : ''}: starting (a first start deploys the L1 contracts) in ${dir}`)
  try {
    const first = await net.start(options.timeouts.start)
    measured[n === 0 ? 'coldStartMs' : `coldStartMs.gen${n}`] = Math.round(first.ms)
    log(`  up in ${Math.round(first.ms)} ms; fault-injection hook ${net.hook.available ? 'available' : `not available (${net.hook.why})`}`)
    const l1ChainId = Number(BigInt(await rpcCall<Hex>(net.l1Url, 'eth_chainId')))
    const contracts = await rpcCall<{ Portal: Hex; ChainRegistry: Hex }>(net.url(net.chainIds[0]!), 'plexus_getL1Addresses')
    const burstChain = rng.fork('burst').pick(net.chainIds)
    const env: LoadEnv = { net, ledger, trial: () => g.ctx?.trial ?? 0, l1ChainId, portal: contracts.Portal, revertingTarget: '0x', paidSender: '0x' }
    const load = (g.load = new LoadGenerator(env, rng.fork(`load-${n}`), DEFAULT_RATES))
    load.start()
    log(`preparing: a reverting contract and a paid message sender on every chain, ${options.burst.senders} burst senders funded on ${burstChain}`)
    ;({ revertingTarget: env.revertingTarget, paidSender: env.paidSender } = await prepareNetwork(net, ledger, load, { chainId: burstChain, senders: options.burst.senders }))
    const replica = new ReplicaProcess({
      l1Url: net.l1Url,
      registry: contracts.ChainRegistry,
      datadir: path.join(dir, 'replica'),
      port: replicaPort,
      chainIds: net.chainIds,
      logFile: path.join(dir, 'replica.log'),
      logLevel: options.logLevel,
    })
    replicas.push(replica)
    g.ctx = {
      options,
      rng,
      net,
      replica,
      ledger,
      load,
      l1ChainId,
      contracts,
      revertingTarget: env.revertingTarget,
      burstChain,
      trial: 0,
      fault: 'none',
      faultAt: performance.now(),
      logMark: performance.now(),
      memo: new Map(),
      measured,
      log,
    }
    await replica.start(options.timeouts.start)
    log('replica started (it rebuilds every chain from L1 and follows the L1 through the faults)')
    return g
  } catch (err) {
    // nothing of a generation that did not come up may outlive it
    await tearDown(g, [], options)
    throw err
  }
}

/** A second replica, rebuilt from L1 from scratch (the end of a full run). */
export async function freshReplica(g: Generation, options: SuiteOptions): Promise<ReplicaProcess> {
  const [port] = (await freePorts(2, 2)) as [number, number]
  const dir = g.ctx.net.layout.workdir
  const fresh = new ReplicaProcess({ l1Url: g.ctx.net.l1Url, registry: g.ctx.contracts.ChainRegistry, datadir: path.join(dir, 'replica-fresh'), port, chainIds: g.ctx.net.chainIds, logFile: path.join(dir, 'replica-fresh.log'), logLevel: options.logLevel })
  g.ports.push(port, port + 1)
  g.replicas.push(fresh)
  await fresh.start(options.timeouts.start)
  return fresh
}

/** Stops the load, the replicas and the network (as an operator would, recording a stop that broke its promise). Returns the network's stop time. */
export async function tearDown(g: Generation, violations: FaultResult['violations'], options: SuiteOptions): Promise<number> {
  await g.load?.stop()
  for (const r of g.replicas) await r.stop(options.timeouts.stopGrace, options.timeouts.forceGrace)
  if (!g.ctx) return (await g.net.stop(options.timeouts.stopGrace, options.timeouts.forceGrace)).ms
  return stopNetwork(g.ctx, violations, g.net.running ? 'at the end' : 'at the end (already exited)')
}
