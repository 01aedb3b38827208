import { devAccounts } from '../execution/genesis.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'

/**
 * Starts `service` and keeps the process serving until SIGINT/SIGTERM, then stops it
 * (in order) and exits 0. `cleanup` runs after stopping, and when start fails (the
 * error is rethrown for the CLI to report).
 */
export async function serveUntilSignal(service: Lifecycle, logger: Logger, cleanup?: () => void): Promise<void> {
  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    service
      .stop()
      .catch((err) => logger.error({ err }, 'error during shutdown'))
      .finally(() => {
        cleanup?.()
        process.exit(0)
      })
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  try {
    await service.start()
  } catch (err) {
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
