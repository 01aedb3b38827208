import { InvalidParamsError } from '../../primitives/errors.js'
import type { CallTracerConfig } from '../../execution/tracing/index.js'

/** `{ tracer: 'callTracer', tracerConfig: { onlyTopCall?, withLog? } }` — the one tracer served. */
export function parseTracerConfig(config: unknown): CallTracerConfig {
  const c = (config ?? {}) as { tracer?: unknown; tracerConfig?: { onlyTopCall?: unknown; withLog?: unknown } }
  if (c.tracer === undefined) {
    throw new InvalidParamsError('only the callTracer is supported: pass {"tracer":"callTracer"}')
  }
  if (c.tracer !== 'callTracer') throw new InvalidParamsError(`tracer ${JSON.stringify(c.tracer)} not found`)
  return { onlyTopCall: c.tracerConfig?.onlyTopCall === true, withLog: c.tracerConfig?.withLog === true }
}
