/** Every long-running service has the same lifecycle (optimism op-service/cliapp). */
export interface Lifecycle {
  start(): Promise<void>
  /** Idempotent; must leave durable state consistent. */
  stop(): Promise<void>
}
