import { closeSync, openSync, writeSync } from 'node:fs'
import path from 'node:path'
import { Chain } from '../../execution/chain.js'
import { initCrypto } from '../../primitives/crypto.js'
import { ConfigError } from '../../primitives/errors.js'
import { silentLogger } from '../../primitives/logger.js'
import { ChainStore } from '../../storage/chainStore.js'
import { openDatabase } from '../../storage/database.js'
import { chainDir, storedChainIds, storedGenesis } from '../../node/datadir.js'
import { DEFAULT_DATADIR } from './node.js'

export interface ExportOptions {
  datadir?: string
  chainId?: number
}

/** `plexus export out.rlp`: blocks 1 … head as concatenated RLP (geth's export format). */
export async function exportChain(file: string, opts: ExportOptions): Promise<number> {
  await initCrypto()
  const datadir = path.resolve(opts.datadir ?? DEFAULT_DATADIR)
  const ids = storedChainIds(datadir)
  const chainId = opts.chainId ?? (ids.length === 1 ? ids[0] : undefined)
  if (chainId === undefined) throw new ConfigError('--chain-id', `datadir holds chains [${ids.join(', ')}]; name one`)
  const genesis = storedGenesis(datadir, chainId)
  if (!genesis) throw new ConfigError('--chain-id', `no chain ${chainId} in ${datadir}`)
  const store = new ChainStore(openDatabase(path.join(chainDir(datadir, chainId), 'db')))
  const fd = openSync(file, 'w')
  try {
    const chain = await Chain.open(store, genesis, silentLogger())
    const head = chain.headHeader().number
    for (let n = 1n; n <= head; n++) writeSync(fd, chain.getBlockByNumber(n)!.serialize())
    return Number(head)
  } finally {
    closeSync(fd)
    await store.close()
  }
}
