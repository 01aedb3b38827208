import type { Fault } from '../context.js'
import type { SuiteOptions } from '../options.js'
import type { Rng } from '../rng.js'
import { burst } from './burst.js'
import { commitException } from './commitException.js'
import { hostileRequests } from './hostile.js'
import { kill9All, kill9Network } from './kill9.js'
import { killAnvil } from './killAnvil.js'

export { burst, commitException, hostileRequests, kill9All, kill9Network, killAnvil }

/**
 * The run's faults in order, drawn from the seed: the kill trials (each the network alone
 * or with its L1, half and half on average), the L1 kills, the commit exceptions and the
 * hostile requests shuffled together; the burst last, because the backlog it leaves
 * takes the batcher tens of seconds to post, which every later check of the safe head and
 * the replica would otherwise have to wait out.
 */
export function schedule(options: SuiteOptions, rng: Rng): Fault[] {
  const kills = Array.from({ length: options.kills }, () => (rng.chance(0.5) ? kill9Network : kill9All))
  const middle = rng.shuffle([
    ...kills,
    ...Array.from({ length: options.anvilKills }, () => killAnvil),
    ...Array.from({ length: options.exceptions }, () => commitException),
    ...(options.hostileRequests > 0 ? [hostileRequests] : []),
  ])
  // the short run must see both kinds of kill whatever the seed
  if (options.kills >= 2 && !(middle.includes(kill9Network) && middle.includes(kill9All))) {
    const i = middle.indexOf(middle.includes(kill9Network) ? kill9Network : kill9All)
    middle[i] = middle[i] === kill9Network ? kill9All : kill9Network
  }
  return [...middle, ...(options.burst.transfers > 0 ? [burst] : [])]
}
