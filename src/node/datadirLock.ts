import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { BaseError } from '../primitives/errors.js'
import { liveProcessOf, writePidFile } from '../settlement/l1/pidFile.js'

/** The datadir is held by another running Plexus. */
export class DatadirInUseError extends BaseError {
  override name = 'DatadirInUseError'
}

/** `<datadir>/plexus.pid`: the process that runs the network of this datadir. */
export function datadirLockFile(datadir: string): string {
  return path.join(datadir, 'plexus.pid')
}

/**
 * Takes the datadir for this process, or throws DatadirInUseError while another live
 * Plexus holds it. Two networks on one datadir would each stop the other's embedded L1
 * (as an orphan of a crashed run) and write the same chain databases. The lock is the
 * file's exclusive creation, so two starts at once cannot both win; a lock left by a
 * process that died (`kill -9`) names no live process and is taken over. Returns what
 * releases it.
 */
export function lockDatadir(datadir: string): () => void {
  const file = datadirLockFile(datadir)
  mkdirSync(datadir, { recursive: true })
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid, binary: process.execPath }) + '\n', { flag: 'wx' })
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const holder = liveProcessOf(file)
      if (holder && holder.pid !== process.pid) {
        throw new DatadirInUseError(`the datadir ${datadir} is in use by another Plexus (pid ${holder.pid}); stop it first, or start this one with another --datadir`)
      }
      // A stale lock (its process is gone, or the file is torn): remove it and try once more.
      if (attempt > 0) throw new DatadirInUseError(`could not take the datadir ${datadir}: ${file} keeps coming back; is another Plexus starting on it?`)
      rmSync(file, { force: true })
    }
  }
  // The full record (with the start time) now that the file is ours: a reused pid is never taken for us.
  writePidFile(file, process.pid, process.execPath)
  return () => {
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid === process.pid) rmSync(file, { force: true })
    } catch {
      // already gone
    }
  }
}
