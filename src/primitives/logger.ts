import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino'
import pretty from 'pino-pretty'

export type Logger = PinoLogger
export type LogLevel = LevelWithSilent

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** `json`: one JSON object per line (for machines); `pretty`: one readable line per entry (for people). */
export type LogFormat = 'json' | 'pretty'

export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty']

/** The format when none is asked for: readable in a terminal, JSON when the output goes to a file or a pipe. */
export function defaultLogFormat(stream: NodeJS.WritableStream = process.stdout): LogFormat {
  return (stream as { isTTY?: boolean }).isTTY ? 'pretty' : 'json'
}

/** The root logger; subsystems take `logger.child({ module })` from the composition root. */
export function createLogger(level: LogLevel = 'info', destination?: NodeJS.WritableStream, format?: LogFormat): Logger {
  const out = destination ?? process.stdout
  const options = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }
  if ((format ?? defaultLogFormat(out)) === 'json') return pino(options, out)
  // In-process and synchronous (no worker thread): a line logged just before an exit is
  // not lost, and the order with the banner (stderr) stays the order of events.
  return pino(
    options,
    pretty({
      destination: out,
      sync: true,
      colorize: (out as { isTTY?: boolean }).isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      // `module` and `chain` say who speaks: first on the line, not among the fields below it.
      messageFormat: '{if module}[{module}] {end}{if chain}({chain}) {end}{msg}',
      ignore: 'module,chain,name',
      singleLine: true,
    }),
  )
}

/** A logger that drops everything: for tests and embedded use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
