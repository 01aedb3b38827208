import path from 'node:path'
import { readDeployment, deploymentFile } from '../../settlement/l1/deploy.js'
import { BaseError } from '../../primitives/errors.js'
import { DEFAULT_DATADIR } from './node.js'
import { networkDatadir, type NetworkTarget } from '../adminClient.js'

/** `plexus addresses`: the network's L1 contracts as recorded in the datadir. */
export function addresses(opts: NetworkTarget & { json?: boolean }): void {
  const datadir = path.resolve(networkDatadir(opts) ?? DEFAULT_DATADIR)
  const d = readDeployment(datadir)
  if (!d) {
    throw new BaseError(`no L1 deployment recorded in ${deploymentFile(datadir)}`, {
      details: 'start the network once with `plexus up` (or pass the --datadir it uses)',
    })
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify({ l1ChainId: d.l1ChainId, ...d.contracts }, null, 2) + '\n')
    return
  }
  process.stdout.write(`L1 chain ${d.l1ChainId}\n`)
  for (const [name, address] of Object.entries(d.contracts)) process.stdout.write(`${name.padEnd(14)} ${address}\n`)
}
