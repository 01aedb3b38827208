import { devAccounts } from '../execution/genesis.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'

/** A service that can also be ended at once, synchronously, when there is no time to stop it. */
export interface Killable {
  /** Ends what would outlive the process (child processes). */
  kill?(): void
  /** Told if the service stops working on its own (a lost executor): the process stops it and exits 1 with the reason. */
  onFatal?(listener: (err: Error) => void): () => void
}

/** If stopping takes longer than this, the process exits anyway (as after a second signal). */
export const STOP_DEADLINE_MS = 60_000

/**
 * Signals this soon after the first are the same request: a terminal's Ctrl-C reaches
 * Plexus both from the terminal and forwarded by npm (`npm start`).
 */
const SAME_REQUEST_MS = 1_000

/**
 * Starts `service` and keeps the process serving until SIGINT/SIGTERM, then stops it
 * (in order) and exits 0. A second SIGINT/SIGTERM while stopping, or a stop that
 * outlasts STOP_DEADLINE_MS, exits at once with code 130/143 (after `kill`, so no child
 * process is left behind). `cleanup` runs after stopping, and when start fails (the
 * error is rethrown for the CLI to report).
 */
export async function serveUntilSignal(service: Lifecycle & Killable, logger: Logger, cleanup?: () => void): Promise<void> {
  let stoppingSince: number | undefined
  /** The stop a signal started (it ends the process). */
  let stopping: Promise<void> | undefined
  const forceExit = (why: string, code: number) => {
    logger.warn({ why }, 'exiting without waiting for the stop to finish')
    try {
      service.kill?.()
      cleanup?.()
    } finally {
      process.exit(code)
    }
  }
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < SAME_REQUEST_MS) return
      return forceExit(`second ${signal}`, signal === 'SIGINT' ? 130 : 143)
    }
    stoppingSince = Date.now()
    logger.info({ signal }, 'shutting down (send the signal again to exit at once)')
    const deadline = setTimeout(() => forceExit(`stop took longer than ${STOP_DEADLINE_MS / 1000} s`, 1), STOP_DEADLINE_MS)
    deadline.unref()
    stopping = service
      .stop()
      .catch((err) => logger.error({ err }, 'error during shutdown'))
      .finally(() => {
        cleanup?.()
        process.exit(0)
      })
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  service.onFatal?.((err) => {
    if (stoppingSince !== undefined) return
    stoppingSince = Date.now()
    const deadline = setTimeout(() => forceExit(`stop took longer than ${STOP_DEADLINE_MS / 1000} s`, 1), STOP_DEADLINE_MS)
    deadline.unref()
    stopping = service
      .stop()
      .catch((stopErr) => logger.error({ err: stopErr }, 'error during shutdown'))
      .finally(() => {
        cleanup?.()
        // One line, as every CLI error: what happened and what to do.
        process.stderr.write(`error: ${err.message.split('\n')[0]}\n`)
        process.exit(1)
      })
  })
  try {
    await service.start()
  } catch (err) {
    // A signal during start-up: the start fails because the stop abandoned it, which is
    // what was asked, not an error to report. The stop under way exits the process.
    if (stopping) return new Promise<void>(() => undefined)
    await service.stop().catch(() => undefined)
    cleanup?.()
    throw err
  }
}

/** The banner lines listing the dev accounts. */
export function devAccountLines(): string[] {
  return [
    '  Dev accounts (10,000 ETH each on every chain; mnemonic "test test test test test test test test test test test junk"):',
    ...devAccounts().map((a, i) => `  (${i}) ${a.address}  ${a.privateKey}`),
  ]
}
