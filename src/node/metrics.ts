import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** The node's Prometheus metrics, served at GET /metrics on the RPC port. */
export class NodeMetrics {
  readonly registry = new Registry()
  readonly blocks = new Counter({ name: 'plexus_blocks_total', help: 'Blocks committed', registers: [this.registry] })
  readonly transactions = new Counter({
    name: 'plexus_transactions_total',
    help: 'Transactions included in committed blocks',
    registers: [this.registry],
  })
  readonly gasUsed = new Counter({ name: 'plexus_gas_used_total', help: 'Gas used by committed blocks', registers: [this.registry] })
  readonly headNumber = new Gauge({ name: 'plexus_head_block_number', help: 'Number of the head block', registers: [this.registry] })
  readonly blockBuildSeconds = new Histogram({
    name: 'plexus_block_build_seconds',
    help: 'Time to build and commit a block',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  })
  readonly blockPhaseSeconds = new Histogram({
    name: 'plexus_block_phase_seconds',
    help: 'Time per phase of building a block: execution, stateRoot, tries, storage',
    labelNames: ['phase'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  })
  readonly txpoolPending = new Gauge({ name: 'plexus_txpool_pending', help: 'Executable pooled transactions', registers: [this.registry] })
  readonly txpoolQueued = new Gauge({ name: 'plexus_txpool_queued', help: 'Pooled transactions behind a nonce gap', registers: [this.registry] })
  readonly rpcDuration = new Histogram({
    name: 'plexus_rpc_request_duration_seconds',
    help: 'JSON-RPC method latency',
    labelNames: ['method', 'ok'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  })

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'plexus_process_' })
  }

  handler = async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await this.registry.metrics()
    res.writeHead(200, { 'content-type': this.registry.contentType })
    res.end(body)
  }
}
