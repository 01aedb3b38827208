import { InvalidParamsError } from '../../primitives/errors.js'
import { parseAddress, parseStorageKey } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { headerForState } from '../blockTag.js'

/** EIP-1186 account and storage proofs against the block's state root. */
export async function getProof(api: RpcApi, [address, slots, block]: unknown[]): Promise<unknown> {
  const addr = parseAddress(address)
  if (!Array.isArray(slots)) throw new InvalidParamsError('invalid storageKeys: expected an array')
  const keys = slots.map((s, i) => parseStorageKey(s, `storageKeys[${i}]`))
  const header = headerForState(api, block)
  const proof = await api.chain.proofAt(header.stateRoot, addr, keys)
  // geth echoes the storage keys as given and trims values to QUANTITY
  return {
    ...proof,
    storageProof: proof.storageProof.map((p, i) => ({ ...p, key: slots[i] as string })),
  }
}
