import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino'

export type Logger = PinoLogger
export type LogLevel = LevelWithSilent

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** The root logger; subsystems take `logger.child({ module })` from the composition root. */
export function createLogger(level: LogLevel = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination ?? process.stdout)
}

/** A logger that drops everything: for tests and embedded use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
