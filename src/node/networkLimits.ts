import { ConfigError } from '../primitives/errors.js'
import { DEFAULT_MAX_BLOCK_DATA_BYTES } from '../sequencer/sharedSequencer.js'
import { maxBlockDataBytesFor } from '../settlement/daCapacity.js'
import type { NetworkChainOptions } from './networkOptions.js'
import { DEFAULT_SLOT_TIME_MS } from './options.js'

/** The largest transaction the pool accepts (128 KiB): every block must be able to hold one. */
export const MIN_BLOCK_DATA_BYTES = 128 * 1024

/**
 * What each chain's block may carry in a slot of `chains` chains: the configured limit,
 * lowered so that a slot of full blocks still fits one network batch (the batcher can
 * always carry it; see `maxBlockDataBytesFor`).
 */
export function blockDataLimit(configured: number | undefined, chains: number): number {
  return Math.min(configured ?? DEFAULT_MAX_BLOCK_DATA_BYTES, maxBlockDataBytesFor(chains))
}

/** `maxBlockDataBytes` must let a block hold the largest transaction the pool accepts. */
export function checkMaxBlockData(configured: number | undefined): void {
  if (configured !== undefined && (!Number.isSafeInteger(configured) || configured < MIN_BLOCK_DATA_BYTES)) {
    throw new ConfigError('maxBlockDataBytes', `${configured} is too small: a block must hold the largest transaction the pool accepts, so give at least ${MIN_BLOCK_DATA_BYTES}`)
  }
}

/** A network must not have more chains than the batch limits carry in one slot, a full largest transaction each. */
export function checkChainCount(chains: number): void {
  if (maxBlockDataBytesFor(chains) < MIN_BLOCK_DATA_BYTES) {
    let most = chains
    while (most > 1 && maxBlockDataBytesFor(most) < MIN_BLOCK_DATA_BYTES) most--
    throw new ConfigError('chains', `${chains} chains are more than one network batch carries in a slot (at most ${most} chains, each block able to hold a 128 KiB transaction); run fewer chains, or split them into several networks`)
  }
}

/** The network's slot time: every chain's must be the same (one slot clock builds them all). */
export function networkSlotTime(chains: readonly NetworkChainOptions[]): number {
  const slotTimeMs = chains[0]?.slotTimeMs ?? DEFAULT_SLOT_TIME_MS
  chains.forEach((c, i) => {
    if (c.slotTimeMs !== slotTimeMs) {
      throw new ConfigError(`chains[${i}].slotTimeMs`, `${c.slotTimeMs} differs from chains[0]'s ${slotTimeMs}; every chain of a network shares one slot clock, so give them all the same slot time`)
    }
  })
  return slotTimeMs
}
