import { readFileSync } from 'node:fs'
import path from 'node:path'
import { createBlockFromBytesArray } from '@ethereumjs/block'
import { RLP } from '@ethereumjs/rlp'
import { Chain } from '../../execution/chain.js'
import { loadGenesisFile } from '../../execution/genesis.js'
import { initCrypto } from '../../primitives/crypto.js'
import { BaseError } from '../../primitives/errors.js'
import { toData } from '../../primitives/hex.js'
import { createLogger, type LogFormat, type LogLevel } from '../../primitives/logger.js'
import { ChainStore } from '../../storage/chainStore.js'
import { openDatabase } from '../../storage/database.js'
import { chainDir, saveGenesis } from '../../node/datadir.js'
import { DEFAULT_DATADIR } from './node.js'

export interface ImportOptions {
  genesis: string
  datadir?: string
  logLevel?: LogLevel
  logFormat?: LogFormat
}

export class ImportError extends BaseError {
  override name = 'ImportError'
}

/**
 * `plexus import --genesis genesis.json chain.rlp`: executes every block of a geth
 * export (concatenated RLP blocks) under the genesis's hardfork schedule, refusing any
 * block whose state, transactions or receipts root does not match.
 */
export async function importChain(file: string, opts: ImportOptions): Promise<{ imported: number; head: bigint }> {
  await initCrypto()
  const logger = createLogger(opts.logLevel ?? 'info', undefined, opts.logFormat)
  const genesis = loadGenesisFile(opts.genesis)
  const datadir = path.resolve(opts.datadir ?? DEFAULT_DATADIR)
  saveGenesis(datadir, genesis)
  const store = new ChainStore(openDatabase(path.join(chainDir(datadir, genesis.config.chainId), 'db')))
  try {
    const chain = await Chain.open(store, genesis, logger.child({ module: 'chain' }))
    let data: Uint8Array = readFileSync(file)
    let imported = 0
    let skipped = 0
    const started = Date.now()
    let lastReport = started
    while (data.length > 0) {
      let decoded
      try {
        decoded = RLP.decode(data, true)
      } catch (err) {
        throw new ImportError(`${file}: invalid RLP after ${imported + skipped} blocks`, { cause: err })
      }
      data = decoded.remainder
      let block
      try {
        block = createBlockFromBytesArray(decoded.data as never, { common: chain.common, setHardfork: true })
      } catch (err) {
        throw new ImportError(`${file}: block #${imported + skipped + 1} in the file cannot be decoded: ${(err as Error).message}`, { cause: err })
      }
      const n = block.header.number
      const have = chain.canonicalHash(n)
      if (have) {
        // Already imported (or genesis): it must be the same block.
        if (toData(have) !== toData(block.hash())) {
          throw new ImportError(`block ${n} in ${file} (${toData(block.hash())}) differs from the stored block ${toData(have)}`)
        }
        skipped++
        continue
      }
      await chain.importBlock(block)
      imported++
      if (Date.now() - lastReport > 2000) {
        lastReport = Date.now()
        logger.info({ number: n.toString(), imported, perSecond: Math.round(imported / ((lastReport - started) / 1000)) }, 'importing')
      }
    }
    const head = chain.headHeader().number
    logger.info({ imported, skipped, head: head.toString(), seconds: (Date.now() - started) / 1000 }, 'import done')
    return { imported, head }
  } finally {
    await store.close()
  }
}
